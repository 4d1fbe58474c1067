import { and, asc, count, desc, eq, gt, lt, or, sql } from 'drizzle-orm';
import type { Content } from '../../content/loader.js';
import { catalogueEntries, listResources, type Level, type ResourceEntry } from '../../domain/catalogue.js';
import { STAGED_POST } from '../../domain/moderator-actions.js';
import { urlKey } from '../../domain/urls.js';
import type { Db, Tx } from '../client.js';
import { auditLog, guildResources, resourcePosts, type GuildResource } from '../schema.js';
import { logModeratorAction, type ModeratorAction } from './moderator-log.js';

/** A member may suggest at most this many links per rolling hour. */
export const SUGGESTIONS_PER_HOUR = 5;
/** Posting a link that was posted in the server within this window needs a confirm. */
export const REPOST_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

export async function approvedRows(db: Tx, guildId: string): Promise<GuildResource[]> {
  return db
    .select()
    .from(guildResources)
    .where(and(eq(guildResources.guildId, guildId), eq(guildResources.status, 'approved')))
    .orderBy(desc(guildResources.createdAt), desc(guildResources.id));
}

/** Catalogue and server resources together, in list order (see listResources). */
export async function allResources(db: Tx, content: Content, guildId: string): Promise<ResourceEntry[]> {
  return listResources(content, await approvedRows(db, guildId));
}

export type Duplicate = { where: 'catalogue'; entry: ResourceEntry } | { where: 'server'; row: GuildResource };

/** The resource that already has this link (same de-dup key), in the catalogue or in any state in this server. */
export async function findDuplicate(db: Tx, content: Content, guildId: string, key: string): Promise<Duplicate | undefined> {
  const inCatalogue = catalogueEntries(content).find((e) => e.key === key);
  if (inCatalogue) return { where: 'catalogue', entry: inCatalogue };
  const rows = await db.select().from(guildResources).where(eq(guildResources.guildId, guildId));
  const row = rows.find((r) => urlKey(r.url) === key);
  return row ? { where: 'server', row } : undefined;
}

