import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import { findStep, type Content, type StepEntry } from '../../content/loader.js';
import type { Track } from '../../content/schema.js';
import { trackProgress, type TrackProgress } from '../../domain/progress.js';
import { prepared, type Db, type Tx } from '../client.js';
import { stepProgress } from '../schema.js';
import { recordActivityInTransaction, recordActivityOptimistically, rowsOf, type ActivityGate } from './streaks.js';

export interface MemberKey {
  guildId: string;
  userId: string;
}

/** The step ids (as stored, possibly former ids) a member has finished. */
export async function completedStepIds(db: Tx, member: MemberKey): Promise<string[]> {
  const query = prepared(db, 'completed_step_ids', (db) =>
    db
      .select({ stepId: stepProgress.stepId })
      .from(stepProgress)
      .where(and(eq(stepProgress.guildId, sql.placeholder('guildId')), eq(stepProgress.userId, sql.placeholder('userId'))))
      .prepare('completed_step_ids'),
  );
  const rows = await query.execute({ guildId: member.guildId, userId: member.userId });
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

/** `where not exists` a former id of the step among the member's finished steps (empty without former ids). */
function notFormerlyDone(member: MemberKey, entry: StepEntry): SQL {
  const former = entry.step.replaces;
  return former.length > 0
    ? sql`where not exists (select 1 from ${stepProgress} where guild_id = ${member.guildId} and user_id = ${member.userId} and step_id in (${sql.join(
        former.map((id) => sql`${id}`),
        sql`, `,
      )}))`
    : sql``;
}

/**
 * Records a step as done for a member (unless it, or a former id of it, already is) and, in the same
 * statement, returns every step the member has finished. A newly finished step is a qualifying
 * activity: it counts the member's day for their streak, in the same transaction.
 */
async function recordStep(tx: Tx, member: MemberKey, entry: StepEntry, at: Date): Promise<{ recorded: boolean; finished: string[] }> {
  const rows = await rowsOf<{ stepId: string; inserted: boolean }>(
    tx,
    sql`with inserted as (
      insert into ${stepProgress} (guild_id, user_id, step_id, track_id, completed_at)
      select ${member.guildId}, ${member.userId}, ${entry.step.id}, ${entry.track.id}, ${at.toISOString()}::timestamptz ${notFormerlyDone(member, entry)}
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

/**
 * recordStep in two round trips, outside a transaction (recordActivityOptimistically): the step is
 * inserted by the activity's own statement, only while the member's figures are unchanged, and the
 * statement returns every finished step. Undefined when the locked path is needed.
 */
async function recordStepOptimistically(db: Db, member: MemberKey, entry: StepEntry, at: Date): Promise<{ recorded: boolean; finished: string[] } | undefined> {
  const where = notFormerlyDone(member, entry);
  const gate: ActivityGate = {
    cte: sql`gate as (
      insert into ${stepProgress} (guild_id, user_id, step_id, track_id, completed_at)
      select ${member.guildId}, ${member.userId}, ${entry.step.id}, ${entry.track.id}, ${at.toISOString()}::timestamptz from ok ${where}
      on conflict do nothing
      returning step_id
    )`,
    columns: [sql`array(select step_id from ${stepProgress} where guild_id = ${member.guildId} and user_id = ${member.userId} union all select step_id from gate) as finished`],
  };
  const done = await recordActivityOptimistically(db, { ...member, kind: 'step', at, ref: entry.step.id }, gate);
  return done && { recorded: done.result.recorded, finished: done.row.finished as string[] };
}

/**
 * Marks a step done for a member: the compare-and-set path, else the locked one (see
 * src/db/queries/streaks.ts). `recorded` is false when it already was done (a double click changes
 * nothing); `finished` is every step the member has finished as of that write (ids as stored).
 */
async function markStepDone(ctx: { db: Db; clock: Clock }, member: MemberKey, entry: StepEntry): Promise<{ recorded: boolean; finished: string[] }> {
  const at = ctx.clock.now();
  return (await recordStepOptimistically(ctx.db, member, entry, at)) ?? (await ctx.db.transaction((tx) => recordStep(tx, member, entry, at)));
}

/** Marks a step done for a member. Returns false when it already was. */
export async function completeStep(ctx: { db: Db; clock: Clock }, member: MemberKey, entry: StepEntry): Promise<boolean> {
  return (await markStepDone(ctx, member, entry)).recorded;
}

/** Marks a step done (the /done command, the Mark done button), and the member's progress on the step's track as of that write. */
export async function completeStepWithProgress(
  ctx: { db: Db; clock: Clock; content: Content },
  member: MemberKey,
  entry: StepEntry,
): Promise<{ recorded: boolean; progress: TrackProgress }> {
  const { recorded, finished } = await markStepDone(ctx, member, entry);
  return { recorded, progress: trackProgress(entry.track, finished, (id) => findStep(ctx.content, id)?.step.id ?? id) };
}

/** Undoes a finished step (under its current or former ids). Returns false when it was not done. */
export async function undoStep(ctx: { db: Db }, member: MemberKey, entry: StepEntry): Promise<boolean> {
  return unmarkStep(ctx.db, member, [entry.step.id, ...entry.step.replaces]);
}
