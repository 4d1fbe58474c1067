/**
 * Challenge weeks on a server's local calendar. Pure: no clock, no database, no discord.js.
 *
 * Local dates are `YYYY-MM-DD` strings. Instants are `Date`s (UTC). Converting between them
 * goes through `Intl` only, so DST switches (including zones whose clocks jump at midnight)
 * are handled by the runtime's tz database, never by hand-made offsets.
 */

import { addDays, localDateOf, parseDay, startOfLocalDay, weekday, zonedInstant } from './dates.js';

const HOUR_MS = 3_600_000;

/** The local date on which the week containing `date` starts, for weeks starting on `weekStartDay`. */
export function weekStartDate(date: string, weekStartDay: number): string {
  return addDays(date, -((weekday(date) - weekStartDay + 7) % 7));
}

export interface CalendarWeek {
  /** Local date the week starts on: the week's key ("period"). */
  weekStart: string;
  startsAt: Date;
  /** Start of the next week: the default deadline. */
  endsAt: Date;
}

/** The local calendar week of `zone` that contains `instant`. */
export function weekOf(instant: Date, zone: string, weekStartDay: number): CalendarWeek {
  const weekStart = weekStartDate(localDateOf(instant, zone), weekStartDay);
  return calendarWeek(weekStart, zone);
}

export function calendarWeek(weekStart: string, zone: string): CalendarWeek {
  return { weekStart, startsAt: startOfLocalDay(weekStart, zone), endsAt: startOfLocalDay(addDays(weekStart, 7), zone) };
}

export interface WeekSchedule {
  announceAt: Date;
  /** Local noon on the middle day of the run; undefined for runs too short to have one. */
  midweekAt: Date | undefined;
  /** 24 hours before the deadline; undefined when the run is shorter than that. */
  finalAt: Date | undefined;
  recapAt: Date;
}

/**
 * When each post of a run is due. The midweek reminder is at local noon on the day of the run's
 * midpoint (Thursday 12:00 for a Monday week), and only when it falls after the start and before
 * the 24-hour reminder.
 */
export function weekSchedule(run: { startsAt: Date; endsAt: Date }, zone: string): WeekSchedule {
  const start = run.startsAt.getTime();
  const end = run.endsAt.getTime();
  const finalMs = end - 24 * HOUR_MS;
  const finalAt = finalMs > start ? new Date(finalMs) : undefined;
  const middleDay = localDateOf(new Date(start + (end - start) / 2), zone);
  const noon = zonedInstant(middleDay, zone, 12, 0).getTime();
  const midweekAt = noon > start && noon < (finalAt?.getTime() ?? end) ? new Date(noon) : undefined;
  return { announceAt: run.startsAt, midweekAt, finalAt, recapAt: run.endsAt };
}

export type PostKind = 'challenge_announce' | 'challenge_midweek' | 'challenge_final' | 'challenge_recap';

export type PostDecision = { kind: PostKind; action: 'post' | 'skip' };

type Reminder = 'challenge_midweek' | 'challenge_final';

/**
 * Which posts of a run are due at `now`, and whether each is still worth posting (catch-up):
 * the announcement until the deadline, the midweek reminder until the 24-hour one is due, the
 * 24-hour reminder until the deadline, the recap always. `closedAt` (ended early) is the deadline
 * when earlier than `endsAt`. A reminder never goes out with or before the announcement: one due
 * at or before `announcedAt` (when the announcement was posted; undefined: not yet, so it goes out
 * now) is skipped.
 */
export function duePosts(run: { startsAt: Date; endsAt: Date; closedAt: Date | null }, zone: string, now: Date, announcedAt?: Date): PostDecision[] {
  const end = effectiveEnd(run).getTime();
  const s = weekSchedule(run, zone);
  const t = now.getTime();
  const announced = (announcedAt ?? now).getTime();
  const out: PostDecision[] = [];
  const consider = (kind: PostKind, due: Date | undefined, relevantUntil: number) => {
    if (!due || due.getTime() > t) return;
    const afterAnnouncement = kind === 'challenge_announce' || due.getTime() > announced;
    out.push({ kind, action: t < relevantUntil && due.getTime() < end && afterAnnouncement ? 'post' : 'skip' });
  };
  consider('challenge_announce', s.announceAt, end);
  consider('challenge_midweek', s.midweekAt, Math.min(s.finalAt?.getTime() ?? end, end));
  consider('challenge_final', s.finalAt, end);
  if (t >= end) out.push({ kind: 'challenge_recap', action: 'post' });
  return out;
}

/**
 * The reminders of a run still to come at `now` (what a member who joins now will get): due later,
 * before the deadline, after the announcement (`announcedAt`, if it went out), and not settled.
 */
