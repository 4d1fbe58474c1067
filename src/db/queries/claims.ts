import { and, asc, eq, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { scheduledPosts, type ScheduledPost } from '../schema.js';

/**
 * Exactly-once scheduled posts. A job claims (guild, kind, period) before it posts and completes
 * the claim after; the unique index on scheduled_posts makes the claim the single decision point
 * across restarts, processes and clocks firing twice.
 *
 *   claimed ──complete──▶ posted      (never posted again)
 *      │ ├────markSkipped─▶ skipped   (never posted)
 *      │ ├────markFailed──▶ failed    (permanent Discord error; retried only when retryFailedBefore says so)
 *      │ └────release─────▶ claimed, owner cleared (transient error: the next run retries at once)
 *      ├ its process's lease lapsed (leases.ts releases it: owner cleared): taken over within about LEASE_TTL
 *      └ stale (claimed_at older than staleAfterMs; an owner without a lease): taken over
 *
 * A post of several steps (a prompt and its thread, a challenge post of several messages)
 * records each step as it is done (`recordStep`) and completes only when all are: whoever takes
 * the claim over finishes the missing steps, and never redoes a recorded one.
 */
export type PostKind = ScheduledPost['kind'];

export interface ClaimRequest {
  guildId: string;
  kind: PostKind;
  /** The local date (YYYY-MM-DD) or week the post belongs to. */
  period: string;
  /** What is being posted (e.g. a prompt id), when already known. A taken-over claim keeps its earlier ref. */
  ref?: string | null;
  /** Who claims: one id per running process (see `ownerId`). */
  owner: string;
  now: Date;
  /** A claim older than this is assumed dead (its process crashed) and may be taken over. */
  staleAfterMs: number;
  /** A 'failed' row whose claim is older than this may be claimed again (e.g. the setup was fixed since). */
  retryFailedBefore?: Date;
}

/**
 * Takes the claim for (guild, kind, period), or returns null when another process holds a live
 * claim or the period is already settled (posted, skipped, failed). Exactly one caller wins even
 * when several race, on Postgres as on PGlite: the insert relies on the unique index and the
 * takeover is a single conditional UPDATE (a concurrent loser re-checks the row after the winner's
 * update and no longer matches).
 */
export async function claim(db: Tx, request: ClaimRequest): Promise<ScheduledPost | null> {
  const { guildId, kind, period, owner, now } = request;
  const ref = request.ref ?? null;
  const [inserted] = await db
    .insert(scheduledPosts)
    .values({ guildId, kind, period, status: 'claimed', ref, claimedBy: owner, claimedAt: now, attempts: 1 })
    .onConflictDoNothing()
    .returning();
  if (inserted) return inserted;

  const staleBefore = new Date(now.getTime() - request.staleAfterMs);
  const takeable = [and(eq(scheduledPosts.status, 'claimed'), or(isNull(scheduledPosts.claimedBy), lt(scheduledPosts.claimedAt, staleBefore)))];
  if (request.retryFailedBefore) takeable.push(and(eq(scheduledPosts.status, 'failed'), lt(scheduledPosts.claimedAt, request.retryFailedBefore)));
  const [taken] = await db
    .update(scheduledPosts)
    .set({
      status: 'claimed',
      claimedBy: owner,
      claimedAt: now,
      attempts: sql`${scheduledPosts.attempts} + 1`,
      ref: sql`coalesce(${scheduledPosts.ref}, ${ref})`,
    })
    .where(and(eq(scheduledPosts.guildId, guildId), eq(scheduledPosts.kind, kind), eq(scheduledPosts.period, period), or(...takeable)))
    .returning();
  return taken ?? null;
}

/**
 * Records one finished step of a claimed post (scheduled_posts.steps: e.g. `message` -> its id,
 * `thread` -> the thread's id), so that a claim taken over after a crash or released after a
 * transient error does the missing steps only. The claim stays open until `complete()`. A post's
 * first message also fills message_id and channel_id (and the ref), as `complete()` would.
 */
export async function recordStep(
  db: Tx,
  id: number,
  step: string,
  value: string,
  post?: { messageId: string; channelId: string; ref?: string | null },
): Promise<boolean> {
  const rows = await db
    .update(scheduledPosts)
    .set({
      steps: sql`${scheduledPosts.steps} || ${JSON.stringify({ [step]: value })}::jsonb`,
      ...(post ? { messageId: post.messageId, channelId: post.channelId, ...(post.ref ? { ref: post.ref } : {}) } : {}),
    })
    .where(and(eq(scheduledPosts.id, id), eq(scheduledPosts.status, 'claimed')))
    .returning({ id: scheduledPosts.id });
  return rows.length > 0;
}

/** Marks a claimed post as posted. Returns false if the claim was no longer open (nothing changed). */
export async function complete(
  db: Tx,
  id: number,
  result: { messageId?: string; channelId?: string; postedAt: Date; ref?: string | null },
): Promise<boolean> {
  const rows = await db
    .update(scheduledPosts)
    .set({
      status: 'posted',
      // A post that sends no message (the winner role's move) leaves them empty.
      ...(result.messageId ? { messageId: result.messageId } : {}),
      ...(result.channelId ? { channelId: result.channelId } : {}),
      postedAt: result.postedAt,
      error: null,
      ...(result.ref ? { ref: result.ref } : {}),
    })
    .where(and(eq(scheduledPosts.id, id), eq(scheduledPosts.status, 'claimed')))
    .returning({ id: scheduledPosts.id });
  return rows.length > 0;
}

/** Marks claimed work that posts no message as done (e.g. the daily moderator-log clean-up), with what it did in `ref`. */
export async function completeWork(db: Tx, id: number, result: { doneAt: Date; ref: string }): Promise<boolean> {
  const rows = await db
    .update(scheduledPosts)
    .set({ status: 'posted', postedAt: result.doneAt, ref: result.ref, error: null })
    .where(and(eq(scheduledPosts.id, id), eq(scheduledPosts.status, 'claimed')))
    .returning({ id: scheduledPosts.id });
  return rows.length > 0;
}

/** Records that a claimed period will not be posted (e.g. missed while the bot was offline). */
export async function markSkipped(db: Tx, id: number, reason: string): Promise<boolean> {
  const rows = await db
    .update(scheduledPosts)
    .set({ status: 'skipped', error: reason })
    .where(and(eq(scheduledPosts.id, id), eq(scheduledPosts.status, 'claimed')))
    .returning({ id: scheduledPosts.id });
  return rows.length > 0;
}

/** Records a permanent failure: the period is not retried (unless a later claim passes retryFailedBefore). */
export async function markFailed(db: Tx, id: number, error: string): Promise<boolean> {
  const rows = await db
    .update(scheduledPosts)
    .set({ status: 'failed', error: error.slice(0, 1000) })
    .where(and(eq(scheduledPosts.id, id), eq(scheduledPosts.status, 'claimed')))
    .returning({ id: scheduledPosts.id });
  return rows.length > 0;
}

/** Gives a claim back after a transient failure (429/5xx that discord.js could not absorb): the next run retries it. */
export async function release(db: Tx, id: number, error: string): Promise<boolean> {
  const rows = await db
    .update(scheduledPosts)
    .set({ claimedBy: null, error: error.slice(0, 1000) })
    .where(and(eq(scheduledPosts.id, id), eq(scheduledPosts.status, 'claimed')))
    .returning({ id: scheduledPosts.id });
  return rows.length > 0;
}

/** The row of one (guild, kind, period), if any. */
export async function findPost(db: Tx, key: { guildId: string; kind: PostKind; period: string }): Promise<ScheduledPost | undefined> {
  const [row] = await db
    .select()
    .from(scheduledPosts)
    .where(and(eq(scheduledPosts.guildId, key.guildId), eq(scheduledPosts.kind, key.kind), eq(scheduledPosts.period, key.period)));
  return row;
}

/** Rows of one kind for many guilds and periods at once (a scheduler tick checks what is already settled). */
export async function postsFor(db: Tx, kind: PostKind, guildIds: readonly string[], periods: readonly string[]): Promise<ScheduledPost[]> {
  if (guildIds.length === 0 || periods.length === 0) return [];
  return db
    .select()
    .from(scheduledPosts)
    .where(and(eq(scheduledPosts.kind, kind), inArray(scheduledPosts.guildId, [...guildIds]), inArray(scheduledPosts.period, [...new Set(periods)])));
}

/** Claims of a kind still open (status claimed), of any guild: a job's recovery path filters them to its own servers. */
export async function openClaims(db: Tx, kind: PostKind): Promise<ScheduledPost[]> {
  return db
    .select()
    .from(scheduledPosts)
    .where(and(eq(scheduledPosts.kind, kind), eq(scheduledPosts.status, 'claimed')));
}

/** The latest period recorded (any status) per guild for a kind. */
export async function latestPeriods(db: Tx, kind: PostKind, guildIds: readonly string[]): Promise<Map<string, string>> {
  if (guildIds.length === 0) return new Map();
  const rows = await db
    .select({ guildId: scheduledPosts.guildId, period: sql<string>`max(${scheduledPosts.period})` })
    .from(scheduledPosts)
    .where(and(eq(scheduledPosts.kind, kind), inArray(scheduledPosts.guildId, [...guildIds])))
    .groupBy(scheduledPosts.guildId);
  return new Map(rows.map((r) => [r.guildId, r.period]));
}

/** Refs posted in a guild for a kind, oldest first (rotation history). */
export async function postedRefs(db: Tx, guildId: string, kind: PostKind): Promise<string[]> {
  const rows = await db
    .select({ ref: scheduledPosts.ref })
    .from(scheduledPosts)
    .where(and(eq(scheduledPosts.guildId, guildId), eq(scheduledPosts.kind, kind), eq(scheduledPosts.status, 'posted'), isNotNull(scheduledPosts.ref)))
    .orderBy(asc(scheduledPosts.period), asc(scheduledPosts.id));
  return rows.map((r) => r.ref!);
}
