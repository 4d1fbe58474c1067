/**
 * /members at-risk: the members a moderator may want to reach out to, in three lists. Each list is
 * a few indexed queries for the whole server; the rules are the ones the rest of the bot uses:
 * the streak rules of /streak (memberStreakStates: countingDay, viewAt; digest.ts streakRisk), the
 * cohort pace of /cohort board (cohorts.ts paceOf), and reminders.ts inactiveFor.
 */
import { and, eq, inArray, max } from 'drizzle-orm';
import { cohortEnd, paceOf } from '../../domain/cohorts.js';
import { addDays } from '../../domain/dates.js';
import { streakRisk } from '../../domain/digest.js';
import { inactiveFor } from '../../domain/reminders.js';
import { MAX_FREEZE_CAP } from '../../domain/streaks.js';
import type { Tx } from '../client.js';
import { activities, cohortMembers, cohortUnitsDone } from '../schema.js';
import { cohortsOf, unitsOf } from './cohorts.js';
import { memberStreakStates } from './streaks.js';

export interface AtRiskMember {
  userId: string;
  /** The running streak as of the member's today (0 when none). */
  streak: number;
  /** The member's last counted day, if any. */
  lastDay: string | null;
}

export interface BehindMember extends AtRiskMember {
  cohort: string;
  /** Units due and not done. */
  by: number;
}

const utcDay = (now: Date) => now.toISOString().slice(0, 10);

/**
 * Members whose streak breaks when their today ends: running, today not counted, no freeze left
 * (streakRisk 'break'), longest streak first. One range scan of member_streaks by server and last
 * day: such a streak's last counted day is at most 1 + freezes days before the member's today, and
 * a member's today is at most two days before the UTC day.
 */
export async function breakingTonight(db: Tx, guildId: string, now: Date): Promise<AtRiskMember[]> {
  const states = await memberStreakStates(db, guildId, now, { running: true, lastDayFrom: addDays(utcDay(now), -3 - MAX_FREEZE_CAP) });
  return states
    .filter((s) => streakRisk(s.view) === 'break')
    .map((s) => ({ userId: s.userId, streak: s.view.current, lastDay: s.view.lastDay }))
    .sort((a, b) => b.streak - a.streak || a.userId.localeCompare(b.userId));
}

/**
 * Members with no counted day for `days` full days as of their today (inactiveFor), the most
 * recently active first. One range scan: a member's today is at most one day after the UTC day.
 */
export async function inactiveMembers(db: Tx, guildId: string, now: Date, days: number): Promise<AtRiskMember[]> {
  const states = await memberStreakStates(db, guildId, now, { lastDayBefore: addDays(utcDay(now), -days + 1) });
  return states
    .filter((s) => inactiveFor(s.summary.lastDay, s.today, days))
    .map((s) => ({ userId: s.userId, streak: s.view.current, lastDay: s.summary.lastDay }))
    .sort((a, b) => (b.lastDay ?? '').localeCompare(a.lastDay ?? '') || a.userId.localeCompare(b.userId));
}

/**
 * Members behind in a cohort that has not ended (paceOf 'behind'), furthest behind first. Three
 * queries for the whole server: its cohorts, their members, their finished units; and one for the
 * streaks of those behind.
 */
export async function behindInCohorts(db: Tx, guildId: string, now: Date): Promise<BehindMember[]> {
  const running = (await cohortsOf(db, guildId)).map((cohort) => ({ cohort, units: unitsOf(cohort) })).filter(({ units }) => (cohortEnd(units)?.getTime() ?? 0) > now.getTime());
  if (running.length === 0) return [];
  const ids = running.map((r) => r.cohort.id);
  const [members, done] = await Promise.all([
    db.select({ cohortId: cohortMembers.cohortId, userId: cohortMembers.userId }).from(cohortMembers).where(inArray(cohortMembers.cohortId, ids)),
    db.select({ cohortId: cohortUnitsDone.cohortId, userId: cohortUnitsDone.userId, week: cohortUnitsDone.week }).from(cohortUnitsDone).where(inArray(cohortUnitsDone.cohortId, ids)),
  ]);
  const weeks = new Map<string, Set<number>>();
  for (const d of done) {
    const key = `${d.cohortId}:${d.userId}`;
    weeks.set(key, (weeks.get(key) ?? new Set()).add(d.week));
  }
  const behind: { userId: string; cohort: string; by: number }[] = [];
  for (const m of members) {
    const { cohort, units } = running.find((r) => r.cohort.id === m.cohortId)!;
    const pace = paceOf(units, weeks.get(`${m.cohortId}:${m.userId}`) ?? new Set(), now);
    if (pace.kind === 'behind') behind.push({ userId: m.userId, cohort: cohort.name, by: pace.by });
  }
  if (behind.length === 0) return [];
  const streaks = new Map((await memberStreakStates(db, guildId, now, { userIds: [...new Set(behind.map((b) => b.userId))] })).map((s) => [s.userId, s]));
  return behind
    .map((b) => ({ ...b, streak: streaks.get(b.userId)?.view.current ?? 0, lastDay: streaks.get(b.userId)?.summary.lastDay ?? null }))
    .sort((a, b) => b.by - a.by || a.cohort.localeCompare(b.cohort) || a.userId.localeCompare(b.userId));
}

/** When each of these members was last active (their latest activity), one grouped query on the activities index. */
export async function lastActive(db: Tx, guildId: string, userIds: readonly string[]): Promise<Map<string, Date>> {
  if (userIds.length === 0) return new Map();
  const rows = await db
    .select({ userId: activities.userId, at: max(activities.at) })
    .from(activities)
    .where(and(eq(activities.guildId, guildId), inArray(activities.userId, [...new Set(userIds)])))
    .groupBy(activities.userId);
  return new Map(rows.filter((r) => r.at !== null).map((r) => [r.userId, r.at!]));
}
