/**
 * What a weekly challenge submission may be. Pure: no clock, no database, no discord.js.
 *
 * A submission link (already a normalised https://www.kaggle.com/… URL, see weeks.ts
 * parseKaggleLink) must show the member's own work, in one of these shapes:
 * - a notebook: `/code/<user>/<notebook>` (and its sub-pages). Kaggle's notebook addresses do
 *   not name the competition, so any notebook counts;
 * - a page inside the week's competition that shows an entry: `/competitions/<slug>/submissions`,
 *   `/competitions/<slug>/leaderboard` (e.g. `?search=<you>`), a write-up
 *   `/competitions/<slug>/writeups/<id>` or a discussion post `/competitions/<slug>/discussion/<id>`
 *   (`/c/<slug>/…` is the same);
 * - a Kaggle profile: `/<user>`.
 * Kaggle's home page, the competition's own pages (overview, data, rules, the code and discussion
 * lists) and datasets, models or courses are not a submission.
 */

export type LinkShape =
  | { kind: 'notebook' }
  | { kind: 'competition'; slug: string }
  | { kind: 'profile' }
  | { kind: 'home' }
  | { kind: 'competition-page'; slug: string }
  | { kind: 'other' };

/** Sub-pages of a competition that show a member's entry; `true`: only with an id after them. */
const ENTRY_PAGES: Record<string, boolean> = { submissions: false, leaderboard: false, writeups: true, discussion: true };

/** First path segments of Kaggle that are not user names. */
const RESERVED = new Set([
  'about', 'account', 'api', 'benchmarks', 'c', 'code', 'community', 'competitions', 'contact', 'datasets', 'discussion',
  'discussions', 'docs', 'events', 'games', 'getting-started', 'home', 'host', 'kernels', 'learn', 'me', 'models',
  'notebooks', 'organizations', 'privacy', 'progression', 'rankings', 'search', 'settings', 'solutions', 'static', 'terms', 'work',
]);

const USER = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

/** The shape of a normalised Kaggle link (see the module comment). */
export function kaggleLinkShape(link: string): LinkShape {
  let segments: string[];
  try {
    segments = new URL(link).pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  } catch {
    return { kind: 'other' };
  }
  const [first, second, third, fourth] = segments;
  if (first === undefined) return { kind: 'home' };
  if (first === 'code') return second && third && USER.test(second) ? { kind: 'notebook' } : { kind: 'other' };
  if (first === 'competitions' || first === 'c') {
    if (!second) return { kind: 'other' };
    const slug = second.toLowerCase();
    const needsId = third === undefined ? undefined : ENTRY_PAGES[third];
    if (needsId === false || (needsId === true && fourth !== undefined)) return { kind: 'competition', slug };
    return { kind: 'competition-page', slug };
  }
  if (segments.length === 1 && !RESERVED.has(first.toLowerCase()) && USER.test(first)) return { kind: 'profile' };
  return { kind: 'other' };
}

/**
 * A score as members type it: a decimal number, with a dot or a comma, optionally signed or in
 * exponent form (`0.7871`, `0,7871`, `-12.5`, `1e-3`). Returned normalised (dot decimal, no `+`,
 * digits as typed, so `0.78710` keeps its last zero); undefined when it is not a number.
 */
export function parseScore(input: string): string | undefined {
  const match = /^([+-]?)(\d+)(?:[.,](\d+))?(?:[eE]([+-]?\d{1,3}))?$/.exec(input.trim().replace(/\s+/g, ''));
  if (!match) {
    const bare = /^([+-]?)[.,](\d+)$/.exec(input.trim());
    return bare ? `${bare[1] === '-' ? '-' : ''}0.${bare[2]}` : undefined;
  }
  const [, sign = '', whole = '', fraction, exponent] = match;
  const digits = whole.replace(/^0+(?=\d)/, '');
  const text = `${sign === '-' ? '-' : ''}${digits}${fraction !== undefined ? `.${fraction}` : ''}${exponent !== undefined ? `e${exponent}` : ''}`;
  return Number.isFinite(Number(text)) ? text : undefined;
}
