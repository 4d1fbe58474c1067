import { and, desc, eq, inArray, isNotNull } from 'drizzle-orm';
import type { Db, Tx } from '../client.js';
import { guildSettings, memberBranches, memberSettings, podMembers, podOptIns, podSettings, pods, stepProgress, type Pod, type PodSettings } from '../schema.js';
import { logModeratorAction } from './moderator-log.js';
import { settingsDiff } from './settings.js';

export interface MemberKey {
  guildId: string;
  userId: string;
}

export type PodSettingsPatch = Partial<Omit<PodSettings, 'guildId' | 'updatedAt'>>;

export async function getPodSettings(db: Tx, guildId: string): Promise<PodSettings | undefined> {
  const [row] = await db.select().from(podSettings).where(eq(podSettings.guildId, guildId));
  return row;
}

/**
 * Saves /setup pods (the first time channel, day and time are all given; see commands/setup/pods.ts)
 * and logs what changed in the moderator log, in one transaction.
 */
export async function savePodSettings(db: Db, guildId: string, values: Omit<PodSettings, 'guildId' | 'updatedAt'>, now: Date, actorId: string): Promise<PodSettings> {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(podSettings).where(eq(podSettings.guildId, guildId)).for('update');
    const [row] = await tx
      .insert(podSettings)
      .values({ guildId, ...values, updatedAt: now })
      .onConflictDoUpdate({ target: podSettings.guildId, set: { ...values, updatedAt: now } })
      .returning();
    const changes = settingsDiff(before ?? {}, row!, ['channelId', 'day', 'time', 'enabled']);
    if (Object.keys(changes).length > 0) await logModeratorAction(tx, { guildId, actorId, action: 'settings.change', details: { setting: 'pods', changes }, at: now });
    return row!;
  });
}

export async function setPodsBroken(db: Tx, guildId: string, reason: string): Promise<void> {
  await db.update(podSettings).set({ brokenReason: reason }).where(eq(podSettings.guildId, guildId));
}

/** Servers with pods on (and not stopped), with the server's time zone. */
export async function podGuilds(db: Tx): Promise<(PodSettings & { timezone: string })[]> {
  const rows = await db
    .select({ settings: podSettings, timezone: guildSettings.timezone })
    .from(podSettings)
    .leftJoin(guildSettings, eq(guildSettings.guildId, podSettings.guildId))
    .where(eq(podSettings.enabled, true));
  return rows.filter((r) => !r.settings.brokenReason).map((r) => ({ ...r.settings, timezone: r.timezone ?? 'UTC' }));
}

/** Opts a member in (or changes their size). Returns their earlier preferred size, if they were in. */
export async function joinPods(db: Tx, member: MemberKey, preferredSize: number, now: Date): Promise<number | undefined> {
  const [before] = await db.select({ size: podOptIns.preferredSize }).from(podOptIns).where(and(eq(podOptIns.guildId, member.guildId), eq(podOptIns.userId, member.userId)));
  await db
    .insert(podOptIns)
    .values({ ...member, preferredSize, joinedAt: now })
    .onConflictDoUpdate({ target: [podOptIns.guildId, podOptIns.userId], set: { preferredSize } });
  return before?.size;
}

export async function leavePods(db: Tx, member: MemberKey): Promise<boolean> {
  const rows = await db.delete(podOptIns).where(and(eq(podOptIns.guildId, member.guildId), eq(podOptIns.userId, member.userId))).returning({ k: podOptIns.userId });
  return rows.length > 0;
}

export async function podOptIn(db: Tx, member: MemberKey) {
  const [row] = await db.select().from(podOptIns).where(and(eq(podOptIns.guildId, member.guildId), eq(podOptIns.userId, member.userId)));
  return row;
}

export interface PodWithMembers extends Pod {
  members: { userId: string; stepId: string | null }[];
}

async function withMembers(db: Tx, list: Pod[]): Promise<PodWithMembers[]> {
  if (list.length === 0) return [];
  const rows = await db.select().from(podMembers).where(inArray(podMembers.podId, list.map((p) => p.id)));
  return list.map((p) => ({ ...p, members: rows.filter((r) => r.podId === p.id).map((r) => ({ userId: r.userId, stepId: r.stepId })) }));
}

/** The member's most recent pod in the server, with its members. */
export async function latestPodOf(db: Tx, member: MemberKey): Promise<PodWithMembers | undefined> {
  const [row] = await db
    .select({ pod: pods })
    .from(podMembers)
    .innerJoin(pods, eq(pods.id, podMembers.podId))
    .where(and(eq(pods.guildId, member.guildId), eq(podMembers.userId, member.userId)))
    .orderBy(desc(pods.week))
    .limit(1);
  return row ? (await withMembers(db, [row.pod]))[0] : undefined;
}

