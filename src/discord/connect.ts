import type { Logger } from '../logger.js';
import { StartupError } from '../errors.js';

/**
 * Start-up's way to Discord: a Discord that cannot be reached (DNS, refused, no answer, 5xx) is
 * one sentence naming the URL and the cause, retried with backoff until DISCORD_CONNECT_TIMEOUT,
 * then a StartupError with that sentence (main.ts prints it and exits 1, for the supervisor).
 *
 * Each try first asks `GET {DISCORD_API_URL}/v10/gateway` (no token needed) with its own
 * deadline: discord.js's login would wait 15 s per request and retry three times on its own
 * (about a minute of silence, then "This operation was aborted"). Then it logs in; a login that
 * fails for the network is retried the same way, anything else (a rejected token) is thrown as is.
 */
export interface ConnectOptions {
  apiUrl: string;
  /** How long to keep trying, in ms (DISCORD_CONNECT_TIMEOUT). */
  timeoutMs: number;
  logger: Logger;
  /** Aborted when the process stops during start-up: the tries end (rejecting with the signal's reason). */
  signal?: AbortSignal;
  /** One try's wait for an answer, in ms (default 10 s, never more than the time left). */
  tryTimeoutMs?: number;
  /** For tests: the probe (default: fetch GET /v10/gateway), the clock and the sleep. */
  probe?: (url: string, signal: AbortSignal) => Promise<{ status: number }>;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Backoff between tries: 1, 2, 4, 8, 15, 15, … s. */
const BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 15_000];

export async function connectToDiscord(login: () => Promise<unknown>, options: ConnectOptions): Promise<void> {
  const { apiUrl, timeoutMs, logger, signal } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const probe = options.probe ?? fetchProbe;
  const started = now();
  const probeUrl = `${apiUrl.replace(/\/+$/, '')}/v10/gateway`;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    const left = Math.max(1_000, timeoutMs - (now() - started));
    const waitMs = Math.min(options.tryTimeoutMs ?? 10_000, left);
    let problem: string;
    try {
      const answer = await probe(probeUrl, anySignal(AbortSignal.timeout(waitMs), signal));
      if (answer.status >= 500) {
        problem = `Discord answered ${answer.status} (it may be having an outage)`;
      } else {
        try {
          await login();
          if (attempt > 1) logger.info({ attempt }, `reached Discord at ${apiUrl}`);
          return;
        } catch (error) {
          if (!isNetworkFailure(error)) throw error;
          problem = causeOf(error, waitMs);
        }
      }
    } catch (error) {
      signal?.throwIfAborted();
      if (!isNetworkFailure(error)) throw error;
      problem = causeOf(error, waitMs);
    }
    const elapsed = now() - started;
    const delay = BACKOFF_MS[Math.min(attempt - 1, BACKOFF_MS.length - 1)]!;
    if (elapsed + delay >= timeoutMs) {
      throw new StartupError(
        `Cannot reach Discord at ${apiUrl}: ${problem}; gave up after ${attempt} ${attempt === 1 ? 'try' : 'tries'} in ${Math.round(elapsed / 1000)} s (DISCORD_CONNECT_TIMEOUT is ${Math.round(timeoutMs / 1000)} s).`,
      );
    }
    logger.warn({ attempt, retryInMs: delay }, `Cannot reach Discord at ${apiUrl}: ${problem}; trying again in ${delay / 1000} s.`);
    await sleep(delay, signal);
  }
}

async function fetchProbe(url: string, signal: AbortSignal): Promise<{ status: number }> {
  const response = await fetch(url, { signal });
  await response.body?.cancel();
  return { status: response.status };
}

function anySignal(timeout: AbortSignal, stop: AbortSignal | undefined): AbortSignal {
  return stop ? AbortSignal.any([timeout, stop]) : timeout;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

/** The codes along an error's chain (fetch wraps the socket's error as its cause; AggregateError holds one per address). */
function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  const visit = (e: unknown, depth: number): void => {
    if (!e || depth > 5) return;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    const name = (e as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError') codes.push(name);
    if (e instanceof AggregateError) for (const inner of e.errors) visit(inner, depth + 1);
    visit((e as { cause?: unknown }).cause, depth + 1);
  };
  visit(error, 0);
  return codes;
}

const DNS = ['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL'];
const REFUSED = ['ECONNREFUSED'];
const TIMEOUT = ['TimeoutError', 'AbortError', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'];
const CLOSED = ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED'];
const UNREACHABLE = ['ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'EADDRNOTAVAIL'];
const TLS = /^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS|ERR_SSL|EPROTO$)/;

/** Whether an error means Discord could not be reached (worth another try), not that it refused us. */
export function isNetworkFailure(error: unknown): boolean {
  const codes = codesOf(error);
  if (codes.some((c) => [...DNS, ...REFUSED, ...TIMEOUT, ...CLOSED, ...UNREACHABLE].includes(c) || TLS.test(c))) return true;
  // discord.js: a 5xx that outlasted its own retries, or its request aborted after 15 s.
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 500) return true;
  return error instanceof Error && /This operation was aborted|fetch failed|other side closed/i.test(error.message);
}

/** The cause, in our words: what a person fixing DNS, a firewall or a proxy needs to read. */
export function causeOf(error: unknown, waitMs: number): string {
  const codes = codesOf(error);
  const has = (list: string[]) => codes.find((c) => list.includes(c));
  let code: string | undefined;
  if ((code = has(DNS))) return `the host name does not resolve (DNS lookup failed: ${code})`;
  if (has(REFUSED)) return 'the connection was refused (nothing listens there, or a firewall rejects it)';
  if (has(TIMEOUT) || (error instanceof Error && /This operation was aborted/i.test(error.message))) return `no answer within ${Math.round(waitMs / 1000)} s (a firewall or proxy may be dropping the traffic)`;
  if ((code = has(UNREACHABLE))) return `the network cannot reach it (${code})`;
  if ((code = codes.find((c) => TLS.test(c)))) return `its TLS certificate was not accepted (${code}); a proxy that intercepts TLS needs NODE_EXTRA_CA_CERTS`;
  if ((code = has(CLOSED))) return `the connection was closed before an answer (${code})`;
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number') return `Discord answered ${status} (it may be having an outage)`;
  // Else the innermost message (fetch says only "fetch failed"; its cause says why).
  let inner: unknown = error;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  return inner instanceof Error ? inner.message : String(inner);
}
