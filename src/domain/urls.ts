import { domainToUnicode } from 'node:url';

/**
 * Resource links: what Cohort accepts, the form it stores, how it shows them and when two links
 * are "the same".
 *
 * - `parseResourceUrl` checks a link and gives its stored form (`url`, what /resource suggest and
 *   add write to the database and put in link buttons): http(s) only, no credentials, host
 *   lower-case (punycode, as URLs carry it) without a trailing dot, no default port, no fragment,
 *   no tracking parameters, no empty `?`, percent-escapes of unreserved characters decoded (`%7e`
 *   is `~`, RFC 3986 §6.2.2.2) and the other escapes in upper case. The path and the order and
 *   spelling of the remaining query parameters are kept as given (some sites care), so the link
 *   still opens the same page. The length limit applies to this stored form, so tracking
 *   parameters a member pasted do not count.
 * - `displayUrl` is how a stored link is shown to people: an international host in Unicode
 *   (`xn--bcher-kva.example` is shown as `bücher.example`).
 * - `urlKey` is the de-duplication key: two links with the same key are one resource. It also
 *   ignores the scheme (http/https), a leading `www.`, a trailing slash on the path and the order
 *   of query parameters.
 *
 * All are pure, and the stored form is idempotent: parsing a stored link changes nothing.
 */

/** The longest stored link. */
export const MAX_URL_LENGTH = 512;
/** The longest text accepted as a link before normalising (tracking parameters may be dropped from it). */
export const MAX_URL_INPUT_LENGTH = 2000;

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

/**
 * What Cohort knows about a few sites, by host without `www.`: whether they host videos (a link
 * there is a video unless whoever adds it says otherwise), and their share-button parameters,
 * dropped there only (elsewhere `si` may mean something).
 */
const SITES: Record<string, { video: boolean; trackingParams: ReadonlySet<string> }> = {
  'youtube.com': { video: true, trackingParams: new Set(['si', 'feature', 'pp']) },
  'm.youtube.com': { video: true, trackingParams: new Set(['si', 'feature', 'pp']) },
  'youtu.be': { video: true, trackingParams: new Set(['si', 'feature']) },
  'vimeo.com': { video: true, trackingParams: new Set() },
  'open.spotify.com': { video: false, trackingParams: new Set(['si']) },
};

function siteOf(host: string) {
  const site = host.replace(/^www\./, '');
  return Object.hasOwn(SITES, site) ? SITES[site] : undefined;
}

export function isTrackingParam(name: string, host = ''): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('utm_') || TRACKING_PARAMS.has(lower) || (siteOf(host)?.trackingParams.has(lower) ?? false);
}

/** The kind a link gets when whoever adds it does not say: `video` on a video site, else `article`. */
export function guessKind(url: string): 'video' | 'article' {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return 'article';
  }
  return siteOf(host)?.video ? 'video' : 'article';
}

export type UrlResult = { ok: true; url: string; key: string } | { ok: false; reason: string };

/** Checks a link a member typed and gives its stored form and key. The reason is a sentence meant for them. */
export function parseResourceUrl(input: string): UrlResult {
  const raw = input.trim();
  if (raw.length === 0) return { ok: false, reason: 'The link is empty.' };
  if (raw.length > MAX_URL_INPUT_LENGTH) return { ok: false, reason: `The link is too long (${raw.length} characters; at most ${MAX_URL_INPUT_LENGTH} as pasted, ${MAX_URL_LENGTH} once tracking parameters are dropped).` };
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
  const stored = storedForm(url, host);
  if (stored.length > MAX_URL_LENGTH) {
    const typed = raw.length > MAX_URL_LENGTH ? '' : ' once encoded';
    return { ok: false, reason: `The link is too long${typed} (${stored.length} characters; at most ${MAX_URL_LENGTH}).` };
  }
  return { ok: true, url: stored, key: keyOf(new URL(stored)) };
}

/** The de-duplication key of a link, or undefined when it is not a valid link. */
export function urlKey(input: string): string | undefined {
  const result = parseResourceUrl(input);
  return result.ok ? result.key : undefined;
}

/** The host of a link as people read it: Unicode for an international (punycode) host. */
export function displayHost(url: string): string | undefined {
  try {
    const host = new URL(url).hostname;
    return domainToUnicode(host) || host;
  } catch {
    return undefined;
  }
}

