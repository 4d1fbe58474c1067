/**
 * Link health for the catalogue (`npm run content:check -- --links`).
 *
 * Each link is asked with HEAD, then GET when the server refuses HEAD (405, 403, 501). Redirects
 * are followed. A link is
 * - `ok` when it answers 2xx;
 * - `dead` when the server answers that the page is not there (404, 410 and other 4xx except
 *   401/403/429, or 5xx that persists through the retries), or redirects in a loop;
 * - `unchecked` when no verdict could be had: network failures (DNS, refused connection, TLS),
 *   timeouts, and servers that refuse automated checks (401, 403, 429). Offline, every link
 *   ends up here, and that is not an error.
 * Network failures, timeouts, 429 and 5xx are retried with exponential backoff.
 */
import pMap from 'p-map';

export type LinkState = 'ok' | 'dead' | 'unchecked';

export interface LinkResult {
  url: string;
  state: LinkState;
  /** The last HTTP status, when the server answered. */
  status?: number;
  /** Where the link ends up, when it redirected. */
  finalUrl?: string;
  /** Why it is dead or unchecked, in words. */
  reason?: string;
  /** How many requests were made (HEAD and GET, retries included). */
  attempts: number;
}

export interface LinkCheckOptions {
  /** Links checked at the same time (default 8). */
  concurrency?: number;
  /** Per request (default 8000 ms). */
  timeoutMs?: number;
  /** Retries after the first try for transient failures (default 2). */
  retries?: number;
  /** First backoff delay, doubled after each retry (default 500 ms). */
  backoffMs?: number;
  fetch?: typeof fetch;
  /** Called as each link finishes (progress output). */
  onResult?: (result: LinkResult) => void;
}

export interface LinkReport {
  results: LinkResult[];
  ok: number;
  dead: number;
  unchecked: number;
  /** No link got any HTTP answer at all: most likely there is no network. */
  offline: boolean;
}

const USER_AGENT = 'Mozilla/5.0 (compatible; CohortLinkCheck/1.0; study-group resource checker)';
const HEAD_REFUSED = new Set([403, 405, 501]);
const BLOCKED = new Set([401, 403, 429]);

/** Checks each distinct URL once, at most `concurrency` at a time; results keep the input order. */
export async function checkLinks(urls: readonly string[], options: LinkCheckOptions = {}): Promise<LinkReport> {
  const distinct = [...new Set(urls)];
  const results = await pMap(
    distinct,
    async (url) => {
      const result = await checkLink(url, options);
      options.onResult?.(result);
      return result;
    },
    { concurrency: Math.max(1, options.concurrency ?? 8) },
  );
  const count = (state: LinkState) => results.filter((r) => r.state === state).length;
  return {
    results,
    ok: count('ok'),
    dead: count('dead'),
    unchecked: count('unchecked'),
    offline: results.length > 0 && results.every((r) => r.status === undefined),
  };
}

type Attempt =
  | { kind: 'response'; status: number; finalUrl: string }
  | { kind: 'failure'; reason: string; code?: string }
  | { kind: 'loop' };

/** Checks one URL: HEAD (GET when HEAD is refused), retrying transient failures. */
export async function checkLink(url: string, options: LinkCheckOptions = {}): Promise<LinkResult> {
  const retries = Math.max(0, options.retries ?? 2);
  const backoffMs = options.backoffMs ?? 500;
  let attempts = 0;
  let last: Attempt = { kind: 'failure', reason: 'not tried' };
  for (let round = 0; round <= retries; round += 1) {
    if (round > 0) await sleep(backoffMs * 2 ** (round - 1));
    attempts += 1;
    last = await request(url, 'HEAD', options);
    if (last.kind === 'response' && HEAD_REFUSED.has(last.status)) {
      attempts += 1;
      last = await request(url, 'GET', options);
    }
    if (!isTransient(last)) break;
  }
  return verdict(url, last, attempts);
}

function isTransient(attempt: Attempt): boolean {
  // A name the resolver says does not exist will not exist half a second later either.
  if (attempt.kind === 'loop') return false;
  if (attempt.kind === 'failure') return attempt.code !== 'ENOTFOUND';
  return attempt.status === 429 || attempt.status >= 500;
}

function verdict(url: string, attempt: Attempt, attempts: number): LinkResult {
  if (attempt.kind === 'loop') return { url, state: 'dead', reason: 'too many redirects (a redirect loop)', attempts };
  if (attempt.kind === 'failure') return { url, state: 'unchecked', reason: attempt.reason, attempts };
  const { status, finalUrl } = attempt;
  const moved = finalUrl !== url ? { finalUrl } : {};
  if (status >= 200 && status < 300) return { url, state: 'ok', status, attempts, ...moved };
  if (BLOCKED.has(status)) return { url, state: 'unchecked', status, reason: `the site refused the check (HTTP ${status})`, attempts, ...moved };
  if (status >= 300 && status < 400) return { url, state: 'dead', status, reason: `redirect without a usable target (HTTP ${status})`, attempts, ...moved };
  return { url, state: 'dead', status, reason: `HTTP ${status}`, attempts, ...moved };
}

async function request(url: string, method: 'HEAD' | 'GET', options: LinkCheckOptions): Promise<Attempt> {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 8000;
  try {
    const response = await doFetch(url, {
      method,
      redirect: 'follow',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { 'user-agent': USER_AGENT, accept: '*/*' },
    });
    // Only the status matters: never download the page.
    await response.body?.cancel().catch(() => undefined);
    return { kind: 'response', status: response.status, finalUrl: response.url || url };
  } catch (error) {
    const cause = error instanceof Error ? (error.cause as { message?: unknown } | undefined) : undefined;
    if (cause?.message === 'redirect count exceeded') return { kind: 'loop' };
    return { kind: 'failure', reason: describeFailure(error, timeoutMs), code: errorCode(error) };
  }
}

function errorCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs / 1000} s`;
  const cause = error instanceof Error ? (error.cause as { message?: unknown } | undefined) : undefined;
  const code = errorCode(error);
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name does not resolve (${code})`;
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connection timed out';
    default:
      if (code) return `network error (${code})`;
      if (typeof cause?.message === 'string') return `network error: ${cause.message}`;
      return error instanceof Error ? `network error: ${error.message}` : 'network error';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One line per dead or unchecked link and a summary, for the command line. */
export function formatLinkReport(report: LinkReport, label: (url: string) => string = (url) => url): string[] {
  const lines: string[] = [];
  for (const r of report.results) {
    if (r.state === 'ok') continue;
    const moved = r.finalUrl ? ` (redirected to ${r.finalUrl})` : '';
    lines.push(`${r.state === 'dead' ? 'DEAD' : 'unchecked'}: ${label(r.url)}: ${r.reason ?? ''}${moved}`);
  }
  const summary = `links: ${report.ok} ok, ${report.dead} dead, ${report.unchecked} unchecked of ${report.results.length}`;
  lines.push(report.offline ? `${summary} (no link answered at all: offline? nothing was marked dead)` : summary);
  return lines;
}
