import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { claim, complete, findPost, markFailed, markSkipped, release } from '../../src/db/queries/claims.js';
import { scheduledPosts } from '../../src/db/schema.js';
import { openTestDatabase, uniqueGuildId } from '../support/db.js';

let database: Database & { url?: string };
/** A second, separate connection pool on the same database (Postgres only). */
let other: Database | undefined;

beforeAll(async () => {
  database = await openTestDatabase();
  if (database.url) other = await openDatabase({ url: database.url });
});
afterAll(async () => {
  await other?.close();
  await database?.close();
});

const STALE = 5 * 60_000;
const t0 = new Date('2026-03-02T18:00:00Z');
const request = (guildId: string, owner: string, now = t0) => ({ guildId, kind: 'prompt' as const, period: '2026-03-02', owner, now, staleAfterMs: STALE });

describe('claims on scheduled_posts', () => {
  it('two claimers racing: exactly one wins, and a posted period is never claimed again', async () => {
    const guildId = uniqueGuildId();
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((owner) => claim(database.db, request(guildId, owner))));
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.attempts).toBe(1);

    expect(await complete(database.db, winners[0]!.id, { messageId: '1', channelId: '2', postedAt: t0, ref: 'p1' })).toBe(true);
    // Even much later, with any staleness, a posted row stays posted.
    expect(await claim(database.db, request(guildId, 'e', new Date(t0.getTime() + 10 * 86_400_000)))).toBeNull();
    const row = await findPost(database.db, { guildId, kind: 'prompt', period: '2026-03-02' });
    expect(row).toMatchObject({ status: 'posted', ref: 'p1', messageId: '1', claimedBy: winners[0]!.claimedBy });
  });

  it('a live claim is respected; a stale one (crash between claim and post) is taken over once, keeping its ref', async () => {
    const guildId = uniqueGuildId();
    const first = await claim(database.db, { ...request(guildId, 'crashed'), ref: 'chosen-before-crash' });
    expect(first).not.toBeNull();
    expect(await claim(database.db, request(guildId, 'b', new Date(t0.getTime() + STALE - 1000)))).toBeNull();

    const later = new Date(t0.getTime() + STALE + 1000);
    const racers = await Promise.all(['b', 'c', 'd'].map((owner) => claim(database.db, { ...request(guildId, owner, later), ref: 'other' })));
    const taken = racers.filter((r) => r !== null);
    expect(taken).toHaveLength(1);
    expect(taken[0]).toMatchObject({ status: 'claimed', attempts: 2, ref: 'chosen-before-crash', claimedAt: later });
    // Once posted, a late completion of the same row (the dead process waking up) changes nothing.
    expect(await complete(database.db, taken[0]!.id, { messageId: '9', channelId: '2', postedAt: later })).toBe(true);
    expect(await complete(database.db, first!.id, { messageId: '8', channelId: '2', postedAt: later })).toBe(false);
  });

  it('skipped and failed rows are settled; a failed one is retried only when asked (setup fixed since)', async () => {
    const skippedGuild = uniqueGuildId();
    const s = await claim(database.db, request(skippedGuild, 'a'));
    expect(await markSkipped(database.db, s!.id, 'missed')).toBe(true);
    expect(await claim(database.db, { ...request(skippedGuild, 'b', new Date(t0.getTime() + 86_400_000)), retryFailedBefore: new Date(t0.getTime() + 86_400_000) })).toBeNull();

    const failedGuild = uniqueGuildId();
    const f = await claim(database.db, request(failedGuild, 'a'));
    expect(await markFailed(database.db, f!.id, 'Missing Permissions')).toBe(true);
    const later = new Date(t0.getTime() + 3_600_000);
    expect(await claim(database.db, request(failedGuild, 'b', later))).toBeNull();
    expect(await claim(database.db, { ...request(failedGuild, 'b', later), retryFailedBefore: t0 })).toBeNull(); // fixed before it failed: no
    const retried = await claim(database.db, { ...request(failedGuild, 'b', later), retryFailedBefore: new Date(t0.getTime() + 60_000) });
    expect(retried).toMatchObject({ status: 'claimed', attempts: 2, claimedBy: 'b' });
  });

  it('a released claim (transient error) is retried at once by the next run', async () => {
    const guildId = uniqueGuildId();
    const c = await claim(database.db, request(guildId, 'a'));
    expect(await release(database.db, c!.id, 'HTTP 503')).toBe(true);
    const again = await claim(database.db, request(guildId, 'b', new Date(t0.getTime() + 60_000)));
    expect(again).toMatchObject({ attempts: 2, claimedBy: 'b', error: 'HTTP 503' });
  });

  it.runIf(Boolean(process.env.TEST_DATABASE_URL))('on Postgres, two separate connection pools racing for many periods: one winner each', async () => {
    const pools = [database.db, other!.db];
    const guilds = Array.from({ length: 40 }, () => uniqueGuildId());
    const results = await Promise.all(
      guilds.flatMap((guildId) => pools.flatMap((db, i) => [0, 1].map((k) => claim(db, request(guildId, `pool${i}-${k}`))))),
    );
    const won = results.filter((r) => r !== null);
    expect(won).toHaveLength(guilds.length);
    expect(new Set(won.map((r) => r.guildId)).size).toBe(guilds.length);

    // And the stale takeover races too: every row stale, both pools try again, still one winner per row.
    const later = new Date(t0.getTime() + STALE + 1000);
    const retaken = (await Promise.all(guilds.flatMap((guildId) => pools.flatMap((db, i) => [0, 1].map((k) => claim(db, request(guildId, `late${i}-${k}`, later)))))))
      .filter((r) => r !== null);
    expect(retaken).toHaveLength(guilds.length);
    const rows = await database.db.select().from(scheduledPosts).where(and(eq(scheduledPosts.kind, 'prompt'), eq(scheduledPosts.guildId, guilds[0]!)));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.attempts).toBe(2);
  });
});