/** A stored link as shown in text: the same link with its host in Unicode (clicking it opens the same page). */
export function displayUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const unicode = domainToUnicode(parsed.hostname);
  if (!unicode || unicode === parsed.hostname) return url;
  const at = url.indexOf(parsed.hostname);
  return at < 0 ? url : url.slice(0, at) + unicode + url.slice(at + parsed.hostname.length);
}

/** RFC 3986 unreserved characters: their percent-escapes mean the character itself. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** Escapes of unreserved characters decoded, every other escape in upper case (RFC 3986 §6.2.2.1-2). */
function normaliseEscapes(text: string): string {
  return text.replace(/%([0-9a-fA-F]{2})/g, (escape, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : escape.toUpperCase();
  });
}

/**
 * The one place the stored form is made (see the header). The query is filtered piece by piece as
 * written, not re-serialised, so that the kept parameters keep their spelling (`+`, `%20`, `~`).
 */
function storedForm(url: URL, host: string): string {
  url.hostname = host;
  url.hash = '';
  url.pathname = normaliseEscapes(url.pathname);
  const pieces = url.search.slice(1).split('&').filter((piece) => piece !== '');
  const kept = pieces.filter((piece) => !isTrackingParam(paramName(piece), host)).map(normaliseEscapes);
  // Setting an empty search also clears a bare "?", which otherwise stays in the href.
  url.search = kept.length > 0 ? `?${kept.join('&')}` : '';
  return url.toString();
}

function paramName(piece: string): string {
  const name = piece.split('=', 1)[0]!.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

function keyOf(url: URL): string {
  const host = url.hostname.replace(/^www\./, '');
  const port = url.port ? `:${url.port}` : '';
  let path = url.pathname;
  if (path.length > 1) path = path.replace(/\/+$/, '');
  if (path === '/') path = '';
  const params = [...url.searchParams].sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const query = params.length > 0 ? `?${new URLSearchParams(params).toString()}` : '';
  return `${host}${port}${path}${query}`;
}

/** Names that only mean something on this machine or inside a private network (RFC 6761, 6762, 8375; `.internal` for cloud metadata). */
const LOCAL_SUFFIXES = ['localhost', 'local', 'internal', 'lan', 'home.arpa', 'intranet', 'localdomain'];

/**
 * Why a member may not suggest this link, when it points at this machine or a private network
 * rather than at a public page: `localhost`, local-only names (`.local`, `.internal` …), a name
 * without a dot, or an IP address written out (v4 in any form the URL parser reads, such as
 * `2130706433` or `0x7f.1`, and v6). Public IP addresses are refused too: members link to a site by
 * its name. A moderator can still add such a link with /resource add. Undefined: a public name.
 */
export function nonPublicHostReason(url: string): string | undefined {
  let host: string;
  try {
    // The URL parser has already turned decimal, hex and octal IPv4 forms into dotted decimal.
    host = new URL(url).hostname.toLowerCase().replace(/\.+$/, '');
  } catch {
    return undefined;
  }
  const moderators = 'If it is meant for this server, ask a moderator to add it with `/resource add`.';
  if (/^\[(::1?|f[cd][0-9a-f]*:.*|fe[89ab][0-9a-f]:.*|::ffff:.*)\]$/.test(host))
    return `That link points at a private network or at the machine the bot runs on (${host}), not at a public page, so I cannot suggest it. ${moderators}`;
  if (host.startsWith('[')) return `That link goes to an IP address (${host}), not to a site by its name, so I cannot suggest it. Link to the public page instead. ${moderators}`;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    const privateRange =
      a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
    return privateRange
      ? `That link points at a private network or at the machine the bot runs on (${host}), not at a public page, so I cannot suggest it. ${moderators}`
      : `That link goes to an IP address (${host}), not to a site by its name, so I cannot suggest it. Link to the public page instead. ${moderators}`;
  }
  if (LOCAL_SUFFIXES.some((suffix) => host === suffix || host.endsWith(`.${suffix}`)))
    return `That link points at this machine or a private network (${host}), not at a public page, so I cannot suggest it. ${moderators}`;
  if (!host.includes('.')) return `“${host}” is not a public web address (it has no domain, like example.com), so I cannot suggest it. ${moderators}`;
  return undefined;
}
