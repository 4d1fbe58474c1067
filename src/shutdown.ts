import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import type { Logger } from './logger.js';

/**
 * SIGTERM / SIGINT for the process (main.ts). Installed before start-up begins, so that a signal
 * that comes while the database opens or the gateway connects is not lost:
 * - the first signal stops the app (at once, or as soon as start-up hands it over) and arms a
 *   deadline: if stopping takes longer, the process logs it and exits 1 anyway;
 * - a second signal while stopping exits at once (128 + the signal's number, as a shell reports a
 *   process killed by it).
 * Before, the handler was installed only once start-up had finished, a stop that hung (a job or
 * an interaction waiting on a Discord that does not answer, a database that does not close) kept
 * the process alive, and further signals were ignored.
 *
 * A clean stop waits for the log to be written, at most a second (the logger's destination never
 * blocks: see logger.ts); the deadline and a second signal exit without waiting. Nothing here
 * waits on the log destination without a bound, so a reader that has gone (EPIPE) or a full disk
 * cannot keep the process alive.
 *
 * Faults nobody caught:
 * - an unhandled rejection (a library's promise that failed with no handler) is logged with an
 *   error id and the process carries on: Node's default would end a bot serving every server for
 *   one stray promise;
 * - an uncaught exception leaves the process in a state nobody can vouch for: it is logged and the
 *   app stops as for a signal, then exits 1 for the supervisor to restart it (claims and leases
 *   are released on the way, so the restart takes over at once).
 */

export interface Stoppable {
  stop(): Promise<void>;
}

export interface ShutdownOptions {
  logger: Logger;
  /** How long stopping may take after the first signal before the process exits 1 anyway. */
  deadlineMs: number;
  signals?: readonly NodeJS.Signals[];
  /** Where the signals, uncaught exceptions and unhandled rejections come from (default: the process). */
  source?: { on(event: NodeJS.Signals | 'uncaughtException' | 'unhandledRejection', listener: (reason?: unknown) => void): unknown };
  /** Ends the process (default process.exit). */
  exit?: (code: number) => void;
  /** How long a clean stop waits for the log to be written before exiting (default 1 s). */
  logFlushMs?: number;
}

export interface Shutdown {
  /** Hands over the started app; a signal that came during start-up stops it now. */
  started(app: Stoppable): void;
  /** The first signal received, if any. */
  readonly signal: NodeJS.Signals | undefined;
}

export function handleShutdown(options: ShutdownOptions): Shutdown {
  const { logger, deadlineMs } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const source = options.source ?? process;
  let app: Stoppable | undefined;
  let received: NodeJS.Signals | undefined;
  let stopping = false;

  /** Exit code of a clean stop: 1 when an uncaught exception caused it. */
  let cleanExit = 0;
  /** An uncaught exception has started the stop. */
  let fatal = false;

  function stop(target: Stoppable): void {
    if (stopping) return;
    stopping = true;
    target.stop().then(
      () => {
        logger.info('stopped cleanly');
        exitAfterLog(cleanExit);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        exitAfterLog(1);
      },
    );
  }

  /** Exits once the log is written, or after `logFlushMs` whatever the log destination does. */
  function exitAfterLog(code: number): void {
    let exited = false;
    const end = () => {
      if (exited) return;
      exited = true;
      clearTimeout(timer);
      exit(code);
    };
    const timer = setTimeout(end, options.logFlushMs ?? 1_000);
    try {
      logger.flush(() => end());
    } catch {
      end();
    }
  }

  function onSignal(signal: NodeJS.Signals): void {
    if (received || fatal) {
      logger.warn({ signal }, `second ${signal} while stopping: exiting now`);
      exit(128 + (constants.signals[signal] ?? 0));
      return;
    }
    received = signal;
    logger.info({ signal, deadlineMs }, app ? 'shutting down' : 'shutting down once start-up has finished');
    setTimeout(() => {
      logger.error({ signal, deadlineMs }, `did not stop within ${deadlineMs / 1000} s of ${signal}; exiting anyway`);
      exit(1);
    }, deadlineMs).unref();
    if (app) stop(app);
  }

  for (const signal of options.signals ?? (['SIGTERM', 'SIGINT'] as const)) source.on(signal, () => onSignal(signal));

  source.on('unhandledRejection', (reason) => {
    const errorId = randomBytes(4).toString('hex');
    logger.error({ err: reason, errorId }, 'a promise failed and nothing handled it; carrying on');
  });
  source.on('uncaughtException', (error) => {
    cleanExit = 1;
    if (received || fatal) {
      logger.error({ err: error }, 'uncaught exception while stopping');
      return;
    }
    fatal = true;
    logger.fatal({ err: error, deadlineMs }, 'uncaught exception: stopping, then exiting 1');
    setTimeout(() => {
      logger.error({ deadlineMs }, `did not stop within ${deadlineMs / 1000} s of an uncaught exception; exiting anyway`);
      exit(1);
    }, deadlineMs).unref();
    if (app) stop(app);
    else exitAfterLog(1);
  });

  return {
    started(target) {
      app = target;
      if (received) stop(target);
    },
    get signal() {
      return received;
    },
  };
}
