import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { findStep, type Content } from '../../content/loader.js';
import { planUnits, unitDoneAt, type CohortCalendar, type Unit } from '../../domain/cohorts.js';
import { parseTimeOfDay } from '../../domain/timezones.js';
import { UserError } from '../../errors.js';
import type { Db, Tx } from '../client.js';
import {
  challengeSubmissions,
  challengeWeeks,
  cohortCertificates,
  cohortMembers,
  cohorts,
  cohortUnitsDone,
  stepProgress,
  type Cohort,
  type CohortCertificate,
  type CohortMember,
} from '../schema.js';
import type { MemberKey } from './streaks.js';

export type NewCohort = typeof cohorts.$inferInsert;

/** The calendar of a stored cohort. */
export function cohortCalendar(cohort: Pick<Cohort, 'timezone' | 'startDay' | 'openTime' | 'deadlineWeekday' | 'deadlineTime'>): CohortCalendar {
  const open = parseTimeOfDay(cohort.openTime) ?? { hour: 9, minute: 0 };
  const due = parseTimeOfDay(cohort.deadlineTime) ?? { hour: 23, minute: 59 };
  return {
    zone: cohort.timezone,
    startDay: cohort.startDay,
    openHour: open.hour,
    openMinute: open.minute,
    deadlineWeekday: cohort.deadlineWeekday,
    deadlineHour: due.hour,
    deadlineMinute: due.minute,
  };
}

/** The units of a stored cohort (src/domain/cohorts.ts planUnits). */
export function unitsOf(cohort: Cohort): Unit[] {
  return planUnits(cohort.weeks, cohortCalendar(cohort), cohort.challenges.map((c) => c ?? undefined));
}

/** Creates a cohort; a name already used in the server is refused. */
export async function createCohort(db: Tx, values: NewCohort): Promise<Cohort> {
  const [row] = await db.insert(cohorts).values(values).onConflictDoNothing().returning();
  if (!row) throw new UserError(`This server already has a cohort called “${values.name}”. Pick another name.`);
  return row;
}

/** Every cohort of a server, newest start first. */
export async function cohortsOf(db: Tx, guildId: string): Promise<Cohort[]> {
  return db.select().from(cohorts).where(eq(cohorts.guildId, guildId)).orderBy(sql`${cohorts.startDay} desc`, asc(cohorts.id));
}

export async function cohortById(db: Tx, guildId: string, id: number): Promise<Cohort | undefined> {
  const [row] = await db.select().from(cohorts).where(and(eq(cohorts.guildId, guildId), eq(cohorts.id, id)));
  return row;
}

/** A cohort by id alone (the calendar feed, whose token names it). */
export async function findCohort(db: Tx, id: number): Promise<Cohort | undefined> {
  const [row] = await db.select().from(cohorts).where(eq(cohorts.id, id));
  return row;
}

/** Cohorts a member is in, in a server. */
export async function memberCohorts(db: Tx, member: MemberKey): Promise<Cohort[]> {
  return db
    .select({ cohort: cohorts })
    .from(cohortMembers)
    .innerJoin(cohorts, eq(cohorts.id, cohortMembers.cohortId))
    .where(and(eq(cohorts.guildId, member.guildId), eq(cohortMembers.userId, member.userId)))
    .orderBy(asc(cohorts.startDay))
    .then((rows) => rows.map((r) => r.cohort));
}

/** Changes a cohort's plan or settings; `expectUpdatedAt` guards against two moderators editing at once. */
export async function updateCohort(db: Tx, cohort: Cohort, changes: Partial<NewCohort>, now: Date): Promise<Cohort> {
  const [row] = await db
    .update(cohorts)
    .set({ ...changes, updatedAt: now })
    .where(and(eq(cohorts.id, cohort.id), eq(cohorts.updatedAt, cohort.updatedAt)))
    .returning();
  if (!row) throw new UserError('Someone changed this cohort at the same time. Look at it again with `/cohort status` and retry.');
  return row;
}

/**
 * Turns a cohort's public calendar feed on or off (without touching the plan's updated_at, which the
 * scheduled posts watch). Turning it on after it was off bumps its version, so the old link stays off.
 */
export async function setPublicFeed(db: Tx, cohortId: number, on: boolean): Promise<Cohort | undefined> {
  const [row] = await db
    .update(cohorts)
    .set({ publicFeed: on, publicFeedVersion: on ? sql`case when ${cohorts.publicFeed} then ${cohorts.publicFeedVersion} else ${cohorts.publicFeedVersion} + 1 end` : cohorts.publicFeedVersion })
    .where(eq(cohorts.id, cohortId))
    .returning();
  return row;
}

