import { and, asc, eq } from 'drizzle-orm';
import { Events, Status, type Client } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { updateGuildSettings } from '../../src/db/queries/settings.js';
import { getStreakSummary, ledger } from '../../src/db/queries/streaks.js';
import { studyHeartbeats, studySessions } from '../../src/db/schema.js';
import { MINUTE_MS } from '../../src/domain/study.js';
import { startFakeDiscord, type FakeDiscord } from '../../src/sim/index.js';
import { shardOf } from '../../src/sim/gateway.js';
import { startTestBot, until, type TestBot } from '../support/bot.js';
import { openTestDatabase } from '../support/db.js';
import { setVoiceState } from '../support/voice.js';

/**
 * Voice study time through the real discord.js client: VOICE_STATE_UPDATE from the fake Discord,
 * sessions in the database, and reconciliation after a gateway outage, a crash, a restart and with
 * two shard processes. The bot's clock is a ManualClock, so every expected minute is exact.
 */

let database: Database & { url?: string };
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const VOICE = 2;
const STAGE = 13;
const CATEGORY = 4;

interface StudyGuild {
  guildId: string;
  category: string;
  hall: string;
  stage: string;
  lounge: string;
  afk: string;
}

/** A server with a study category (#study-hall and the AFK channel inside it), a study stage and a lounge that does not count. */
async function studyGuild(fake: FakeDiscord, name = 'Voice Study', id?: string): Promise<StudyGuild> {
  const guild = fake.addGuild({ name, ...(id ? { id } : {}) });
  const guildId = guild.id as string;
  const category = fake.addChannel(guildId, { name: 'Study', type: CATEGORY }).id as string;
  const hall = fake.addChannel(guildId, { name: 'study-hall', type: VOICE, parent_id: category }).id as string;
  const afk = fake.addChannel(guildId, { name: 'afk', type: VOICE, parent_id: category }).id as string;
  const stage = fake.addChannel(guildId, { name: 'talks', type: STAGE }).id as string;
  const lounge = fake.addChannel(guildId, { name: 'lounge', type: VOICE }).id as string;
  guild.afk_channel_id = afk;
  await updateGuildSettings(database.db, guildId, { studyCategoryIds: [category], studyChannelIds: [stage] }, new Date('2026-01-01T00:00:00Z'));
  return { guildId, category, hall, stage, lounge, afk };
}

async function sessionsOf(guildId: string, userId?: string) {
  const rows = await database.db
    .select()
    .from(studySessions)
    .where(userId ? and(eq(studySessions.guildId, guildId), eq(studySessions.userId, userId)) : eq(studySessions.guildId, guildId))
    .orderBy(asc(studySessions.startedAt), asc(studySessions.id));
  return rows.map((r) => ({
    userId: r.userId,
    channelId: r.channelId,
    minutes: r.endedAt ? (r.endedAt.getTime() - r.startedAt.getTime()) / MINUTE_MS : null,
    startedAt: r.startedAt.toISOString(),
  }));
}

const minute = (n: number) => n * MINUTE_MS;
const shardsReady = (client: Client) => client.ws.shards.size > 0 && client.ws.shards.every((s) => s.status === Status.Ready);

