/**
 * Course cohorts: a plan of roadmap steps cut into weekly units, each with a deadline at a local
 * weekday and time in the cohort's zone; who is on pace; who earned a certificate. Pure: no clock,
 * no database, no discord.js. Local times go through Intl only (src/domain/dates.ts), so DST is the
 * runtime's tz database's business.
 */

import type { Track } from '../content/schema.js';
import { addDays, parseDay, weekday, zonedInstant } from './dates.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** At most this many weekly units in a cohort (a year). */
export const MAX_WEEKS = 52;
/** At most this many steps a week. */
export const MAX_PACE = 20;

export type LatePolicy = 'accept' | 'separate';

/** `all`: every unit done; `percent`: at least `percent`% of the units done on time. */
export type CertificateRule = { kind: 'all' } | { kind: 'percent'; percent: number };

/** When a cohort's units open and are due: local times in `zone`. */
export interface CohortCalendar {
  zone: string;
  /** First day of the cohort, YYYY-MM-DD local to `zone`. */
  startDay: string;
  /** Local time of each week's announcement (the first one on `startDay`). */
  openHour: number;
  openMinute: number;
  /** Local weekday of every deadline, 0 = Sunday … 6 = Saturday. */
  deadlineWeekday: number;
  deadlineHour: number;
  deadlineMinute: number;
}

/** One week of a cohort. */
export interface Unit {
  /** 1-based. */
  week: number;
  stepIds: string[];
  /** The challenge that also completes the unit when submitted, if the plan has one. */
  challengeId?: string;
  /** When the unit is announced. */
  opensAt: Date;
  deadline: Date;
  /** 24 hours before the deadline; undefined when the unit is shorter than that. */
  reminderAt: Date | undefined;
}

/**
 * The steps of a cohort on a track: the explicit list when given (in that order), else the track's
 * required core steps, followed by the required steps of `branchId` when given.
 * Returns a sentence for the moderator when something does not exist.
 */
export function selectSteps(track: Track, options: { branchId?: string | null; stepIds?: readonly string[] | null }): string[] | string {
  const all = new Map([...track.steps, ...track.branches.flatMap((b) => b.steps)].map((s) => [s.id, s]));
  if (options.stepIds && options.stepIds.length > 0) {
    const unknown = options.stepIds.filter((id) => !all.has(id));
    if (unknown.length > 0) return `${unknown.slice(0, 5).join(', ')} ${unknown.length === 1 ? 'is not a step' : 'are not steps'} of ${track.title}.`;
    const seen = new Set<string>();
    const twice = options.stepIds.find((id) => (seen.has(id) ? true : (seen.add(id), false)));
    if (twice) return `${twice} is listed twice.`;
    return [...options.stepIds];
  }
  const core = track.steps.filter((s) => !s.optional).map((s) => s.id);
  if (!options.branchId) return core;
  const branch = track.branches.find((b) => b.id === options.branchId);
  if (!branch) return `${track.title} has no branch called ${options.branchId}${track.branches.length ? ` (branches: ${track.branches.map((b) => b.id).join(', ')})` : ''}.`;
  return [...core, ...branch.steps.filter((s) => !s.optional).map((s) => s.id)];
}

/** Cuts the steps into weeks of `pace` steps (the last week may be shorter). */
export function weeksAtPace(stepIds: readonly string[], pace: number): string[][] {
  if (!Number.isInteger(pace) || pace < 1) throw new Error(`pace must be a positive integer, not ${pace}`);
  const weeks: string[][] = [];
  for (let i = 0; i < stepIds.length; i += pace) weeks.push(stepIds.slice(i, i + pace));
  return weeks;
}

/**
 * An explicit plan as a moderator writes it: weeks separated by `|` (or `;`, or new lines), the
 * steps of a week by commas or spaces, e.g. `python-basics, numpy | pandas | linear-algebra`.
 * `known` says whether a step id exists. Returns the weeks, or a sentence saying what is wrong.
 */
