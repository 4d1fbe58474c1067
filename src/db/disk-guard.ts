import { statfsSync } from 'node:fs';
import type { PGlite, Transaction } from '@electric-sql/pglite';

/**
 * The free space the embedded database keeps in reserve. PGlite's backend runs on the bot's own
 * thread, and when PostgreSQL cannot create its next WAL segment (16 MB) for lack of space it does
 * not fail the statement: it spins on the CPU for good, and the bot with it (no interaction is
 * answered, /healthz does not answer, SIGTERM is not served). A write that would run into a full
 * disk must therefore never reach it: below this much free space, writes are refused before they
 * are sent (the member is told nothing was saved) and /healthz reports the full disk. Reads go on.
 */
export const PGLITE_MIN_FREE_BYTES = 64 * 1024 * 1024;

/** How long a measurement of the free space stands before the next write measures again. */
const MEASURE_EVERY_MS = 250;

/** The free bytes of the file system holding `dir` (fs.statfs), injectable for tests. */
export type FreeSpace = (dir: string) => number;

export const statfsFreeBytes: FreeSpace = (dir) => {
  const s = statfsSync(dir, { bigint: false });
  return s.bavail * s.bsize;
};

/** Thrown instead of sending a write to PGlite on a nearly full disk: SQLSTATE 53100 (disk_full), so it reads as "nothing was saved". */
export class DiskFullError extends Error {
  readonly code = '53100';
  constructor(
    readonly dir: string,
    readonly freeBytes: number,
    readonly minFreeBytes: number,
  ) {
    super(
      `No space left on device for the embedded database in ${dir}: ${mb(freeBytes)} free, and it keeps ${mb(minFreeBytes)} free so that it never runs out mid-write. Free some space on that disk (or move DATA_DIR), and writes resume on their own.`,
    );
    this.name = 'DiskFullError';
  }
}

export function mb(bytes: number): string {
  return `${Math.max(0, Math.floor(bytes / (1024 * 1024)))} MB`;
}

export interface DiskGuard {
  /** Throws DiskFullError when the data directory's disk has less than the reserve free. */
  check(): void;
}

export function diskGuard(dir: string, options: { minFreeBytes?: number; freeSpace?: FreeSpace; now?: () => number } = {}): DiskGuard {
  const minFreeBytes = options.minFreeBytes ?? PGLITE_MIN_FREE_BYTES;
  const freeSpace = options.freeSpace ?? statfsFreeBytes;
  const now = options.now ?? (() => performance.now());
  let measuredAt = -Infinity;
  let free = Infinity;
  return {
    check() {
      const t = now();
      if (t - measuredAt >= MEASURE_EVERY_MS || free < minFreeBytes) {
        try {
          free = freeSpace(dir);
        } catch {
          free = Infinity; // cannot tell: let PostgreSQL report whatever it finds
        }
        measuredAt = t;
      }
      if (free < minFreeBytes) throw new DiskFullError(dir, free, minFreeBytes);
    },
  };
}

/** A statement that cannot write: a plain SELECT (what drizzle sends for reads, and the health ping). */
function readsOnly(query: string): boolean {
  return /^\s*select\b/i.test(query) && !/\bfor\s+(update|share|no key update|key share)\b/i.test(query);
}

/**
 * The PGlite client with the disk guard in front of every write: `query` and `exec` outside a
 * transaction, and each transaction as it begins (its statements then run as one).
 */
export function guardWrites(client: PGlite, guard: DiskGuard): PGlite {
  // Async, so that a refusal is a rejected promise like any failed statement.
  const checked = async <T>(read: boolean, run: () => Promise<T>): Promise<T> => {
    if (!read) guard.check();
    return run();
  };
  return new Proxy(client, {
    get(target, property) {
      if (property === 'query')
        return (query: string, ...rest: unknown[]) => checked(readsOnly(query), () => (target.query as (...args: unknown[]) => Promise<unknown>).call(target, query, ...rest));
      if (property === 'exec')
        return (query: string, ...rest: unknown[]) => checked(readsOnly(query), () => (target.exec as (...args: unknown[]) => Promise<unknown>).call(target, query, ...rest));
      if (property === 'transaction')
        return <T>(callback: (tx: Transaction) => Promise<T>) => checked(false, () => target.transaction(callback));
      // PGlite's getters read private fields: they must see the client itself, not the proxy.
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
