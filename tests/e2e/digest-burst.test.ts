import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { memberSettings } from '../../src/db/schema.js';
import { startFakeDiscord, type FakeDiscord, type Json } from '../../src/sim/index.js';
import { startTestBot, type TestBot } from '../support/bot.js';
import { openTestDatabase } from '../support/db.js';

// A burst of digests due in the same minute against a fake Discord that enforces a small global
// limit (a sliding second, answering 429 beyond it): the scheduled sends keep to the app's
// outbound budget (SCHEDULED_REQUESTS_PER_SECOND, below the limit), so Discord never has to say no.

const LIMIT = 25;
const BUDGET = 20;
const MEMBERS = 120;

let database: Database;
let fake: FakeDiscord;
let bot: TestBot;

beforeAll(async () => {
  database = await openTestDatabase();
  fake = await startFakeDiscord({ rateLimitPerSecond: LIMIT });
  bot = await startTestBot({ database, fake, now: '2026-03-02T06:00:00Z', config: { SCHEDULED_REQUESTS_PER_SECOND: String(BUDGET) } });
});
afterAll(async () => {
  await bot?.stop();
  await fake?.close();
  await database?.close();
});

describe('a burst of digests', () => {
  it(`${MEMBERS} members due at once each get one digest, with no 429 from Discord`, { timeout: 60_000 }, async () => {
    const setAt = new Date('2026-03-01T06:00:00Z');
    const users = Array.from({ length: MEMBERS }, (_, i) => String(482_000_000_000_000_000n + BigInt(i)));
    await database.db.insert(memberSettings).values(
      users.map((userId) => ({
        guildId: bot.guildId,
        userId,
        timezone: 'UTC',
        digestEnabled: true,
        digestDay: 1, // Monday
        digestTime: '07:00',
        digestUpdatedAt: setAt,
        updatedAt: setAt,
      })),
    );
    const before = fake.stats.rateLimited;
    const seen = fake.requests.length;

    bot.clock.set('2026-03-02T07:00:05Z');
    await bot.app.scheduler.runDue();

    const digests = (userId: string) => fake.dmMessages(userId).filter((m: Json) => /^Your week in /.test(m.embeds?.[0]?.title ?? ''));
    expect(users.filter((u) => digests(u).length !== 1)).toEqual([]); // none missing, none twice
    // Each digest was createDM + send, every call answered (a 429 is never recorded as a request).
    const calls = fake.requests.slice(seen).filter((r) => r.method === 'POST' && (r.path === '/users/@me/channels' || /^\/channels\/\d+\/messages$/.test(r.path)));
    expect(calls).toHaveLength(2 * MEMBERS);
    expect(calls.filter((r) => r.status !== 200)).toEqual([]);
    expect(fake.stats.rateLimited - before).toBe(0);
  });
});
