import { and, asc, desc, eq, inArray, ne, sql, type SQL } from 'drizzle-orm';
import { LOG_RETENTION_DEFAULT_DAYS, STAGED_POST, type ModeratorAction } from '../../domain/moderator-actions.js';
import type { Tx } from '../client.js';
import { auditLog, guildSettings } from '../schema.js';

export { MODERATOR_ACTIONS, isModeratorAction, type ModeratorAction } from '../../domain/moderator-actions.js';

export interface ModeratorLogEntry {
  guildId: string;
  /** Who did it (a moderator, or the member themselves for their own actions). */
  actorId: string;
  action: ModeratorAction;
  /** The member the action was about, if any: `/admin log member:` and `/privacy export` find it by this. */
  targetUserId?: string | null;
  /** Why, as the moderator wrote it. */
  reason?: string | null;
  /** What exactly changed: kept as JSON beside the reason. */
  details?: Record<string, unknown>;
  at: Date;
}

/**
 * Records one moderator action in the moderator log. Call it in the same transaction as the change
 * it records, so that a change is never without its entry and an entry never without its change.
 */
export async function logModeratorAction(tx: Tx, entry: ModeratorLogEntry): Promise<void> {
  const details = { ...entry.details, ...(entry.reason ? { reason: entry.reason } : {}) };
  await tx.insert(auditLog).values({
    guildId: entry.guildId,
    actorId: entry.actorId,
    action: entry.action,
    targetUserId: entry.targetUserId ?? null,
    details,
    at: entry.at,
  });
}

/** One entry as /admin log shows it. */
export interface LoggedAction {
  id: number;
  actorId: string;
  action: ModeratorAction;
  targetUserId: string | null;
  details: Record<string, unknown>;
  at: Date;
}

/** Where a page of the log starts: the entries just older (or newer) than this one (keyset on (at, id)). */
export interface LogCursor {
  at: Date;
  id: number;
  direction: 'older' | 'newer';
}

export interface LogFilter {
  guildId: string;
  /** Only entries about this member. */
  targetUserId?: string | null;
  /** Only entries of these kinds. */
  actions?: readonly ModeratorAction[] | null;
  /** Only entries at or after this instant. */
  since?: Date | null;
}

/**
 * Up to `limit` entries of the server's moderator log, newest first: the newest ones (no cursor),
 * or those just older or just newer than the cursor's entry. Paged by (at, id), never by offset, so
 * entries written while a moderator pages neither shift a page nor show twice. Staged resource posts
 * are not entries and never show.
 */
export async function moderatorLogPage(db: Tx, filter: LogFilter, cursor: LogCursor | null, limit: number): Promise<LoggedAction[]> {
  const conditions: SQL[] = [eq(auditLog.guildId, filter.guildId), ne(auditLog.action, STAGED_POST)];
  if (filter.targetUserId) conditions.push(eq(auditLog.targetUserId, filter.targetUserId));
  if (filter.actions && filter.actions.length > 0) conditions.push(inArray(auditLog.action, [...filter.actions]));
  if (filter.since) conditions.push(sql`${auditLog.at} >= ${filter.since.toISOString()}::timestamptz`);
  const newer = cursor?.direction === 'newer';
  if (cursor) {
    const at = sql`${cursor.at.toISOString()}::timestamptz`;
    conditions.push(newer ? sql`(${auditLog.at}, ${auditLog.id}) > (${at}, ${cursor.id})` : sql`(${auditLog.at}, ${auditLog.id}) < (${at}, ${cursor.id})`);
  }
  const rows = await db
    .select({ id: auditLog.id, actorId: auditLog.actorId, action: auditLog.action, targetUserId: auditLog.targetUserId, details: auditLog.details, at: auditLog.at })
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(...(newer ? [asc(auditLog.at), asc(auditLog.id)] : [desc(auditLog.at), desc(auditLog.id)]))
    .limit(limit);
  const entries = rows.filter((r): r is LoggedAction => r.action !== STAGED_POST);
  return newer ? entries.reverse() : entries;
}

/**
 * Deletes up to `batch` log rows older than their server's retention (guild_settings
 * log_retention_days; the default for a server without settings), oldest first. Staged resource
 * posts follow the same rule: one younger than the retention stays, whether pending or used.
 * Returns how many rows went; call again until it is fewer than `batch`.
 */
export async function deleteExpiredLogBatch(db: Tx, now: Date, batch: number): Promise<number> {
  const expired = db
    .select({ id: auditLog.id })
    .from(auditLog)
    .leftJoin(guildSettings, eq(guildSettings.guildId, auditLog.guildId))
    .where(sql`${auditLog.at} < ${now.toISOString()}::timestamptz - make_interval(days => coalesce(${guildSettings.logRetentionDays}, ${sql.raw(String(LOG_RETENTION_DEFAULT_DAYS))}))`)
    .orderBy(asc(auditLog.at))
    .limit(batch);
  const deleted = await db.delete(auditLog).where(inArray(auditLog.id, expired)).returning({ id: auditLog.id });
  return deleted.length;
}
