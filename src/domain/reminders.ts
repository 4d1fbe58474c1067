/**
 * The streak reminder's and the moderator's nudge's rules, and who counts as inactive, pure.
 *
 * A member who turned the reminder on chooses a local time (their own zone, else the server's). On a
 * day their streak is at risk (digest.ts `streakRisk`: running, and today has not counted), one DM
 * comes at that time. The reminder belongs to the member's streak day at the time it is due
 * (streaks.ts `countingDay`): at most one per member and streak day, and never once that day is
 * over. Wall-clock math is Intl's (schedule.ts `latestOccurrence`), so DST moves it with the clocks.
 */
import { addDays, daysBetween, zonedInstant } from './dates.js';
import { latestOccurrence, type Occurrence, type TimeOfDay } from './schedule.js';

export interface ReminderSchedule {
  time: TimeOfDay;
  zone: string;
}

export interface ReminderDueOptions {
  /** A missed reminder is still sent this long after its time (CATCHUP_HOURS), within the same streak day. */
  catchupMs: number;
  /** Reminders due before this (the member turned it on or changed the time) are not sent. */
  notBefore: Date;
}

/**
 * The reminder occurrence to consider at `now`, if any: the latest one due at or before `now`, when
 * it came after the member's last change and is at most `catchupMs` late. Whether it is sent then
 * depends on the streak (at risk) and on the streak day (`sameStreakDay`).
 */
export function dueReminder(now: Date, schedule: ReminderSchedule, options: ReminderDueOptions): Occurrence | undefined {
  const latest = latestOccurrence(now, schedule.time, schedule.zone);
  if (latest.dueAt.getTime() < options.notBefore.getTime()) return undefined;
  if (now.getTime() - latest.dueAt.getTime() > options.catchupMs) return undefined;
  return latest;
}

/** When a member's streak day ends: the next day's rollover hour in their zone. */
export function streakDayEnd(day: string, rule: { zone: string; rolloverHour: number }): Date {
  return zonedInstant(addDays(day, 1), rule.zone, rule.rolloverHour, 0);
}

/** The exactly-once key of a member's reminder (scheduled_posts.period, kind streak_reminder). */
export function reminderPeriod(userId: string, streakDay: string): string {
  return `${userId}:${streakDay}`;
}

/** A moderator may nudge a member at most once in this long. */
export const NUDGE_EVERY_MS = 7 * 86_400_000;

/** When a member nudged at `lastNudgedAt` may be nudged again (null: now). */
export function nextNudgeAt(lastNudgedAt: Date | null): Date | null {
  return lastNudgedAt ? new Date(lastNudgedAt.getTime() + NUDGE_EVERY_MS) : null;
}

/** Why a nudge is refused, or undefined when it may go. The database's conditional update decides; this explains. */
export type NudgeRefusal = { kind: 'not-opted-in' } | { kind: 'dms-closed' } | { kind: 'too-soon'; nextAt: Date };

export function nudgeRefusal(
  settings: { enabled: boolean; dmClosedAt: Date | null; nudgedAt: Date | null } | undefined,
  now: Date,
): NudgeRefusal | undefined {
  if (!settings?.enabled) return { kind: 'not-opted-in' };
  if (settings.dmClosedAt) return { kind: 'dms-closed' };
  const next = nextNudgeAt(settings.nudgedAt);
  if (next && next.getTime() > now.getTime()) return { kind: 'too-soon', nextAt: next };
  return undefined;
}

/** Default of /members at-risk `days`: inactive for a week. */
export const INACTIVE_DAYS = 7;

/**
 * Whether a member whose last counted day is `lastDay` has been inactive for `days` full days as of
 * their `today` (today itself is not over, so it does not count as a day without activity).
 */
export function inactiveFor(lastDay: string | null, today: string, days: number): boolean {
  return lastDay !== null && daysBetween(lastDay, today) - 1 >= days;
}
