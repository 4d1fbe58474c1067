import { describe, expect, it } from 'vitest';
import { MessageFlags } from 'discord.js';
import { and, eq } from 'drizzle-orm';
import { activities, challengeWeeks, scheduledPosts } from '../../src/db/schema.js';
import { joinRun, leaveRun, type Run } from '../../src/db/queries/challenges.js';
import { getGuildSettings, setMemberTimezone } from '../../src/db/queries/settings.js';
import { buttonsOf, shown, startTestBot, textOf, type TestBot, MODERATOR, until, useTestBot } from '../support/bot.js';
import { startFakeDiscord, type FakeDiscord, type Json } from '../../src/sim/index.js';

const MOD = '410000000000000001';

// Monday 23 March 2026, 00:00:30 in Berlin (CET): the first instant of a week that crosses the switch to CEST.
const { bot, database } = useTestBot({ now: '2026-03-22T23:00:30Z' });

/** A challenges channel in a guild the bot's client has seen. */
async function challengesChannel(target: TestBot, guildId: string): Promise<string> {
  await until(() => target.app.client.guilds.cache.has(guildId), 'the guild');
  const channel = target.fake.addChannel(guildId, { name: 'challenges', type: 0 });
  await until(() => target.app.client.channels.cache.has(channel.id as string), 'the channel');
  return channel.id as string;
}

async function newGuild(name: string): Promise<{ guildId: string; channelId: string }> {
  const guildId = bot.fake.addGuild({ name }).id as string;
  return { guildId, channelId: await challengesChannel(bot, guildId) };
}

async function configure(target: TestBot, guildId: string, channelId: string, zone: string, extra: Record<string, number> = {}): Promise<void> {
  const tz = await target.command('setup', { timezone: zone }, { guildId, user: MOD, subcommand: 'streaks', ...MODERATOR });
  expect(textOf(shown(tz))).toContain('Saved');
  const ch = await target.command('setup', { channel: { type: 7, value: channelId }, ...extra }, { guildId, user: MOD, subcommand: 'challenges', ...MODERATOR });
  expect(textOf(shown(ch))).toContain('Saved');
}

