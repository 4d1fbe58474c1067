/**
 * What a failed database call means for the member: was anything saved? Two answers only:
 *
 * - 'not_saved': the statement never reached the server (no connection within the connect
 *   deadline, no free connection within the pool-wait deadline, the server refused the connection)
 *   or the server itself aborted it (statement_timeout, a full disk): nothing it would have written
 *   is there.
 * - 'unsure': the statement (or its COMMIT) was sent and the connection then went silent or was
 *   cut: the server may have committed it before the answer was lost. Saying "nothing was saved"
 *   could be false, so the member is told we cannot tell, and that trying again is safe (Cohort's
 *   writes are idempotent per member and day: a check-in, a finished step, a join).
 *
 * Anything else (a constraint, a bug) is not a database outage: undefined.
 */
export type DatabaseFault = 'not_saved' | 'unsure';

/**
 * Thrown by the database deadlines (src/db/deadlines.ts): a connection that stayed silent past
 * the statement deadline, or a wait for a pooled connection past the pool-wait deadline.
 */
export class DatabaseDeadlineError extends Error {
  readonly code = 'DATABASE_DEADLINE';
  constructor(
    message: string,
    /** Whether a statement may have reached the server before the deadline passed. */
    readonly maybeApplied: boolean,
  ) {
    super(message);
    this.name = 'DatabaseDeadlineError';
  }
}

/** Codes of postgres.js and Node for a connection that was never made: no statement was sent on it. */
const NEVER_CONNECTED = new Set(['CONNECT_TIMEOUT', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Codes of a connection lost while in use: a statement on it may have been committed. */
const CONNECTION_LOST = new Set(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
/**
 * SQLSTATEs of a statement the server did not carry out: 57014 canceled (statement_timeout, or
 * postgres.js cancelling a query still waiting for a connection), 57P03 cannot connect now
 * (starting up), 53xxx insufficient resources (disk full, out of memory, too many connections),
 * 08001/08004 the connection could not be made. A transaction whose statement fails is rolled back.
 */
const NOT_CARRIED_OUT = new Set(['57014', '57P03', '53000', '53100', '53200', '53300', '53400', '08001', '08004']);
/** The server ended the session (shutdown, crash, admin): whatever was in flight may or may not have committed. */
const SESSION_ENDED = new Set(['57P01', '57P02', '57P04', '08000', '08003', '08006', '08007']);

/** The fault behind `error` (drizzle wraps driver errors in `cause`), or undefined when it is no outage. */
export function databaseFault(error: unknown): DatabaseFault | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof DatabaseDeadlineError) return e.maybeApplied ? 'unsure' : 'not_saved';
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (NEVER_CONNECTED.has(code) || NOT_CARRIED_OUT.has(code) || code === 'ENOSPC') return 'not_saved';
      if (CONNECTION_LOST.has(code) || SESSION_ENDED.has(code)) return 'unsure';
    }
    // PGlite reports a full disk as the message of the file system error it hit.
    if (/no space left on device/i.test(e.message)) return 'not_saved';
  }
  return undefined;
}

/**
 * A statement the server cancelled for taking longer than its statement_timeout (57014; also
 * postgres.js giving up on one still waiting for a connection): slow work, which a read that
 * scans a lot (/stats) can say in its own words rather than as an outage.
 */
export function statementCancelled(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === '57014') return true;
  }
  return false;
}

/** What the member reads for each fault: our words, no driver message. */
export const DATABASE_FAULT_MESSAGES: Record<DatabaseFault, string> = {
  not_saved: '⚠️ Our database is not answering right now, so nothing was saved. Please try again in a minute.',
  unsure:
    '⚠️ Our database stopped answering while saving this, so I can’t tell whether it was saved. Please try again in a minute: you will see whether it went through, and nothing is counted twice.',
};
