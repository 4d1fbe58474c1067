import { and, eq, inArray, like } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { createSession } from '../../src/db/queries/focus.js';
import { getStreakSummary } from '../../src/db/queries/streaks.js';
import { focusSessions, processLeases, scheduledPosts, studySessions } from '../../src/db/schema.js';
import { settleSession } from '../../src/jobs/focus.js';
import type { Client } from 'discord.js';
import { startFakeDiscord, type FakeDiscord, type Json } from '../../src/sim/index.js';
import { chatInput } from '../../src/sim/interactions.js';
import { MODERATOR, buttonsOf, shown, startTestBot, textOf, until, type TestBot, useTestBot } from '../support/bot.js';

const MIN = 60_000;
const ALICE = '300000000000000101';
const BOB = '300000000000000102';
const CAROL = '300000000000000103';

const { bot, database } = useTestBot({ now: '2026-03-02T12:00:00Z' });

/** A fresh text channel the bot knows, so that each test's session is alone in its channel. */
async function newChannel(target: TestBot = bot, guildId = target.guildId): Promise<string> {
  const channel = target.fake.addChannel(guildId, { name: `focus-${target.fake.snowflake().slice(-5)}`, type: 0 });
  await until(() => target.app.client.channels.cache.has(channel.id as string), 'CHANNEL_CREATE');
  return channel.id as string;
}

const epoch = (ms: number) => Math.floor(ms / 1000);

async function startFocus(target: TestBot, channelId: string, options: Record<string, number> = {}, user = ALICE, extra: Json = {}) {
  return target.command('focus', options, { subcommand: 'start', channelId, user, guildId: extra.guildId ?? target.guildId, ...extra });
}

/** The session's card: the bot's message in the channel titled "Focus session". */
function cardIn(fake: FakeDiscord, channelId: string): Json {
  const cards = fake.channelMessages(channelId).filter((m: Json) => m.author?.id === fake.botUser.id && m.embeds?.[0]?.title === 'Focus session');
  expect(cards).toHaveLength(1);
  return cards[0]!;
}

/** The short phase-change messages in a channel (everything the bot posted but the card). */
const phaseMessagesIn = (fake: FakeDiscord, channelId: string) =>
  fake.channelMessages(channelId).filter((m: Json) => m.author?.id === fake.botUser.id && !(m.embeds?.length > 0));

