import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { updateGuildSettings, type GuildSettingsPatch } from '../../src/db/queries/settings.js';
import { getStreakSummary } from '../../src/db/queries/streaks.js';
import { guildSettings, scheduledPosts } from '../../src/db/schema.js';
import { promptEmbed } from '../../src/discord/views/prompts.js';
import { buttonsOf, shown, startTestBot, textOf, type TestBot, MODERATOR, until, useTestBot } from '../support/bot.js';
import { BOT_DEFAULT_PERMISSIONS, MEMBER_DEFAULT_PERMISSIONS, Perm, startFakeDiscord, type FakeDiscord, type Json } from '../../src/sim/index.js';

const { bot, database } = useTestBot({ now: '2026-01-05T12:00:00Z' });

/** A new server the running bot knows about, with its study channel. */
async function newGuild(target: TestBot = bot, options: Parameters<FakeDiscord['addGuild']>[0] = {}): Promise<{ guildId: string; channelId: string }> {
  const guildId = target.fake.addGuild({ name: 'Prompt test', ...options }).id as string;
  await until(() => target.app.client.guilds.cache.has(guildId), 'GUILD_CREATE');
  return { guildId, channelId: target.fake.defaultChannelId(guildId) };
}

async function configure(guildId: string, channelId: string, time: string, zone: string, extra: GuildSettingsPatch = {}, now = bot.clock.now()): Promise<void> {
  await updateGuildSettings(
    database.db,
    guildId,
    { promptsChannelId: channelId, promptsTime: time, promptsTimezone: zone, promptsEnabled: true, promptsBrokenReason: null, ...extra },
    now,
  );
}

async function tickAt(iso: string, target: TestBot = bot): Promise<void> {
  target.clock.set(iso);
  await target.app.scheduler.runDue();
}

async function rows(guildId: string) {
  return database.db
    .select()
    .from(scheduledPosts)
    .where(and(eq(scheduledPosts.guildId, guildId), eq(scheduledPosts.kind, 'prompt')))
    .orderBy(scheduledPosts.period);
}

/** The prompt posts in a channel (the bot's messages carrying the Check in button; not its welcome message). */
const posts = (fake: FakeDiscord, channelId: string) =>
  fake.channelMessages(channelId).filter((m: Json) => m.author?.id === fake.botUser.id && buttonsOf(m).some((b) => b.customId === 'prompt:checkin'));