export async function weekPods(db: Tx, guildId: string, week: string): Promise<PodWithMembers[]> {
  return withMembers(db, await db.select().from(pods).where(and(eq(pods.guildId, guildId), eq(pods.week, week))).orderBy(pods.number));
}

/** What the matching needs about each opted-in member: size, finished steps, branches, time zone. */
export async function podCandidateRows(db: Tx, guildId: string) {
  const [optIns, steps, branches, zones] = await Promise.all([
    db.select().from(podOptIns).where(eq(podOptIns.guildId, guildId)).orderBy(podOptIns.userId),
    db
      .select({ userId: stepProgress.userId, stepId: stepProgress.stepId })
      .from(stepProgress)
      .innerJoin(podOptIns, and(eq(podOptIns.guildId, stepProgress.guildId), eq(podOptIns.userId, stepProgress.userId)))
      .where(eq(stepProgress.guildId, guildId)),
    db
      .select({ userId: memberBranches.userId, trackId: memberBranches.trackId, branchId: memberBranches.branchId })
      .from(memberBranches)
      .innerJoin(podOptIns, and(eq(podOptIns.guildId, memberBranches.guildId), eq(podOptIns.userId, memberBranches.userId)))
      .where(eq(memberBranches.guildId, guildId)),
    db
      .select({ userId: memberSettings.userId, timezone: memberSettings.timezone })
      .from(memberSettings)
      .innerJoin(podOptIns, and(eq(podOptIns.guildId, memberSettings.guildId), eq(podOptIns.userId, memberSettings.userId)))
      .where(and(eq(memberSettings.guildId, guildId), isNotNull(memberSettings.timezone))),
  ]);
  return optIns.map((o) => ({
    userId: o.userId,
    preferredSize: o.preferredSize,
    done: steps.filter((s) => s.userId === o.userId).map((s) => s.stepId),
    branches: new Map(branches.filter((b) => b.userId === o.userId).map((b) => [b.trackId, b.branchId])),
    timezone: zones.find((z) => z.userId === o.userId)?.timezone ?? null,
  }));
}

/** Every pair of members who shared a pod in the server before `week`. */
export async function podHistory(db: Tx, guildId: string, beforeWeek: string): Promise<[string, string][]> {
  const past = await db.select().from(pods).where(eq(pods.guildId, guildId));
  const list = await withMembers(db, past.filter((p) => p.week < beforeWeek));
  const pairs: [string, string][] = [];
  for (const pod of list) for (let i = 0; i < pod.members.length; i += 1) for (let j = i + 1; j < pod.members.length; j += 1) pairs.push([pod.members[i]!.userId, pod.members[j]!.userId]);
  return pairs;
}

/**
 * Records a week's pods once: in one transaction, unless the week already has pods (a retried
 * claim), in which case those are kept. Returns the week's pods either way.
 */
export async function savePlan(db: Db, guildId: string, week: string, plan: { userId: string; stepId: string | null }[][], now: Date): Promise<PodWithMembers[]> {
  await db.transaction(async (tx) => {
    const existing = await tx.select({ id: pods.id }).from(pods).where(and(eq(pods.guildId, guildId), eq(pods.week, week))).limit(1);
    if (existing.length > 0 || plan.length === 0) return;
    const inserted = await tx
      .insert(pods)
      .values(plan.map((_, i) => ({ guildId, week, number: i + 1, createdAt: now })))
      .returning({ id: pods.id, number: pods.number });
    const rows = inserted.flatMap((p) => plan[p.number - 1]!.map((m) => ({ podId: p.id, userId: m.userId, stepId: m.stepId })));
    if (rows.length > 0) await tx.insert(podMembers).values(rows);
  });
  return weekPods(db, guildId, week);
}

export async function setPodThread(db: Tx, podId: number, threadId: string): Promise<void> {
  await db.update(pods).set({ threadId }).where(eq(pods.id, podId));
}

export async function setPodKickoff(db: Tx, podId: number, messageId: string): Promise<void> {
  await db.update(pods).set({ kickoffMessageId: messageId }).where(eq(pods.id, podId));
}

export async function markAlone(db: Tx, member: MemberKey, week: string): Promise<void> {
  await db.update(podOptIns).set({ aloneWeek: week }).where(and(eq(podOptIns.guildId, member.guildId), eq(podOptIns.userId, member.userId)));
}
