import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { dropLease, reapLapsedLeases, renewLease, takeLease, type LeaseResult } from '../db/queries/leases.js';
import type { ProcessLease } from '../db/schema.js';
import { describeShardSet, shardSetOf, type ShardSet } from '../domain/shards.js';
import { StartupError } from '../errors.js';
import type { Logger } from '../logger.js';
import { ownerId } from './scheduler.js';

/**
 * This process's lease (db/queries/leases.ts): taken before the bot connects to Discord (refused
 * when a live process runs one of its shards), renewed every quarter of LEASE_TTL, and dropped on
 * stop. Each heartbeat also reaps the leases of processes that stopped renewing theirs: their
 * claims are released and `onReleased` runs the jobs, so their posts are finished within about
 * LEASE_TTL plus a heartbeat instead of the claims' 5-10 minute stale time.
 *
 * Lease times are the machine's wall clock (shared with the other processes through the
 * database), not the app's injected clock, which tests move through days.
 */

export interface LeaseIdentity {
  /** Default: the host name. */
  host?: string;
  /** Default: this process's pid. */
  pid?: number;
  /** Default: the absolute DATA_DIR: a restart of the same deployment on the same host is the same instance. */
  instance?: string;
  /** Whether a process with this pid runs on this host (default: process.kill(pid, 0)). */
  isRunning?: (pid: number) => boolean;
  /**
   * False: the lease holds no shard, so that tests can run several apps of one process on the same
   * servers and race them on claims (as two processes do when a paused one's lease lapsed and
   * another took over). Default true.
   */
  leaseShards?: boolean;
}

export interface LeaseKeeperOptions {
  db: Db;
  config: Pick<Config, 'LEASE_TTL' | 'SHARD_COUNT' | 'SHARD_IDS' | 'DATA_DIR'>;
  logger: Logger;
  identity?: LeaseIdentity;
  /** Wall clock for lease times (default Date.now). */
  now?: () => Date;
  /** The database is this process's alone (the embedded one): every other lease in it is from a process that stopped. */
  exclusive?: boolean;
  /** Claims of a stopped process were released: run the jobs now. */
  onReleased?: () => void;
  /** This process's lease lapsed and a live process took some of its shards: it must stop. */
  onLost?: (message: string) => void;
}

export interface LeaseKeeper {
  /** The lease id: `claimed_by` of every claim this process takes. */
  readonly id: string;
  /** Takes the lease; throws a StartupError naming the shard and its holder when a live process runs one of ours. */
  start(): Promise<void>;
  /** Stops the heartbeat and drops the lease (its claims are released). Call after the jobs stopped. */
  stop(): Promise<void>;
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function createLeaseKeeper(options: LeaseKeeperOptions): LeaseKeeper {
  const { db, config, logger } = options;
  const ttlMs = config.LEASE_TTL * 1000;
  const intervalMs = Math.max(250, Math.floor(ttlMs / 4));
  const host = options.identity?.host ?? hostname();
  const pid = options.identity?.pid ?? process.pid;
  const instance = options.identity?.instance ?? resolve(config.DATA_DIR);
  const isRunning = options.identity?.isRunning ?? processRuns;
  const now = options.now ?? (() => new Date());
  const shards: ShardSet = options.identity?.leaseShards === false ? { count: 0, ids: [] } : shardSetOf(config);
  const id = ownerId(host, pid);
  const log = logger.child({ lease: id });
  let timer: NodeJS.Timeout | undefined;
  let beating: Promise<void> | undefined;
  let failing = false;
  let stopped = false;

  const request = () => ({
    id,
    instance,
    host,
    pid,
    shards,
    now: now(),
    ttlMs,
    // Ours from before a restart: this instance on this host, and its process no longer runs
    // (or has our pid: a container restarted with the same pid 1).
    isGone: (lease: ProcessLease) => lease.pid === pid || !isRunning(lease.pid),
    exclusive: options.exclusive ?? false,
  });

  function refusal(result: Extract<LeaseResult, { ok: false }>): string {
    const { holder, overlap } = result;
    const ago = Math.max(0, Math.round((now().getTime() - holder.heartbeatAt.getTime()) / 1000));
    const what = overlap.charAt(0).toUpperCase() + overlap.slice(1);
    return (
      `${what} ${overlap.startsWith('shards') ? 'are' : 'is'} already run by process ${holder.pid} on host ${holder.host} ` +
      `(its lease was renewed ${ago} s ago; it has held it since ${holder.startedAt.toISOString()}), so this process (${describeShardSet(shards)}) will not connect to Discord. ` +
      `Stop that process or give this one other SHARD_IDS; if that process has died, its lease lapses within ${config.LEASE_TTL} s and this one can start then.`
    );
  }

  async function beat(): Promise<void> {
    try {
      if (!(await renewLease(db, id, now(), ttlMs))) {
        // Our lease lapsed (the database was away longer than LEASE_TTL) and was reaped: take it again, unless our shards went to another process meanwhile.
        const again = await takeLease(db, request());
        if (!again.ok) {
          const message = refusal(again);
          log.fatal(`lost this process's lease: ${message}`);
          stopBeating();
          options.onLost?.(message);
          return;
        }
        log.warn('this process’s lease had lapsed and was taken again; its unfinished posts were handed to whichever process got to them first');
      }
      const { reaped, released } = await reapLapsedLeases(db, now());
      for (const lease of reaped) log.warn({ host: lease.host, pid: lease.pid, heartbeatAt: lease.heartbeatAt.toISOString() }, 'a process stopped renewing its lease: its unfinished posts are taken over');
      if (failing) log.info('lease renewed again');
      failing = false;
      if (released > 0) options.onReleased?.();
    } catch (error) {
      if (!failing) log.warn({ err: error }, 'could not renew this process’s lease; retrying every heartbeat');
      failing = true;
    }
  }

  function stopBeating(): void {
    if (timer) clearInterval(timer);
    timer = undefined;
  }

  return {
    id,
    async start() {
      const result = await takeLease(db, request());
      if (!result.ok) throw new StartupError(refusal(result));
      for (const lease of result.reaped) {
        log.info({ host: lease.host, pid: lease.pid, heartbeatAt: lease.heartbeatAt.toISOString() }, 'took over the unfinished posts of a process that stopped');
      }
      log.debug({ shards: describeShardSet(shards), ttlMs }, 'lease taken');
      timer = setInterval(() => {
        if (stopped || beating) return;
        beating = beat().finally(() => (beating = undefined));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      stopBeating();
      await beating;
      try {
        await dropLease(db, id);
      } catch (error) {
        log.warn({ err: error }, `could not drop this process's lease; it lapses within ${config.LEASE_TTL} s`);
      }
    },
  };
}
