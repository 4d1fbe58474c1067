import { connect, type Socket } from 'node:net';
import type { Sql } from 'postgres';
import { DatabaseDeadlineError } from './faults.js';

/**
 * How long a database call may take before the member is told the database is not answering. The
 * router defers an interaction after 1.5 s (src/discord/answer.ts), so a call that fails at these
 * deadlines is still answered, as the edit of that deferral at the latest, seconds after it began:
 *
 * - connectMs: opening a connection (postgres.js `connect_timeout`, TCP and start-up together);
 * - poolWaitMs: waiting for a pooled connection (all busy, or still connecting), before the statement is sent;
 * - statementMs: the server's `statement_timeout`: a live but slow server cancels the statement
 *   itself, which leaves nothing half-done and so can be told as "nothing was saved";
 * - silenceMs: a connection that owes an answer and has sent nothing for this long is cut. Longer
 *   than statementMs, so that it only fires when the server or the network is gone (a paused or
 *   black-holed connection), where the server's own timeout cannot.
 * - idleInTransactionMs: the server's `idle_in_transaction_session_timeout`, so that a transaction
 *   whose client was cut does not hold its locks for long.
 */
export const DATABASE_DEADLINES = {
  connectMs: 1_500,
  poolWaitMs: 1_500,
  statementMs: 1_500,
  silenceMs: 2_000,
  idleInTransactionMs: 5_000,
} as const;

export type DatabaseDeadlines = { readonly [K in keyof typeof DATABASE_DEADLINES]: number };

/**
 * The postgres.js options that carry the deadlines. Reconnection backs off to at most half a
 * second (postgres.js's own backoff grows to 20 s, which would keep the bot failing long after the
 * database is back).
 */
export function deadlineOptions(deadlines: DatabaseDeadlines = DATABASE_DEADLINES) {
  return {
    connect_timeout: deadlines.connectMs / 1000,
    backoff: (retries: number) => Math.min(0.5, 0.05 * 2 ** retries),
    connection: {
      statement_timeout: deadlines.statementMs,
      idle_in_transaction_session_timeout: deadlines.idleInTransactionMs,
    },
    socket: watchedSocket(deadlines.silenceMs),
  };
}

/** Frontend messages that the server answers with ReadyForQuery ('Z'): Sync and a simple Query. */
const SYNC = 0x53;
const QUERY = 0x51;
/** Messages after which the server owes some answer, though not ReadyForQuery: Flush, a password. */
const FLUSH = 0x48;
const PASSWORD = 0x70;
const READY_FOR_QUERY = 0x5a;
const SSL_REQUEST = 80_877_103;

/**
 * A postgres.js `socket` factory (an option postgres.js takes though its types omit it) whose
 * connections are cut with a DatabaseDeadlineError when they owe the server's answer and have
 * received nothing for `silenceMs`: the server stopped, the network dropped, a firewall swallows
 * the packets. The frontend protocol is read on the way out (each Sync or Query is owed a
 * ReadyForQuery, a Flush or a password some answer) and the backend's on the way in (ReadyForQuery
 * counts down); postgres.js writes whole messages. A connection that asks for TLS is encrypted
 * from then on and is not watched: over TLS only the server's statement_timeout and TCP keepalive apply.
 */
