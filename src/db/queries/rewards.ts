import { and, asc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { findStep, type Content } from '../../content/loader.js';
import type { MemberFigures, RewardKind } from '../../domain/rewards.js';
import { viewAt } from '../../domain/streaks.js';
import { HOUR_MS, mergeIntervals } from '../../domain/study.js';
import type { Db, Tx } from '../client.js';
import { activities, challengeSubmissions, challengeWeeks, memberRewards, rewardSettings, rewards, stepProgress, type Reward } from '../schema.js';
import { logModeratorAction } from './moderator-log.js';
import { memberProgressAll } from './progress.js';
import { getStreakSummary, memberToday, type MemberKey } from './streaks.js';
import { studyIntervals } from './study.js';

export async function guildRewards(db: Tx, guildId: string): Promise<Reward[]> {
  return db.select().from(rewards).where(eq(rewards.guildId, guildId)).orderBy(asc(rewards.kind), asc(rewards.threshold), asc(rewards.id));
}

export interface NewReward {
  guildId: string;
  kind: RewardKind;
  threshold: number;
  roleId: string;
  removeWhenBelow: boolean;
  createdBy: string;
  now: Date;
}

/**
 * Adds a reward, or updates remove_when_below of the same kind, threshold and role. Either way the
 * server's reward errors are cleared: running /setup rewards is how a refused grant is retried.
 */
export async function saveReward(db: Db, input: NewReward): Promise<{ reward: Reward; created: boolean }> {
  return db.transaction(async (tx) => {
    const [existing] = await tx
      .select()
      .from(rewards)
      .where(and(eq(rewards.guildId, input.guildId), eq(rewards.kind, input.kind), eq(rewards.threshold, input.threshold), eq(rewards.roleId, input.roleId)));
    await clearRewardErrors(tx, input.guildId);
    const log = (reward: Reward, from: RewardSetting | null) =>
      logModeratorAction(tx, {
        guildId: input.guildId,
        actorId: input.createdBy,
        action: 'settings.change',
        details: { setting: 'rewards', changes: { [`reward #${reward.id}`]: { from, to: rewardSetting(reward) } } },
        at: input.now,
      });
    if (existing) {
      const [reward] = await tx.update(rewards).set({ removeWhenBelow: input.removeWhenBelow, error: null, errorAt: null }).where(eq(rewards.id, existing.id)).returning();
      if (existing.removeWhenBelow !== input.removeWhenBelow) await log(reward!, rewardSetting(existing));
      return { reward: reward!, created: false };
    }
    const [reward] = await tx
      .insert(rewards)
      .values({
        guildId: input.guildId,
        kind: input.kind,
        threshold: input.threshold,
        roleId: input.roleId,
        removeWhenBelow: input.removeWhenBelow,
        createdBy: input.createdBy,
        createdAt: input.now,
      })
      .returning();
    await log(reward!, null);
    return { reward: reward!, created: true };
  });
}

/** A reward as the moderator log keeps it (the value of a `reward #<id>` setting). */
export type RewardSetting = Pick<Reward, 'kind' | 'threshold' | 'roleId' | 'removeWhenBelow'>;

const rewardSetting = (r: Reward): RewardSetting => ({ kind: r.kind, threshold: r.threshold, roleId: r.roleId, removeWhenBelow: r.removeWhenBelow });

/**
 * Deletes a reward of the server (its granted rows go with it; the roles stay with the members),
 * logged in the moderator log in the same transaction.
 */
export async function deleteReward(db: Db, input: { guildId: string; id: number; actorId: string; at: Date }): Promise<Reward | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx.delete(rewards).where(and(eq(rewards.guildId, input.guildId), eq(rewards.id, input.id))).returning();
    if (row)
      await logModeratorAction(tx, {
        guildId: input.guildId,
        actorId: input.actorId,
        action: 'settings.change',
        details: { setting: 'rewards', changes: { [`reward #${row.id}`]: { from: rewardSetting(row), to: null } } },
        at: input.at,
      });
    return row;
  });
}

export async function clearRewardErrors(db: Tx, guildId: string): Promise<void> {
  await db.update(rewards).set({ error: null, errorAt: null }).where(and(eq(rewards.guildId, guildId), isNotNull(rewards.error)));
}

/** Stops a reward until setup changes: Discord refused it (`error` says why, in our words). */
export async function setRewardError(db: Tx, id: number, error: string, now: Date): Promise<void> {
  await db.update(rewards).set({ error, errorAt: now }).where(eq(rewards.id, id));
}

/** The reward ids a member holds. */
export async function heldRewards(db: Tx, member: MemberKey): Promise<Set<number>> {
  const rows = await db
    .select({ rewardId: memberRewards.rewardId })
    .from(memberRewards)
    .where(and(eq(memberRewards.guildId, member.guildId), eq(memberRewards.userId, member.userId)));
  return new Set(rows.map((r) => r.rewardId));
}

/**
 * Records a grant. Returns false when another process (or a second click) recorded it first: the
 * caller then sends nothing, so a role is granted at most once per member and reward.
 */
