import { sql } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { healthProbe } from '../schema.js';

/**
 * The database check of GET /healthz: a tiny write (one row, rewritten each time), so that a
 * database that answers `select 1` but cannot store anything (a full disk, a read-only standby,
 * a revoked grant) is reported unhealthy. Throws an Error whose message says why, in our words.
 */
export async function checkDatabaseWrites(db: Tx, now: Date): Promise<void> {
  try {
    await db
      .insert(healthProbe)
      .values({ id: 1, checkedAt: now })
      .onConflictDoUpdate({ target: healthProbe.id, set: { checkedAt: sql`excluded.checked_at` } });
  } catch (error) {
    throw new Error(describeWriteFailure(error), { cause: error });
  }
}

/** Codes and messages along an error's chain (drizzle wraps the driver's error as its cause). */
function chain(error: unknown): { codes: string[]; messages: string[] } {
  const codes: string[] = [];
  const messages: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    if (e instanceof Error) messages.push(e.message);
    else if (typeof e === 'string') messages.push(e);
  }
  return { codes, messages };
}

/** Why a write failed, as /healthz says it: "database cannot write: no space left" and the like. */
export function describeWriteFailure(error: unknown): string {
  const { codes, messages } = chain(error);
  const text = messages.join(' | ');
  const has = (...wanted: string[]) => wanted.some((code) => codes.includes(code));
  if (has('53100', 'ENOSPC') || /no space left on device/i.test(text)) return 'database cannot write: no space left';
  if (has('EDQUOT') || /disk quota exceeded/i.test(text)) return 'database cannot write: over its disk quota';
  if (has('25006')) return 'database cannot write: it is read-only (a standby, or default_transaction_read_only is on)';
  if (has('42501')) return 'database cannot write: the database user may not write to its tables (permission denied)';
  if (has('53200')) return 'database cannot write: the server is out of memory';
  if (has('53300', '57P03')) return 'database cannot write: the server takes no more connections right now';
  if (has('57P01', '57P02', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'ECONNRESET')) return 'database cannot write: the connection to the server was lost';
  if (has('ECONNREFUSED')) return 'database cannot write: the server refuses connections (is it running?)';
  if (has('CONNECT_TIMEOUT', 'ETIMEDOUT')) return 'database cannot write: the server did not answer';
  if (has('ENOTFOUND', 'EAI_AGAIN')) return "database cannot write: the server's host name does not resolve";
  if (has('EIO') || /input\/output error/i.test(text)) return 'database cannot write: the disk reports an input/output error';
  if (/PGlite is closed/i.test(text)) return 'database cannot write: the embedded database is closed';
  const first = messages.find((m) => m && !/^Failed query:/.test(m)) ?? messages[0] ?? 'unknown error';
  return `database cannot write: ${first.split('\n')[0]!.slice(0, 200)}`;
}
