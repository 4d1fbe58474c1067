import { and, asc, eq } from 'drizzle-orm';
import { Events } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { updateGuildSettings } from '../../src/db/queries/settings.js';
import { studySessions } from '../../src/db/schema.js';
import { MINUTE_MS } from '../../src/domain/study.js';
import { startFakeDiscord, type FakeDiscord } from '../../src/sim/index.js';
import { startTestBot, type TestBot } from '../support/bot.js';
import { openTestDatabase } from '../support/db.js';

/**
 * Voice events whose batch cannot be stored: retried, and when the database stays away, the server
 * is left unsettled (no heartbeat) and reconciled by the next heartbeat that can write. Nothing is
 * invented for what could not be stored, and nothing is dropped silently.
 */

let database: Database & { url?: string };
/** The bot's database handle: its statements fail while `down`, or for the next `failNext` reads. */
const fault = { down: false, failNext: 0 };
let faulty: Database;

beforeAll(async () => {
  database = await openTestDatabase();
  const failing = new Set<PropertyKey>(['select', 'insert', 'update', 'delete', 'execute', 'transaction']);
  const db = new Proxy(database.db, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (!failing.has(property)) return (value as (...a: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) => {
        if (fault.down || (property === 'select' && fault.failNext > 0 && fault.failNext--)) throw new Error('connection refused (injected fault)');
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  faulty = { ...database, db };
});
afterAll(async () => {
  await database?.close();
});

const minutes = (n: number) => n * MINUTE_MS;

describe('voice batches under database faults', () => {
  let fake: FakeDiscord;
  let bot: TestBot;
  let guildId: string;
  let hall: string;

  beforeAll(async () => {
    fake = await startFakeDiscord();
    guildId = fake.addGuild({ name: 'Faulty Study' }).id as string;
    hall = fake.addChannel(guildId, { name: 'study-hall', type: 2 }).id as string;
    await updateGuildSettings(database.db, guildId, { studyChannelIds: [hall] }, new Date('2026-01-01T00:00:00Z'));
    bot = await startTestBot({ database: faulty, fake, guildId, now: '2026-03-02T12:00:00Z' });
    await bot.app.voice.idle();
  });
  afterAll(async () => {
    await bot?.stop();
  });

  async function voice(userId: string, channelId: string | null): Promise<void> {
    const seen = new Promise<void>((resolve) => {
      const on = (_old: unknown, next: { id: string; channelId: string | null }) => {
        if (next.id === userId && next.channelId === channelId) {
          bot.app.client.off(Events.VoiceStateUpdate, on);
          resolve();
        }
      };
      bot.app.client.on(Events.VoiceStateUpdate, on);
    });
    fake.setVoiceState(guildId, userId, { channelId });
    await seen;
    await bot.app.voice.idle();
  }

  async function sessionsOf(userId: string) {
    const rows = await database.db
      .select()
      .from(studySessions)
      .where(and(eq(studySessions.guildId, guildId), eq(studySessions.userId, userId)))
      .orderBy(asc(studySessions.startedAt));
    return rows.map((r) => ({ minutes: r.endedAt ? (r.endedAt.getTime() - r.startedAt.getTime()) / MINUTE_MS : null, startedAt: r.startedAt.toISOString() }));
  }

  it('a batch that fails once is tried again and stored with the times the events came', async () => {
    const ann = '500000000000000001';
    await voice(ann, hall);
    bot.clock.advance(minutes(10));
    fault.failNext = 1;
    await voice(ann, null);
    expect(fault.failNext).toBe(0); // the fault was hit
    expect(await sessionsOf(ann)).toEqual([{ minutes: 10, startedAt: '2026-03-02T12:00:00.000Z' }]);
  });

  it('a batch that cannot be stored leaves its server unsettled: no heartbeat, later events wait, and the next heartbeat reconciles without inventing time', async () => {
    const ben = '500000000000000002';
    bot.clock.set('2026-03-02T14:00:00Z');
    await voice(ben, hall);
    bot.clock.advance(minutes(5));
    await bot.app.voice.job.run(bot.clock.now(), new AbortController().signal); // heartbeat at 14:05
    bot.clock.advance(minutes(5));

    fault.down = true;
    await voice(ben, null); // 14:10: left, but the database is away for all the tries
    fault.down = false;
    expect(await sessionsOf(ben)).toEqual([{ minutes: null, startedAt: '2026-03-02T14:00:00.000Z' }]);

    bot.clock.advance(minutes(20));
    await voice(ben, hall); // 14:30: back in the room; the server is unsettled, so this waits for the reconciliation
    expect(await sessionsOf(ben)).toEqual([{ minutes: null, startedAt: '2026-03-02T14:00:00.000Z' }]);

    bot.clock.advance(minutes(1));
    await bot.app.voice.job.run(bot.clock.now(), new AbortController().signal); // 14:31, the database answers
    await bot.app.voice.idle();
    // Closed at the last heartbeat (14:05): the 25 minutes the bot could not store are not counted, and he
    // goes on from the reconciliation. Counting on from 14:00 would have invented the 20 minutes he was away.
    expect(await sessionsOf(ben)).toEqual([
      { minutes: 5, startedAt: '2026-03-02T14:00:00.000Z' },
      { minutes: null, startedAt: '2026-03-02T14:31:00.000Z' },
    ]);
    bot.clock.advance(minutes(9));
    await voice(ben, null); // settled again: applied as it comes
    expect((await sessionsOf(ben)).map((s) => s.minutes)).toEqual([5, 9]);
  });
});