/** Message bodies the bot successfully POSTed to a channel, oldest first. */
function posts(fake: FakeDiscord, channelId: string): Json[] {
  return fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages` && r.status < 300).map((r) => r.body as Json);
}
const bodyText = (body: Json) => textOf(body);
const isAnnouncement = (b: Json) => /new weekly challenge starts now|Change of plan/.test(b.content ?? '');
const isMidweek = (b: Json) => (b.content ?? '').includes('How is it going?');
const isFinal = (b: Json) => (b.content ?? '').includes('24 hours left');
const isRecap = (b: Json) => (b.content ?? '').includes('is over');

async function tickAt(target: TestBot, iso: string): Promise<void> {
  target.clock.set(iso);
  await target.app.scheduler.runDue(new Date(iso));
}

describe('a full week in Europe/Berlin across the switch to summer time', () => {
  const U1 = '420000000000000001';
  const U2 = '420000000000000002';
  const U3 = '420000000000000003';
  let channelId: string;

  it('announces the week with a Join button and no pings, once', async () => {
    channelId = await challengesChannel(bot, bot.guildId);
    await configure(bot, bot.guildId, channelId, 'Europe/Berlin');
    await tickAt(bot, '2026-03-22T23:00:30Z');
    await tickAt(bot, '2026-03-22T23:01:30Z');
    const sent = posts(bot.fake, channelId);
    expect(sent).toHaveLength(1);
    const announcement = sent[0]!;
    expect(isAnnouncement(announcement)).toBe(true);
    const first = bot.app.ctx.contents.builtin.challenges[0]!;
    expect(bodyText(announcement)).toContain(first.title);
    // Deadline: Monday 30 March 00:00 CEST = 2026-03-29T22:00Z.
    expect(bodyText(announcement)).toContain(`<t:${Date.parse('2026-03-29T22:00:00Z') / 1000}:F>`);
    expect(announcement.allowed_mentions).toEqual({ parse: [] });
    expect(announcement.content).not.toMatch(/<@/);
    expect(buttonsOf(announcement).map((b) => b.label)).toEqual(['Join', 'Open on Kaggle']);
  });

  it('join (button and command), leave, and /challenge shows the deadline in the member’s own zone', async () => {
    const announcement = posts(bot.fake, channelId)[0]!;
    const join = buttonsOf(announcement).find((b) => b.label === 'Join')!;
    bot.clock.set('2026-03-23T08:00:00Z');
    expect(textOf(shown(await bot.press(join.customId!, { user: U1 })))).toContain('You joined');
    expect(textOf(shown(await bot.press(join.customId!, { user: U1 })))).toContain('already joined');
    expect(textOf(shown(await bot.command('challenge', {}, { user: U2, subcommand: 'join' })))).toContain('You joined');
    expect(textOf(shown(await bot.command('challenge', {}, { user: U3, subcommand: 'join' })))).toContain('You joined');
    expect(textOf(shown(await bot.command('challenge', {}, { user: U3, subcommand: 'leave' })))).toContain('You left');
    expect(textOf(shown(await bot.command('challenge', {}, { user: U3, subcommand: 'leave' })))).toContain('had not joined');

    await setMemberTimezone(database.db, bot.guildId, U1, 'America/Sao_Paulo', bot.clock.now());
    const record = await bot.command('challenge', {}, { user: U1, subcommand: 'show' });
    const view = shown(record);
    expect(view.flags & MessageFlags.Ephemeral).toBeTruthy();
    const text = textOf(view);
    expect(text).toContain(bot.app.ctx.contents.builtin.challenges[0]!.title);
    // The same deadline, as Sao Paulo reads it: Sunday 29 March, 19:00.
    expect(text).toContain('Sunday, 29 March 2026 at 19:00');
    expect(text).toContain('America/Sao_Paulo');
    expect(text).toContain(`<t:${Date.parse('2026-03-29T22:00:00Z') / 1000}:F>`);
    expect(text).toContain(`<@${U1}>`);
    expect(text).toContain(`<@${U2}>`);
    expect(text).not.toContain(`<@${U3}>`);
    expect(text).toContain('Joined (2)');

    const berlin = textOf(shown(await bot.command('challenge', {}, { user: U2, subcommand: 'show' })));
    expect(berlin).toContain('Monday, 30 March 2026 at 00:00');
  });

  it('submit: Kaggle links only; one per member, replaceable; counts for the streak once', async () => {
    const bad = shown(await bot.command('challenge', { link: 'https://github.com/alice/titanic' }, { user: U1, subcommand: 'submit' }));
    expect(textOf(bad)).toContain('Only Kaggle links');
    const first = shown(
      await bot.command('challenge', { link: 'https://www.kaggle.com/code/alice/titanic-v1', score: '0.77', note: 'first *try* @everyone' }, { user: U1, subcommand: 'submit' }),
    );
    expect(textOf(first)).toContain('Submitted');
    const again = shown(
      await bot.command('challenge', { link: 'https://kaggle.com/code/alice/titanic-v2', score: '0.79', note: 'second *try* @everyone' }, { user: U1, subcommand: 'submit' }),
    );
    expect(textOf(again)).toContain('was replaced');
    const rows = await database.db
      .select()
      .from(activities)
      .where(and(eq(activities.guildId, bot.guildId), eq(activities.userId, U1), eq(activities.kind, 'challenge')));
    expect(rows).toHaveLength(1);
    const mine = textOf(shown(await bot.command('challenge', {}, { user: U1, subcommand: 'show' })));
    expect(mine).toContain('titanic-v2');
    expect(mine).not.toContain('titanic-v1');
  });

  it('midweek reminder at Thursday noon mentions only the participants', async () => {
    await tickAt(bot, '2026-03-26T10:59:00Z');
    expect(posts(bot.fake, channelId).filter(isMidweek)).toHaveLength(0);
    await tickAt(bot, '2026-03-26T11:00:00Z');
    await tickAt(bot, '2026-03-26T11:01:00Z');
    const midweek = posts(bot.fake, channelId).filter(isMidweek);
    expect(midweek).toHaveLength(1);
    expect(midweek[0]!.allowed_mentions).toEqual({ parse: [], users: [U1, U2] });
    expect(midweek[0]!.content).toContain(`<@${U1}>`);
    expect(midweek[0]!.content).not.toContain(`<@${U3}>`);
  });

  it('24 hours before the deadline (which is after the clocks moved): a reminder to participants only', async () => {
    await tickAt(bot, '2026-03-28T21:59:00Z');
    expect(posts(bot.fake, channelId).filter(isFinal)).toHaveLength(0);
    await tickAt(bot, '2026-03-28T22:00:00Z');
    const final = posts(bot.fake, channelId).filter(isFinal);
    expect(final).toHaveLength(1);
    expect(final[0]!.allowed_mentions).toEqual({ parse: [], users: [U1, U2] });
    expect(final[0]!.content).toContain(`<t:${Date.parse('2026-03-29T22:00:00Z') / 1000}:F>`);
  });

  it('at the close: a recap with every submission (link, score, escaped note), then the next week starts', async () => {
    bot.clock.set('2026-03-29T21:59:00Z');
    expect(textOf(shown(await bot.command('challenge', { link: 'https://www.kaggle.com/code/bob/titanic', score: '0.80' }, { user: U2, subcommand: 'submit' })))).toContain(
      'Submitted',
    );
    await tickAt(bot, '2026-03-29T21:59:59Z');
    expect(posts(bot.fake, channelId).filter(isRecap)).toHaveLength(0);
    await tickAt(bot, '2026-03-29T22:00:00Z');
    const sent = posts(bot.fake, channelId);
    const recaps = sent.filter(isRecap);
    expect(recaps).toHaveLength(1);
    const recap = bodyText(recaps[0]!);
    expect(recap).toContain('2 submissions from 2 participants');
    expect(recap).toContain('https://www.kaggle.com/code/alice/titanic-v2');
    expect(recap).toContain('https://www.kaggle.com/code/bob/titanic');
    expect(recap).toContain('0.79');
    expect(recap).toContain('second \\*try\\* @\u200beveryone'); // shown, but never a mention
    expect(recaps[0]!.allowed_mentions).toEqual({ parse: [] });
    // The new week's announcement follows the recap, with the next challenge of the rotation.
    const announcements = sent.filter(isAnnouncement);
    expect(announcements).toHaveLength(2);
    expect(sent.indexOf(announcements[1]!)).toBeGreaterThan(sent.indexOf(recaps[0]!));
    expect(bodyText(announcements[1]!)).toContain(bot.app.ctx.contents.builtin.challenges[1]!.title);

    const kinds = await database.db.select().from(scheduledPosts).where(and(eq(scheduledPosts.guildId, bot.guildId), eq(scheduledPosts.period, '2026-03-23')));
    expect(kinds.map((k) => `${k.kind}:${k.status}`).sort()).toEqual([
      'challenge_announce:posted',
      'challenge_final:posted',
      'challenge_midweek:posted',
      'challenge_recap:posted',
    ]);

    const past = textOf(shown(await bot.command('challenge', {}, { user: U3, subcommand: 'history' })));
    expect(past).toContain('Week of 2026-03-23');
    expect(past).toContain('2 joined · 2 submitted');
    expect(past).toContain('titanic-v2');
  });

  it('after the close, a link into last week’s competition is refused as late, with its deadline; another competition is refused too', async () => {
    const [lastWeek, thisWeek] = bot.app.ctx.contents.builtin.challenges;
    bot.clock.set('2026-03-30T06:00:00Z');
    const late = textOf(shown(await bot.command('challenge', { link: `${lastWeek!.url}/submissions` }, { user: U3, subcommand: 'submit' })));
    expect(late).toContain(`Too late: **${lastWeek!.title}** closed on`);
    expect(late).toContain('Monday, 30 March 2026 at 00:00');
    const wrong = textOf(shown(await bot.command('challenge', { link: 'https://www.kaggle.com/competitions/some-other-contest' }, { user: U3, subcommand: 'submit' })));
    expect(wrong).toContain(`This week’s challenge is **${thisWeek!.title}**`);
    const rows = await database.db.select().from(activities).where(and(eq(activities.guildId, bot.guildId), eq(activities.userId, U3)));
    expect(rows).toHaveLength(0);
    expect(textOf(shown(await bot.command('challenge', { link: `${thisWeek!.url}/leaderboard` }, { user: U3, subcommand: 'submit' })))).toContain('Submitted');
  });
});

describe('moderators: start with a custom deadline, skip, end; late submissions', () => {
  const MEMBER = '430000000000000001';

  it('refuses the moderator subcommands to members', async () => {
    const { guildId } = await newGuild('Mods only');
    for (const sub of ['start', 'end', 'skip']) {
      const options: Record<string, string> = sub === 'start' ? { challenge: 'titanic' } : {};
      const reply = shown(await bot.command('challenge', options, { guildId, user: MEMBER, subcommand: sub }));
      expect(textOf(reply)).toContain('Only moderators');
    }
  });

  it('start (custom deadline) → skip → submit → end with recap → late submission refused → history', async () => {
    const { guildId, channelId } = await newGuild('Live competition');
    bot.clock.set('2026-04-01T15:00:00Z');
    const choices = await bot.suggest('challenge', 'challenge', 'spaceship', { guildId, subcommand: 'start', ...MODERATOR });
    expect(choices.map((c) => c.value)).toContain('spaceship-titanic');

    // Not set up yet: a clear message.
    expect(textOf(shown(await bot.command('challenge', {}, { guildId, user: MEMBER, subcommand: 'show' })))).toContain('/setup challenges');
    await configure(bot, guildId, channelId, 'America/Sao_Paulo', { week_start: 0 });

    const bad = shown(await bot.command('challenge', { challenge: 'spaceship-titanic', ends: 'next friday' }, { guildId, user: MOD, subcommand: 'start', ...MODERATOR }));
    expect(textOf(bad)).toContain('not a deadline I understand');
    const started = shown(
      await bot.command('challenge', { challenge: 'spaceship-titanic', ends: '2026-04-20 18:00' }, { guildId, user: MOD, subcommand: 'start', ...MODERATOR }),
    );
    expect(textOf(started)).toContain('Spaceship Titanic');
    expect(textOf(started)).toContain('Announced');
    // 18:00 in Sao Paulo (UTC-3).
    const deadline = Date.parse('2026-04-20T21:00:00Z') / 1000;
    let sent = posts(bot.fake, channelId);
    expect(sent.filter(isAnnouncement)).toHaveLength(1);
    expect(bodyText(sent[0]!)).toContain(`<t:${deadline}:F>`);

    const skipped = shown(await bot.command('challenge', {}, { guildId, user: MOD, subcommand: 'skip', ...MODERATOR }));
    expect(textOf(skipped)).toContain('Skipped **Spaceship Titanic**');
    sent = posts(bot.fake, channelId);
    expect(sent.filter(isAnnouncement)).toHaveLength(2);
    expect(sent[1]!.content).toContain('Change of plan');
    expect(bodyText(sent[1]!)).not.toContain('Spaceship Titanic');

    // The live competition keeps running across the week boundary.
    bot.clock.set('2026-04-14T12:00:00Z');
    await bot.app.scheduler.runDue(bot.clock.now());
    const ok = shown(await bot.command('challenge', { link: 'https://www.kaggle.com/code/member/live-run', score: '0,8125' }, { guildId, user: MEMBER, subcommand: 'submit' }));
    expect(textOf(ok)).toContain('Submitted');
    expect(textOf(shown(await bot.command('challenge', {}, { guildId, user: MOD, subcommand: 'skip', ...MODERATOR })))).toContain('already has 1 submission');

    const ended = shown(await bot.command('challenge', {}, { guildId, user: MOD, subcommand: 'end', ...MODERATOR }));
    expect(textOf(ended)).toContain('Closed');
    expect(textOf(ended)).toContain('recap is in');
    const recaps = posts(bot.fake, channelId).filter(isRecap);
    expect(recaps).toHaveLength(1);
    expect(bodyText(recaps[0]!)).toContain('https://www.kaggle.com/code/member/live-run');

    bot.clock.set('2026-04-14T12:05:00Z');
    const late = shown(await bot.command('challenge', { link: 'https://www.kaggle.com/code/me/late' }, { guildId, user: MEMBER, subcommand: 'submit' }));
    expect(textOf(late)).toContain('Too late');
    // The close, in the member's (server's) zone: 09:00 in Sao Paulo.
    expect(textOf(late)).toContain('Tuesday, 14 April 2026 at 09:00');
    await bot.app.scheduler.runDue(bot.clock.now());
    expect(posts(bot.fake, channelId).filter(isRecap)).toHaveLength(1);

    const past = textOf(shown(await bot.command('challenge', {}, { guildId, user: MEMBER, subcommand: 'history' })));
    expect(past).toContain('1 joined · 1 submitted');
  });
});

describe('metrics', () => {
  it('cohort_scheduled_posts_total counts the posts of /challenge start, skip and end by a moderator', async () => {
    // A bot of its own with its scheduler stopped: every post counted here comes from a command.
    const own = await startTestBot({ database, now: '2026-05-06T10:00:00Z' });
    try {
      await own.app.scheduler.stop();
      const guildId = own.guildId;
      const channelId = await challengesChannel(own, guildId);
      await configure(own, guildId, channelId, 'UTC');
      /** The value of cohort_scheduled_posts_total for a kind and an outcome, as /metrics renders it (0 when absent). */
      const counted = async (kind: string, outcome: string) =>
        Number(new RegExp(`^cohort_scheduled_posts_total\\{kind="${kind}",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(await own.app.metrics.render())?.[1] ?? 0);
      expect(await counted('challenge_announce', 'posted')).toBe(0);

      // The week's run (Titanic, first in the rotation) exists since /setup; the moderator picks another one.
      const started = shown(await own.command('challenge', { challenge: 'house-prices' }, { guildId, user: MOD, subcommand: 'start', ...MODERATOR }));
      expect(textOf(started)).toContain('Announced');
      expect(posts(own.fake, channelId).filter(isAnnouncement)).toHaveLength(1);
      expect(await counted('challenge_announce', 'posted')).toBe(1);

      expect(textOf(shown(await own.command('challenge', {}, { guildId, user: MOD, subcommand: 'skip', ...MODERATOR })))).toContain('Skipped');
      expect(posts(own.fake, channelId).filter(isAnnouncement)).toHaveLength(2);
      expect(await counted('challenge_change', 'posted')).toBe(1);

      expect(textOf(shown(await own.command('challenge', {}, { guildId, user: MOD, subcommand: 'end', ...MODERATOR })))).toContain('recap is in');
      expect(posts(own.fake, channelId).filter(isRecap)).toHaveLength(1);
      expect(await counted('challenge_recap', 'posted')).toBe(1);
      expect(await counted('challenge_announce', 'posted')).toBe(1);
    } finally {
      await own.stop();
    }
  });
});

