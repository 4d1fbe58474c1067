import { describe, expect, it } from 'vitest';
import { buttonsOf, MODERATOR, shown, textOf, until, useTestBot, type TestBot } from '../support/bot.js';
import type { FakeDiscord, Json } from '../../src/sim/index.js';

/**
 * The first weekly challenge of a server, as the two reported runs went: challenges set up on a
 * Sunday morning (UTC, weeks starting Monday). The bot announced a challenge with 16 hours left and,
 * in the same minute, a "24 hours left" reminder; in the other run, members who joined after that
 * announcement never got a reminder at all.
 */

const MOD = '410000000000000001';
const U1 = '420000000000000001';
const U2 = '420000000000000002';

// Sunday 8 March 2026, 08:00 UTC: less than a day of the Monday week is left.
const { bot } = useTestBot({ now: '2026-03-08T08:00:00Z' });

async function newGuild(name: string): Promise<{ guildId: string; channelId: string }> {
  const guildId = bot.fake.addGuild({ name }).id as string;
  await until(() => bot.app.client.guilds.cache.has(guildId), 'the guild');
  const channel = bot.fake.addChannel(guildId, { name: 'challenges', type: 0 });
  await until(() => bot.app.client.channels.cache.has(channel.id as string), 'the channel');
  return { guildId, channelId: channel.id as string };
}

