import { and, asc, eq, sql, TransactionRollbackError } from 'drizzle-orm';
import type { Folder } from '../../content/loader.js';
import type { Db, Tx } from '../client.js';
import { serverContentFiles, serverContentRevisions, type ServerContentFile } from '../schema.js';
import { logModeratorAction, type ModeratorAction } from './moderator-log.js';

/**
 * A server's own content (docs/server-content.md). Every change bumps the server's revision in the
 * same transaction; readers take the revision first, then the files, so that what they build is at
 * least as new as the revision they keep it under (src/content/store.ts).
 */

/** The server's content revision: 0 when it never had content of its own. One primary-key lookup. */
export async function contentRevision(db: Tx, guildId: string): Promise<number> {
  const [row] = await db.select({ revision: serverContentRevisions.revision }).from(serverContentRevisions).where(eq(serverContentRevisions.guildId, guildId));
  return row?.revision ?? 0;
}

/** The server's files, by name, with the revision read before them. */
export async function serverContent(db: Tx, guildId: string): Promise<{ revision: number; files: ServerContentFile[] }> {
  const revision = await contentRevision(db, guildId);
  const files = await db.select().from(serverContentFiles).where(eq(serverContentFiles.guildId, guildId)).orderBy(asc(serverContentFiles.name));
  return { revision, files };
}

export interface ContentChange {
  guildId: string;
  /** The revision the change was checked against: it is written only if the server's content is still at it. */
  revision: number;
  by: string;
  at: Date;
  action: Extract<ModeratorAction, 'content.upload' | 'content.remove' | 'prompt.add'>;
  details?: Record<string, unknown>;
}

/**
 * Takes the next revision if the server's content is still at `expected` (false: another change came
 * first, check again). Its row lock holds the server's other changes until this transaction ends.
 */
async function nextRevision(tx: Tx, guildId: string, expected: number): Promise<boolean> {
  const rows = await tx
    .insert(serverContentRevisions)
    .values({ guildId, revision: expected + 1 })
    .onConflictDoUpdate({
      target: serverContentRevisions.guildId,
      set: { revision: sql`${serverContentRevisions.revision} + 1` },
      setWhere: eq(serverContentRevisions.revision, expected),
    })
    .returning({ revision: serverContentRevisions.revision });
  return rows[0]?.revision === expected + 1;
}

/** Stores a file (replacing the server's file of that name) with its moderator log entry; false when the content changed since `change.revision`. */
export async function putServerContentFile(db: Db, change: ContentChange, file: { name: string; folder: Folder; text: string }): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (!(await nextRevision(tx, change.guildId, change.revision))) return false;
    const row = { guildId: change.guildId, name: file.name, folder: file.folder, text: file.text, updatedBy: change.by, updatedAt: change.at };
    await tx
      .insert(serverContentFiles)
      .values(row)
      .onConflictDoUpdate({ target: [serverContentFiles.guildId, serverContentFiles.name], set: { folder: row.folder, text: row.text, updatedBy: row.updatedBy, updatedAt: row.updatedAt } });
    await logModeratorAction(tx, { guildId: change.guildId, actorId: change.by, action: change.action, details: { file: file.name, bytes: Buffer.byteLength(file.text), ...change.details }, at: change.at });
    return true;
  });
}

/** Removes a file with its moderator log entry: 'gone' when there is no such file, 'changed' when the content changed since `change.revision`. */
export async function removeServerContentFile(db: Db, change: ContentChange, name: string): Promise<'removed' | 'gone' | 'changed'> {
  return db.transaction(async (tx) => {
    if (!(await nextRevision(tx, change.guildId, change.revision))) return 'changed';
    const removed = await tx
      .delete(serverContentFiles)
      .where(and(eq(serverContentFiles.guildId, change.guildId), eq(serverContentFiles.name, name)))
      .returning({ name: serverContentFiles.name });
    if (removed.length === 0) {
      tx.rollback();
    }
    await logModeratorAction(tx, { guildId: change.guildId, actorId: change.by, action: change.action, details: { file: name, ...change.details }, at: change.at });
    return 'removed' as const;
  }).catch((error: unknown) => {
    if (error instanceof TransactionRollbackError) return 'gone' as const;
    throw error;
  });
}
