import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { claim, recordStep } from '../../src/db/queries/claims.js';
import { liveLeases, reapLapsedLeases, renewLease, takeLease, type LeaseRequest } from '../../src/db/queries/leases.js';
import { processLeases, scheduledPosts } from '../../src/db/schema.js';
import { shardOverlap } from '../../src/domain/shards.js';
import { openTestDatabase, uniqueGuildId } from '../support/db.js';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});
beforeEach(async () => {
  await database.db.delete(processLeases);
});

const t0 = new Date('2026-05-01T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const TTL = 20_000;

function request(id: string, extra: Partial<LeaseRequest> = {}): LeaseRequest {
  return { id, instance: `instance-${id}`, host: `host-${id}`, pid: 100, shards: { count: null, ids: null }, now: t0, ttlMs: TTL, ...extra };
}

describe('shard overlap (the rule)', () => {
  it('names the shared shards, a whole-bot process, and a different shard count', () => {
    expect(shardOverlap({ count: 2, ids: [0, 1] }, { count: 2, ids: [1] })).toBe('shard 1');
    expect(shardOverlap({ count: 4, ids: [0, 1, 2] }, { count: 4, ids: null })).toBe('shards 0, 1 and 2');
    expect(shardOverlap({ count: 4, ids: [0, 1] }, { count: 4, ids: [2, 3] })).toBeUndefined();
    expect(shardOverlap({ count: null, ids: null }, { count: 4, ids: [3] })).toMatch(/whole bot/);
    expect(shardOverlap({ count: 2, ids: [0] }, { count: 4, ids: [3] })).toMatch(/same SHARD_COUNT/);
  });
});

describe('process leases', () => {
  it('a live process holding shard 1 refuses a second process asking for shards 1 and 2; other shards are free', async () => {
    const a = await takeLease(database.db, request('a', { shards: { count: 4, ids: [0, 1] } }));
    expect(a.ok).toBe(true);
    const b = await takeLease(database.db, request('b', { shards: { count: 4, ids: [1, 2] }, now: at(5_000) }));
    expect(b).toMatchObject({ ok: false, overlap: 'shard 1', holder: { id: 'a', host: 'host-a', pid: 100 } });
    const c = await takeLease(database.db, request('c', { shards: { count: 4, ids: [2, 3] }, now: at(5_000) }));
    expect(c.ok).toBe(true);
    expect((await liveLeases(database.db, at(5_000))).map((l) => l.id)).toEqual(['a', 'c']);
  });

  it('a holder that stopped renewing is taken over once its lease lapsed, with its open claims', async () => {
    const guildId = uniqueGuildId();
    await takeLease(database.db, request('dead', { shards: { count: 2, ids: [0] } }));
    const held = await claim(database.db, { guildId, kind: 'prompt', period: '2026-05-01', owner: 'dead', now: t0, staleAfterMs: 5 * 60_000 });
    await recordStep(database.db, held!.id, 'message', '555', { messageId: '555', channelId: '1' });
    // Within the lease: refused, and the claim is not takeable.
    expect((await takeLease(database.db, request('next', { shards: { count: 2, ids: [0] }, now: at(TTL) }))).ok).toBe(false);
    expect(await claim(database.db, { guildId, kind: 'prompt', period: '2026-05-01', owner: 'next', now: at(TTL), staleAfterMs: 5 * 60_000 })).toBeNull();
    // Lapsed (no heartbeat for longer than the lease): reaped, its claim released and taken over with its steps.
    const taken = await takeLease(database.db, request('next', { shards: { count: 2, ids: [0] }, now: at(TTL + 1) }));
    expect(taken).toMatchObject({ ok: true, reaped: [{ id: 'dead' }] });
    const over = await claim(database.db, { guildId, kind: 'prompt', period: '2026-05-01', owner: 'next', now: at(TTL + 1), staleAfterMs: 5 * 60_000 });
    expect(over).toMatchObject({ claimedBy: 'next', attempts: 2, steps: { message: '555' }, messageId: '555' });
  });

  it('a heartbeat keeps the lease; a lapsed one is reaped by any process and its claims released', async () => {
    const guildId = uniqueGuildId();
    await takeLease(database.db, request('a'));
    await claim(database.db, { guildId, kind: 'prompt', period: '2026-05-02', owner: 'a', now: t0, staleAfterMs: 5 * 60_000 });
    expect(await renewLease(database.db, 'a', at(15_000), TTL)).toBe(true);
    expect((await reapLapsedLeases(database.db, at(30_000))).released).toBe(0); // renewed until 35 s
    const reaped = await reapLapsedLeases(database.db, at(36_000));
    expect(reaped).toMatchObject({ released: 1, reaped: [{ id: 'a' }] });
    const [row] = await database.db.select().from(scheduledPosts).where(eq(scheduledPosts.guildId, guildId));
    expect(row).toMatchObject({ status: 'claimed', claimedBy: null });
    expect(await renewLease(database.db, 'a', at(37_000), TTL)).toBe(false); // the reaped process learns it lost its lease
  });

  it('a restarted process drops the lease its instance left on this host at once, not after the lease lapses', async () => {
    const guildId = uniqueGuildId();
    const before = request('old', { instance: 'here', host: 'box', pid: 41 });
    await takeLease(database.db, before);
    await claim(database.db, { guildId, kind: 'prompt', period: '2026-05-03', owner: 'old', now: t0, staleAfterMs: 5 * 60_000 });
    // Another instance on the same host, or the same instance while pid 41 still runs: a live holder.
    expect((await takeLease(database.db, request('other', { instance: 'elsewhere', host: 'box', pid: 42, now: at(1_000), isGone: () => true }))).ok).toBe(false);
    expect((await takeLease(database.db, request('twin', { instance: 'here', host: 'box', pid: 42, now: at(1_000), isGone: () => false }))).ok).toBe(false);
    // The same instance and host, pid 41 gone: its own earlier lease, dropped now.
    const restarted = await takeLease(database.db, request('new', { instance: 'here', host: 'box', pid: 43, now: at(1_000), isGone: (l) => l.pid === 41 }));
    expect(restarted).toMatchObject({ ok: true, reaped: [{ id: 'old' }] });
    expect(await claim(database.db, { guildId, kind: 'prompt', period: '2026-05-03', owner: 'new', now: at(1_000), staleAfterMs: 5 * 60_000 })).toMatchObject({ claimedBy: 'new', attempts: 2 });
  });
});