const phaseRequests = (fake: FakeDiscord, channelId: string) =>
  fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages` && !((r.body as Json).embeds?.length > 0));

const cardEdits = (fake: FakeDiscord, channelId: string, messageId: string) => fake.requests.filter((r) => r.method === 'PATCH' && r.path === `/channels/${channelId}/messages/${messageId}`);

async function press(target: TestBot, channelId: string, action: 'join' | 'leave', user: string) {
  const card = cardIn(target.fake, channelId);
  const id = buttonsOf(card).find((b) => b.customId?.startsWith(`focus:${action}:`))!.customId!;
  const record = await target.press(id, { channelId, user, message: card });
  // The card is updated in place; the member's private answer is a follow-up.
  if (record.callback?.type === 7) await until(() => target.fake.interaction(record.id).followups.length > 0, 'the follow-up');
  return { record, text: record.callback?.type === 7 ? textOf(target.fake.interaction(record.id).followups[0]!) : textOf(shown(record)) };
}

async function tickAt(ms: number, target: TestBot = bot): Promise<void> {
  target.clock.set(new Date(ms));
  await target.app.scheduler.runDue();
}

async function sessionOf(channelId: string) {
  const [row] = await database.db.select().from(focusSessions).where(eq(focusSessions.channelId, channelId)).orderBy(focusSessions.id);
  return row!;
}

async function focusStudy(channelId: string) {
  const rows = await database.db
    .select()
    .from(studySessions)
    .where(and(eq(studySessions.channelId, channelId), eq(studySessions.source, 'focus')))
    .orderBy(studySessions.startedAt, studySessions.userId);
  return rows.map((r) => [r.userId, r.startedAt.toISOString(), r.endedAt?.toISOString()]);
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('/focus start', () => {
  it('posts one card: focus, round 1 of 4, its end as a relative timestamp, Join and Leave; the starter is in', async () => {
    const channelId = await newChannel();
    const t0 = bot.clock.now().getTime();
    const reply = await startFocus(bot, channelId);
    expect(textOf(shown(reply))).toContain('Focus session started: 4 × 25 min focus, 5 min breaks (1 h 55 m in all)');
    expect(shown(reply).flags & 64).toBe(64);

    const card = cardIn(bot.fake, channelId);
    const text = textOf(card);
    expect(text).toContain('**Focus**: round 1 of 4');
    expect(text).toContain(`<t:${epoch(t0 + 25 * MIN)}:R>`);
    expect(text).toContain(`<@${ALICE}>`);
    expect(buttonsOf(card).map((b) => [b.label, b.customId])).toEqual([
      ['Join', `focus:join:${(await sessionOf(channelId)).id}`],
      ['Leave', `focus:leave:${(await sessionOf(channelId)).id}`],
    ]);
    const posted = bot.fake.requests.find((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`)!;
    expect((posted.body as Json).allowed_mentions).toEqual({ parse: [] }); // the card never pings
  });

  it('takes focus, break and rounds; refuses a session over 12 hours with a clear message and starts nothing', async () => {
    const channelId = await newChannel();
    const t0 = bot.clock.now().getTime();
    const refused = await startFocus(bot, channelId, { focus: 120, break: 30, rounds: 12 });
    expect(textOf(shown(refused))).toContain('A focus session lasts at most 12 hours; 12 rounds of 120 minutes with 30-minute breaks take 29 h 30 m');
    expect(bot.fake.channelMessages(channelId)).toHaveLength(0);
    // A phase out of its declared range never reaches the bot: Discord's client (and the fake) refuse it.
    expect(() => chatInput(bot.fake, { guildId: bot.guildId, name: 'focus', subcommand: 'start', channelId, user: ALICE, options: { focus: 3 } })).toThrow('focus must be between 5 and 120');

    await startFocus(bot, channelId, { focus: 50, break: 10, rounds: 2 });
    const text = textOf(cardIn(bot.fake, channelId));
    expect(text).toContain('round 1 of 2');
    expect(text).toContain('2 rounds of 50 min focus, 10 min breaks');
    expect(text).toContain(`<t:${epoch(t0 + 50 * MIN)}:R>`);
  });

  it('one session per channel: a second start is refused with a link to the card; another channel is fine', async () => {
    const channelId = await newChannel();
    await startFocus(bot, channelId);
    const card = cardIn(bot.fake, channelId);
    const again = await startFocus(bot, channelId, {}, BOB);
    expect(textOf(shown(again))).toContain(`A focus session is already running in this channel: join it on https://discord.com/channels/${bot.guildId}/${channelId}/${card.id}`);
    expect(bot.fake.channelMessages(channelId)).toHaveLength(1);

    const other = await newChannel();
    expect(textOf(shown(await startFocus(bot, other, {}, BOB)))).toContain('Focus session started');
  });

  it('the database decides between two starts racing in one channel: exactly one session', async () => {
    const channelId = '999000000000000001';
    const now = bot.clock.now();
    const input = (startedBy: string) => ({ guildId: bot.guildId, channelId, startedBy, focusMinutes: 25, breakMinutes: 5, rounds: 4, now });
    const results = await Promise.all([createSession(database.db, input(ALICE)), createSession(database.db, input(BOB)), createSession(database.db, input(CAROL))]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await database.db.select().from(focusSessions).where(eq(focusSessions.channelId, channelId))).toHaveLength(1);
    await database.db.delete(focusSessions).where(eq(focusSessions.channelId, channelId));
  });

  it('is refused outside a text channel', async () => {
    const voice = bot.fake.addChannel(bot.guildId, { name: 'Study hall', type: 2 });
    await until(() => bot.app.client.channels.cache.has(voice.id as string), 'CHANNEL_CREATE');
    const reply = await startFocus(bot, voice.id as string);
    expect(textOf(shown(reply))).toContain('Start a focus session in a text channel');
  });
});