export function parseExplicitPlan(text: string, known: (stepId: string) => boolean): string[][] | string {
  const weeks = text
    .split(/[|;\n]/)
    .map((w) => w.split(/[\s,]+/).filter(Boolean))
    .filter((w, i, all) => w.length > 0 || (i > 0 && i < all.length - 1));
  if (weeks.length === 0) return 'The plan is empty. Write the steps of each week, weeks separated by `|`, e.g. `step-a, step-b | step-c`.';
  const empty = weeks.findIndex((w) => w.length === 0);
  if (empty >= 0) return `Week ${empty + 1} of the plan has no steps.`;
  if (weeks.length > MAX_WEEKS) return `A cohort can last at most ${MAX_WEEKS} weeks; this plan has ${weeks.length}.`;
  const seen = new Set<string>();
  for (const [i, week] of weeks.entries()) {
    if (week.length > MAX_PACE) return `Week ${i + 1} has ${week.length} steps; at most ${MAX_PACE} a week.`;
    for (const id of week) {
      if (!known(id)) return `Week ${i + 1}: ${id.slice(0, 64)} is not a roadmap step.`;
      if (seen.has(id)) return `${id} appears twice in the plan.`;
      seen.add(id);
    }
  }
  return weeks;
}

/** The plan written back in the explicit form parseExplicitPlan reads. */
export function formatExplicitPlan(weeks: readonly (readonly string[])[]): string {
  return weeks.map((w) => w.join(', ')).join(' | ');
}

/**
 * The local day of the first deadline: the first `deadlineWeekday` at least six days after the
 * start, so that the first week is never shorter than six days (a Monday start with Monday
 * deadlines is due the Monday after).
 */
export function firstDeadlineDay(startDay: string, deadlineWeekday: number): string {
  const earliest = addDays(startDay, 6);
  return addDays(earliest, (deadlineWeekday - weekday(earliest) + 7) % 7);
}

/**
 * The units of a plan: unit k opens on the start day + 7(k-1) at the opening time, and is due on
 * the first deadline day + 7(k-1) at the deadline time, both local to the zone. A local time that
 * does not exist that day (a DST gap) is the instant the clocks jump over it (zonedInstant).
 */
export function planUnits(weeks: readonly (readonly string[])[], calendar: CohortCalendar, challenges: readonly (string | undefined)[] = []): Unit[] {
  const first = firstDeadlineDay(calendar.startDay, calendar.deadlineWeekday);
  return weeks.map((stepIds, i) => {
    const opensAt = zonedInstant(addDays(calendar.startDay, 7 * i), calendar.zone, calendar.openHour, calendar.openMinute);
    const deadline = zonedInstant(addDays(first, 7 * i), calendar.zone, calendar.deadlineHour, calendar.deadlineMinute);
    const reminder = deadline.getTime() - DAY_MS;
    const unit: Unit = { week: i + 1, stepIds: [...stepIds], opensAt, deadline, reminderAt: reminder > opensAt.getTime() ? new Date(reminder) : undefined };
    const challengeId = challenges[i];
    if (challengeId) unit.challengeId = challengeId;
    return unit;
  });
}

/**
 * One challenge per unit where the content has one: the first challenge (content order) not yet
 * given to an earlier unit whose steps include a step of the unit. Submitting it completes the unit.
 */
export function assignChallenges(weeks: readonly (readonly string[])[], challenges: readonly { id: string; steps: readonly string[] }[]): (string | undefined)[] {
  const used = new Set<string>();
  return weeks.map((stepIds) => {
    const found = challenges.find((c) => !used.has(c.id) && c.steps.some((s) => stepIds.includes(s)));
    if (found) used.add(found.id);
    return found?.id;
  });
}

/** When the cohort ends: its last deadline. */
export function cohortEnd(units: readonly Unit[]): Date | undefined {
  return units.at(-1)?.deadline;
}

/**
 * When a unit became done for a member, if it is: when its last step was marked done (every step
 * must be), or when its challenge was submitted, whichever came first. `stepDoneAt` holds the
 * member's finished steps (current ids) and when each was marked done.
 */
export function unitDoneAt(unit: Pick<Unit, 'stepIds' | 'challengeId'>, stepDoneAt: ReadonlyMap<string, Date>, challengeSubmittedAt?: Date): Date | undefined {
  let last: number | undefined = unit.stepIds.length > 0 ? -Infinity : undefined;
  for (const id of unit.stepIds) {
    const at = stepDoneAt.get(id);
    if (!at) {
      last = undefined;
      break;
    }
    last = Math.max(last!, at.getTime());
  }
  const viaChallenge = unit.challengeId && challengeSubmittedAt ? challengeSubmittedAt.getTime() : undefined;
  const candidates = [last, viaChallenge].filter((t): t is number => t !== undefined);
  return candidates.length > 0 ? new Date(Math.min(...candidates)) : undefined;
}

