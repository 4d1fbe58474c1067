/**
 * Scheduled study sessions (/event): when each occurrence starts and ends in the event's zone
 * (weekly ones keep their local time across DST), how a typed `when` is read, and who attended.
 * Pure: no clock, no database, no discord.js.
 */

import { addDays, parseDay, wallClock, zonedInstant } from './dates.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Default length of an event, in minutes. */
export const DEFAULT_DURATION_MINUTES = 60;
/** Longest event, in minutes (Discord shows anything; a day is plenty for a study session). */
export const MAX_DURATION_MINUTES = 12 * 60;
/** The one reminder goes this long before the start. */
export const REMINDER_BEFORE_MS = 15 * MINUTE_MS;
/** Minutes in the event's voice channel during it that count as attending. */
export const ATTENDANCE_MINUTES = 10;
/** An event can be scheduled at most this far ahead (Discord's own list is for the coming months). */
export const MAX_AHEAD_DAYS = 366;

/** The stored schedule of an event (study_events). */
export interface EventSchedule {
  timezone: string;
  /** Local day of occurrence `baseOccurrence`. */
  firstDay: string;
  /** HH:MM, local. */
  localTime: string;
  baseOccurrence: number;
  durationMinutes: number;
  weekly: boolean;
  cancelledAt?: Date | null;
}

export interface Occurrence {
  /** 0-based; a one-off event has only occurrence 0. */
  index: number;
  start: Date;
  end: Date;
}

function hhmm(value: string): { hour: number; minute: number } {
  const [h, m] = value.split(':').map(Number);
  return { hour: h ?? 0, minute: m ?? 0 };
}

/** Occurrence `index` (≥ baseOccurrence; a one-off has only its base). */
export function occurrence(schedule: EventSchedule, index: number): Occurrence {
  const { hour, minute } = hhmm(schedule.localTime);
  const day = addDays(schedule.firstDay, 7 * (index - schedule.baseOccurrence));
  const start = zonedInstant(day, schedule.timezone, hour, minute);
  return { index, start, end: new Date(start.getTime() + schedule.durationMinutes * MINUTE_MS) };
}

/**
 * The occurrence that is on now or comes next: the first whose end is after `now`. Undefined when a
 * one-off event has ended (a weekly one always has a next one).
 */
export function currentOccurrence(schedule: EventSchedule, now: Date): Occurrence | undefined {
  const base = occurrence(schedule, schedule.baseOccurrence);
  if (base.end > now) return base;
  if (!schedule.weekly) return undefined;
  // Weeks are 7 local days: at most an hour off a week of ms, so start from the estimate and step.
  let k = schedule.baseOccurrence + Math.max(0, Math.floor((now.getTime() - base.end.getTime()) / (7 * DAY_MS)));
  let o = occurrence(schedule, k);
  while (o.end <= now) o = occurrence(schedule, ++k);
  while (k > schedule.baseOccurrence) {
    const before = occurrence(schedule, k - 1);
    if (before.end <= now) break;
    o = before;
    k--;
  }
  return o;
}

/** Occurrences that ended at or before `now`, newest first, at most `limit` (for attendance catch-up). */
export function endedOccurrences(schedule: EventSchedule, now: Date, limit: number): Occurrence[] {
  const current = currentOccurrence(schedule, now);
  const last = current ? current.index - 1 : schedule.baseOccurrence;
  const out: Occurrence[] = [];
  for (let k = last; k >= schedule.baseOccurrence && out.length < limit; k--) out.push(occurrence(schedule, k));
  return out;
}

/** Occurrences from `from` on that start before `until` (the calendar feed). */
export function occurrencesBetween(schedule: EventSchedule, from: Date, until: Date, limit = 60): Occurrence[] {
  const out: Occurrence[] = [];
  const first = schedule.weekly ? (currentOccurrence(schedule, from)?.index ?? schedule.baseOccurrence) : schedule.baseOccurrence;
  for (let k = first; out.length < limit; k++) {
    const o = occurrence(schedule, k);
    if (o.start >= until) break;
    if (o.end > from) out.push(o);
    if (!schedule.weekly) break;
  }
  return out;
}

export type WhenReading = { ok: true; day: string; time: string; start: Date } | { ok: false; problem: string };