/** Joins a cohort. False when the member already was in it. */
export async function joinCohort(db: Tx, cohortId: number, userId: string, now: Date): Promise<boolean> {
  const rows = await db.insert(cohortMembers).values({ cohortId, userId, joinedAt: now }).onConflictDoNothing().returning({ userId: cohortMembers.userId });
  return rows.length > 0;
}

/** Leaves a cohort (their finished units go too). False when the member was not in it. */
export async function leaveCohort(db: Db, cohortId: number, userId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .delete(cohortMembers)
      .where(and(eq(cohortMembers.cohortId, cohortId), eq(cohortMembers.userId, userId)))
      .returning({ userId: cohortMembers.userId });
    await tx.delete(cohortUnitsDone).where(and(eq(cohortUnitsDone.cohortId, cohortId), eq(cohortUnitsDone.userId, userId)));
    return rows.length > 0;
  });
}

export async function membersOf(db: Tx, cohortId: number): Promise<CohortMember[]> {
  return db.select().from(cohortMembers).where(eq(cohortMembers.cohortId, cohortId)).orderBy(asc(cohortMembers.joinedAt), asc(cohortMembers.userId));
}

export async function membership(db: Tx, cohortId: number, userId: string): Promise<CohortMember | undefined> {
  const [row] = await db
    .select()
    .from(cohortMembers)
    .where(and(eq(cohortMembers.cohortId, cohortId), eq(cohortMembers.userId, userId)));
  return row;
}

export async function setHidden(db: Tx, cohortId: number, userId: string, hidden: boolean): Promise<boolean> {
  const rows = await db
    .update(cohortMembers)
    .set({ hidden })
    .where(and(eq(cohortMembers.cohortId, cohortId), eq(cohortMembers.userId, userId)))
    .returning({ userId: cohortMembers.userId });
  return rows.length > 0;
}

export async function bumpCalendarVersion(db: Tx, cohortId: number, userId: string): Promise<number | undefined> {
  const [row] = await db
    .update(cohortMembers)
    .set({ calendarVersion: sql`${cohortMembers.calendarVersion} + 1` })
    .where(and(eq(cohortMembers.cohortId, cohortId), eq(cohortMembers.userId, userId)))
    .returning({ version: cohortMembers.calendarVersion });
  return row?.version;
}

/** Marks that a member was told they are two units behind; false when they already were. */
export async function markNudged(db: Tx, cohortId: number, userId: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(cohortMembers)
    .set({ nudgedAt: now })
    .where(and(eq(cohortMembers.cohortId, cohortId), eq(cohortMembers.userId, userId), sql`${cohortMembers.nudgedAt} is null`))
    .returning({ userId: cohortMembers.userId });
  return rows.length > 0;
}

export interface UnitDone {
  userId: string;
  week: number;
  doneAt: Date;
  onTime: boolean;
  via: 'steps' | 'challenge';
}

/** Units finished in a cohort (all members, or some). */
export async function unitsDone(db: Tx, cohortId: number, userIds?: readonly string[]): Promise<UnitDone[]> {
  const where = userIds ? and(eq(cohortUnitsDone.cohortId, cohortId), inArray(cohortUnitsDone.userId, [...userIds])) : eq(cohortUnitsDone.cohortId, cohortId);
  if (userIds && userIds.length === 0) return [];
  return db
    .select({ userId: cohortUnitsDone.userId, week: cohortUnitsDone.week, doneAt: cohortUnitsDone.doneAt, onTime: cohortUnitsDone.onTime, via: cohortUnitsDone.via })
    .from(cohortUnitsDone)
    .where(where)
    .orderBy(asc(cohortUnitsDone.week));
}

/**
 * Records the units members of a cohort finished and that are not recorded yet: from when each step
 * was marked done (step_progress) and when the unit's challenge was submitted, as unitDoneAt says,
 * and on time when that was before the unit's deadline. A recorded unit never moves (undoing a
 * step later does not take it back). Safe to run any number of times, from any process: each
 * (cohort, member, unit) is written once. Returns how many were recorded.
 */