/** Serialises resource writes of one server (duplicate and rate-limit checks stay true until commit). */
async function lockGuild(tx: Tx, guildId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`cohort:resources:${guildId}`}, 0))`);
}

export interface NewResource {
  guildId: string;
  userId: string;
  url: string;
  key: string;
  title: string;
  stepId: string | null;
  kind: string;
  level: Level | null;
  free: boolean | null;
  note: string | null;
}

/** What the person adding or suggesting a resource says about it, as stored in guild_resources. */
function detailsOf(input: NewResource) {
  const { url, title, kind, level, free, stepId, note } = input;
  return { url, title, kind, level, free, stepId, note };
}

export type SuggestOutcome =
  | { ok: true; row: GuildResource }
  | { ok: false; why: 'duplicate'; duplicate: Duplicate }
  | { ok: false; why: 'rate_limited'; retryAt: Date };

/** A member's suggestion: rate-limited per member, refused when the link is already known, else queued for review. */
export async function suggestResource(db: Db, content: Content, input: NewResource, now: Date): Promise<SuggestOutcome> {
  return db.transaction(async (tx) => {
    await lockGuild(tx, input.guildId);
    const since = new Date(now.getTime() - 60 * 60 * 1000);
    const recent = await tx
      .select({ createdAt: guildResources.createdAt })
      .from(guildResources)
      .where(and(eq(guildResources.guildId, input.guildId), eq(guildResources.suggestedBy, input.userId), gt(guildResources.createdAt, since)))
      .orderBy(asc(guildResources.createdAt));
    if (recent.length >= SUGGESTIONS_PER_HOUR) {
      const oldest = recent[recent.length - SUGGESTIONS_PER_HOUR]!.createdAt;
      return { ok: false, why: 'rate_limited', retryAt: new Date(oldest.getTime() + 60 * 60 * 1000) };
    }
    const duplicate = await findDuplicate(tx, content, input.guildId, input.key);
    if (duplicate) return { ok: false, why: 'duplicate', duplicate };
    const [row] = await tx
      .insert(guildResources)
      .values({
        guildId: input.guildId,
        ...detailsOf(input),
        status: 'pending',
        suggestedBy: input.userId,
        createdAt: now,
      })
      .returning();
    return { ok: true, row: row! };
  });
}

export type AddOutcome = { ok: true; row: GuildResource; revived: boolean } | { ok: false; why: 'duplicate'; duplicate: Duplicate };

/**
 * A moderator's addition: approved at once. A link that was rejected or removed before is
 * brought back with the new details; a catalogue, approved or pending link is a duplicate.
 */
export async function addResource(db: Db, content: Content, input: NewResource, now: Date): Promise<AddOutcome> {
  return db.transaction(async (tx) => {
    await lockGuild(tx, input.guildId);
    const duplicate = await findDuplicate(tx, content, input.guildId, input.key);
    const fields = {
      ...detailsOf(input),
      status: 'approved' as const,
      suggestedBy: input.userId,
      reviewedBy: input.userId,
      reviewedAt: now,
      rejectReason: null,
      createdAt: now,
    };
    let row: GuildResource | undefined;
    let revived = false;
    if (duplicate?.where === 'server' && (duplicate.row.status === 'rejected' || duplicate.row.status === 'removed')) {
      [row] = await tx.update(guildResources).set(fields).where(eq(guildResources.id, duplicate.row.id)).returning();
      revived = true;
    } else if (duplicate) {
      return { ok: false, why: 'duplicate', duplicate };
    } else {
      [row] = await tx
        .insert(guildResources)
        .values({ guildId: input.guildId, ...fields })
        .returning();
    }
    await audit(tx, input.guildId, input.userId, 'resource.add', now, { resourceId: row!.id, url: input.url, revived });
    return { ok: true, row: row!, revived };
  });
}

/** A place in the review queue: the suggestion there (none when the queue is empty), its index (oldest first) and the queue's length. */
export interface PendingItem {
  row: GuildResource | undefined;
  index: number;
  total: number;
}

const pendingIn = (guildId: string) => and(eq(guildResources.guildId, guildId), eq(guildResources.status, 'pending'));

/** How many suggestions wait for review. */
export async function pendingCount(db: Tx, guildId: string): Promise<number> {
  const [{ total } = { total: 0 }] = await db.select({ total: count() }).from(guildResources).where(pendingIn(guildId));
  return total;
}

/** The pending suggestion at `index` (oldest first, clamped) and how many there are. */
export async function pendingAt(db: Tx, guildId: string, index: number): Promise<PendingItem> {
  const where = pendingIn(guildId);
  const total = await pendingCount(db, guildId);
  if (total === 0) return { row: undefined, index: 0, total };
  const clamped = Math.min(Math.max(0, index), total - 1);
  const [row] = await db.select().from(guildResources).where(where).orderBy(asc(guildResources.createdAt), asc(guildResources.id)).limit(1).offset(clamped);
  return { row, index: clamped, total };
}

/** Suggestion `id` at its place in the queue; undefined when it is no longer pending (or not of this guild). */
export async function pendingItem(db: Tx, guildId: string, id: number): Promise<PendingItem | undefined> {
  const row = await getServerResource(db, guildId, id);
  if (row?.status !== 'pending') return undefined;
  // Same order as pendingAt: by creation time, then id.
  const before = or(lt(guildResources.createdAt, row.createdAt), and(eq(guildResources.createdAt, row.createdAt), lt(guildResources.id, row.id)));
  const [counts] = await db
    .select({ index: sql<number>`count(*) filter (where ${before})`.mapWith(Number), total: count() })
    .from(guildResources)
    .where(pendingIn(guildId));
  const index = counts?.index ?? 0;
  // The row itself may have been decided between the two reads; the card still shows it.
  return { row, index, total: Math.max(counts?.total ?? 0, index + 1) };
}

/** Approves or rejects a pending suggestion once; undefined when it was no longer pending (decided by someone else). */
export async function decideSuggestion(
  db: Db,
  input: { guildId: string; id: number; moderatorId: string; approve: boolean; reason: string | null },
  now: Date,
): Promise<GuildResource | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(guildResources)
      .set({ status: input.approve ? 'approved' : 'rejected', reviewedBy: input.moderatorId, reviewedAt: now, rejectReason: input.approve ? null : input.reason })
      .where(and(eq(guildResources.id, input.id), eq(guildResources.guildId, input.guildId), eq(guildResources.status, 'pending')))
      .returning();
    if (row) {
      await audit(tx, input.guildId, input.moderatorId, input.approve ? 'resource.approve' : 'resource.reject', now, {
        resourceId: row.id,
        url: row.url,
      }, row.suggestedBy, input.reason);
    }
    return row;
  });
}

export async function getServerResource(db: Tx, guildId: string, id: number): Promise<GuildResource | undefined> {
  const [row] = await db.select().from(guildResources).where(and(eq(guildResources.guildId, guildId), eq(guildResources.id, id)));
  return row;
}

/** Takes an approved server resource out of every list; undefined when there was none. */
export async function removeResource(db: Db, input: { guildId: string; id: number; moderatorId: string }, now: Date): Promise<GuildResource | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(guildResources)
      .set({ status: 'removed', reviewedBy: input.moderatorId, reviewedAt: now })
      .where(and(eq(guildResources.id, input.id), eq(guildResources.guildId, input.guildId), eq(guildResources.status, 'approved')))
      .returning();
    if (row) await audit(tx, input.guildId, input.moderatorId, 'resource.remove', now, { resourceId: row.id, url: row.url, title: row.title });
    return row;
  });
}

export type ResourcePost = typeof resourcePosts.$inferSelect;

/** The latest post of the same link in this server within the last 7 days. */
export async function recentPost(db: Tx, guildId: string, key: string, now: Date): Promise<ResourcePost | undefined> {
  const since = new Date(now.getTime() - REPOST_WINDOW_MS);
  const posts = await db
    .select()
    .from(resourcePosts)
    .where(and(eq(resourcePosts.guildId, guildId), gt(resourcePosts.postedAt, since)))
    .orderBy(desc(resourcePosts.postedAt));
  return posts.find((p) => urlKey(p.url) === key);
}

export async function recordPost(
  db: Db,
  input: { guildId: string; entry: ResourceEntry; channelId: string; messageId: string; postedBy: string; note: string | null },
  now: Date,
): Promise<ResourcePost> {
  return db.transaction(async (tx) => {
    const [post] = await tx
      .insert(resourcePosts)
      .values({
        guildId: input.guildId,
        url: input.entry.url,
        resourceRef: input.entry.ref,
        channelId: input.channelId,
        messageId: input.messageId,
        postedBy: input.postedBy,
        note: input.note,
        postedAt: now,
      })
      .returning();
    await audit(tx, input.guildId, input.postedBy, 'resource.post', now, { postId: post!.id, ref: input.entry.ref, url: input.entry.url, channelId: input.channelId });
    return post!;
  });
}

export interface StagedPost {
  ref: string;
  channelId: string;
  note: string | null;
}

/**
 * A post waiting for the moderator's confirm (the link was posted this week). Kept in the audit
 * log, so the note survives and the confirm button only has to carry the entry id.
 */
export async function stagePost(db: Tx, guildId: string, moderatorId: string, staged: StagedPost, now: Date): Promise<number> {
  const [row] = await db
    .insert(auditLog)
    .values({ guildId, actorId: moderatorId, action: STAGED_POST, details: { ...staged }, at: now })
    .returning({ id: auditLog.id });
  return row!.id;
}

/** Claims a staged post once (a double press posts once); undefined when unknown or already used. */
export async function claimStagedPost(db: Tx, guildId: string, id: number, now: Date): Promise<StagedPost | undefined> {
  const [row] = await db
    .update(auditLog)
    .set({ details: sql`${auditLog.details} || ${JSON.stringify({ claimedAt: now.toISOString() })}::jsonb` })
    .where(and(eq(auditLog.id, id), eq(auditLog.guildId, guildId), eq(auditLog.action, STAGED_POST), sql`${auditLog.details}->>'claimedAt' is null`))
    .returning({ details: auditLog.details });
  if (!row) return undefined;
  const d = row.details;
  if (typeof d.ref !== 'string' || typeof d.channelId !== 'string') return undefined;
  return { ref: d.ref, channelId: d.channelId, note: typeof d.note === 'string' ? d.note : null };
}

/** Gives a claimed staged post back (posting failed), so the moderator can press again. */
export async function releaseStagedPost(db: Tx, guildId: string, id: number): Promise<void> {
  await db
    .update(auditLog)
    .set({ details: sql`${auditLog.details} - 'claimedAt'` })
    .where(and(eq(auditLog.id, id), eq(auditLog.guildId, guildId)));
}

async function audit(tx: Tx, guildId: string, actorId: string, action: ModeratorAction, at: Date, details: Record<string, unknown>, targetUserId?: string, reason?: string | null): Promise<void> {
  await logModeratorAction(tx, { guildId, actorId, action, details, at, targetUserId: targetUserId ?? null, reason: reason ?? null });
}
