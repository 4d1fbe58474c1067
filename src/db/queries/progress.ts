import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import { findStep, type Content, type StepEntry } from '../../content/loader.js';
import type { Track } from '../../content/schema.js';
import { trackProgress, type TrackProgress } from '../../domain/progress.js';
import type { Db, Tx } from '../client.js';
import { stepProgress } from '../schema.js';
import { recordActivityInTransaction, rowsOf } from './streaks.js';

export interface MemberKey {
  guildId: string;
  userId: string;
}

/** The step ids (as stored, possibly former ids) a member has finished. */
export async function completedStepIds(db: Tx, member: MemberKey): Promise<string[]> {
  const rows = await db
    .select({ stepId: stepProgress.stepId })
    .from(stepProgress)
    .where(and(eq(stepProgress.guildId, member.guildId), eq(stepProgress.userId, member.userId)));
  return rows.map((r) => r.stepId);
}

/** Forgets that a step (under its current or any former id) was done. Returns false when it was not. */
export async function unmarkStep(db: Tx, member: MemberKey, stepIds: readonly string[]): Promise<boolean> {
  const deleted = await db
    .delete(stepProgress)
    .where(and(eq(stepProgress.guildId, member.guildId), eq(stepProgress.userId, member.userId), inArray(stepProgress.stepId, [...stepIds])))
    .returning({ stepId: stepProgress.stepId });
  return deleted.length > 0;
}

/** A member's progress on one track, with renamed steps mapped to their current ids. */
export async function memberTrackProgress(db: Tx, content: Content, member: MemberKey, track: Track): Promise<TrackProgress> {
  const done = await completedStepIds(db, member);
  return trackProgress(track, done, (id) => findStep(content, id)?.step.id ?? id);
}

/** The current ids of the steps a member finished (former ids mapped through `replaces:`). */
export async function finishedStepIds(db: Tx, content: Content, member: MemberKey): Promise<Set<string>> {
  return new Set((await completedStepIds(db, member)).map((id) => findStep(content, id)?.step.id ?? id));
}

/**
 * Records a step as done for a member (unless it, or a former id of it, already is) and, in the same
 * statement, returns every step the member has finished. A newly finished step is a qualifying
 * activity: it counts the member's day for their streak, in the same transaction.
 */
async function recordStep(tx: Tx, member: MemberKey, entry: StepEntry, at: Date): Promise<{ recorded: boolean; finished: string[] }> {
  const former = entry.step.replaces;
  const notFormer =
    former.length > 0
      ? sql`where not exists (select 1 from ${stepProgress} where guild_id = ${member.guildId} and user_id = ${member.userId} and step_id in (${sql.join(
          former.map((id) => sql`${id}`),
          sql`, `,
        )}))`
      : sql``;
  const rows = await rowsOf<{ stepId: string; inserted: boolean }>(
    tx,
    sql`with inserted as (
      insert into ${stepProgress} (guild_id, user_id, step_id, track_id, completed_at)
      select ${member.guildId}, ${member.userId}, ${entry.step.id}, ${entry.track.id}, ${at.toISOString()}::timestamptz ${notFormer}
      on conflict do nothing
      returning step_id
    )
    select step_id as "stepId", false as inserted from ${stepProgress} where guild_id = ${member.guildId} and user_id = ${member.userId}
    union all
    select step_id, true from inserted`,
  );
  const recorded = rows.some((r) => r.inserted);
  if (recorded) await recordActivityInTransaction(tx, { ...member, kind: 'step', at, ref: entry.step.id });
  return { recorded, finished: rows.map((r) => r.stepId) };
}

/** Marks a step done for a member. Returns false when it already was (a double click changes nothing). */
export async function completeStep(ctx: { db: Db; clock: Clock }, member: MemberKey, entry: StepEntry): Promise<boolean> {
  const at = ctx.clock.now();
  return ctx.db.transaction(async (tx) => (await recordStep(tx, member, entry, at)).recorded);
}

/** completeStep, and the member's progress on the step's track as of that transaction. */
export async function completeStepWithProgress(
  ctx: { db: Db; clock: Clock; content: Content },
  member: MemberKey,
  entry: StepEntry,
): Promise<{ recorded: boolean; progress: TrackProgress }> {
  const at = ctx.clock.now();
  const { recorded, finished } = await ctx.db.transaction((tx) => recordStep(tx, member, entry, at));
  const progress = trackProgress(entry.track, finished, (id) => findStep(ctx.content, id)?.step.id ?? id);
  return { recorded, progress };
}

/** Undoes a finished step (under its current or former ids). Returns false when it was not done. */
export async function undoStep(ctx: { db: Db }, member: MemberKey, entry: StepEntry): Promise<boolean> {
  return unmarkStep(ctx.db, member, [entry.step.id, ...entry.step.replaces]);
}