describe('joining, leaving and stopping', () => {
  it('Join and Leave update the card in place and answer privately; twice says so', async () => {
    const channelId = await newChannel();
    await startFocus(bot, channelId);
    const joined = await press(bot, channelId, 'join', BOB);
    expect(joined.text).toContain('You joined the focus session');
    expect(textOf(cardIn(bot.fake, channelId))).toContain(`Participants (2)\n<@${ALICE}> <@${BOB}>`);
    expect((await press(bot, channelId, 'join', BOB)).text).toContain('You are already in this focus session.');

    const left = await press(bot, channelId, 'leave', BOB);
    expect(left.text).toContain('You left the focus session');
    expect(textOf(cardIn(bot.fake, channelId))).toContain(`Participants (1)\n<@${ALICE}>`);
    expect((await press(bot, channelId, 'leave', BOB)).text).toContain('You are not in this focus session.');

    const status = shown(await bot.command('focus', {}, { subcommand: 'status', channelId, user: BOB }));
    expect(status.flags & 64).toBe(64);
    expect(textOf(status)).toContain('**Focus**: round 1 of 4');
    const empty = await newChannel();
    expect(textOf(shown(await bot.command('focus', {}, { subcommand: 'status', channelId: empty, user: BOB })))).toContain('No focus session is running in this channel.');
  });

  it('/focus stop: refused for others, done by a moderator; the card shows who stopped it and loses its buttons', async () => {
    const channelId = await newChannel();
    await startFocus(bot, channelId);
    await press(bot, channelId, 'join', BOB);
    const refused = await bot.command('focus', {}, { subcommand: 'stop', channelId, user: BOB });
    expect(textOf(shown(refused))).toContain(`Only <@${ALICE}>, who started this focus session, or a moderator can stop it.`);
    expect((await sessionOf(channelId)).status).toBe('active');

    const stopped = await bot.command('focus', {}, { subcommand: 'stop', channelId, user: CAROL, ...MODERATOR });
    expect(textOf(shown(stopped))).toContain('Focus session stopped.');
    const card = cardIn(bot.fake, channelId);
    expect(textOf(card)).toContain(`**Stopped** by <@${CAROL}> after 0 of 4 rounds.`);
    expect(buttonsOf(card)).toEqual([]);
    expect((await sessionOf(channelId)).status).toBe('stopped');
    expect(textOf(shown(await bot.command('focus', {}, { subcommand: 'stop', channelId, user: ALICE })))).toContain('No focus session is running in this channel.');
    // A button on the old card now says the session ended; a new session may start.
    const old = await bot.press(`focus:join:${(await sessionOf(channelId)).id}`, { channelId, user: BOB, message: card });
    expect(textOf(shown(old))).toContain('This focus session has ended.');
    expect(textOf(shown(await startFocus(bot, channelId, {}, BOB)))).toContain('Focus session started');
  });

  it('the starter can stop it', async () => {
    const channelId = await newChannel();
    await startFocus(bot, channelId);
    expect(textOf(shown(await bot.command('focus', {}, { subcommand: 'stop', channelId, user: ALICE })))).toContain('Focus session stopped.');
    expect(textOf(cardIn(bot.fake, channelId))).toContain(`**Stopped** by <@${ALICE}>`);
  });
});

