import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import { findStep, type Content, type StepEntry } from '../../content/loader.js';
import type { ContentStore } from '../../content/store.js';
import type { Track } from '../../content/schema.js';
import { trackProgress, type TrackProgress } from '../../domain/progress.js';
import { prepared, preparedRows, rowsOf, type Db, type Tx } from '../client.js';
import { cohortMembers, cohorts, memberBranches, memberTracks, serverContentRevisions, stepProgress } from '../schema.js';
import { activityPlaceholder, recordActivityInTransaction, recordActivityOptimistically, type ActivityGate, type MemberFigures, type MemberKey } from './streaks.js';

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

/**
 * The steps a member finished (as stored), the branch they chose per track, the track they follow,
 * and their server's content revision (0 without content of its own: ContentStore.atRevision), in one
 * round trip.
 */
export async function memberRoadmap(db: Tx, member: MemberKey): Promise<{ done: string[]; branches: Map<string, string>; track: string | undefined; contentRevision: number }> {
  const query = preparedRows<{ kind: 'step' | 'branch' | 'track' | 'revision'; a: string; b: string | null }>(
    db,
    'member_roadmap_revision',
    () => sql`select 'step' as kind, step_id as a, null::text as b from ${stepProgress} where guild_id = ${sql.placeholder('guildId')} and user_id = ${sql.placeholder('userId')}
    union all
    select 'branch', track_id, branch_id from ${memberBranches} where guild_id = ${sql.placeholder('guildId')} and user_id = ${sql.placeholder('userId')}
    union all
    select 'track', track_id, null from ${memberTracks} where guild_id = ${sql.placeholder('guildId')} and user_id = ${sql.placeholder('userId')}
    union all
    select 'revision', revision::text, null from ${serverContentRevisions} where guild_id = ${sql.placeholder('guildId')}`,
  );
  const rows = await query.execute({ guildId: member.guildId, userId: member.userId });
  const done: string[] = [];
  const branches = new Map<string, string>();
  let track: string | undefined;
  let contentRevision = 0;
  for (const row of rows) {
    if (row.kind === 'step') done.push(row.a);
    else if (row.kind === 'branch') branches.set(row.a, row.b ?? '');
    else if (row.kind === 'track') track = row.a;
    else contentRevision = Number(row.a);
  }
  return { done, branches, track, contentRevision };
}

/** A member's progress on one track (with their chosen branch), renamed steps mapped to their current ids. */
export async function memberTrackProgress(db: Tx, content: Content, member: MemberKey, track: Track): Promise<TrackProgress> {
  const { done, branches } = await memberRoadmap(db, member);
  return trackProgress(track, done, (id) => findStep(content, id)?.step.id ?? id, branches.get(track.id));
}

/**
 * A member's progress on the track they named, or else on the track they follow (/roadmap track), or
 * else on the first track: one read. `pick` resolves the track (it throws a UserError for a bad name).
 */
export async function memberProgressOn(
  db: Tx,
  content: Content,
  member: MemberKey,
  pick: (followed: string | undefined) => Track,
): Promise<TrackProgress> {
  const { done, branches, track: followed } = await memberRoadmap(db, member);
  const track = pick(followed);
  return trackProgress(track, done, (id) => findStep(content, id)?.step.id ?? id, branches.get(track.id));
}

/**
 * memberProgressOn with the server's content read in the same statement (/next, the hot path): the
 * content revision comes with the member's roadmap, so the content costs no read of its own.
 */
export async function memberProgressWithContent(
  db: Tx,
  contents: ContentStore,
  member: MemberKey,
  pick: (followed: string | undefined, content: Content) => Track,
): Promise<{ content: Content; progress: TrackProgress }> {
  const { done, branches, track: followed, contentRevision } = await memberRoadmap(db, member);
  const content = await contents.atRevision(member.guildId, contentRevision);
  const track = pick(followed, content);
  return { content, progress: trackProgress(track, done, (id) => findStep(content, id)?.step.id ?? id, branches.get(track.id)) };
}

