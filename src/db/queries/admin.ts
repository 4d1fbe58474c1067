import { and, eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { auditLog, stepProgress } from '../schema.js';
import type { MemberKey } from './streaks.js';

/**
 * A moderator forgets a member's roadmap progress (one track, or all), logged in audit_log with
 * who did it, in one transaction. Streak days already counted stay: they happened.
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
    await tx.insert(auditLog).values({
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