describe('phase changes', () => {
  it('edit the card and ping only the participants; finished rounds count as study time for those who stayed', async () => {
    const channelId = await newChannel();
    const t0 = bot.clock.now().getTime();
    await startFocus(bot, channelId, { focus: 25, break: 5, rounds: 2 });
    const card = cardIn(bot.fake, channelId);
    await press(bot, channelId, 'join', BOB);
    await press(bot, channelId, 'join', CAROL);
    bot.clock.set(new Date(t0 + 10 * MIN));
    await press(bot, channelId, 'leave', CAROL); // left mid-round: round 1 does not count for her
    const editsBefore = cardEdits(bot.fake, channelId, card.id as string).length;

    await tickAt(t0 + 24 * MIN);
    expect(phaseMessagesIn(bot.fake, channelId)).toHaveLength(0);
    await tickAt(t0 + 25 * MIN + 30_000);
    const [ping] = phaseMessagesIn(bot.fake, channelId);
    expect(ping!.content).toContain('**Break**: round 1 of 2 is done. Round 2 starts');
    expect(ping!.content).toContain(`<@${ALICE}> <@${BOB}>`);
    expect(ping!.content).not.toContain(CAROL);
    const [request] = phaseRequests(bot.fake, channelId);
    expect((request!.body as Json).allowed_mentions).toEqual({ parse: [], users: [ALICE, BOB] });
    expect(cardEdits(bot.fake, channelId, card.id as string)).toHaveLength(editsBefore + 1);
    const onBreak = textOf(cardIn(bot.fake, channelId));
    expect(onBreak).toContain('**Break** after round 1 of 2');
    expect(onBreak).toContain(`<t:${epoch(t0 + 30 * MIN)}:R>`);

    // Round 1 is study time for Alice and Bob, from start to end; it counts for the streak.
    expect(await focusStudy(channelId)).toEqual([
      [ALICE, iso(t0), iso(t0 + 25 * MIN)],
      [BOB, iso(t0), iso(t0 + 25 * MIN)],
    ]);
    expect((await getStreakSummary(database.db, { guildId: bot.guildId, userId: BOB })).current).toBe(1);

    // Nothing more within the break, however often the job runs.
    await tickAt(t0 + 26 * MIN);
    await tickAt(t0 + 27 * MIN);
    expect(phaseMessagesIn(bot.fake, channelId)).toHaveLength(1);

    // Carol joins during the break; Bob leaves in round 2.
    await press(bot, channelId, 'join', CAROL);
    await tickAt(t0 + 30 * MIN);
    expect(phaseMessagesIn(bot.fake, channelId)[1]!.content).toContain('**Round 2 of 2**: focus until');
    expect((phaseRequests(bot.fake, channelId)[1]!.body as Json).allowed_mentions).toEqual({ parse: [], users: [ALICE, BOB, CAROL] });
    bot.clock.set(new Date(t0 + 40 * MIN));
    await press(bot, channelId, 'leave', BOB);

    await tickAt(t0 + 55 * MIN);
    const messages = phaseMessagesIn(bot.fake, channelId);
    expect(messages).toHaveLength(3);
    expect(messages[2]!.content).toContain('**Focus session done**: 2 of 2 rounds');
    expect((phaseRequests(bot.fake, channelId)[2]!.body as Json).allowed_mentions).toEqual({ parse: [], users: [ALICE, CAROL] });
    const final = cardIn(bot.fake, channelId);
    expect(textOf(final)).toContain('**Finished**: 2 of 2 rounds');
    expect(buttonsOf(final)).toEqual([]);
    expect((await sessionOf(channelId)).status).toBe('finished');
    expect(await focusStudy(channelId)).toEqual([
      [ALICE, iso(t0), iso(t0 + 25 * MIN)],
      [BOB, iso(t0), iso(t0 + 25 * MIN)],
      [ALICE, iso(t0 + 30 * MIN), iso(t0 + 55 * MIN)],
      [CAROL, iso(t0 + 30 * MIN), iso(t0 + 55 * MIN)],
    ]);
    await tickAt(t0 + 80 * MIN);
    expect(phaseMessagesIn(bot.fake, channelId)).toHaveLength(3);
  });

  it('a member who joins mid-round gets the part they were in', async () => {
    const channelId = await newChannel();
    const t0 = bot.clock.now().getTime();
    await startFocus(bot, channelId, { focus: 30, rounds: 1 });
    bot.clock.set(new Date(t0 + 12 * MIN));
    await press(bot, channelId, 'join', BOB);
    await tickAt(t0 + 30 * MIN);
    expect(await focusStudy(channelId)).toEqual([
      [ALICE, iso(t0), iso(t0 + 30 * MIN)],
      [BOB, iso(t0 + 12 * MIN), iso(t0 + 30 * MIN)],
    ]);
    expect(phaseMessagesIn(bot.fake, channelId)).toHaveLength(1);
  });
});