/** Sets the track a member follows (/roadmap track). Returns the track followed before, if any. */
export async function followTrack(db: Db, member: MemberKey, trackId: string, at: Date): Promise<string | undefined> {
  const rows = await rowsOf<{ previous: string | null }>(
    db,
    sql`with previous as (
      select track_id from ${memberTracks} where guild_id = ${member.guildId} and user_id = ${member.userId}
    ), upsert as (
      insert into ${memberTracks} (guild_id, user_id, track_id, chosen_at)
      values (${member.guildId}, ${member.userId}, ${trackId}, ${at.toISOString()}::timestamptz)
      on conflict (guild_id, user_id) do update set track_id = excluded.track_id, chosen_at = excluded.chosen_at
      returning 1
    )
    select (select track_id from previous) as previous from upsert`,
  );
  return rows[0]?.previous ?? undefined;
}

/** memberTrackProgress for every track, from one read. */
export async function memberProgressAll(db: Tx, content: Content, member: MemberKey): Promise<TrackProgress[]> {
  const { done, branches } = await memberRoadmap(db, member);
  return content.tracks.map((track) => trackProgress(track, done, (id) => findStep(content, id)?.step.id ?? id, branches.get(track.id)));
}

/**
 * Sets a member's branch on a track (/roadmap choose), replacing an earlier choice. Progress is
 * untouched: steps done in any branch stay done. Returns the branch chosen before, if any.
 */
export async function chooseBranch(db: Db, member: MemberKey, trackId: string, branchId: string, at: Date): Promise<string | undefined> {
  const rows = await rowsOf<{ previous: string | null }>(
    db,
    sql`with previous as (
      select branch_id from ${memberBranches} where guild_id = ${member.guildId} and user_id = ${member.userId} and track_id = ${trackId}
    ), upsert as (
      insert into ${memberBranches} (guild_id, user_id, track_id, branch_id, chosen_at)
      values (${member.guildId}, ${member.userId}, ${trackId}, ${branchId}, ${at.toISOString()}::timestamptz)
      on conflict (guild_id, user_id, track_id) do update set branch_id = excluded.branch_id, chosen_at = excluded.chosen_at
      returning 1
    )
    select (select branch_id from previous) as previous from upsert`,
  );
  return rows[0]?.previous ?? undefined;
}

/** The current ids of the steps a member finished (former ids mapped through `replaces:`). */
export async function finishedStepIds(db: Tx, content: Content, member: MemberKey): Promise<Set<string>> {
  return new Set((await completedStepIds(db, member)).map((id) => findStep(content, id)?.step.id ?? id));
}