export function watchedSocket(silenceMs: number) {
  let nextHost = 0;
  return (options: { host: string[]; port: number[]; path?: string }): Socket => {
    const index = nextHost++ % Math.max(1, options.host.length);
    const socket = options.path ? connect(options.path) : connect(options.port[index] ?? options.port[0] ?? 5432, options.host[index] ?? '127.0.0.1');
    let owed = 1; // the start-up message is answered by ReadyForQuery once authenticated
    let answerOwed = false;
    let established = false;
    let watching = true;
    let firstMessage = true;
    let timer: NodeJS.Timeout | undefined;
    // The backend's stream, framed: the bytes of a message header seen so far, and the body bytes still to skip.
    let header = Buffer.alloc(0);
    let skip = 0;

    const stop = () => {
      clearTimeout(timer);
      timer = undefined;
    };
    const arm = () => {
      stop();
      timer = setTimeout(() => {
        socket.destroy(
          new DatabaseDeadlineError(
            `The database sent nothing for ${silenceMs} ms while a statement waited for its answer: connection cut.`,
            // Once the session is up, a statement (or its COMMIT) may have reached the server.
            established,
          ),
        );
      }, silenceMs);
      timer.unref();
    };

    const write = socket.write.bind(socket) as (chunk: Uint8Array, ...rest: unknown[]) => boolean;
    socket.write = (chunk: Uint8Array, ...rest: unknown[]) => {
      if (watching) {
        const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
        let at = 0;
        if (firstMessage) {
          firstMessage = false;
          if (bytes.length >= 8 && bytes.readInt32BE(4) === SSL_REQUEST) {
            watching = false;
            stop();
            return write(chunk, ...rest);
          }
          at = bytes.readInt32BE(0);
        }
        while (at + 5 <= bytes.length) {
          const type = bytes[at];
          if (type === SYNC || type === QUERY) owed += 1;
          else if (type === FLUSH || type === PASSWORD) answerOwed = true;
          at += 1 + bytes.readInt32BE(at + 1);
        }
        // Armed once: writes that keep coming while nothing comes back do not push the deadline on.
        if ((owed > 0 || answerOwed) && timer === undefined) arm();
      }
      return write(chunk, ...rest);
    };

    socket.on('data', (data: Buffer) => {
      if (!watching) return;
      let at = 0;
      while (at < data.length) {
        if (skip > 0) {
          const n = Math.min(skip, data.length - at);
          skip -= n;
          at += n;
          continue;
        }
        const need = 5 - header.length;
        header = Buffer.concat([header, data.subarray(at, at + need)]);
        at += Math.min(need, data.length - at);
        if (header.length < 5) break;
        if (header[0] === READY_FOR_QUERY) {
          owed = Math.max(0, owed - 1);
          established = true;
        }
        skip = header.readInt32BE(1) - 4;
        header = Buffer.alloc(0);
      }
      answerOwed = false;
      // Something came back: the server is alive. Watch again from now while more is owed.
      if (owed > 0) arm();
      else stop();
    });
    socket.on('close', stop);
    return socket;
  };
}

/** The parts of a postgres.js query (src/query.js) that withPoolWait reads and changes. */
interface UnsentQuery {
  state?: unknown;
  strings: string[];
  args: unknown[];
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * The pool with a deadline on waiting for a connection: a statement not yet sent after `waitMs`
 * (every connection busy, or the database not accepting connections) is withdrawn, and a
 * transaction that has not begun is abandoned (rolled back if its connection comes later).
 * Either fails with "nothing was saved", which is true: nothing was sent. Statements already sent
 * are left to the connection's own deadlines (watchedSocket, statement_timeout), and failed as
 * "maybe carried out" should they still be waiting `sentMs` later.
 */
export function withPoolWait<T extends Sql<Record<string, unknown>>>(sql: T, waitMs: number, sentMs: number): T {
  const unsafe = sql.unsafe.bind(sql) as unknown as (...args: unknown[]) => UnsentQuery;
  const begin = sql.begin.bind(sql) as (...args: unknown[]) => Promise<unknown>;
  const watch = (query: UnsentQuery) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const { resolve, reject } = query;
    query.resolve = (value) => {
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    query.reject = (error) => {
      settled = true;
      clearTimeout(timer);
      reject(error);
    };
    timer = setTimeout(() => {
      if (settled) return;
      if (!query.state) {
        // postgres.js sets `state` when a connection takes the query. Until then its text and
        // values are only read when it is sent, so it is failed now and turned into `select 1` for
        // the connection that takes it later. Not postgres.js's cancel(): a query it cancels while
        // a connection is being opened for it leaves that connection stuck (postgres.js 3.4).
        query.strings = ['select 1'];
        query.args = [];
        query.reject(new DatabaseDeadlineError(`No database connection within ${waitMs} ms: nothing was sent.`, false));
        return;
      }
      // Sent: the connection's deadlines should end it; should they not (a connection postgres.js
      // keeps reopening for it), it ends here, and may have been carried out.
      timer = setTimeout(() => {
        if (!settled) query.reject(new DatabaseDeadlineError(`No answer from the database within ${sentMs} ms of sending a statement.`, true));
      }, sentMs);
      timer.unref();
    }, waitMs);
    timer.unref();
  };
  return new Proxy(sql, {
    get(target, property, receiver) {
      if (property === 'unsafe')
        return (...args: unknown[]) => {
          const query = unsafe(...args);
          watch(query);
          return query;
        };
      if (property === 'begin')
        return (...args: unknown[]) => {
          const fn = args.pop() as (tx: unknown) => unknown;
          let begun = false;
          let abandoned = false;
          const run = begin(...args, (tx: unknown) => {
            if (abandoned) return Promise.reject(new DatabaseDeadlineError('transaction abandoned: no connection in time', false));
            begun = true;
            return fn(tx);
          });
          return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
              if (begun) return;
              abandoned = true;
              reject(new DatabaseDeadlineError(`No database connection within ${waitMs} ms: nothing was sent.`, false));
            }, waitMs);
            timer.unref();
            run.then(
              (value) => (clearTimeout(timer), resolve(value)),
              (error: unknown) => (clearTimeout(timer), reject(error instanceof Error ? error : new Error(String(error)))),
            );
          });
        };
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}
