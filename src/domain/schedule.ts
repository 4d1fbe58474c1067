/**
 * When a daily post is due, on a server's local calendar. Pure: no clock, no database, no discord.js.
 *
 * A daily post belongs to a local date (its "period", `YYYY-MM-DD`) and is due at the first instant
 * the local wall clock reads that date and time: a time that does not exist (spring forward,
 * 02:30 in Europe/Berlin on the last Sunday of March) is due when the clocks jump over it (03:00);
 * a time that exists twice (fall back) is due at its first occurrence. Since the period is the
 * local date, the second 01:30 of a fall-back night belongs to a period already posted.
 * The wall-clock math is Intl's (see dates.ts `zonedInstant`), never a hand-made offset.
 */
import { addDays, daysBetween, localDateOf, zonedInstant } from './dates.js';

export interface TimeOfDay {
  hour: number;
  minute: number;
}

/** The instant a daily post of local date `period` at `time` in `zone` is due. */
export function dueAt(period: string, time: TimeOfDay, zone: string): Date {
  return zonedInstant(period, zone, time.hour, time.minute);
}

export interface Occurrence {
  period: string;
  dueAt: Date;
}

/** The latest occurrence due at or before `now`: today's when its time has come, else yesterday's. */
export function latestOccurrence(now: Date, time: TimeOfDay, zone: string): Occurrence {
  let period = localDateOf(now, zone);
  // At most a couple of steps back: a day's due instant can only fall after `now` for today
  // (or a calendar day that does not exist in the zone at all, e.g. Pacific/Apia 2011-12-30).
  for (let i = 0; i < 3; i += 1) {
    const due = dueAt(period, time, zone);
    if (due.getTime() <= now.getTime()) return { period, dueAt: due };
    period = addDays(period, -1);
  }
  return { period, dueAt: dueAt(period, time, zone) };
}

/** The next occurrence due strictly after `now`. */
export function nextOccurrence(now: Date, time: TimeOfDay, zone: string): Occurrence {
  let period = latestOccurrence(now, time, zone).period;
  for (let i = 0; i < 4; i += 1) {
    period = addDays(period, 1);
    const due = dueAt(period, time, zone);
    if (due.getTime() > now.getTime()) return { period, dueAt: due };
  }
  return { period, dueAt: dueAt(period, time, zone) };
}

export interface PlanOptions {
  /** A missed post is still posted this long after its due time (catch-up window). */
  catchupMs: number;
  /** The latest period already recorded for this server (any status): older misses are looked for after it. */
  lastRecorded?: string | undefined;
  /** Misses due before this instant are not recorded (e.g. before the server set prompts up). */
  notBefore: Date;
  /** How many days back missed periods are recorded at most. */
  lookbackDays?: number;
}

export interface PlannedPost extends Occurrence {
  action: 'post' | 'skip';
}

/**
 * What to do at `now` for a server's daily post: the latest occurrence is posted while within the
 * catch-up window, else recorded as skipped; older occurrences since the last recorded period
 * (missed while the bot was down) are recorded as skipped, never posted in a burst. The latest
 * occurrence is always returned (the caller's claim decides whether it is still open); older
 * ones only after `lastRecorded`. Oldest first.
 */
export function planDailyPosts(now: Date, time: TimeOfDay, zone: string, options: PlanOptions): PlannedPost[] {
  const latest = latestOccurrence(now, time, zone);
  const lookback = options.lookbackDays ?? 7;
  const notBefore = options.notBefore.getTime();
  const plan: PlannedPost[] = [];

  let first = addDays(latest.period, -lookback);
  if (options.lastRecorded && daysBetween(first, options.lastRecorded) >= 0) first = addDays(options.lastRecorded, 1);
  for (let period = first; daysBetween(period, latest.period) > 0; period = addDays(period, 1)) {
    const due = dueAt(period, time, zone);
    if (due.getTime() >= notBefore && due.getTime() < latest.dueAt.getTime()) plan.push({ period, dueAt: due, action: 'skip' });
  }

  const late = now.getTime() - latest.dueAt.getTime();
  if (late <= options.catchupMs) plan.push({ ...latest, action: 'post' });
  else if (latest.dueAt.getTime() >= notBefore) plan.push({ ...latest, action: 'skip' });
  return plan;
}