/** `where not exists` a former id of the step among the member's finished steps (empty without former ids). */
function notFormerlyDone(member: MemberKey, former: readonly unknown[]): SQL {
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
async function recordStep(tx: Tx, member: MemberKey, entry: StepEntry, at: Date): Promise<Recorded> {
  const rows = await rowsOf<{ stepId: string; inserted: boolean | null }>(
    tx,
    sql`with inserted as (
      insert into ${stepProgress} (guild_id, user_id, step_id, track_id, completed_at)
      select ${member.guildId}, ${member.userId}, ${entry.step.id}, ${entry.track.id}, ${at.toISOString()}::timestamptz ${notFormerlyDone(member, entry.step.replaces)}
      on conflict do nothing
      returning step_id
    )
    select step_id as "stepId", false as inserted from ${stepProgress} where guild_id = ${member.guildId} and user_id = ${member.userId}
    union all
    select step_id, true from inserted
    union all
    select branch_id, null from ${memberBranches} where guild_id = ${member.guildId} and user_id = ${member.userId} and track_id = ${entry.track.id}`,
  );
  const recorded = rows.some((r) => r.inserted === true);
  if (recorded) await recordActivityInTransaction(tx, { ...member, kind: 'step', at, ref: entry.step.id });
  const [cohort] = await rowsOf<{ inCohort: boolean }>(tx, sql`select ${inACohort(member)} as "inCohort"`);
  return { recorded, finished: rows.filter((r) => r.inserted !== null).map((r) => r.stepId), branchId: rows.find((r) => r.inserted === null)?.stepId, inCohort: cohort?.inCohort === true };
}

/** Whether the member belongs to a cohort of the server (then a finished step may finish a cohort unit). */
function inACohort(member: MemberKey): SQL {
  return sql`exists (select 1 from ${cohortMembers} m join ${cohorts} c on c.id = m.cohort_id where m.user_id = ${member.userId} and c.guild_id = ${member.guildId})`;
}

/** What recording a step returns: whether it was new, every step the member finished, and their branch on its track. */
interface Recorded {
  recorded: boolean;
  finished: string[];
  branchId: string | undefined;
  /** Whether the member is in one of the server's cohorts (read in the same statement): only then are cohort units synced. */
  inCohort: boolean;
}

/**
 * recordStep in two round trips, outside a transaction (recordActivityOptimistically): the step is
 * inserted by the activity's own statement, only while the member's figures are unchanged, and the
 * statement returns every finished step. Undefined when the locked path is needed.
 */
async function recordStepOptimistically(db: Db, member: MemberKey, entry: StepEntry, at: Date, figures?: MemberFigures): Promise<Recorded | undefined> {
  const former = entry.step.replaces;
  const gate: ActivityGate = {
    key: `step:${former.length}`,
    build: () => {
      const p = activityPlaceholder;
      const member = { guildId: p('guildId'), userId: p('userId') } as unknown as MemberKey;
      return {
        cte: sql`gate as (
          insert into ${stepProgress} (guild_id, user_id, step_id, track_id, completed_at)
          select ${member.guildId}, ${member.userId}, ${sql.placeholder('stepId')}, ${sql.placeholder('trackId')}, ${p('at')}::timestamptz from ok ${notFormerlyDone(
            member,
            former.map((_, i) => sql.placeholder(`former${i}`)),
          )}
          on conflict do nothing
          returning step_id
        )`,
        columns: [
          sql`array(select step_id from ${stepProgress} where guild_id = ${member.guildId} and user_id = ${member.userId} union all select step_id from gate) as finished`,
          sql`(select branch_id from ${memberBranches} where guild_id = ${member.guildId} and user_id = ${member.userId} and track_id = ${sql.placeholder('trackId')}) as branch`,
          sql`${inACohort(member)} as in_cohort`,
        ],
      };
    },
    values: { stepId: entry.step.id, trackId: entry.track.id, ...Object.fromEntries(former.map((id, i) => [`former${i}`, id])) },
  };
  const done = await recordActivityOptimistically(db, { ...member, kind: 'step', at, ref: entry.step.id }, gate, figures);
  return done && { recorded: done.result.recorded, finished: done.row.finished as string[], branchId: (done.row.branch as string | null) ?? undefined, inCohort: done.row.in_cohort === true };
}

/**
 * Marks a step done for a member: the compare-and-set path, else the locked one (see
 * src/db/queries/streaks.ts). `recorded` is false when it already was done (a double click changes
 * nothing); `finished` is every step the member has finished as of that write (ids as stored).
 */
async function markStepDone(ctx: { db: Db; clock: Clock; memberFigures?: MemberFigures }, member: MemberKey, entry: StepEntry): Promise<Recorded> {
  const at = ctx.clock.now();
  return (await recordStepOptimistically(ctx.db, member, entry, at, ctx.memberFigures)) ?? (await ctx.db.transaction((tx) => recordStep(tx, member, entry, at)));
}

/** Marks a step done for a member. Returns false when it already was. */
export async function completeStep(ctx: { db: Db; clock: Clock }, member: MemberKey, entry: StepEntry): Promise<boolean> {
  return (await markStepDone(ctx, member, entry)).recorded;
}

/**
 * Marks a step done (the /done command, the Mark done button), and the member's progress as of that
 * write on `track`: the step's own track by default, or another track that shares the step (`use:`),
 * whose chosen branch is then read separately; and whether the member is in one of the server's
 * cohorts, so that the caller syncs cohort units only then.
 */
export async function completeStepWithProgress(
  ctx: { db: Db; clock: Clock; content: Content; memberFigures?: MemberFigures },
  member: MemberKey,
  entry: StepEntry,
  track: Track = entry.track,
): Promise<{ recorded: boolean; progress: TrackProgress; inCohort: boolean }> {
  const { recorded, finished, branchId, inCohort } = await markStepDone(ctx, member, entry);
  const branch = track === entry.track ? branchId : (await memberRoadmap(ctx.db, member)).branches.get(track.id);
  return { recorded, inCohort, progress: trackProgress(track, finished, (id) => findStep(ctx.content, id)?.step.id ?? id, branch) };
}

/** Undoes a finished step (under its current or former ids). Returns false when it was not done. */
export async function undoStep(ctx: { db: Db }, member: MemberKey, entry: StepEntry): Promise<boolean> {
  return unmarkStep(ctx.db, member, [entry.step.id, ...entry.step.replaces]);
}