function posts(fake: FakeDiscord, channelId: string): Json[] {
  return fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages` && r.status < 300).map((r) => r.body as Json);
}
const isAnnouncement = (b: Json) => /new weekly challenge starts now/.test(b.content ?? '');
const isReminder = (b: Json) => /left\*\* for/.test(b.content ?? '');

async function tickAt(target: TestBot, iso: string): Promise<void> {
  target.clock.set(iso);
  await target.app.scheduler.runDue(new Date(iso));
}

const setupChallenges = (guildId: string, channelId: string) =>
  bot.command('setup', { channel: { type: 7, value: channelId } }, { guildId, user: MOD, subcommand: 'challenges', ...MODERATOR });
const join = (guildId: string, user: string) => bot.command('challenge', {}, { guildId, user, subcommand: 'join' });
const ts = (iso: string, style: string) => `<t:${Date.parse(iso) / 1000}:${style}>`;

describe('run 1: set up on Sunday morning, members join before the first tick', () => {
  it('the week starts next Monday, the reply says so, and nothing is posted before then', async () => {
    bot.clock.set('2026-03-08T08:00:00Z');
    const { guildId, channelId } = await newGuild('Sunday morning');
    const reply = shown(await setupChallenges(guildId, channelId));
    const text = textOf(reply);
    expect(text).toContain('Saved');
    expect(text).toMatch(/less than half/i);
    expect(text).toContain(ts('2026-03-09T00:00:00Z', 'F'));
    expect(text).not.toContain('right now');
    expect(buttonsOf(reply).map((b) => b.label)).toContain('Start this week anyway');

    // Members who try to join before the first week hear when it starts.
    const early = textOf(shown(await join(guildId, U1)));
    expect(early).toContain('No challenge is running');
    expect(early).toContain(ts('2026-03-09T00:00:00Z', 'F'));

    await tickAt(bot, '2026-03-08T08:00:30Z');
    await tickAt(bot, '2026-03-08T23:59:00Z');
    expect(posts(bot.fake, channelId)).toEqual([]);

    // Monday: the first week is announced, with a whole week ahead.
    await tickAt(bot, '2026-03-09T00:00:00Z');
    const sent = posts(bot.fake, channelId);
    expect(sent).toHaveLength(1);
    expect(isAnnouncement(sent[0]!)).toBe(true);
    expect(textOf(sent[0]!)).toContain(ts('2026-03-16T00:00:00Z', 'F'));

    const joined = textOf(shown(await join(guildId, U1)));
    expect(joined).toContain('You joined');
    expect(joined).toContain(ts('2026-03-12T12:00:00Z', 'f'));
    expect(joined).toMatch(/24 hours before the deadline/);

    await tickAt(bot, '2026-03-12T12:00:00Z');
    await tickAt(bot, '2026-03-15T00:00:00Z');
    const reminders = posts(bot.fake, channelId).filter(isReminder);
    expect(reminders.map((r) => r.content.split('\n')[0])).toEqual([
      expect.stringContaining('3 days 12 hours left'),
      expect.stringContaining('24 hours left'),
    ]);
    expect(reminders.every((r) => r.allowed_mentions.users?.includes(U1))).toBe(true);
  });

  it('“Start this week anyway” starts now: an announcement, no reminder in the same minute, and the join reply promises only what is left', async () => {
    bot.clock.set('2026-03-08T08:00:00Z');
    const { guildId, channelId } = await newGuild('Start anyway');
    const reply = shown(await setupChallenges(guildId, channelId));
    const start = buttonsOf(reply).find((b) => b.label === 'Start this week anyway')!;
    expect(start.customId).toBeDefined();

    // A member cannot press it.
    expect(textOf(shown(await bot.press(start.customId!, { guildId, user: U1 })))).toContain('Only moderators');

    const started = textOf(shown(await bot.press(start.customId!, { guildId, user: MOD, ...MODERATOR })));
    expect(started).toContain('has started');
    expect(started).toContain('Announced');
    const joined = textOf(shown(await join(guildId, U1)));
    expect(joined).toContain('You joined');
    // 16 hours left: the midweek reminder (noon) is still to come; 24 hours before the deadline was never in this run.
    expect(joined).toContain(ts('2026-03-08T12:00:00Z', 'f'));
    expect(joined).not.toMatch(/24 hours before/);

    await tickAt(bot, '2026-03-08T08:00:30Z');
    await tickAt(bot, '2026-03-08T08:01:30Z');
    const sent = posts(bot.fake, channelId);
    expect(sent.filter(isAnnouncement)).toHaveLength(1);
    expect(sent.filter(isReminder)).toEqual([]);

    // Pressing it again changes nothing.
    const again = textOf(shown(await bot.press(start.customId!, { guildId, user: MOD, ...MODERATOR })));
    expect(again).toContain('already running');
    expect(posts(bot.fake, channelId).filter(isAnnouncement)).toHaveLength(1);

    await tickAt(bot, '2026-03-08T12:00:00Z');
    const reminders = posts(bot.fake, channelId).filter(isReminder);
    expect(reminders).toHaveLength(1);
    expect(reminders[0]!.content).toContain('12 hours left');
    expect(reminders[0]!.allowed_mentions.users).toEqual([U1]);
  });
});

describe('run 2: members join after the announcement', () => {
  it('set up on Thursday evening and started anyway: members who join afterwards get the reminders still to come, with the real time left', async () => {
    // Thursday 12 March, 20:00 UTC: 3 days 4 hours of the week left.
    bot.clock.set('2026-03-12T20:00:00Z');
    const { guildId, channelId } = await newGuild('Thursday evening');
    const reply = shown(await setupChallenges(guildId, channelId));
    expect(textOf(reply)).toMatch(/less than half/i);
    const start = buttonsOf(reply).find((b) => b.label === 'Start this week anyway')!;
    await bot.press(start.customId!, { guildId, user: MOD, ...MODERATOR });
    await tickAt(bot, '2026-03-12T20:00:30Z');
    expect(posts(bot.fake, channelId).filter(isAnnouncement)).toHaveLength(1);
    expect(posts(bot.fake, channelId).filter(isReminder)).toHaveLength(0);

    bot.clock.set('2026-03-12T21:00:00Z');
    const joined = textOf(shown(await join(guildId, U1)));
    // Saturday noon, the middle day of what is left, and 24 hours before the deadline.
    expect(joined).toContain(ts('2026-03-14T12:00:00Z', 'f'));
    expect(joined).toMatch(/24 hours before the deadline/);
    await join(guildId, U2);

    await tickAt(bot, '2026-03-14T12:00:00Z');
    await tickAt(bot, '2026-03-15T00:00:00Z');
    const reminders = posts(bot.fake, channelId).filter(isReminder);
    expect(reminders.map((r) => r.content.split('\n')[0])).toEqual([expect.stringContaining('36 hours left'), expect.stringContaining('24 hours left')]);
    for (const r of reminders) expect(r.allowed_mentions.users).toEqual([U1, U2]);
  });

  it('set up on Tuesday (more than half left): the week starts right away; a member joining on Sunday is promised nothing that already went out', async () => {
    bot.clock.set('2026-03-10T09:00:00Z');
    const { guildId, channelId } = await newGuild('Tuesday');
    const reply = shown(await setupChallenges(guildId, channelId));
    expect(textOf(reply)).not.toMatch(/less than half/i);
    expect(buttonsOf(reply)).toEqual([]);
    await tickAt(bot, '2026-03-10T09:00:30Z');
    expect(posts(bot.fake, channelId).filter(isAnnouncement)).toHaveLength(1);
    await tickAt(bot, '2026-03-12T12:00:00Z'); // midweek: nobody joined yet
    await tickAt(bot, '2026-03-15T00:00:00Z'); // 24 hours: nobody joined yet
    bot.clock.set('2026-03-15T06:00:00Z');
    const joined = textOf(shown(await join(guildId, U1)));
    expect(joined).toContain('You joined');
    expect(joined).not.toMatch(/You’ll get a reminder/);
    expect(joined).toMatch(/no reminders? (are )?left/i);
  });
});

describe('/challenge start by a moderator', () => {
  const startCmd = (guildId: string, options: Record<string, string>) => bot.command('challenge', options, { guildId, user: MOD, subcommand: 'start', ...MODERATOR });

  it('for the challenge already running: says so, changes nothing and announces nothing', async () => {
    bot.clock.set('2026-03-16T09:00:00Z'); // Monday: the whole week ahead
    const { guildId, channelId } = await newGuild('Already running');
    await setupChallenges(guildId, channelId);
    await tickAt(bot, '2026-03-16T09:00:30Z');
    expect(posts(bot.fake, channelId).filter(isAnnouncement)).toHaveLength(1);
    const running = bot.app.ctx.contents.builtin.challenges[0]!;
    const text = textOf(shown(await startCmd(guildId, { challenge: running.id })));
    expect(text).toContain(`**${running.title}** is already running`);
    expect(text).toContain('Nothing changed');
    expect(text).not.toContain('replaces');
    expect(bot.fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`)).toHaveLength(1);

    // The same challenge with a new deadline: the deadline changes, and the announcement says that.
    const moved = textOf(shown(await startCmd(guildId, { challenge: running.id, ends: '2026-03-25' })));
    expect(moved).toContain(`**${running.title}** gets a new deadline`);
    expect(moved).toContain('Thursday, 26 March 2026 at 00:00');
    const last = posts(bot.fake, channelId).at(-1)!;
    expect(last.content).toContain('new deadline');
  });

  it('a deadline in the past is refused, echoing the date that was typed', async () => {
    bot.clock.set('2026-03-16T09:00:00Z');
    const { guildId, channelId } = await newGuild('Past deadline');
    await setupChallenges(guildId, channelId);
    const text = textOf(shown(await startCmd(guildId, { challenge: 'house-prices', ends: '2020-01-01' })));
    expect(text).toContain('2020-01-01');
    expect(text).toContain('already passed');
    expect(text).not.toContain('2 January');
    const timed = textOf(shown(await startCmd(guildId, { challenge: 'house-prices', ends: '2026-03-16 08:30' })));
    expect(timed).toContain('2026-03-16 08:30');
    expect(timed).toContain('already passed');
  });
});
