import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { DATABASE_FAULT_MESSAGES } from '../../src/db/faults.js';
import { activities } from '../../src/db/schema.js';
import { startFakeDiscord, type FakeDiscord, type InteractionRecord } from '../../src/sim/index.js';
import { chatInput } from '../../src/sim/interactions.js';
import { shown, startTestBot, textOf, type TestBot } from '../support/bot.js';
import { openTestDatabase } from '../support/db.js';
import { startFaultProxy, type FaultMode, type FaultProxy } from '../support/fault-proxy.js';

/**
 * PostgreSQL stops answering while members check in: a TCP fault proxy sits between the bot and
 * the server (CI's own server keeps running). Every check-in must be answered, as the first
 * response or as the edit of the router's deferral, and the answer must be true: "✅" only for a
 * check-in that is stored, "nothing was saved" only for one that is not, and nothing counted twice
 * when the members try again after the database is back. Timing is the benchmark's business
 * (`npm run bench faults`); here only correctness is asserted.
 */
const serverUrl = process.env.TEST_DATABASE_URL;

let fake: FakeDiscord;
let direct: Awaited<ReturnType<typeof openTestDatabase>>;
let proxy: FaultProxy;
let viaProxy: Database;
let bot: TestBot;
let nextUser = 0;

beforeAll(async () => {
  if (!serverUrl) return;
  fake = await startFakeDiscord();
  direct = await openTestDatabase();
  proxy = await startFaultProxy(direct.url!);
  viaProxy = await openDatabase({ url: proxy.url });
  bot = await startTestBot({ database: viaProxy, fake });
});

afterAll(async () => {
  await proxy?.set('pass');
  await bot?.stop();
  await viaProxy?.close();
  await proxy?.close();
  await fake?.close();
  await direct?.close();
});

type Told = 'confirmed' | 'already' | 'not_saved' | 'unsure' | 'other';

function toldIn(record: InteractionRecord): Told {
  const text = textOf(shown(record));
  if (text.includes('✅ Checked in')) return 'confirmed';
  if (text.includes('Already checked in today')) return 'already';
  if (text === DATABASE_FAULT_MESSAGES.not_saved) return 'not_saved';
  if (text === DATABASE_FAULT_MESSAGES.unsure) return 'unsure';
  return 'other';
}

/** The answer came as Discord allows it: a reply, or a deferral then its edit (never two acknowledgements). */
function expectWellFormed(record: InteractionRecord): void {
  const callbacks = fake.requests.filter((r) => r.path === `/interactions/${record.id}/${record.token}/callback`);
  expect(callbacks.map((r) => r.status)).toEqual([204]);
  if (record.callback?.type === 5) expect(record.edits.filter((e) => e.messageId === '@original')).toHaveLength(1);
  else expect(record.callback?.type).toBe(4);
}

async function checkIns(users: string[]): Promise<InteractionRecord[]> {
  const ids = users.map((user) => fake.sendInteraction(chatInput(fake, { guildId: bot.guildId, name: 'checkin', user })));
  return Promise.all(ids.map((id) => fake.waitForInteractionReply(id, 90_000)));
}

async function storedCheckIns(users: string[]): Promise<Map<string, number>> {
  const rows = await direct.db
    .select({ userId: activities.userId })
    .from(activities)
    .where(and(eq(activities.guildId, bot.guildId), eq(activities.kind, 'checkin'), inArray(activities.userId, users)));
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.userId, (counts.get(row.userId) ?? 0) + 1);
  return counts;
}

const FAULTS: FaultMode[] = ['blackhole', 'pause', 'reset', 'drop'];

describe.skipIf(!serverUrl)('PostgreSQL not answering', () => {
  it('the pool comes back: statements given up while their connections were opening leave no connection stuck', async () => {
    await proxy.set('blackhole');
    const during = await Promise.allSettled(Array.from({ length: 25 }, () => viaProxy.db.execute(sql`select 1`)));
    expect(during.every((r) => r.status === 'rejected')).toBe(true);
    await proxy.set('pass');
    // Connections opened into the black hole are cut by their deadlines and opened again: within a
    // few rounds a whole round of statements, more than the pool's connections, goes through.
    let round: PromiseSettledResult<unknown>[] = [];
    for (let attempt = 0; attempt < 10 && !round.every((r) => r.status === 'fulfilled'); attempt++) {
      round = await Promise.allSettled(Array.from({ length: 25 }, () => viaProxy.db.execute(sql`select 1`)));
    }
    expect(round.filter((r) => r.status === 'rejected')).toEqual([]);
  });

  it.each(FAULTS)('%s: every check-in is answered, and truly; after the database is back, trying again counts each once', async (mode) => {
    const users = Array.from({ length: 8 }, () => `4100000000${String(++nextUser).padStart(8, '0')}`);
    // One check-in before the fault, so that the pool holds open connections when it strikes.
    await checkIns([`4200000000${String(nextUser).padStart(8, '0')}`]);
    await proxy.set(mode);
    const during = await checkIns(users);
    await proxy.set('pass');

    const stored = await storedCheckIns(users);
    const told = during.map(toldIn);
    for (const [i, record] of during.entries()) {
      expectWellFormed(record);
      const user = users[i]!;
      expect(told[i], `${user}: ${textOf(shown(record))}`).not.toBe('other');
      if (told[i] === 'confirmed') expect(stored.get(user), `${user} was told ✅`).toBe(1);
      if (told[i] === 'not_saved') expect(stored.get(user), `${user} was told nothing was saved`).toBeUndefined();
    }
    // The fault was felt: the database really was out of reach for these check-ins.
    expect(told.filter((t) => t === 'not_saved' || t === 'unsure').length).toBeGreaterThan(0);

    // Back to normal: each member tries again until their check-in is confirmed or found there.
    for (const user of users) {
      let answer: Told = 'other';
      for (let attempt = 0; attempt < 20 && answer !== 'confirmed' && answer !== 'already'; attempt++) {
        const [record] = await checkIns([user]);
        expectWellFormed(record!);
        answer = toldIn(record!);
      }
      expect(['confirmed', 'already'], user).toContain(answer);
    }
    const after = await storedCheckIns(users);
    for (const user of users) expect(after.get(user), user).toBe(1);
  });
});
