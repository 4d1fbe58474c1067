/**
 * The clocks Discord's deadlines can run on in the fake (the 3 s for a first answer, the 15
 * minutes of a token, the nonce window): milliseconds, only differences matter.
 *
 * The default, `ownTimeClock`, is the real monotonic clock less the time this thread was ready
 * to run but waited for a CPU (Linux's /proc/thread-self/schedstat, run-queue wait). It counts
 * what the bot does (its own CPU work, a synchronous render that blocks the loop, waits for the
 * database or the network), and not that other processes on a loaded machine (eight test sessions
 * on two cores) kept it off the CPU: a handler that answers in time on a machine of its own
 * answers in time in the tests, however busy the machine, and one that is slow is late everywhere.
 * Where schedstat is not readable (another OS) it is the real clock.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export type SimClock = () => number;

/** The real monotonic clock. */
export const realClock: SimClock = () => performance.now();

/** Reads this thread's run-queue wait in ms; undefined where the kernel does not tell. */
function runQueueWait(): { wait: () => number; close: () => void } | undefined {
  let fd: number;
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return undefined;
  }
  const buffer = Buffer.alloc(128);
  const read = (): number | undefined => {
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    // "<ns on cpu> <ns waiting on a run queue> <timeslices>"
    const wait = Number(buffer.toString('latin1', 0, n).split(' ')[1]);
    return Number.isFinite(wait) ? wait / 1e6 : undefined;
  };
  try {
    if (read() === undefined) throw new Error('unreadable');
  } catch {
    closeSync(fd);
    return undefined;
  }
  return { wait: () => read() ?? 0, close: () => closeSync(fd) };
}

/**
 * The real clock less this thread's waits for a CPU (see the file header). The file is opened on
 * the first reading, by the thread that reads (the one running the fake and the bot); `close()`
 * lets it go (the fake does on close).
 */
export function ownTimeClock(): { now: SimClock; close: () => void } {
  let reader: ReturnType<typeof runQueueWait> | null = null;
  return {
    now: () => {
      reader ??= runQueueWait();
      return reader ? performance.now() - reader.wait() : performance.now();
    },
    close: () => {
      reader?.close();
      reader = undefined;
    },
  };
}
