import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import { shardOverlap, type ShardSet } from '../../domain/shards.js';
import type { Tx } from '../client.js';
import { digestSends, processLeases, scheduledPosts, type ProcessLease } from '../schema.js';

/**
 * Process leases (see process_leases in schema.ts). A process takes its lease before it connects
 * to Discord, renews it every few seconds, and drops it when it stops. Once a lease has lapsed
 * (its process died or lost the database for longer than the lease), any process reaps it: the
 * claims it held are released (`claimed_by` cleared, the "retry at once" state of claims.ts) and
 * the row is deleted, which frees its shards.
 */

/** Serialises lease taking across processes (pg_advisory_xact_lock key: "cohort leases"). */
const LEASE_LOCK = 0x636f686f;

export interface LeaseRequest {
  id: string;
  instance: string;
  host: string;
  pid: number;
  shards: ShardSet;
  now: Date;
  ttlMs: number;
  /**
   * Whether a lease of this host belongs to a process that no longer runs (default: never). A
   * lease of this instance and host whose process is gone is this process's own from before a
   * restart: it is reaped at once instead of waiting for it to lapse.
   */
  isGone?: (lease: ProcessLease) => boolean;
  /** The database is this process's alone (embedded): every other lease is from a process that stopped. */
  exclusive?: boolean;
}

export type LeaseResult =
  | { ok: true; lease: ProcessLease; reaped: ProcessLease[] }
  /** A live process runs some of these shards: `overlap` says which, `holder` is its lease. */
  | { ok: false; overlap: string; holder: ProcessLease };

/**
 * Takes the lease for `request.id` (or renews it when the row is still there), unless a live
 * lease of another process runs some of the same shards. Lapsed leases, and leases this instance
 * left behind on this host, are reaped first. One process at a time decides (an advisory lock).
 */
export async function takeLease(db: Tx, request: LeaseRequest): Promise<LeaseResult> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${LEASE_LOCK})`);
    const rows = await tx.select().from(processLeases);
    const isGone = request.isGone ?? (() => false);
    const dead = rows.filter(
      (r) =>
        r.id !== request.id &&
        (request.exclusive === true ||
          r.expiresAt.getTime() < request.now.getTime() || (r.instance === request.instance && r.host === request.host && isGone(r))),
    );
    for (const holder of rows) {
      if (holder.id === request.id || dead.includes(holder)) continue;
      const overlap = shardOverlap(request.shards, { count: holder.shardCount, ids: holder.shardIds });
      if (overlap) return { ok: false, overlap, holder } as const;
    }
    await releaseClaimsOf(tx, dead.map((r) => r.id));
    const values = {
      id: request.id,
      instance: request.instance,
      host: request.host,
      pid: request.pid,
      shardCount: request.shards.count,
      shardIds: request.shards.ids ? [...request.shards.ids] : null,
      startedAt: request.now,
      heartbeatAt: request.now,
      expiresAt: new Date(request.now.getTime() + request.ttlMs),
    };
    const [lease] = await tx
      .insert(processLeases)
      .values(values)
      .onConflictDoUpdate({ target: processLeases.id, set: { heartbeatAt: values.heartbeatAt, expiresAt: values.expiresAt } })
      .returning();
    return { ok: true, lease: lease!, reaped: dead } as const;
  });
}

/** Renews a lease. False when its row is gone (another process reaped it after it lapsed). */
export async function renewLease(db: Tx, id: string, now: Date, ttlMs: number): Promise<boolean> {
  const rows = await db
    .update(processLeases)
    .set({ heartbeatAt: now, expiresAt: new Date(now.getTime() + ttlMs) })
    .where(eq(processLeases.id, id))
    .returning({ id: processLeases.id });
  return rows.length > 0;
}

/**
 * Reaps every lease that lapsed before `now`: releases its claims and deletes it. Returns the
 * reaped leases and how many claims were released (the caller runs the jobs again if any).
 */
export async function reapLapsedLeases(db: Tx, now: Date): Promise<{ reaped: ProcessLease[]; released: number }> {
  return db.transaction(async (tx) => {
    const reaped = await tx.select().from(processLeases).where(lt(processLeases.expiresAt, now)).for('update', { skipLocked: true });
    const released = await releaseClaimsOf(tx, reaped.map((r) => r.id));
    return { reaped, released };
  });
}

/** Gives a stopping process's claims back at once (nothing of theirs is in flight any more) and deletes its lease. */
export async function dropLease(db: Tx, id: string): Promise<number> {
  return db.transaction((tx) => releaseClaimsOf(tx, [id]));
}

/** The live leases, oldest first (for /healthz and tests). */
export async function liveLeases(db: Tx, now: Date): Promise<ProcessLease[]> {
  const rows = await db.select().from(processLeases).orderBy(processLeases.startedAt);
  return rows.filter((r) => r.expiresAt.getTime() >= now.getTime());
}

/** Releases the open claims of the given leases and deletes the leases; returns the number of claims released. */
async function releaseClaimsOf(tx: Tx, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const posts = await tx
    .update(scheduledPosts)
    .set({ claimedBy: null, error: 'taken over: the process that held this claim stopped' })
    .where(and(eq(scheduledPosts.status, 'claimed'), inArray(scheduledPosts.claimedBy, [...ids])))
    .returning({ id: scheduledPosts.id });
  const digests = await tx
    .update(digestSends)
    .set({ claimedBy: null, error: 'taken over: the process that held this claim stopped' })
    .where(and(eq(digestSends.status, 'claimed'), inArray(digestSends.claimedBy, [...ids])))
    .returning({ id: digestSends.id });
  await tx.delete(processLeases).where(inArray(processLeases.id, [...ids]));
  return posts.length + digests.length;
}