describe('posting at the local time', () => {
  it('posts at the right instant in several time zones, across DST switches, once per local date', async () => {
    const cases = [
      // zone, HH:MM, [instant before, due instant, …] and a repeated local time that must not post again
      { zone: 'America/New_York', time: '02:30', before: '2026-03-08T06:59:00Z', due: '2026-03-08T07:00:00Z', again: '2026-03-08T10:00:00Z', next: '2026-03-09T06:30:00Z' }, // 02:30 does not exist → 03:00 EDT
      { zone: 'Europe/London', time: '01:30', before: '2026-10-25T00:29:00Z', due: '2026-10-25T00:30:00Z', again: '2026-10-25T01:30:00Z', next: '2026-10-26T01:30:00Z' }, // 01:30 twice: BST then GMT
      { zone: 'Australia/Sydney', time: '02:30', before: '2026-04-04T15:29:00Z', due: '2026-04-04T15:30:00Z', again: '2026-04-04T16:30:00Z', next: '2026-04-05T16:30:00Z' }, // fall back in April
      { zone: 'Europe/Berlin', time: '02:30', before: '2026-03-29T00:59:00Z', due: '2026-03-29T01:00:00Z', again: '2026-03-29T01:30:00Z', next: '2026-03-30T00:30:00Z' },
      { zone: 'Asia/Kolkata', time: '09:00', before: '2026-03-08T03:29:00Z', due: '2026-03-08T03:30:00Z', again: '2026-03-08T04:30:00Z', next: '2026-03-09T03:30:00Z' },
    ];
    for (const c of cases) {
      const { guildId, channelId } = await newGuild();
      bot.clock.set(new Date(Date.parse(c.before) - 2 * 3_600_000)); // set up two hours before
      await configure(guildId, channelId, c.time, c.zone);

      await tickAt(c.before);
      expect(posts(bot.fake, channelId), `${c.zone} before`).toHaveLength(0);
      await tickAt(c.due);
      expect(posts(bot.fake, channelId), `${c.zone} at due`).toHaveLength(1);
      await tickAt(c.again);
      expect(posts(bot.fake, channelId), `${c.zone} repeated time`).toHaveLength(1);
      await tickAt(c.next);
      expect(posts(bot.fake, channelId), `${c.zone} next day`).toHaveLength(2);

      const recorded = await rows(guildId);
      expect(recorded.map((r) => [r.status, r.postedAt?.toISOString()])).toEqual([
        ['posted', new Date(c.due).toISOString()],
        ['posted', new Date(c.next).toISOString()],
      ]);
      expect(recorded[0]!.ref).not.toBe(recorded[1]!.ref);
      await configure(guildId, channelId, c.time, c.zone, { promptsEnabled: false });
    }
  });

  it('the post: embed with spoiler hints and step, Check in button, role ping only when set, a thread; Check in counts the streak', async () => {
    const { guildId, channelId } = await newGuild();
    const role = bot.fake.addRole(guildId, { name: 'Learners' });
    await tickAt('2026-05-04T08:00:00Z');
    await configure(guildId, channelId, '10:00', 'UTC', { promptsPingRoleId: role.id as string });
    const before = await bot.command('prompt', {}, { guildId, subcommand: 'today' });
    expect(textOf(shown(before))).toContain('It will be posted');

    await tickAt('2026-05-04T10:00:00Z');
    const [message] = posts(bot.fake, channelId);
    const [row] = await rows(guildId);
    const prompt = bot.app.ctx.contents.builtin.prompts.find((p) => p.id === row!.ref)!;
    expect(message!.content).toBe(`<@&${role.id}>`);
    const request = bot.fake.requests.find((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages` && JSON.stringify(r.body).includes('prompt:checkin'))!;
    expect((request.body as Json).allowed_mentions).toEqual({ roles: [role.id] });
    const embed = message!.embeds[0] as Json;
    expect(embed.description).toContain(prompt.text.slice(0, 40));
    for (const hint of prompt.hints) expect(embed.description).toContain(`||${hint}||`);
    expect(embed.fields.map((f: Json) => f.name)).toContain('Roadmap step');
    expect(buttonsOf(message!)).toEqual([expect.objectContaining({ customId: 'prompt:checkin', label: 'Check in' })]);
    expect(bot.fake.channel(message!.id as string)?.parent_id).toBe(channelId); // the discussion thread

    const today = await bot.command('prompt', {}, { guildId, subcommand: 'today', user: '300000000000000001' });
    expect(textOf(shown(today))).toContain(prompt.text.slice(0, 40));
    expect(textOf(shown(today))).toContain('Posted');

    const user = '300000000000000002';
    const pressed = shown(await bot.press('prompt:checkin', { guildId, user, message: message! }));
    expect(textOf(pressed)).toContain('Checked in');
    expect((await getStreakSummary(database.db, { guildId, userId: user })).current).toBe(1);
    const twice = shown(await bot.press('prompt:checkin', { guildId, user, message: message! }));
    expect(textOf(twice)).toContain('Already checked in');
    expect((await getStreakSummary(database.db, { guildId, userId: user })).current).toBe(1);
    await configure(guildId, channelId, '10:00', 'UTC', { promptsEnabled: false });
  });

  it('posts without a ping and without a thread when the bot may not create threads', async () => {
    const { guildId, channelId } = await newGuild(bot, {
      botPermissions: BOT_DEFAULT_PERMISSIONS & ~Perm.CreatePublicThreads,
      everyonePermissions: MEMBER_DEFAULT_PERMISSIONS & ~Perm.CreatePublicThreads,
    });
    await tickAt('2026-05-05T08:00:00Z');
    await configure(guildId, channelId, '09:00', 'UTC');
    await tickAt('2026-05-05T09:00:00Z');
    const [message] = posts(bot.fake, channelId);
    expect(message!.content).toBe('');
    expect(bot.fake.channel(message!.id as string)).toBeUndefined();
    expect(bot.fake.requests.filter((r) => r.path.endsWith('/threads') && r.path.startsWith(`/channels/${channelId}/`))).toHaveLength(0);
    expect((await rows(guildId)).map((r) => r.status)).toEqual(['posted']);
    await configure(guildId, channelId, '09:00', 'UTC', { promptsEnabled: false });
  });
});

describe('metrics', () => {
  /** The value of cohort_scheduled_posts_total for kind="prompt" and an outcome, as /metrics renders it (0 when absent). */
  const counted = async (outcome: string) => Number(new RegExp(`^cohort_scheduled_posts_total\\{kind="prompt",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(await bot.app.metrics.render())?.[1] ?? 0);

  it('cohort_scheduled_posts_total counts each settled prompt: posted, and failed for a channel answering 50013', async () => {
    const ok = await newGuild();
    const broken = await newGuild();
    bot.clock.set('2026-07-01T08:00:00Z');
    for (const g of [ok, broken]) await configure(g.guildId, g.channelId, '09:00', 'UTC');
    bot.fake.failWith({ method: 'POST', path: new RegExp(`^/channels/${broken.channelId}/messages$`), code: 50013 });
    const before = { posted: await counted('posted'), failed: await counted('failed') };

    await tickAt('2026-07-01T09:00:00Z');
    expect(posts(bot.fake, ok.channelId)).toHaveLength(1);
    expect({ posted: await counted('posted') - before.posted, failed: await counted('failed') - before.failed }).toEqual({ posted: 1, failed: 1 });
    // Settled claims are not counted again on the next ticks.
    await tickAt('2026-07-01T09:01:00Z');
    expect({ posted: await counted('posted') - before.posted, failed: await counted('failed') - before.failed }).toEqual({ posted: 1, failed: 1 });

    bot.fake.clearFailures();
    for (const g of [ok, broken]) await configure(g.guildId, g.channelId, '09:00', 'UTC', { promptsEnabled: false });
  });
});

describe('catch-up after downtime', () => {
  it('after 3 hours the missed prompt is posted; after 2 days older misses are skipped and only today’s is posted if still in the window', async () => {
    const x = await newGuild();
    const y = await newGuild();
    bot.clock.set('2026-02-02T06:00:00Z');
    await configure(x.guildId, x.channelId, '18:00', 'Europe/Berlin'); // 17:00Z in winter
    await configure(y.guildId, y.channelId, '08:00', 'Europe/Berlin'); // 07:00Z

    await tickAt('2026-02-02T07:00:00Z');
    await tickAt('2026-02-02T17:00:00Z');
    // Down until three hours after X's time on the next day.
    await tickAt('2026-02-03T20:00:00Z');
    // Down for two more days.
    await tickAt('2026-02-06T18:00:00Z');

    const summary = async (guildId: string) => (await rows(guildId)).map((r) => [r.period, r.status, r.postedAt?.toISOString() ?? null]);
    expect(await summary(x.guildId)).toEqual([
      ['2026-02-02', 'posted', '2026-02-02T17:00:00.000Z'],
      ['2026-02-03', 'posted', '2026-02-03T20:00:00.000Z'],
      ['2026-02-04', 'skipped', null],
      ['2026-02-05', 'skipped', null],
      ['2026-02-06', 'posted', '2026-02-06T18:00:00.000Z'],
    ]);
    expect(await summary(y.guildId)).toEqual([
      ['2026-02-02', 'posted', '2026-02-02T07:00:00.000Z'],
      ['2026-02-03', 'skipped', null],
      ['2026-02-04', 'skipped', null],
      ['2026-02-05', 'skipped', null],
      ['2026-02-06', 'skipped', null],
    ]);
    expect(posts(bot.fake, x.channelId)).toHaveLength(3);
    expect(posts(bot.fake, y.channelId)).toHaveLength(1);
    const missed = await bot.command('prompt', {}, { guildId: y.guildId, subcommand: 'today' });
    expect(textOf(shown(missed))).toContain('missed while I was offline');
    for (const g of [x, y]) await configure(g.guildId, g.channelId, '08:00', 'UTC', { promptsEnabled: false });
  });
});

describe('a broken setup', () => {
  it('a channel answering 50013 stops that server (failed, reason shown in /setup show) while the others keep getting posts', async () => {
    const broken = await newGuild();
    const others = [await newGuild(), await newGuild()];
    bot.clock.set('2026-06-01T08:00:00Z');
    for (const g of [broken, ...others]) await configure(g.guildId, g.channelId, '12:00', 'Asia/Tokyo'); // 03:00Z
    bot.fake.failWith({ method: 'POST', path: new RegExp(`^/channels/${broken.channelId}/messages$`), code: 50013 });

    await tickAt('2026-06-02T03:00:00Z');
    expect((await rows(broken.guildId)).map((r) => [r.status, r.error])).toEqual([['failed', expect.stringContaining('50013')]]);
    for (const g of others) expect(posts(bot.fake, g.channelId)).toHaveLength(1);

    const show = await bot.command('setup', {}, { guildId: broken.guildId, subcommand: 'show', ...MODERATOR });
    expect(textOf(shown(show))).toMatch(/Stopped:.*Missing Permissions/);

    // No more attempts for the broken server; the others go on.
    const attempts = () =>
      bot.fake.requests.filter((r) => r.path === `/channels/${broken.channelId}/messages` && r.method === 'POST' && JSON.stringify(r.body).includes('prompt:checkin')).length;
    expect(attempts()).toBe(1);
    await tickAt('2026-06-02T03:05:00Z');
    await tickAt('2026-06-03T03:00:00Z');
    expect(attempts()).toBe(1);
    for (const g of others) expect(posts(bot.fake, g.channelId)).toHaveLength(2);

    // A moderator fixes the channel and runs /setup prompts again: the reason is cleared and today's prompt comes.
    bot.fake.clearFailures();
    const fixed = await bot.command('setup', { channel: { type: 7, value: broken.channelId }, time: '12:00', timezone: 'Asia/Tokyo' }, { guildId: broken.guildId, subcommand: 'prompts', ...MODERATOR });
    expect(textOf(shown(fixed))).not.toContain('Stopped');
    await tickAt('2026-06-03T03:10:00Z');
    expect(posts(bot.fake, broken.channelId)).toHaveLength(1);
    expect((await rows(broken.guildId)).map((r) => r.status)).toEqual(['failed', 'posted']);
    for (const g of [broken, ...others]) await configure(g.guildId, g.channelId, '12:00', 'UTC', { promptsEnabled: false });
  });

  it('/setup prompts refuses a channel the bot cannot post in, and says why', async () => {
    const { guildId } = await newGuild();
    const channel = bot.fake.addChannel(guildId, { name: 'read-only', permission_overwrites: [{ id: guildId, type: 0, allow: '0', deny: Perm.SendMessages.toString() }] });
    await until(() => bot.app.client.channels.cache.has(channel.id as string), 'CHANNEL_CREATE');
    const record = await bot.command('setup', { channel: { type: 7, value: channel.id as string }, time: '18:00' }, { guildId, subcommand: 'prompts', ...MODERATOR });
    expect(textOf(shown(record))).toContain(`I cannot post in <#${channel.id}>: I am missing Send Messages`);
    const [saved] = await database.db.select().from(guildSettings).where(eq(guildSettings.guildId, guildId));
    expect(saved?.promptsChannelId ?? null).toBeNull();
  });
});

describe('exactly once across restarts and processes', () => {
  it('a post made just before a crash (claimed, posted, not completed) is recognised, not posted again', async () => {
    const { guildId, channelId } = await newGuild();
    bot.clock.set('2026-07-01T08:00:00Z');
    await configure(guildId, channelId, '09:00', 'UTC');
    const prompt = bot.app.ctx.contents.builtin.prompts[0]!;
    await database.db.insert(scheduledPosts).values({ guildId, kind: 'prompt', period: '2026-07-01', status: 'claimed', ref: prompt.id, claimedBy: 'dead', claimedAt: new Date('2026-07-01T09:00:00Z'), attempts: 1 });
    const earlier = bot.fake.addMessage(channelId, {
      author: bot.fake.botUser,
      embeds: [promptEmbed(bot.app.ctx.contents.builtin, prompt, '2026-07-01')],
      components: [{ type: 1, components: [{ type: 2, style: 3, label: 'Check in', custom_id: 'prompt:checkin' }] }],
    });

    await tickAt('2026-07-01T09:01:00Z'); // the claim is still live
    await tickAt('2026-07-01T09:06:00Z'); // stale: taken over
    expect(posts(bot.fake, channelId)).toHaveLength(1);
    expect((await rows(guildId)).map((r) => [r.status, r.messageId, r.attempts])).toEqual([['posted', earlier.id, 2]]);
    await configure(guildId, channelId, '09:00', 'UTC', { promptsEnabled: false });
  });

  it('restart between claim and post: a new app on the same database posts once, at once; two apps racing post once per server and day', async () => {
    const fake = await startFakeDiscord();
    const guilds = Array.from({ length: 12 }, () => fake.addGuild({ name: 'Racing' }).id as string);
    const now = '2026-08-01T05:00:00Z';
    let first: TestBot | undefined = await startTestBot({ database, fake, now });
    const second = database.url ? await openDatabase({ url: database.url }) : undefined; // a separate pool, like another process
    let restarted: TestBot | undefined;
    let rival: TestBot | undefined;
    try {
      for (const guildId of guilds) await configure(guildId, fake.defaultChannelId(guildId), '06:00', 'Europe/Paris', {}, new Date(now)); // 04:00Z in summer
      // The first app claimed the first server and died before posting.
      await database.db.insert(scheduledPosts).values({ guildId: guilds[0]!, kind: 'prompt', period: '2026-08-01', status: 'claimed', claimedBy: first.app.scheduler.owner, claimedAt: new Date(now), attempts: 1 });
      await first.stop();
      first = undefined;

      restarted = await startTestBot({ database: second ?? database, fake, now: '2026-08-01T05:01:00Z' });
      rival = await startTestBot({ database, fake, now: '2026-08-01T05:01:00Z' });
      const a = restarted;
      const b = rival;
      await until(() => guilds.every((g) => a.app.client.guilds.cache.has(g) && b.app.client.guilds.cache.has(g)), 'both apps see every server');
      const race = async (iso: string) => {
        a.clock.set(iso);
        b.clock.set(iso);
        await Promise.all([a.app.scheduler.runDue(), b.app.scheduler.runDue(), a.app.scheduler.runDue(), b.app.scheduler.runDue()]);
      };
      // The first app's lease went with it: its claim was released and is taken over at once, not after 5 stale minutes.
      await race('2026-08-01T05:01:00Z');
      for (const g of guilds) expect(posts(fake, fake.defaultChannelId(g))).toHaveLength(1);

      await race('2026-08-01T05:06:00Z');
      await race('2026-08-01T05:07:00Z');
      for (const g of guilds) expect(posts(fake, fake.defaultChannelId(g)), g).toHaveLength(1);
      const all = await database.db.select().from(scheduledPosts).where(inArray(scheduledPosts.guildId, guilds));
      expect(all.map((r) => r.status)).toEqual(guilds.map(() => 'posted'));
      expect(all.find((r) => r.guildId === guilds[0])!.attempts).toBe(2);

      await race('2026-08-02T04:00:00Z'); // next day: once more each
      for (const g of guilds) expect(posts(fake, fake.defaultChannelId(g))).toHaveLength(2);
      for (const g of guilds) await configure(g, fake.defaultChannelId(g), '06:00', 'UTC', { promptsEnabled: false }, new Date(now));
    } finally {
      await first?.stop();
      await restarted?.stop();
      await rival?.stop();
      await fake.close();
      await second?.close();
    }
  });
});

describe('scale', () => {
  // [slow]: about 55 s alone (its 2,000 REST calls keep to the 40 per second scheduled budget), longer under load. It stays in `npm test` (CI runs it; a slow test CI
  // never runs is a dead test), with a timeout sized for CI; skip it locally with
  // `npx vitest run -t '^(?!.*\\[slow\\])'`.
  it('[slow] a thousand servers due at the same minute are all posted once', { timeout: 600_000 }, async () => {
    const fake = await startFakeDiscord();
    const guilds = Array.from({ length: 1000 }, (_, i) => fake.addGuild({ name: `Group ${i}` }).id as string);
    const now = '2026-09-01T11:00:00Z';
    const big = await startTestBot({ database, fake, now });
    try {
      // The fake has no global rate limit; discord.js's own 50 requests/second would only make this test slow.
      big.app.client.rest.options.globalRequestsPerSecond = 5_000;
      await until(() => guilds.every((g) => big.app.client.guilds.cache.has(g)), 'every GUILD_CREATE', 300_000);
      const patch = { promptsTime: '12:00', promptsTimezone: 'UTC', promptsEnabled: true, createdAt: new Date(now), updatedAt: new Date(now) };
      await database.db.insert(guildSettings).values(guilds.map((guildId) => ({ guildId, promptsChannelId: fake.defaultChannelId(guildId), ...patch })));

      const started = performance.now();
      await tickAt('2026-09-01T12:00:00Z', big);
      const ms = performance.now() - started;
      await tickAt('2026-09-01T12:01:00Z', big);

      const missing = guilds.filter((g) => posts(fake, fake.defaultChannelId(g)).length !== 1);
      expect(missing).toEqual([]);
      const sent = fake.requests.filter((r) => r.method === 'POST' && /^\/channels\/\d+\/messages$/.test(r.path));
      expect(sent).toHaveLength(1000);
      const done = await database.db.select({ status: scheduledPosts.status }).from(scheduledPosts).where(inArray(scheduledPosts.guildId, guilds));
      expect(done.filter((r) => r.status === 'posted')).toHaveLength(1000);
      console.info(`1000 servers posted in ${Math.round(ms)} ms`);
      await database.db.update(guildSettings).set({ promptsEnabled: false }).where(inArray(guildSettings.guildId, guilds));
    } finally {
      await big.stop();
      await fake.close();
    }
  });
});
