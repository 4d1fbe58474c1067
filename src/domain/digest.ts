/**
 * The weekly digest's rules, pure: when a member's digest is due and when their streak is at risk.
 *
 * A member chooses a weekday and a time in their own zone (their /settings timezone, else the
 * server's). Each occurrence belongs to a week, the Monday that starts the member-local week of
 * its date: at most one digest per member and week, even when they move the day within a week.
 * Wall-clock math is Intl's (schedule.ts `dueAt` → dates.ts `zonedInstant`), never a hand-made offset.
 */
import { addDays, localDateOf, weekday } from './dates.js';
import { dueAt, type TimeOfDay } from './schedule.js';
import type { StreakView } from './streaks.js';
import { weekStartDate } from './weeks.js';

export interface DigestSchedule {
  /** 0 = Sunday … 6 = Saturday. */
  day: number;
  time: TimeOfDay;
  zone: string;
}

export interface DigestOccurrence {
  /** The member-local date it is sent on. */
  date: string;
  /** The week it belongs to (the Monday of `date`'s week): the exactly-once key. */
  week: string;
  dueAt: Date;
}

export const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

/** The week (its Monday) a member-local date belongs to. */
export function digestWeek(date: string): string {
  return weekStartDate(date, 1);
}

function occurrenceOn(date: string, schedule: DigestSchedule): DigestOccurrence {
  return { date, week: digestWeek(date), dueAt: dueAt(date, schedule.time, schedule.zone) };
}

/** The latest occurrence due at or before `now`. */
export function latestDigest(now: Date, schedule: DigestSchedule): DigestOccurrence {
  const today = localDateOf(now, schedule.zone);
  const date = addDays(today, -((weekday(today) - schedule.day + 7) % 7));
  const occurrence = occurrenceOn(date, schedule);
  return occurrence.dueAt.getTime() <= now.getTime() ? occurrence : occurrenceOn(addDays(date, -7), schedule);
}

/** The next occurrence due strictly after `now`. */
export function nextDigest(now: Date, schedule: DigestSchedule): DigestOccurrence {
  return occurrenceOn(addDays(latestDigest(now, schedule).date, 7), schedule);
}

/**
 * The first digest the job sends after the member's change at `changedAt` (dueDigest with
 * `notBefore: changedAt`): the first occurrence due at or after it whose week has no digest yet
 * (`doneWeeks`: a member who moves the day within a week gets that week's digest only once).
 */
export function firstDigestAfter(changedAt: Date, schedule: DigestSchedule, doneWeeks: ReadonlySet<string>): DigestOccurrence {
  const latest = latestDigest(changedAt, schedule);
  let occurrence = latest.dueAt.getTime() >= changedAt.getTime() ? latest : occurrenceOn(addDays(latest.date, 7), schedule);
  for (let i = 0; i < 3 && doneWeeks.has(occurrence.week); i += 1) occurrence = occurrenceOn(addDays(occurrence.date, 7), schedule);
  return occurrence;
}

/** The weeks `firstDigestAfter` may need to know about: those of the next few occurrences. */
export function digestWeeksToCheck(changedAt: Date, schedule: DigestSchedule): string[] {
  const latest = latestDigest(changedAt, schedule);
  return [0, 7, 14, 21].map((d) => digestWeek(addDays(latest.date, d)));
}

export interface DueOptions {
  /** A missed digest is still sent this long after its due time (CATCHUP_HOURS). */
  catchupMs: number;
  /** Occurrences due before this (the member turned the digest on or changed it) are not sent. */
  notBefore: Date;
}

/**
 * The digest to send at `now`, if any: the latest occurrence, when it came after the member's last
 * change and is at most `catchupMs` late (after downtime). Older weeks are never sent.
 */
export function dueDigest(now: Date, schedule: DigestSchedule, options: DueOptions): DigestOccurrence | undefined {
  const latest = latestDigest(now, schedule);
  if (latest.dueAt.getTime() < options.notBefore.getTime()) return undefined;
  if (now.getTime() - latest.dueAt.getTime() > options.catchupMs) return undefined;
  return latest;
}

/**
 * Whether the streak is at risk today (`view` as of the member's today, streaks.ts viewAt): it is
 * running and today has not counted yet, so if today ends without activity it would spend a
 * freeze (`freeze`) or, with none left, break (`break`). Undefined when not at risk.
 */
export function streakRisk(view: StreakView): 'freeze' | 'break' | undefined {
  if (view.todayCounted || view.current === 0) return undefined;
  return view.freezes > 0 ? 'freeze' : 'break';
}