describe('a missing permission on the challenge channel', () => {
  it('marks challenges broken, stops retrying, and resumes after /setup challenges', async () => {
    const { guildId, channelId } = await newGuild('Broken channel');
    bot.clock.set('2026-04-15T12:00:00Z');
    await configure(bot, guildId, channelId, 'UTC');
    bot.fake.failWith({ method: 'POST', path: new RegExp(`^/channels/${channelId}/messages$`), code: 50013 });
    const attempts = () => bot.fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`).length;
    await tickAt(bot, '2026-04-15T12:00:00Z');
    expect(attempts()).toBe(1);
    expect((await getGuildSettings(database.db, guildId)).challengesBrokenReason).toContain('50013');
    await tickAt(bot, '2026-04-15T12:05:00Z');
    expect(attempts()).toBe(1);
    const setupShown = textOf(shown(await bot.command('setup', {}, { guildId, user: MOD, subcommand: 'show', ...MODERATOR })));
    expect(setupShown).toContain('Stopped');

    bot.fake.clearFailures();
    bot.clock.set('2026-04-15T12:10:00Z');
    await configure(bot, guildId, channelId, 'UTC');
    await tickAt(bot, '2026-04-15T12:11:00Z');
    expect(posts(bot.fake, channelId).filter(isAnnouncement)).toHaveLength(1);
  });
});

describe('restarts and two processes', () => {
  it('a restart before the 24-hour reminder: posted once, by the new process', async () => {
    const fake = await startFakeDiscord();
    const first = await startTestBot({ database, fake, now: '2026-03-23T09:00:00Z' });
    const guildId = first.guildId;
    const channelId = await challengesChannel(first, guildId);
    let second: TestBot | undefined;
    try {
      await configure(first, guildId, channelId, 'Europe/Berlin');
      await tickAt(first, '2026-03-23T09:00:00Z');
      await first.command('challenge', {}, { guildId, user: '440000000000000001', subcommand: 'join' });
      await tickAt(first, '2026-03-26T11:00:00Z');
      await first.stop();

      second = await startTestBot({ database, fake, guildId, now: '2026-03-28T21:00:00Z' });
      await tickAt(second, '2026-03-28T21:30:00Z');
      expect(posts(fake, channelId).filter(isFinal)).toHaveLength(0);
      await tickAt(second, '2026-03-28T22:00:30Z');
      await tickAt(second, '2026-03-28T22:01:30Z');
      const sent = posts(fake, channelId);
      expect(sent.filter(isAnnouncement)).toHaveLength(1);
      expect(sent.filter(isMidweek)).toHaveLength(1);
      expect(sent.filter(isFinal)).toHaveLength(1);
      expect(sent.filter(isFinal)[0]!.allowed_mentions).toEqual({ parse: [], users: ['440000000000000001'] });
    } finally {
      await second?.stop();
      await fake.close();
    }
  });

  it('two processes on one database, ticking at the same moments: every post exactly once', async () => {
    const fake = await startFakeDiscord();
    // The fake sends gateway events of a guild to one connection only: create everything before both processes connect.
    const guildId = fake.addGuild({ name: 'Two processes', channels: [{ name: 'general', type: 0 }, { name: 'challenges', type: 0 }] }).id as string;
    const channelId = [...fake.channels.values()].find((c) => c.guild_id === guildId && c.name === 'challenges')!.id as string;
    const a = await startTestBot({ database, fake, guildId, now: '2026-03-23T00:00:00Z' });
    const b = await startTestBot({ database, fake, guildId, now: '2026-03-23T00:00:00Z' });
    try {
      for (const app of [a, b]) await until(() => app.app.client.channels.cache.has(channelId), 'the channel in both processes');
      await configure(a, guildId, channelId, 'Asia/Kolkata');
      for (const user of ['450000000000000001', '450000000000000002']) await a.command('challenge', {}, { guildId, user, subcommand: 'join' });
      // Kolkata week: Monday 23 March 00:00 IST = 2026-03-22T18:30Z … Monday 30 March 00:00 IST = 2026-03-29T18:30Z.
      for (const at of ['2026-03-23T00:00:00Z', '2026-03-26T06:30:00Z', '2026-03-28T18:30:00Z', '2026-03-29T18:30:00Z', '2026-03-29T18:31:00Z']) {
        a.clock.set(at);
        b.clock.set(at);
        await Promise.all([a.app.scheduler.runDue(new Date(at)), b.app.scheduler.runDue(new Date(at)), a.app.scheduler.runDue(new Date(at))]);
      }
      const sent = posts(fake, channelId);
      expect(sent.filter(isAnnouncement)).toHaveLength(2); // this week's and the next week's
      expect(sent.filter(isMidweek)).toHaveLength(1);
      expect(sent.filter(isFinal)).toHaveLength(1);
      expect(sent.filter(isRecap)).toHaveLength(1);
      const rows = await database.db.select().from(scheduledPosts).where(eq(scheduledPosts.guildId, guildId));
      expect(rows.filter((r) => r.period === '2026-03-23').map((r) => r.status)).toEqual(['posted', 'posted', 'posted', 'posted']);
    } finally {
      await b.stop();
      await a.stop();
      await fake.close();
    }
  });
});

/**
 * A challenge with 60 participants (two midweek messages, 50 mentions each at most) whose midweek
 * reminder is interrupted: Thursday noon, the first message goes out, then Discord fails every post.
 * `then` goes on from there; `sent()` is the reminder's messages in the channel.
 */
async function interruptedReminder(
  name: string,
  idPrefix: string,
  then: (t: { fake: FakeDiscord; bot: TestBot; guildId: string; run: Run; joined: string[]; sent: () => Json[] }) => Promise<void>,
): Promise<void> {
  const fake = await startFakeDiscord();
  const guildId = fake.addGuild({ name }).id as string;
  const second = await startTestBot({ database, fake, guildId, now: '2026-06-01T00:00:30Z' });
  try {
    const channelId = await challengesChannel(second, guildId);
    await configure(second, guildId, channelId, 'UTC');
    await tickAt(second, '2026-06-01T00:01:00Z');
    expect(posts(fake, channelId).filter(isAnnouncement)).toHaveLength(1);
    const [run] = await database.db.select().from(challengeWeeks).where(eq(challengeWeeks.guildId, guildId));
    const joined = Array.from({ length: 60 }, (_, i) => `${idPrefix}${String(i).padStart(4, '0')}`);
    for (const userId of joined) await joinRun(database.db, run!, userId, new Date('2026-06-02T10:00:00Z'));

    const path = new RegExp(`^/channels/${channelId}/messages$`);
    const stop = fake.beforeAnswer((request) => {
      if (request.method !== 'POST' || !path.test(request.path) || !isMidweek(request.body as Json)) return;
      stop();
      fake.failWith({ method: 'POST', path, status: 500 });
    });
    await tickAt(second, '2026-06-04T12:00:30Z');
    fake.clearFailures();
    const sent = () => fake.channelMessages(channelId).filter((m: Json) => isMidweek(m) || (m.content ?? '').startsWith('…and'));
    expect(sent()).toHaveLength(1);
    await then({ fake, bot: second, guildId, run: run!, joined, sent });
  } finally {
    await second.stop();
    await fake.close();
  }
}
const mentionsIn = (messages: Json[]) => messages.flatMap((m: Json) => [...String(m.content).matchAll(/<@(\d+)>/g)].map((x) => x[1]));

describe('a reminder in several messages, interrupted', () => {
  it('the first of two messages went out, then Discord failed: the next minute sends the second, never the first again', async () => {
    await interruptedReminder('Many joined', '43000000000000', async ({ bot: second, guildId, joined, sent }) => {
      await tickAt(second, '2026-06-04T12:01:30Z');
      await tickAt(second, '2026-06-04T12:02:30Z');
      const [first, rest] = sent();
      expect(sent()).toHaveLength(2);
      expect(mentionsIn(sent()).sort()).toEqual(joined);
      const [row] = await database.db
        .select()
        .from(scheduledPosts)
        .where(and(eq(scheduledPosts.guildId, guildId), eq(scheduledPosts.kind, 'challenge_midweek')));
      expect(row).toMatchObject({ status: 'posted', steps: { m0: first!.id, m1: rest!.id }, attempts: 2 });
    });
  });

  it('a member of the first message leaves before the retry: the second message pings the rest of the list chosen at the claim, nobody left out', async () => {
    await interruptedReminder('One left', '44000000000000', async ({ bot: second, run, joined, sent }) => {
      // Pinged in the first message, then left: worked out again, the list would shift by one and
      // the member who was 51st would be in neither message.
      expect(await leaveRun(database.db, run, joined[3]!)).toBe(true);
      await tickAt(second, '2026-06-04T12:01:30Z');
      expect(sent()).toHaveLength(2);
      expect(mentionsIn(sent()).sort()).toEqual(joined);
    });
  });
});