describe('voice study sessions', () => {
  let fake: FakeDiscord;
  let bot: TestBot;
  let g: StudyGuild;
  const alice = '300000000000000001';

  beforeAll(async () => {
    fake = await startFakeDiscord();
    g = await studyGuild(fake);
    bot = await startTestBot({ database, fake, guildId: g.guildId, now: '2026-03-02T12:00:00Z' });
  });
  afterAll(async () => {
    await bot?.stop();
    await fake?.close();
  });

  it('counts join, move, leave; never the AFK channel, a non-study room or while server-deafened', async () => {
    await setVoiceState(bot, g.guildId, alice, { channelId: g.hall }); // category room: counts
    bot.clock.advance(minute(30));
    await setVoiceState(bot, g.guildId, alice, { channelId: g.lounge }); // not a study room
    bot.clock.advance(minute(10));
    await setVoiceState(bot, g.guildId, alice, { channelId: g.stage }); // study stage
    bot.clock.advance(minute(20));
    await setVoiceState(bot, g.guildId, alice, { channelId: g.stage, deaf: true }); // server-deafened
    bot.clock.advance(minute(15));
    await setVoiceState(bot, g.guildId, alice, { channelId: g.stage, deaf: false, selfDeaf: true }); // self-deafened still counts
    bot.clock.advance(minute(5));
    await setVoiceState(bot, g.guildId, alice, { channelId: g.afk }); // AFK, although inside the study category
    bot.clock.advance(minute(40));
    await setVoiceState(bot, g.guildId, alice, { channelId: null });

    expect(await sessionsOf(g.guildId, alice)).toEqual([
      { userId: alice, channelId: g.hall, minutes: 30, startedAt: '2026-03-02T12:00:00.000Z' },
      { userId: alice, channelId: g.stage, minutes: 20, startedAt: '2026-03-02T12:40:00.000Z' },
      { userId: alice, channelId: g.stage, minutes: 5, startedAt: '2026-03-02T13:15:00.000Z' },
    ]);
    // 55 minutes ≥ study_minutes (25): the day counts for the streak, and the ledger says why.
    const member = { guildId: g.guildId, userId: alice };
    expect(await getStreakSummary(database.db, member)).toMatchObject({ current: 1, lastDay: '2026-03-02' });
    const [day] = await ledger(database.db, member);
    expect(day).toMatchObject({ day: '2026-03-02', reason: 'study' });
    expect(day!.note).toBe(`studied 55 m in <#${g.stage}>`);
  });

  it('applies two events of one member that arrive together in order', async () => {
    const bob = '300000000000000002';
    bot.clock.set('2026-03-02T15:00:00Z');
    fake.setVoiceState(g.guildId, bob, { channelId: g.hall });
    fake.setVoiceState(g.guildId, bob, { channelId: g.stage });
    await until(() => bot.app.client.guilds.cache.get(g.guildId)?.voiceStates.cache.get(bob)?.channelId === g.stage, 'both events');
    await bot.app.voice.idle();
    const rows = await sessionsOf(g.guildId, bob);
    expect(rows).toEqual([
      { userId: bob, channelId: g.hall, minutes: 0, startedAt: '2026-03-02T15:00:00.000Z' },
      { userId: bob, channelId: g.stage, minutes: null, startedAt: '2026-03-02T15:00:00.000Z' },
    ]);
    await setVoiceState(bot, g.guildId, bob, { channelId: null });
  });

  it('keeps a member in two servers at once apart: each server counts its own', async () => {
    const other = await studyGuild(fake, 'Second Server');
    await until(() => bot.app.client.guilds.cache.has(other.guildId), 'the second server');
    await bot.app.voice.idle();
    const carol = '300000000000000003';
    bot.clock.set('2026-03-02T16:00:00Z');
    await setVoiceState(bot, g.guildId, carol, { channelId: g.hall });
    await setVoiceState(bot, other.guildId, carol, { channelId: other.stage });
    bot.clock.advance(minute(10));
    await setVoiceState(bot, g.guildId, carol, { channelId: null });
    bot.clock.advance(minute(5));
    await setVoiceState(bot, other.guildId, carol, { channelId: null });
    expect((await sessionsOf(g.guildId, carol)).map((s) => s.minutes)).toEqual([10]);
    expect((await sessionsOf(other.guildId, carol)).map((s) => s.minutes)).toEqual([15]);
  });

  it('after a gateway outage with missed events, closes at the last heartbeat and never adds the outage', async () => {
    const dave = '300000000000000004';
    const erin = '300000000000000005';
    const frank = '300000000000000006';
    bot.clock.set('2026-03-03T09:00:00Z');
    await setVoiceState(bot, g.guildId, dave, { channelId: g.hall });
    await setVoiceState(bot, g.guildId, erin, { channelId: g.hall });
    bot.clock.advance(minute(4));
    await bot.app.scheduler.runDue(); // heartbeat at 09:04
    bot.clock.advance(minute(1)); // the gateway goes down at 09:05, unnoticed for now

    fake.holdGateway();
    await until(() => !shardsReady(bot.app.client), 'the shard to notice the outage');
    bot.clock.advance(minute(10)); // a ten-minute outage
    fake.setVoiceState(g.guildId, dave, { channelId: null }); // missed: dave left during it
    fake.setVoiceState(g.guildId, frank, { channelId: g.stage }); // missed: frank joined
    const resumed = new Promise<void>((resolve) => bot.app.client.once(Events.ShardResume, () => resolve()));
    fake.releaseGateway(); // 09:15: RESUME replays the missed events
    await resumed;
    await until(() => bot.app.client.guilds.cache.get(g.guildId)?.voiceStates.cache.get(frank)?.channelId === g.stage, 'the replayed events');
    await bot.app.voice.idle();

    // dave: closed at the heartbeat (4 minutes), not at his replayed leave (15).
    expect(await sessionsOf(g.guildId, dave)).toEqual([{ userId: dave, channelId: g.hall, minutes: 4, startedAt: '2026-03-03T09:00:00.000Z' }]);
    // erin stayed: the unseen ten minutes do not count; she goes on from the resume.
    expect(await sessionsOf(g.guildId, erin)).toEqual([
      { userId: erin, channelId: g.hall, minutes: 4, startedAt: '2026-03-03T09:00:00.000Z' },
      { userId: erin, channelId: g.hall, minutes: null, startedAt: '2026-03-03T09:15:00.000Z' },
    ]);
    // frank counts from the resume, not from when he really joined (unseen).
    expect(await sessionsOf(g.guildId, frank)).toEqual([{ userId: frank, channelId: g.stage, minutes: null, startedAt: '2026-03-03T09:15:00.000Z' }]);
    await setVoiceState(bot, g.guildId, erin, { channelId: null });
    await setVoiceState(bot, g.guildId, frank, { channelId: null });
  });
});