export async function syncUnits(db: Tx, content: Content, cohort: Cohort, now: Date, userIds?: readonly string[]): Promise<number> {
  const members = userIds ?? (await membersOf(db, cohort.id)).map((m) => m.userId);
  if (members.length === 0) return 0;
  const units = unitsOf(cohort);
  const planned = new Set(units.flatMap((u) => u.stepIds));
  const known = new Set((await unitsDone(db, cohort.id, members)).map((u) => `${u.userId}:${u.week}`));
  const steps = await db
    .select({ userId: stepProgress.userId, stepId: stepProgress.stepId, at: stepProgress.completedAt })
    .from(stepProgress)
    .where(and(eq(stepProgress.guildId, cohort.guildId), inArray(stepProgress.userId, [...members])));
  const challengeIds = [...new Set(cohort.challenges.filter((c): c is string => !!c))];
  const submissions =
    challengeIds.length === 0
      ? []
      : await db
          .select({ userId: challengeSubmissions.userId, challengeId: challengeWeeks.challengeId, at: sql<Date>`min(${challengeSubmissions.submittedAt})`.mapWith(challengeSubmissions.submittedAt) })
          .from(challengeSubmissions)
          .innerJoin(challengeWeeks, eq(challengeWeeks.id, challengeSubmissions.weekId))
          .where(and(eq(challengeWeeks.guildId, cohort.guildId), inArray(challengeWeeks.challengeId, challengeIds), inArray(challengeSubmissions.userId, [...members])))
          .groupBy(challengeSubmissions.userId, challengeWeeks.challengeId);
  const byMember = new Map<string, Map<string, Date>>();
  for (const row of steps) {
    const id = findStep(content, row.stepId)?.step.id ?? row.stepId;
    if (!planned.has(id)) continue;
    let done = byMember.get(row.userId);
    if (!done) {
      done = new Map<string, Date>();
      byMember.set(row.userId, done);
    }
    const earlier = done.get(id);
    if (!earlier || earlier > row.at) done.set(id, row.at);
  }
  const rows: (typeof cohortUnitsDone.$inferInsert)[] = [];
  for (const userId of members) {
    const done = byMember.get(userId) ?? new Map<string, Date>();
    for (const unit of units) {
      if (known.has(`${userId}:${unit.week}`)) continue;
      const submitted = unit.challengeId ? submissions.find((s) => s.userId === userId && s.challengeId === unit.challengeId)?.at : undefined;
      const at = unitDoneAt(unit, done, submitted);
      if (!at || at > now) continue;
      const viaSteps = unitDoneAt({ stepIds: unit.stepIds }, done);
      const via = viaSteps && viaSteps.getTime() === at.getTime() ? 'steps' : 'challenge';
      rows.push({ cohortId: cohort.id, userId, week: unit.week, doneAt: at, onTime: at <= unit.deadline, via });
    }
  }
  if (rows.length === 0) return 0;
  const inserted = await db.insert(cohortUnitsDone).values(rows).onConflictDoNothing().returning({ week: cohortUnitsDone.week });
  return inserted.length;
}

/**
 * After a member marked a step done or submitted a challenge (/done, Mark done, /challenge
 * submit): records the units it finished in their cohorts. One read when they are in none.
 */
export async function syncMemberUnits(ctx: { db: Db; content: Content; clock: { now(): Date } }, member: MemberKey): Promise<number> {
  const mine = await memberCohorts(ctx.db, member);
  let n = 0;
  for (const cohort of mine) n += await syncUnits(ctx.db, ctx.content, cohort, ctx.clock.now(), [member.userId]);
  return n;
}

/** Stores a certificate unless the member already has one for the cohort; returns the stored one. */
export async function issueCertificate(db: Tx, values: CohortCertificate): Promise<CohortCertificate> {
  await db.insert(cohortCertificates).values(values).onConflictDoNothing({ target: [cohortCertificates.cohortId, cohortCertificates.userId] });
  const stored = await certificateOf(db, values.cohortId, values.userId);
  if (!stored) throw new Error(`certificate for ${values.userId} in cohort ${values.cohortId} was not stored`);
  return stored;
}

export async function certificateOf(db: Tx, cohortId: number, userId: string): Promise<CohortCertificate | undefined> {
  const [row] = await db
    .select()
    .from(cohortCertificates)
    .where(and(eq(cohortCertificates.cohortId, cohortId), eq(cohortCertificates.userId, userId)));
  return row;
}

export async function certificatesOf(db: Tx, cohortId: number): Promise<CohortCertificate[]> {
  return db.select().from(cohortCertificates).where(eq(cohortCertificates.cohortId, cohortId)).orderBy(asc(cohortCertificates.issuedAt));
}

/** A certificate by its code, with its cohort, in any server (a code is unique). */
export async function certificateByCode(db: Tx, code: string): Promise<{ certificate: CohortCertificate; cohort: Cohort } | undefined> {
  const [row] = await db
    .select({ certificate: cohortCertificates, cohort: cohorts })
    .from(cohortCertificates)
    .innerJoin(cohorts, eq(cohorts.id, cohortCertificates.cohortId))
    .where(eq(cohortCertificates.code, code));
  return row;
}
