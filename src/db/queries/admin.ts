import { and, desc, eq, min, sql } from 'drizzle-orm';
import type { Db, Tx } from '../client.js';
import { activities, auditLog, stepProgress } from '../schema.js';
import { logModeratorAction } from './moderator-log.js';
import type { MemberKey } from './streaks.js';

/**
 * A moderator forgets a member's roadmap progress (one track, or all), logged in the moderator log
 * with who did it, in one transaction. Streak days already counted stay: they happened.
 */
export async function resetProgress(
  db: Db,
  input: MemberKey & { trackId: string | null; actorId: string; at: Date },
): Promise<{ removed: string[] }> {
  return db.transaction(async (tx) => {
    const conditions = [eq(stepProgress.guildId, input.guildId), eq(stepProgress.userId, input.userId)];
    if (input.trackId) conditions.push(eq(stepProgress.trackId, input.trackId));
    const removed = await tx
      .delete(stepProgress)
      .where(and(...conditions))
      .returning({ stepId: stepProgress.stepId });
    await logModeratorAction(tx, {
      guildId: input.guildId,
      actorId: input.actorId,
      action: 'progress.reset',
      targetUserId: input.userId,
      details: { trackId: input.trackId, steps: removed.map((r) => r.stepId) },
      at: input.at,
    });
    return { removed: removed.map((r) => r.stepId) };
  });
}

/** How many finished steps a reset of `trackId` (null: every track) would forget. */
export async function finishedStepCount(db: Tx, member: MemberKey, trackId: string | null): Promise<number> {
  const conditions = [eq(stepProgress.guildId, member.guildId), eq(stepProgress.userId, member.userId)];
  if (trackId) conditions.push(eq(stepProgress.trackId, trackId));
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(stepProgress).where(and(...conditions));
  return row?.n ?? 0;
}

export interface ProgressReset {
  actorId: string;
  trackId: string | null;
  steps: number;
  at: Date;
}

/** The latest moderator resets of a member's progress, newest first (what /progress shows them). */
export async function progressResets(db: Tx, member: MemberKey, limit = 3): Promise<ProgressReset[]> {
  const rows = await db
    .select({ actorId: auditLog.actorId, details: auditLog.details, at: auditLog.at })
    .from(auditLog)
    .where(and(eq(auditLog.guildId, member.guildId), eq(auditLog.targetUserId, member.userId), eq(auditLog.action, 'progress.reset')))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(limit);
  return rows.map((r) => ({
    actorId: r.actorId,
    trackId: typeof r.details.trackId === 'string' ? r.details.trackId : null,
    steps: Array.isArray(r.details.steps) ? r.details.steps.length : 0,
    at: r.at,
  }));
}

/** The member's local day of their first activity in the server (check-in, step or submission), if any. */
export async function firstActivityDay(db: Tx, member: MemberKey): Promise<string | undefined> {
  const [row] = await db
    .select({ day: min(activities.day) })
    .from(activities)
    .where(and(eq(activities.guildId, member.guildId), eq(activities.userId, member.userId)));
  return row?.day ?? undefined;
}
