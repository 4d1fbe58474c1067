import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { POSTGRES_OPTIONS, type Database, type Db } from '../../src/db/client.js';
import { setMemberTimezone, updateGuildSettings } from '../../src/db/queries/settings.js';
import { checkIn, countedDays, fixStreakDay, getStreakSummary, memberFiguresKey, type MemberRead } from '../../src/db/queries/streaks.js';
import * as schema from '../../src/db/schema.js';
import { countingStatements } from '../../src/sim/postgres.js';
import { openTestDatabase, uniqueGuildId } from '../support/db.js';

// ctx.memberFigures: the figures /checkin and Mark done start from instead of reading them. Stale
// ones (changed by another path, or by a settings change) must give the same result as a fresh read.

let database: Database & { url?: string };
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

/** A member checked in with remembered figures, and the same member's twin checked in without. */
function twins(guildId: string) {
  const remembered = new Map<string, MemberRead>();
  const ctx = (at: string) => ({ db: database.db, clock: new ManualClock(at) });
  return {
    remembered,
    async both(at: string) {
      const a = await checkIn({ ...ctx(at), memberFigures: remembered }, { guildId, userId: 'remembered' }, null);
      const b = await checkIn(ctx(at), { guildId, userId: 'fresh' }, null);
      return { a, b };
    },
    async state(userId: 'remembered' | 'fresh') {
      return { streak: await getStreakSummary(database.db, { guildId, userId }), days: await countedDays(database.db, { guildId, userId }) };
    },
  };
}

describe('remembered member figures', () => {
  it('a check-in on the next day starts from the figures the last one wrote, and counts like a fresh read', async () => {
    const guildId = uniqueGuildId();
    const t = twins(guildId);
    await t.both('2026-03-02T12:00:00Z');
    expect(t.remembered.get(memberFiguresKey({ guildId, userId: 'remembered' }))?.before).toEqual({ current: 1, longest: 1, freezes: 0, lastDay: '2026-03-02' });
    const { a, b } = await t.both('2026-03-03T12:00:00Z');
    expect(a).toEqual(b);
    expect(a.streak.current).toBe(2);
    expect(t.remembered.get(memberFiguresKey({ guildId, userId: 'remembered' }))?.before.current).toBe(2);
  });

  it('figures changed behind the remembered ones (a moderator fix) are read again, not overwritten', async () => {
    const guildId = uniqueGuildId();
    const t = twins(guildId);
    await t.both('2026-03-02T12:00:00Z');
    // A moderator fills in 03-03 for both: the remembered figures (1 day) are now stale.
    for (const userId of ['remembered', 'fresh']) await fixStreakDay(database.db, { guildId, userId, day: '2026-03-03', actorId: '9', reason: 'was away', at: new Date('2026-03-04T08:00:00Z') });
    const { a, b } = await t.both('2026-03-04T12:00:00Z');
    expect(a).toEqual(b);
    expect(a.streak).toMatchObject({ current: 3, lastDay: '2026-03-04' });
    expect(await t.state('remembered')).toEqual(await t.state('fresh'));
  });

  it('a time zone changed behind the remembered figures counts the day under the new zone', async () => {
    const guildId = uniqueGuildId();
    await updateGuildSettings(database.db, guildId, { timezone: 'UTC', rolloverHour: 0 }, new Date('2026-03-01T00:00:00Z'));
    const t = twins(guildId);
    await t.both('2026-03-02T23:30:00Z'); // 03-02 in UTC
    // Both move west: at 05:00 UTC on 03-03 it is 18:00 on 03-02 in Pago Pago, a day they already have.
    for (const userId of ['remembered', 'fresh']) await setMemberTimezone(database.db, guildId, userId, 'Pacific/Pago_Pago', new Date('2026-03-03T01:00:00Z'));
    const { a, b } = await t.both('2026-03-03T05:00:00Z');
    expect(b.already).toBe(true); // the fresh read: no new day
    expect(a).toEqual(b); // with the remembered (UTC) rules, 03-03 would have counted
    expect(await t.state('remembered')).toEqual(await t.state('fresh'));
    expect(t.remembered.get(memberFiguresKey({ guildId, userId: 'remembered' }))?.basis.ownZone).toBe('Pacific/Pago_Pago');
  });

  // Counted on the sockets, on PostgreSQL: the point of remembering is one statement instead of two.
  it.skipIf(!process.env.TEST_DATABASE_URL)('a check-in with fresh remembered figures is one SQL statement, without them two', async () => {
    let statements = 0;
    const client = postgres(database.url!, { ...POSTGRES_OPTIONS, max: 2, ...countingStatements(() => void (statements += 1)) });
    try {
      const db = drizzle(client, { schema }) as unknown as Db;
      const guildId = uniqueGuildId();
      const remembered = new Map<string, MemberRead>();
      const at = (iso: string) => ({ db, clock: new ManualClock(iso), memberFigures: remembered });
      await checkIn(at('2026-03-02T12:00:00Z'), { guildId, userId: '1' }, null);
      statements = 0;
      await checkIn(at('2026-03-03T12:00:00Z'), { guildId, userId: '1' }, null);
      expect(statements).toBe(1);
      remembered.clear();
      statements = 0;
      await checkIn(at('2026-03-04T12:00:00Z'), { guildId, userId: '1' }, null);
      expect(statements).toBe(2);
    } finally {
      await client.end({ timeout: 1 });
    }
  });
});
