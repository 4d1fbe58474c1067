import { fstatSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs; human-readable only when a person is watching a terminal and pino-pretty
 * is installed (a development dependency: the production image has none, and logs JSON).
 *
 * JSON goes to a {@link LogDestination} on stdout, not to pino's default (sonic-boom): a log
 * destination that fails must never stop the bot nor hold up its exit, and sonic-boom did both.
 * With stdout a pipe whose reader had gone, pino's exit hook (`flushSync` on `process.exit`)
 * retried the EPIPE write forever, 100 ms apart, on the main thread: SIGTERM, a second SIGTERM and
 * the shutdown deadline were all ignored, only SIGKILL ended the process. And on a full disk
 * (ENOSPC) sonic-boom re-emitted the error, which crashed the bot at its next log line.
 */
export function createLogger(level: string, options: { pretty?: boolean; destination?: DestinationStream } = {}): Logger {
  const pretty = !options.destination && (options.pretty ?? process.stdout.isTTY) && prettyAvailable();
  const base = {
    level,
    base: { app: 'cohort' },
    redact: { paths: ['token', 'config.DISCORD_TOKEN', '*.token'], censor: '[redacted]' },
  };
  if (pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } } });
  return pino(base, options.destination ?? new LogDestination(1));
}

/** Whether pino-pretty can be loaded (pino loads it itself, in its transport worker, only when used). */
export function prettyAvailable(resolve: (id: string) => string = createRequire(import.meta.url).resolve): boolean {
  try {
    resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** How the destination writes: `fs.writeSync` on a descriptor by default; tests pass their own. Returns the bytes written. */
export type WriteFn = (data: Buffer) => number;

/** Errors that mean the destination is gone for good: stop writing to it. */
const GONE = new Set(['EPIPE', 'EBADF', 'ECONNRESET', 'ENOTCONN']);
/** Errors that mean "not now": keep the line and try again shortly. */
const LATER = new Set(['EAGAIN', 'EWOULDBLOCK', 'EBUSY', 'EINTR']);

/**
 * A log destination that never blocks the process and never fails it:
 * - a line is written at once when nothing is waiting (synchronously, so the last lines before
 *   `process.exit` are not lost), else queued in order;
 * - a full pipe (EAGAIN on a non-blocking descriptor) keeps lines queued, up to `maxQueuedBytes`,
 *   and retries on a timer that does not keep the process alive; lines beyond the cap are
 *   dropped and counted;
 * - a destination that is gone (EPIPE: the reading process ended; EBADF) is given up: every
 *   later line is dropped, nothing is retried;
 * - any other error (ENOSPC: a full disk, EIO) drops the line and counts it; logging resumes by
 *   itself when a later write works, and the first line then says how many were lost and why.
 * A pipe is switched to non-blocking (touching `process.stdout` does that: libuv opens it so), so
 * that no write can wait for a reader, neither here nor in a thread at exit.
 */
export class LogDestination implements DestinationStream {
  /** Lines waiting, in order; a marker stands where lines were dropped and becomes a notice line. */
  private queue: (Buffer | Dropped)[] = [];
  private queuedBytes = 0;
  private retry: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MIN_MS;
  private waiting: (() => void)[] = [];
  /** Why the destination was given up (EPIPE, EBADF), once it is: nothing is written any more. */
  gone: string | undefined;
  /** Lines dropped in all. */
  dropped = 0;
  private readonly writeData: WriteFn;
  private readonly maxQueuedBytes: number;

  constructor(target: number | WriteFn, options: { maxQueuedBytes?: number } = {}) {
    this.maxQueuedBytes = options.maxQueuedBytes ?? 1024 * 1024;
    if (typeof target === 'number') {
      makeNonBlocking(target);
      this.writeData = (data) => writeSync(target, data);
    } else {
      this.writeData = target;
    }
  }

  write(line: string): void {
    if (this.gone !== undefined) {
      this.dropped += 1;
      return;
    }
    const data = Buffer.from(line);
    if (this.queuedBytes + data.length > this.maxQueuedBytes) {
      this.markDropped(this.queue.length, 'the log destination was not taking lines (more than 1 MB waiting)');
      return;
    }
    this.queue.push(data);
    this.queuedBytes += data.length;
    if (this.retry === undefined) this.drain();
  }

  /** Calls back once every queued line is written or dropped (or the destination is gone). */
  flush(callback?: (error?: Error) => void): void {
    if (!this.hasLines() || this.gone !== undefined) callback?.();
    else this.waiting.push(() => callback?.());
  }

  /** Writes what is queued now, without waiting: stops at the first line the destination does not take. */
  flushSync(): void {
    if (this.retry !== undefined) {
      clearTimeout(this.retry);
      this.retry = undefined;
    }
    this.drain(false);
  }

  private hasLines(): boolean {
    return this.queue.some((entry) => isLine(entry));
  }

  private drain(scheduleRetry = true): void {
    while (this.queue.length > 0 && this.gone === undefined) {
      const head = this.queue[0]!;
      const data = isLine(head) ? head : noticeOf(head);
      const { outcome, written } = this.attempt(data);
      if (outcome === 'later' || outcome === 'partial') {
        // A full pipe: keep the rest at the head (bytes, so a character split in two stays whole).
        this.queue[0] = data.subarray(written);
        this.queuedBytes += data.length - written - (isLine(head) ? head.length : 0);
        if (scheduleRetry) this.scheduleRetry();
        return;
      }
      if (outcome === 'written') {
        this.queue.shift();
        if (isLine(head)) this.queuedBytes -= head.length;
        continue;
      }
      if (this.gone !== undefined) break;
      if (isLine(head)) {
        // Refused (a full disk): the line is lost; a notice takes its place.
        this.queue.shift();
        this.queuedBytes -= head.length;
        this.markDropped(0, this.lastReason);
      } else {
        // The notice itself was refused: the next line would be too; count it into the notice.
        const next = this.queue.findIndex((entry) => isLine(entry));
        if (next < 0) break;
        this.queuedBytes -= (this.queue[next] as Buffer).length;
        this.queue.splice(next, 1);
        this.dropped += 1;
        head.count += 1;
        head.reason = this.lastReason;
      }
    }
    this.retryMs = RETRY_MIN_MS;
    if (this.gone !== undefined) {
      this.dropped += this.queue.filter((entry) => isLine(entry)).length;
      this.queue = [];
      this.queuedBytes = 0;
    }
    if (!this.hasLines()) for (const done of this.waiting.splice(0)) done();
  }

  private lastReason = '';

  private attempt(data: Buffer): { outcome: 'written' | 'partial' | 'later' | 'failed'; written: number } {
    try {
      const written = this.writeData(data);
      return { outcome: written < data.length ? 'partial' : 'written', written };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (LATER.has(code)) return { outcome: 'later', written: 0 };
      if (GONE.has(code)) this.gone = code;
      else this.lastReason = reasonFor(code, error);
      return { outcome: 'failed', written: 0 };
    }
  }

  /** Counts a dropped line into a marker at `index` (merged with a marker right there or just before). */
  private markDropped(index: number, reason: string): void {
    this.dropped += 1;
    const marker = [this.queue[index - 1], this.queue[index]].find((entry) => entry !== undefined && !isLine(entry));
    if (marker && !isLine(marker)) {
      marker.count += 1;
      marker.reason = reason;
    } else {
      this.queue.splice(index, 0, { count: 1, reason });
    }
  }

  private scheduleRetry(): void {
    if (this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.drain();
    }, this.retryMs);
    this.retry.unref();
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }
}

/** Where lines were dropped: how many, and why. */
interface Dropped {
  count: number;
  reason: string;
}

function isLine(entry: Buffer | Dropped): entry is Buffer {
  return Buffer.isBuffer(entry);
}

function noticeOf(dropped: Dropped): Buffer {
  const line = { level: 40, time: Date.now(), app: 'cohort', msg: `${dropped.count} log lines were dropped: ${dropped.reason}` };
  return Buffer.from(`${JSON.stringify(line)}\n`);
}

const RETRY_MIN_MS = 10;
const RETRY_MAX_MS = 1_000;

function reasonFor(code: string, error: unknown): string {
  if (code === 'ENOSPC') return 'the log destination has no space left (ENOSPC)';
  if (code === 'EDQUOT') return 'the log destination is over its disk quota (EDQUOT)';
  if (code === 'EFBIG') return 'the log file is too big (EFBIG)';
  if (code === 'EIO') return 'the log destination failed to write (EIO)';
  return `the log destination failed (${code || (error instanceof Error ? error.message : String(error))})`;
}

/**
 * A pipe or socket on `fd` becomes non-blocking: libuv sets O_NONBLOCK when Node opens stdout or
 * stderr as a stream, which `process.stdout` / `process.stderr` do on first use. A file stays as
 * it is (writes to a file do not wait for a reader).
 */
function makeNonBlocking(fd: number): void {
  try {
    const stat = fstatSync(fd);
    if (!stat.isFIFO() && !stat.isSocket()) return;
    if (fd === 1) void process.stdout.writable;
    else if (fd === 2) void process.stderr.writable;
  } catch {
    // No descriptor (closed at start): writes fail with EBADF and the destination gives up.
  }
}