/**
 * Reads `YYYY-MM-DD HH:MM` as a local time in `zone`. Refuses what is not one, a time the clocks
 * skip (spring forward) or pass twice (fall back), and a start that is not in the future.
 */
export function parseWhen(input: string, zone: string, now: Date): WhenReading {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{1,2}):(\d{2})$/.exec(input.trim());
  const day = m ? parseDay(m[1]!) : undefined;
  const hour = Number(m?.[2]);
  const minute = Number(m?.[3]);
  if (!m || !day || hour > 23 || minute > 59) return { ok: false, problem: 'Give the start as YYYY-MM-DD HH:MM (24-hour), e.g. 2026-03-12 18:30.' };
  const time = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
  const exact = instantsAt(day, hour, minute, zone);
  if (exact.length === 0) return { ok: false, problem: `${day} ${time} does not exist in ${zone}: the clocks skip it (daylight saving time starts). Pick a time an hour later or earlier.` };
  if (exact.length > 1) return { ok: false, problem: `${day} ${time} happens twice in ${zone} (the clocks go back that night), so I cannot tell which you mean. Pick a time outside that hour.` };
  const start = exact[0]!;
  if (start <= now) return { ok: false, problem: `${day} ${time} in ${zone} has already passed. Pick a time in the future.` };
  if (start.getTime() - now.getTime() > MAX_AHEAD_DAYS * DAY_MS) return { ok: false, problem: 'Schedule it within a year from now.' };
  return { ok: true, day, time, start };
}

/** Every instant whose wall clock in `zone` reads `day hour:minute` (0 in a gap, 2 in an overlap). */
export function instantsAt(day: string, hour: number, minute: number, zone: string): Date[] {
  const guess = zonedInstant(day, zone, hour, minute).getTime();
  const found = new Set<number>();
  for (const shift of [-3, -2, -1, 0, 1, 2, 3]) {
    const t = guess + shift * 3_600_000;
    const wall = wallClock(new Date(t), zone);
    if (wall.day === day && wall.hour === hour && wall.minute === minute) found.add(t - wall.second * 1000);
  }
  // zonedInstant's 30/45-minute zones: check the half hours too.
  for (const shift of [-1.5, -0.5, 0.5, 1.5]) {
    const t = guess + shift * 3_600_000;
    const wall = wallClock(new Date(t), zone);
    if (wall.day === day && wall.hour === hour && wall.minute === minute) found.add(t - wall.second * 1000);
  }
  return [...found].sort((a, b) => a - b).map((t) => new Date(t));
}

export interface Interval {
  start: number;
  end: number;
}

/**
 * Minutes each member spent in the event's channel during it: their voice sessions there (an open
 * one counts until `now`), clipped to the occurrence, overlaps once. Members with at least
 * `threshold` minutes attended.
 */
export function attendance(
  sessions: readonly { userId: string; startedAt: Date; endedAt: Date | null }[],
  occurrence: { start: Date; end: Date },
  now: Date,
  threshold = ATTENDANCE_MINUTES,
): { userId: string; minutes: number }[] {
  const byUser = new Map<string, Interval[]>();
  for (const s of sessions) {
    const start = Math.max(s.startedAt.getTime(), occurrence.start.getTime());
    const end = Math.min((s.endedAt ?? now).getTime(), occurrence.end.getTime(), now.getTime());
    if (end <= start) continue;
    const list = byUser.get(s.userId) ?? [];
    list.push({ start, end });
    byUser.set(s.userId, list);
  }
  const out: { userId: string; minutes: number }[] = [];
  for (const [userId, list] of byUser) {
    list.sort((a, b) => a.start - b.start);
    let total = 0;
    let cur: Interval | undefined;
    for (const i of list) {
      if (cur && i.start <= cur.end) cur.end = Math.max(cur.end, i.end);
      else {
        if (cur) total += cur.end - cur.start;
        cur = { ...i };
      }
    }
    if (cur) total += cur.end - cur.start;
    const minutes = Math.floor(total / MINUTE_MS);
    if (minutes >= threshold) out.push({ userId, minutes });
  }
  return out.sort((a, b) => b.minutes - a.minutes || a.userId.localeCompare(b.userId));
}