describe('restarts and processes', () => {
  it('restart mid-session: no duplicate, no burst; the card is brought up to date once; rounds missed while away do not count', async () => {
    const fake = await startFakeDiscord();
    const guildId = fake.addGuild({ name: 'Restarts' }).id as string;
    const t0 = Date.parse('2026-04-01T09:00:00Z');
    let first: TestBot | undefined = await startTestBot({ database, fake, guildId, now: iso(t0) });
    let second: TestBot | undefined;
    let third: TestBot | undefined;
    try {
      const channelId = fake.defaultChannelId(guildId);
      await startFocus(first, channelId, {}, ALICE, { guildId });
      await press(first, channelId, 'join', BOB);
      const card = cardIn(fake, channelId);
      await tickAt(t0 + 25 * MIN + 5_000, first);
      expect(phaseMessagesIn(fake, channelId)).toHaveLength(1);
      await first.stop();
      first = undefined;

      // Back 20 s later: the break's start was already announced, nothing is sent again.
      second = await startTestBot({ database, fake, guildId, now: iso(t0 + 25 * MIN + 25_000) });
      await tickAt(t0 + 25 * MIN + 30_000, second);
      expect(phaseMessagesIn(fake, channelId)).toHaveLength(1);
      await second.stop();
      second = undefined;

      // Down across the start of round 2, its end and the start of round 3 (63 min): all recorded silently.
      const edits = cardEdits(fake, channelId, card.id as string).length;
      third = await startTestBot({ database, fake, guildId, now: iso(t0 + 63 * MIN) });
      await tickAt(t0 + 63 * MIN + 30_000, third);
      expect(phaseMessagesIn(fake, channelId)).toHaveLength(1);
      expect(cardEdits(fake, channelId, card.id as string)).toHaveLength(edits + 1);
      expect(textOf(cardIn(fake, channelId))).toContain('**Focus**: round 3 of 4');
      const session = await sessionOf(channelId);
      const claims = await database.db
        .select()
        .from(scheduledPosts)
        .where(and(eq(scheduledPosts.kind, 'focus_phase'), like(scheduledPosts.period, `${session.id}:%`)))
        .orderBy(scheduledPosts.period);
      expect(claims.map((c) => [c.period, c.status])).toEqual([
        [`${session.id}:1`, 'posted'],
        [`${session.id}:2`, 'skipped'],
        [`${session.id}:3`, 'skipped'],
        [`${session.id}:4`, 'skipped'],
      ]);

      // Running again: round 3's end is announced on time, once.
      await tickAt(t0 + 85 * MIN + 10_000, third);
      await tickAt(t0 + 86 * MIN, third);
      expect(phaseMessagesIn(fake, channelId)).toHaveLength(2);
      expect(phaseMessagesIn(fake, channelId)[1]!.content).toContain('**Break**: round 3 of 4 is done');
      // Round 1 (seen) and round 3 (seen) count; round 2 ended while the bot was away.
      expect(await focusStudy(channelId)).toEqual([
        [ALICE, iso(t0), iso(t0 + 25 * MIN)],
        [BOB, iso(t0), iso(t0 + 25 * MIN)],
        [ALICE, iso(t0 + 60 * MIN), iso(t0 + 85 * MIN)],
        [BOB, iso(t0 + 60 * MIN), iso(t0 + 85 * MIN)],
      ]);
      await third.stop();
      third = undefined;

      // The session ended while the bot was down: closed at start-up, the card edited once, no ping.
      const before = cardEdits(fake, channelId, card.id as string).length;
      third = await startTestBot({ database, fake, guildId, now: iso(t0 + 6 * 60 * MIN) });
      expect(phaseMessagesIn(fake, channelId)).toHaveLength(2);
      expect(cardEdits(fake, channelId, card.id as string)).toHaveLength(before + 1);
      expect(textOf(cardIn(fake, channelId))).toContain('**Finished**: 4 of 4 rounds');
      expect((await sessionOf(channelId)).status).toBe('finished');
      expect((await sessionOf(channelId)).endedAt?.toISOString()).toBe(iso(t0 + 115 * MIN));
      expect(await focusStudy(channelId)).toHaveLength(4);
      // The channel is free again.
      expect(textOf(shown(await startFocus(third, channelId, {}, BOB, { guildId })))).toContain('Focus session started');
    } finally {
      await first?.stop();
      await second?.stop();
      await third?.stop();
      await fake.close();
    }
  });

  it('two processes on one database: exactly one phase message and one study record per round', async () => {
    const fake = await startFakeDiscord();
    const guildId = fake.addGuild({ name: 'Two processes' }).id as string;
    const t0 = Date.parse('2026-05-01T09:00:00Z');
    const other = database.url ? await openDatabase({ url: database.url }) : undefined; // a separate pool, like another process
    const a = await startTestBot({ database, fake, guildId, now: iso(t0) });
    const b = await startTestBot({ database: other ?? database, fake, guildId, now: iso(t0) });
    try {
      const channels = [fake.defaultChannelId(guildId), await newChannel(a, guildId), await newChannel(a, guildId)];
      await until(() => channels.every((c) => b.app.client.channels.cache.has(c)), 'both processes see the channels');
      for (const channelId of channels) await startFocus(channels.indexOf(channelId) % 2 ? b : a, channelId, { focus: 25, rounds: 2 }, ALICE, { guildId });
      const race = async (ms: number) => {
        a.clock.set(new Date(ms));
        b.clock.set(new Date(ms));
        await Promise.all([a.app.scheduler.runDue(), b.app.scheduler.runDue(), a.app.scheduler.runDue(), b.app.scheduler.runDue()]);
      };
      await race(t0 + 25 * MIN);
      for (const channelId of channels) expect(phaseMessagesIn(fake, channelId), channelId).toHaveLength(1);
      await race(t0 + 30 * MIN);
      await race(t0 + 55 * MIN);
      for (const channelId of channels) {
        expect(phaseMessagesIn(fake, channelId), channelId).toHaveLength(3);
        expect(await focusStudy(channelId)).toHaveLength(2);
      }
      const sessions = await database.db.select().from(focusSessions).where(inArray(focusSessions.channelId, channels));
      expect(sessions.map((s) => s.status)).toEqual(['finished', 'finished', 'finished']);
    } finally {
      await a.stop();
      await b.stop();
      await fake.close();
      await other?.close();
    }
  });
});