export async function claimGrant(db: Tx, member: MemberKey, reward: Reward, now: Date): Promise<boolean> {
  const rows = await db
    .insert(memberRewards)
    .values({ ...member, rewardId: reward.id, roleId: reward.roleId, grantedAt: now })
    .onConflictDoNothing()
    .returning({ rewardId: memberRewards.rewardId });
  return rows.length > 0;
}

/** Forgets a grant (after a removal, or when the grant itself failed). Returns false when it was not held. */
export async function releaseGrant(db: Tx, member: MemberKey, rewardId: number): Promise<boolean> {
  const rows = await db
    .delete(memberRewards)
    .where(and(eq(memberRewards.guildId, member.guildId), eq(memberRewards.userId, member.userId), eq(memberRewards.rewardId, rewardId)))
    .returning({ rewardId: memberRewards.rewardId });
  return rows.length > 0;
}

/** A member's figures for every milestone kind, as of `now`. */
export async function memberFigures(db: Tx, content: Content, member: MemberKey, now: Date): Promise<MemberFigures> {
  const [steps, tracks, summary, today, submissions, hours] = await Promise.all([
    db.select({ stepId: stepProgress.stepId }).from(stepProgress).where(and(eq(stepProgress.guildId, member.guildId), eq(stepProgress.userId, member.userId))),
    memberProgressAll(db, content, member),
    getStreakSummary(db, member),
    memberToday(db, member, now),
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(challengeSubmissions)
      .innerJoin(challengeWeeks, eq(challengeWeeks.id, challengeSubmissions.weekId))
      .where(and(eq(challengeWeeks.guildId, member.guildId), eq(challengeSubmissions.userId, member.userId), isNull(challengeSubmissions.flaggedAt))),
    memberStudyHours(db, member),
  ]);
  // Steps still in the content, each once (a step renamed since counts under its new id).
  const known = new Set(steps.map((s) => findStep(content, s.stepId)?.step.id).filter((id): id is string => id !== undefined));
  return {
    steps: known.size,
    track: tracks.filter((t) => t.total > 0 && t.done >= t.total).length,
    // The streak as of today: a missed day no freeze covers has broken it, even before the next check-in.
    streak: viewAt(summary, today).current,
    // A submission a moderator flagged (/challenge flag) does not count.
    submissions: Number(submissions[0]?.n ?? 0),
    study_hours: hours,
  };
}

/** A member's whole study hours in the server: closed voice and focus sessions, overlaps once. */
export async function memberStudyHours(db: Tx, member: MemberKey): Promise<number> {
  const total = mergeIntervals(await studyIntervals(db, member)).reduce((sum, i) => sum + i.end - i.start, 0);
  return Math.floor(total / HOUR_MS);
}

/** Members of a server that have done anything Cohort counts, or hold a reward: who /setup rewards sync looks at. */
export async function rewardCandidates(db: Tx, guildId: string): Promise<string[]> {
  const [acts, held] = await Promise.all([
    db.selectDistinct({ userId: activities.userId }).from(activities).where(eq(activities.guildId, guildId)),
    db.selectDistinct({ userId: memberRewards.userId }).from(memberRewards).where(eq(memberRewards.guildId, guildId)),
  ]);
  return [...new Set([...acts, ...held].map((r) => r.userId))].sort();
}

/** How many members hold each reward of the server. */
export async function holderCounts(db: Tx, guildId: string, ids: readonly number[]): Promise<Map<number, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ rewardId: memberRewards.rewardId, n: sql<number>`count(*)::int` })
    .from(memberRewards)
    .where(and(eq(memberRewards.guildId, guildId), inArray(memberRewards.rewardId, [...ids])))
    .groupBy(memberRewards.rewardId);
  return new Map(rows.map((r) => [r.rewardId, Number(r.n)]));
}

/** The announce channel and why the last announcement failed (null when it went out). */
export async function announceSettings(db: Tx, guildId: string): Promise<{ channelId: string | null; error: string | null }> {
  const [row] = await db.select({ channelId: rewardSettings.announceChannelId, error: rewardSettings.announceError }).from(rewardSettings).where(eq(rewardSettings.guildId, guildId));
  return row ?? { channelId: null, error: null };
}

export async function setAnnounceError(db: Tx, guildId: string, error: string | null, now: Date): Promise<void> {
  await db.update(rewardSettings).set({ announceError: error, updatedAt: now }).where(eq(rewardSettings.guildId, guildId));
}

/** Sets (or clears) the milestone announcement channel, logged in the moderator log when it changed, in one transaction. */
export async function setAnnounceChannel(db: Db, guildId: string, channelId: string | null, now: Date, actorId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [before] = await tx.select({ channelId: rewardSettings.announceChannelId }).from(rewardSettings).where(eq(rewardSettings.guildId, guildId)).for('update');
    await tx
      .insert(rewardSettings)
      .values({ guildId, announceChannelId: channelId, updatedAt: now })
      .onConflictDoUpdate({ target: rewardSettings.guildId, set: { announceChannelId: channelId, announceError: null, updatedAt: now } });
    const from = before?.channelId ?? null;
    if (from !== channelId)
      await logModeratorAction(tx, { guildId, actorId, action: 'settings.change', details: { setting: 'rewards announce', changes: { announceChannelId: { from, to: channelId } } }, at: now });
  });
}