/** A unit's record for a member: done at that instant, on time or late. */
export interface UnitRecord {
  week: number;
  onTime: boolean;
}

export type Pace = { kind: 'ahead'; by: number } | { kind: 'on-pace' } | { kind: 'behind'; by: number } | { kind: 'not-started' };

/**
 * Where a member stands at `now`: behind by the units already due that they have not done; else
 * ahead by the units done beyond the one currently open; else on pace. Before the first unit opens,
 * not started. A late unit counts as done for the pace (the certificate is where lateness counts).
 */
export function paceOf(units: readonly Unit[], done: ReadonlySet<number>, now: Date): Pace {
  if (units.length === 0 || now < units[0]!.opensAt) return { kind: 'not-started' };
  const t = now.getTime();
  let behind = 0;
  let current = units.length; // index of the first unit not yet due
  for (const [i, unit] of units.entries()) {
    if (unit.deadline.getTime() <= t) {
      if (!done.has(unit.week)) behind++;
    } else if (current === units.length) current = i;
  }
  if (behind > 0) return { kind: 'behind', by: behind };
  const ahead = units.slice(current + 1).filter((u) => done.has(u.week)).length;
  return ahead > 0 ? { kind: 'ahead', by: ahead } : { kind: 'on-pace' };
}

/** The unit a member works on at `now`: the first one not yet due (undefined once the cohort ended). */
export function currentUnit(units: readonly Unit[], now: Date): Unit | undefined {
  return units.find((u) => u.deadline.getTime() > now.getTime());
}

/** How many units count for the certificate: on time, and late ones too when the late policy accepts them. */
export function countedUnits(records: readonly UnitRecord[], policy: LatePolicy): number {
  return records.filter((r) => r.onTime || policy === 'accept').length;
}

/** Whether a member's records earn the certificate. */
export function earnsCertificate(unitCount: number, records: readonly UnitRecord[], rule: CertificateRule, policy: LatePolicy): boolean {
  if (unitCount === 0) return false;
  const counted = countedUnits(records, policy);
  if (rule.kind === 'all') return records.length >= unitCount && counted >= unitCount;
  return counted * 100 >= rule.percent * unitCount;
}

/** Parses the certificate rule option: `all`, or a percentage such as `80` or `80%`. */
export function parseCertificateRule(input: string | null): CertificateRule | undefined {
  const text = (input ?? 'all').trim().toLowerCase();
  if (text === 'all' || text === '100' || text === '100%') return { kind: 'all' };
  const m = /^(\d{1,3})\s*%?$/.exec(text);
  if (!m) return undefined;
  const percent = Number(m[1]);
  return percent >= 1 && percent <= 100 ? { kind: 'percent', percent } : undefined;
}

export function describeCertificateRule(rule: CertificateRule): string {
  return rule.kind === 'all' ? 'every unit done' : `at least ${rule.percent}% of the units done on time`;
}

/** Parses a start: `YYYY-MM-DD` or `YYYY-MM-DD HH:MM` (the opening time of every week; default 09:00). */
export function parseStart(input: string): { day: string; hour: number; minute: number } | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2}):(\d{2}))?$/.exec(input.trim());
  if (!m) return undefined;
  const day = parseDay(m[1]!);
  if (!day) return undefined;
  const hour = m[2] === undefined ? 9 : Number(m[2]);
  const minute = m[3] === undefined ? 0 : Number(m[3]);
  if (hour > 23 || minute > 59) return undefined;
  return { day, hour, minute };
}

export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

/**
 * A short verification code for a certificate: 10 characters of Crockford's base 32 (no I, L, O,
 * U), from random bytes, shown as XXXXX-XXXXX.
 */
export function verificationCode(random: Uint8Array): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let out = '';
  for (let i = 0; i < 10; i++) out += alphabet[(random[i] ?? 0) % 32];
  return `${out.slice(0, 5)}-${out.slice(5)}`;
}

/** A code as a member types it (any case, with or without the hyphen, O for 0, I/L for 1). */
export function normaliseCode(input: string): string | undefined {
  const raw = input
    .trim()
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  return /^[0-9A-HJKMNP-TV-Z]{10}$/.test(raw) ? `${raw.slice(0, 5)}-${raw.slice(5)}` : undefined;
}