describe('a crash and a restart', () => {
  it('a crash adds no time: sessions close at the last heartbeat, members still there restart from now', async () => {
    const fake = await startFakeDiscord();
    const g = await studyGuild(fake, 'Crashy');
    const gina = '300000000000000011';
    const hank = '300000000000000012';
    const first = await startTestBot({ database, fake, guildId: g.guildId, now: '2026-03-04T10:00:00Z' });
    await setVoiceState(first, g.guildId, gina, { channelId: g.hall });
    await setVoiceState(first, g.guildId, hank, { channelId: g.stage });
    first.clock.advance(minute(7));
    await first.app.scheduler.runDue(); // heartbeat 10:07
    first.clock.advance(minute(1));
    // The crash: no more heartbeats, the gateway gone, nothing written on the way out.
    await first.app.scheduler.stop();
    await first.app.client.destroy();
    await until(() => fake.connectedShards().length === 0, 'the crashed process to be gone');
    fake.setVoiceState(g.guildId, gina, { channelId: null }); // gina leaves while the bot is down

    const second = await startTestBot({ database, fake, guildId: g.guildId, now: '2026-03-04T10:30:00Z' });
    await second.app.voice.idle();
    expect(await sessionsOf(g.guildId)).toEqual([
      { userId: gina, channelId: g.hall, minutes: 7, startedAt: '2026-03-04T10:00:00.000Z' },
      { userId: hank, channelId: g.stage, minutes: 7, startedAt: '2026-03-04T10:00:00.000Z' },
      { userId: hank, channelId: g.stage, minutes: null, startedAt: '2026-03-04T10:30:00.000Z' },
    ]);

    // A restart (graceful stop, start again) counts the same way: nothing past the last heartbeat.
    second.clock.advance(minute(3));
    await second.app.scheduler.runDue(); // heartbeat 10:33
    await second.stop();
    const third = await startTestBot({ database, fake, guildId: g.guildId, now: '2026-03-04T10:40:00Z' });
    await third.app.voice.idle();
    expect((await sessionsOf(g.guildId, hank)).map((s) => [s.startedAt.slice(11, 16), s.minutes])).toEqual([
      ['10:00', 7],
      ['10:30', 3],
      ['10:40', null],
    ]);
    await third.stop();
    await fake.close();
  });
});

describe('two shard processes on one database', () => {
  it('each process reconciles and heartbeats only the servers of its own shards', async () => {
    const fake = await startFakeDiscord({ shards: 2 });
    // One server on each shard ((id >> 22) % 2).
    const ids = [1_000_000_000_000n, 1_000_000_000_001n].map((n) => (n << 22n).toString());
    expect(ids.map((id) => shardOf(id, 2))).toEqual([0, 1]);
    const [g0, g1] = [await studyGuild(fake, 'Shard Zero', ids[0]), await studyGuild(fake, 'Shard One', ids[1])];
    const ivy = '300000000000000021';
    // Stale open sessions from a process that died without a heartbeat; ivy is in neither server now.
    for (const g of [g0, g1]) {
      await database.db.insert(studySessions).values({ guildId: g.guildId, userId: ivy, channelId: g.hall, source: 'voice', startedAt: new Date('2026-03-05T08:00:00Z') });
    }
    fake.setVoiceState(g1.guildId, '300000000000000022', { channelId: g1.hall });

    const zero = await startTestBot({ database, fake, guildId: g0.guildId, now: '2026-03-05T09:00:00Z', config: { SHARD_COUNT: '2', SHARD_IDS: '0' } });
    await zero.app.voice.idle();
    expect(await sessionsOf(g0.guildId, ivy)).toEqual([{ userId: ivy, channelId: g0.hall, minutes: 0, startedAt: '2026-03-05T08:00:00.000Z' }]);
    expect(await sessionsOf(g1.guildId)).toEqual([{ userId: ivy, channelId: g1.hall, minutes: null, startedAt: '2026-03-05T08:00:00.000Z' }]);
    const beats = async () => (await database.db.select().from(studyHeartbeats)).filter((b) => b.guildId === g0.guildId || b.guildId === g1.guildId).map((b) => b.guildId);
    expect(await beats()).toEqual([g0.guildId]);

    const one = await startTestBot({ database, fake, guildId: g1.guildId, now: '2026-03-05T09:00:00Z', config: { SHARD_COUNT: '2', SHARD_IDS: '1' } });
    await one.app.voice.idle();
    expect(await sessionsOf(g1.guildId)).toEqual([
      { userId: ivy, channelId: g1.hall, minutes: 0, startedAt: '2026-03-05T08:00:00.000Z' },
      { userId: '300000000000000022', channelId: g1.hall, minutes: null, startedAt: '2026-03-05T09:00:00.000Z' },
    ]);
    expect((await beats()).sort()).toEqual([g0.guildId, g1.guildId].sort());
    await zero.stop();
    await one.stop();
    await fake.close();
  });
});
