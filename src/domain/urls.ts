/**
 * Resource links: what Cohort accepts, how it stores them and when two links are "the same".
 *
 * - `normaliseUrl` gives the canonical form that is stored and shown: http(s) only, at most
 *   512 characters, no credentials, host lower-case without a trailing dot, no default port,
 *   no fragment, no tracking parameters, no empty `?`. The path and the order of the remaining
 *   query parameters are kept as given (some sites care), so the link still opens the same page.
 * - `urlKey` is the de-duplication key: two links with the same key are one resource. It also
 *   ignores the scheme (http/https), a leading `www.`, a trailing slash on the path, the order
 *   of query parameters and the case of percent-escapes.
 *
 * Both are pure and idempotent: normalising a normalised URL changes nothing.
 */

export const MAX_URL_LENGTH = 512;

/** Query parameters that only track where a click came from; dropped from every stored link. */
const TRACKING_PARAMS = new Set([
  'fbclid',
  'gclid',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'yclid',
  'twclid',
  'igshid',
  'mc_cid',
  'mc_eid',
  'ref_src',
  'ref_url',
  '_hsenc',
  '_hsmi',
  'mkt_tok',
  'oly_anon_id',
  'oly_enc_id',
  'vero_id',
  '_ga',
  '_gl',
]);

/** Share-button parameters of a few sites, dropped there only (elsewhere `si` may mean something). */
const SITE_TRACKING_PARAMS: Record<string, ReadonlySet<string>> = {
  'youtube.com': new Set(['si', 'feature', 'pp']),
  'm.youtube.com': new Set(['si', 'feature', 'pp']),
  'youtu.be': new Set(['si', 'feature']),
  'open.spotify.com': new Set(['si']),
};

export function isTrackingParam(name: string, host = ''): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('utm_') || TRACKING_PARAMS.has(lower) || (SITE_TRACKING_PARAMS[host.replace(/^www\./, '')]?.has(lower) ?? false);
}

export type UrlResult = { ok: true; url: string; key: string } | { ok: false; reason: string };

/** Validates and normalises a link a member typed. The reason is a sentence meant for them. */
export function parseResourceUrl(input: string): UrlResult {
  const raw = input.trim();
  if (raw.length === 0) return { ok: false, reason: 'The link is empty.' };
  if (raw.length > MAX_URL_LENGTH) return { ok: false, reason: `The link is too long (${raw.length} characters; at most ${MAX_URL_LENGTH}).` };
  if (/\s/.test(raw)) return { ok: false, reason: 'A link cannot contain spaces.' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'That is not a link. Paste a full address starting with https://' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'Only http:// and https:// links are accepted.' };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'Links with a user name or password in them are not accepted.' };
  const host = url.hostname.replace(/\.+$/, '');
  if (host === '') return { ok: false, reason: 'The link has no host name.' };
  url.hostname = host;
  url.hash = '';
  const kept = [...url.searchParams].filter(([name]) => !isTrackingParam(name, host));
  if (kept.length !== [...url.searchParams].length) {
    url.search = '';
    for (const [name, value] of kept) url.searchParams.append(name, value);
  }
  // A bare "?" reads back as an empty search but stays in the href until cleared.
  if (url.search === '') url.search = '';
  const normalised = url.toString();
  if (normalised.length > MAX_URL_LENGTH) return { ok: false, reason: `The link is too long once encoded (${normalised.length} characters; at most ${MAX_URL_LENGTH}).` };
  return { ok: true, url: normalised, key: keyOf(new URL(normalised)) };
}

/** The canonical form of a valid link; throws on an invalid one (for trusted content). */
export function normaliseUrl(input: string): string {
  const result = parseResourceUrl(input);
  if (!result.ok) throw new Error(`invalid URL: ${result.reason}`);
  return result.url;
}

/** The de-duplication key of a link, or undefined when it is not a valid link. */
export function urlKey(input: string): string | undefined {
  const result = parseResourceUrl(input);
  return result.ok ? result.key : undefined;
}

function keyOf(url: URL): string {
  const host = url.hostname.replace(/^www\./, '');
  const port = url.port ? `:${url.port}` : '';
  let path = upperEscapes(url.pathname);
  if (path.length > 1) path = path.replace(/\/+$/, '');
  if (path === '/') path = '';
  const params = [...url.searchParams].sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const query = params.length > 0 ? `?${new URLSearchParams(params).toString()}` : '';
  return `${host}${port}${path}${query}`;
}

function upperEscapes(path: string): string {
  return path.replace(/%[0-9a-f]{2}/gi, (escape) => escape.toUpperCase());
}