export function remindersToCome(
  run: { startsAt: Date; endsAt: Date; closedAt: Date | null },
  zone: string,
  now: Date,
  options: { announcedAt?: Date; settled?: ReadonlySet<string> } = {},
): { kind: Reminder; dueAt: Date }[] {
  const s = weekSchedule(run, zone);
  const end = effectiveEnd(run).getTime();
  const after = Math.max(now.getTime(), options.announcedAt?.getTime() ?? 0);
  const all: { kind: Reminder; dueAt: Date | undefined }[] = [
    { kind: 'challenge_midweek', dueAt: s.midweekAt },
    { kind: 'challenge_final', dueAt: s.finalAt },
  ];
  return all.filter((r): r is { kind: Reminder; dueAt: Date } => r.dueAt !== undefined && r.dueAt.getTime() > after && r.dueAt.getTime() < end && !options.settled?.has(r.kind));
}

/** Whether a challenge week set up at `now` has less than half of it left: then the first run waits for the next week. */
export function lessThanHalfLeft(week: { startsAt: Date; endsAt: Date }, now: Date): boolean {
  const length = week.endsAt.getTime() - week.startsAt.getTime();
  return week.endsAt.getTime() - now.getTime() < length / 2;
}

/**
 * Time left as a reader counts it: "3 days 12 hours" from two days on, whole hours from two hours
 * on ("24 hours", "36 hours"), else minutes. Rounded to the nearest unit shown.
 */
export function formatTimeLeft(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (minutes < 120) return plural(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (hours < 48) return plural(hours, 'hour');
  const days = Math.floor(hours / 24);
  const rest = hours % 24;
  return rest === 0 ? plural(days, 'day') : `${plural(days, 'day')} ${plural(rest, 'hour')}`;
}

/** The run's real deadline: the planned one, or when a moderator closed it early. */
export function effectiveEnd(run: { endsAt: Date; closedAt: Date | null }): Date {
  return run.closedAt && run.closedAt.getTime() < run.endsAt.getTime() ? run.closedAt : run.endsAt;
}

/**
 * Parses a moderator's deadline: `YYYY-MM-DD` (the end of that local day) or `YYYY-MM-DD HH:MM`
 * / `YYYY-MM-DDTHH:MM` (that local time), in `zone`. Undefined when it is not one of those.
 */
export function parseDeadline(input: string, zone: string): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2}):(\d{2}))?$/.exec(input.trim());
  if (!match) return undefined;
  const [, date = '', hh, mm] = match;
  if (parseDay(date) === undefined) return undefined;
  if (hh === undefined || mm === undefined) return startOfLocalDay(addDays(date, 1), zone);
  const hour = Number(hh);
  const minute = Number(mm);
  if (hour > 23 || minute > 59) return undefined;
  return zonedInstant(date, zone, hour, minute);
}

/**
 * The next challenge of a rotation over `ids` (content order) given the challenge ids a server
 * already ran (oldest first): one of the least-used ones, never the one that just ran when there is
 * a choice, first in content order. From an empty history this walks the whole list before any
 * repeat, and moderator picks in between only move their challenge to the back.
 */
export function nextInRotation(ids: readonly string[], history: readonly string[]): string | undefined {
  if (ids.length === 0) return undefined;
  const uses = new Map(ids.map((id) => [id, 0]));
  for (const id of history) if (uses.has(id)) uses.set(id, (uses.get(id) ?? 0) + 1);
  const fewest = Math.min(...uses.values());
  let candidates = ids.filter((id) => uses.get(id) === fewest);
  const last = history.at(-1);
  if (ids.length > 1) {
    const others = candidates.filter((id) => id !== last);
    if (others.length > 0) candidates = others;
    else candidates = ids.filter((id) => id !== last);
  }
  // Among equals, prefer the one that ran longest ago (or never).
  const lastRun = (id: string) => history.lastIndexOf(id);
  const minUses = Math.min(...candidates.map((id) => uses.get(id) ?? 0));
  const best = candidates.filter((id) => uses.get(id) === minUses);
  return best.reduce((a, b) => (lastRun(b) < lastRun(a) ? b : a));
}

/**
 * A member's submission link, if it is a Kaggle page: `https://www.kaggle.com/…` (or `kaggle.com`,
 * normalised to www), no credentials, no port. Returns the normalised URL, else undefined.
 */
export function parseKaggleLink(input: string): string | undefined {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.port) return undefined;
  const host = url.hostname.toLowerCase();
  if (host !== 'www.kaggle.com' && host !== 'kaggle.com') return undefined;
  url.hostname = 'www.kaggle.com';
  url.hash = '';
  const href = url.toString();
  return href.length <= 500 ? href : undefined;
}

/** The competition a Kaggle link points into (`/competitions/<slug>/…` or `/c/<slug>`), if any. */
export function competitionSlug(link: string): string | undefined {
  try {
    const [first, slug] = new URL(link).pathname.split('/').filter(Boolean);
    return (first === 'competitions' || first === 'c') && slug ? slug.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** An instant as a reader in `zone` sees it, e.g. "Monday, 30 March 2026 at 00:00 CEST". */
export function formatInZone(instant: Date, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).format(instant);
}