describe('a process that stops between the steps of a phase change', () => {
  it('claimed the session’s last phase change, then died before editing the card: another process takes it over once the lease lapsed and shows the card finished, without a late ping', async () => {
    const channelId = await newChannel();
    const t0 = bot.clock.now().getTime();
    await startFocus(bot, channelId, { rounds: 1 });
    const session = await sessionOf(channelId);
    const card = cardIn(bot.fake, channelId);
    // The dying process: its lease lapsed a moment ago; its Discord calls never come back (it is gone).
    const dead = 'dead-host:4:abcdef';
    await database.db.insert(processLeases).values({ id: dead, instance: 'elsewhere', host: 'dead-host', pid: 4, startedAt: new Date(Date.now() - 60_000), heartbeatAt: new Date(Date.now() - 30_000), expiresAt: new Date(Date.now() - 10_000) });
    const never = () => new Promise<never>(() => {});
    const gone = { rest: { patch: never, post: never }, guilds: bot.app.client.guilds } as unknown as Client;
    const end = t0 + 25 * MIN + 5_000;
    void settleSession({ ctx: bot.app.ctx, client: gone, owner: dead }, session, new Date(end));
    const claimOf = async () => (await database.db.select().from(scheduledPosts).where(like(scheduledPosts.period, `${session.id}:%`)))[0];
    for (let i = 0; i < 400 && !(await claimOf()); i++) await new Promise((r) => setTimeout(r, 25));
    expect(await claimOf()).toMatchObject({ status: 'claimed', claimedBy: dead });
    expect((await sessionOf(channelId)).status).toBe('finished');
    expect(textOf(cardIn(bot.fake, channelId))).not.toContain('**Finished**');

    // This process's heartbeat reaps the lapsed lease (released claim), and its next run finishes the step.
    for (let i = 0; i < 2400 && (await claimOf())?.claimedBy === dead; i++) await new Promise((r) => setTimeout(r, 25));
    await tickAt(end + 10_000);
    expect(await claimOf()).toMatchObject({ status: 'skipped', claimedBy: bot.app.ctx.owner });
    expect(textOf(cardIn(bot.fake, channelId))).toContain('**Finished**');
    expect(cardEdits(bot.fake, channelId, card.id as string).length).toBeGreaterThan(0);
    expect(phaseMessagesIn(bot.fake, channelId)).toHaveLength(0); // no late ping
  });
});
