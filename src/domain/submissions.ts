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

/** Which score wins a challenge: the highest (accuracy, AUC, F1, MAP) or the lowest (RMSE, MAE, log loss). */
export const METRIC_DIRECTIONS = ['higher', 'lower'] as const;
export type MetricDirection = (typeof METRIC_DIRECTIONS)[number];

/** An entry as the ranking sees it: its score as stored (text, see parseScore), and whether a moderator set it aside. */
export interface JudgedEntry {
  score: string | null;
  flagged: boolean;
}

export interface Placed<T> {
  entry: T;
  /** Competition ranking (1, 1, 3): one more than the number of entries with a strictly better score. Null: not ranked. */
  place: number | null;
}

export interface Judgement<T> {
  /** Whether there was a direction to rank by: without one, `entries` keeps the given order and no entry has a place. */
  ranked: boolean;
  /** The entries that were not flagged: scored ones best first (ties in the given order), then those without a score. */
  entries: Placed<T>[];
  /** The flagged entries, in the given order: they take no part in the ranking. */
  flagged: T[];
}

/** A stored score as a number, or null when there is none or it is not a finite number (text stored before scores had to be numbers). */
export function scoreValue(score: string | null): number | null {
  if (score === null || score.trim() === '') return null;
  const value = Number(score);
  return Number.isFinite(value) ? value : null;
}

/**
 * Ranks a challenge's entries. Flagged entries leave the ranking. With a direction, scored entries
 * are ordered best first and share a place when their scores are equal as numbers (`0.8` and
 * `0.80`), competition style: two firsts, then third. Entries without a (numeric) score come after,
 * unplaced. Without a direction (a challenge judged on write-ups), nothing is ranked: the entries
 * keep the given order. Pure; the given order breaks ties (callers pass first-submitted first).
 */
export function judge<T extends JudgedEntry>(entries: readonly T[], direction: MetricDirection | undefined): Judgement<T> {
  const flagged = entries.filter((e) => e.flagged);
  const kept = entries.filter((e) => !e.flagged);
  if (!direction) return { ranked: false, entries: kept.map((entry) => ({ entry, place: null })), flagged };
  const sign = direction === 'higher' ? -1 : 1;
  const scored = kept
    .map((entry, index) => ({ entry, index, value: scoreValue(entry.score) }))
    .filter((e): e is { entry: T; index: number; value: number } => e.value !== null)
    .sort((a, b) => sign * (a.value - b.value) || a.index - b.index);
  const placed: Placed<T>[] = [];
  for (const [i, e] of scored.entries()) {
    const previous = scored[i - 1];
    const place = previous && previous.value === e.value ? placed[i - 1]!.place! : i + 1;
    placed.push({ entry: e.entry, place });
  }
  const unscored = kept.filter((e) => scoreValue(e.score) === null).map((entry) => ({ entry, place: null }));
  return { ranked: true, entries: [...placed, ...unscored], flagged };
}

/** The entries named in a recap's top three: every entry placed 1 to 3 (ties included, so there may be more than three). */
export function podium<T>(judgement: Judgement<T>): Placed<T>[] {
  return judgement.entries.filter((e) => e.place !== null && e.place <= 3);
}

/** The week's winners: every entry in first place (several when tied); none when nothing was ranked. */
export function winners<T>(judgement: Judgement<T>): T[] {
  return judgement.entries.filter((e) => e.place === 1).map((e) => e.entry);
}
