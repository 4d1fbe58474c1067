import { MessageFlags } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { buttonsOf, shown, startTestBot, textOf, useTestBot } from '../support/bot.js';
import { join } from 'node:path';
import { loadContent } from '../../src/content/loader.js';
import { memberFiguresKey } from '../../src/db/queries/streaks.js';

/** The shipped content, read from content/ so the expected counts follow it. */
const shippedContent = (await loadContent(join(import.meta.dirname, '../../content'))).content;
/** /progress's headline counts the required core steps of every track, a step shared by two tracks once. */
const coreRequired = new Set(shippedContent.tracks.flatMap((t) => t.steps.filter((s) => !s.optional).map((s) => s.id))).size;

const MOD = (1n << 13n).toString();
const DAY = 86_400_000;

const { bot, database } = useTestBot({ now: '2026-03-02T12:00:00Z' });

const user = (n: number) => `30000000000000${String(n).padStart(4, '0')}`;
const ephemeral = (msg: { flags?: number }) => ((msg.flags ?? 0) & MessageFlags.Ephemeral) !== 0;

/** The PNG bytes the bot uploaded with an interaction reply. */
function uploadedFiles(interactionId: string) {
  return bot.fake.requests.filter((r) => r.path.includes(`/interactions/${interactionId}/`)).flatMap((r) => r.files);
}

describe('/checkin and /streak', () => {
  it('registers every streak command', () => {
    const names = bot.fake.globalCommands().map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['checkin', 'streak', 'progress', 'leaderboard', 'settings', 'admin', 'privacy']));
  });

  it('a check-in counts today once; twice the same day says so', async () => {
    bot.clock.set('2026-03-02T12:00:00Z');
    const first = shown(await bot.command('checkin', { note: 'read chapter 2' }, { user: user(1) }));
    expect(ephemeral(first)).toBe(true);
    expect(textOf(first)).toContain('2026-03-02** counts');
    expect(textOf(first)).toContain('Current streak: **1 day**');
    const second = shown(await bot.command('checkin', {}, { user: user(1) }));
    expect(textOf(second)).toContain('Already checked in today');
    expect(textOf(second)).toContain('Current streak: **1 day**');
  });

  it('travel in time: a week earns a freeze, a missed day spends it, two missed days break the streak', async () => {
    const u = user(2);
    const start = Date.parse('2026-03-02T18:00:00Z');
    for (let d = 0; d < 7; d++) {
      bot.clock.set(new Date(start + d * DAY));
      await bot.command('checkin', {}, { user: u });
    }
    let streak = shown(await bot.command('streak', {}, { user: u }));
    expect(textOf(streak)).toContain('Current: **7 days**');
    expect(textOf(streak)).toContain('Freezes left: **1**');

    // Skip 2026-03-09; check in on 03-10: the freeze covered the 9th.
    bot.clock.set(new Date(start + 8 * DAY));
    const back = shown(await bot.command('checkin', {}, { user: u }));
    expect(textOf(back)).toContain('Current streak: **8 days**');
    expect(textOf(back)).toContain('Freezes: **0**');
    streak = shown(await bot.command('streak', {}, { user: u }));
    expect(textOf(streak)).toContain('Mon 2026-03-09: missed, a freeze covered it');

    // Late-night check-in at 02:00 UTC on 03-12 still counts for 03-11 (rollover 04:00).
    bot.clock.set('2026-03-12T02:00:00Z');
    expect(textOf(shown(await bot.command('checkin', {}, { user: u })))).toContain('2026-03-11** counts');

    // Today not over yet: on 03-12 evening the streak still stands.
    bot.clock.set('2026-03-12T20:00:00Z');
    expect(textOf(shown(await bot.command('streak', {}, { user: u })))).toContain('Current: **9 days**');

    // Miss 03-12 and 03-13 with no freeze: broken on the 12th, seen on the 14th.
    bot.clock.set('2026-03-14T12:00:00Z');
    streak = shown(await bot.command('streak', {}, { user: u }));
    expect(textOf(streak)).toContain('Current: **0 days**');
    expect(textOf(streak)).toContain('Longest: **9 days**');
    expect(textOf(streak)).toContain('The streak broke on Thu 2026-03-12');
  });

  it('/streak attaches a PNG heatmap and keeps a text calendar; /streak member shows someone else', async () => {
    bot.clock.set('2026-03-14T12:00:00Z');
    const record = await bot.command('streak', { member: { type: 6, value: user(2) } }, { user: user(3) });
    const message = shown(record);
    expect(ephemeral(message)).toBe(true);
    expect(textOf(message)).toContain(`<@${user(2)}>’s streak`);
    expect(textOf(message)).toContain('Last 5 weeks');
    expect(textOf(message)).toContain('`03-09` 🧊✅✅💔▫️⏳');
    expect(message.embeds[0].image.url).toBe('attachment://streak.png');
    expect(message.attachments).toMatchObject([{ filename: 'streak.png', content_type: 'image/png' }]);
    const [png] = uploadedFiles(record.id);
    expect(png!.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png!.size).toBeGreaterThan(5_000);
  });

  it('app.stop() closes the heatmap renderer of its context: a render afterwards is refused', async () => {
    const own = await startTestBot({ database, now: '2026-03-14T12:00:00Z' });
    let stopped = false;
    try {
      const record = await own.command('streak', {}, { user: user(4) });
      expect(shown(record).attachments).toMatchObject([{ filename: 'streak.png', content_type: 'image/png' }]);
      await own.stop();
      stopped = true;
      await expect(own.app.ctx.images.renderPng('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')).rejects.toThrow(/renderer is closed/);
    } finally {
      if (!stopped) await own.stop();
    }
  });
});

describe('/settings', () => {
  it('autocompletes zones, stores the member zone, and days follow it', async () => {
    const u = user(4);
    const choices = await bot.suggest('settings', 'zone', 'new york', { user: u, subcommand: 'timezone' });
    expect(choices.map((c) => c.value)).toContain('America/New_York');
    expect((await bot.suggest('settings', 'zone', '', { user: u, subcommand: 'timezone' }))[0]).toEqual({ name: 'Follow the server’s time zone', value: 'server' });
    const saved = shown(await bot.command('settings', { zone: 'Asia/Kolkata' }, { user: u, subcommand: 'timezone' }));
    expect(textOf(saved)).toContain('Your time zone is now Asia/Kolkata');
    // 23:00Z is 04:30 on the 15th in Kolkata (+05:30): past the 04:00 rollover, so the member's day is the 15th (UTC still says the 14th).
    bot.clock.set('2026-03-14T23:00:00Z');
    expect(textOf(shown(await bot.command('settings', {}, { user: u, subcommand: 'show' })))).toContain('Today is **2026-03-15**');
    expect(textOf(shown(await bot.command('checkin', {}, { user: u })))).toContain('2026-03-15** counts');
    const bad = shown(await bot.command('settings', { zone: 'Mars/Olympus' }, { user: u, subcommand: 'timezone' }));
    expect(textOf(bad)).toContain('is not a time zone I know');
  });
});

describe('/admin', () => {
  it('a member without moderator rights is refused, even if the command was opened to them', async () => {
    const record = await bot.command('admin', { member: { type: 6, value: user(2) }, date: '2026-03-12', reason: 'please' }, {
      user: user(5),
      subcommandGroup: 'streak',
      subcommand: 'fix',
    });
    expect(textOf(shown(record))).toContain('Only moderators can do that');
    const reset = await bot.command('admin', { member: { type: 6, value: user(2) } }, { user: user(5), subcommandGroup: 'progress', subcommand: 'reset' });
    expect(textOf(shown(reset))).toContain('Only moderators can do that');
  });

  it('a moderator fix counts a day, is logged, and shows in /streak as a moderator fix', async () => {
    bot.clock.set('2026-03-14T12:00:00Z');
    const record = await bot.command('admin', { member: { type: 6, value: user(2) }, date: '2026-03-12', reason: 'bot outage' }, {
      user: user(6),
      memberPermissions: MOD,
      subcommandGroup: 'streak',
      subcommand: 'fix',
    });
    expect(textOf(shown(record))).toContain('2026-03-12 now counts');
    const streak = textOf(shown(await bot.command('streak', {}, { user: user(2) })));
    expect(streak).toContain(`Thu 2026-03-12: moderator fix by <@${user(6)}>: bot outage`);
    expect(streak).toContain('Fri 2026-03-13: missed with no freeze left: the streak broke');
    expect(streak).toContain('`03-09` 🧊✅✅🛠️💔⏳');
    const future = await bot.command('admin', { member: { type: 6, value: user(2) }, date: '2026-03-20', reason: 'x' }, { user: user(6), memberPermissions: MOD, subcommandGroup: 'streak', subcommand: 'fix' });
    expect(textOf(shown(future))).toContain('has not happened yet');
    const notADate = await bot.command('admin', { member: { type: 6, value: user(2) }, date: '2026-02-30', reason: 'x' }, { user: user(6), memberPermissions: MOD, subcommandGroup: 'streak', subcommand: 'fix' });
    expect(textOf(shown(notADate))).toContain('is not a date');
  });

  it('a moderator resets progress on a track; /progress shows it', async () => {
    const u = user(7);
    await bot.command('done', { step: 'python-programming' }, { user: u });
    await bot.command('done', { step: 'deep-learning' }, { user: u });
    expect(textOf(shown(await bot.command('progress', {}, { user: u })))).toContain(`2/${coreRequired} steps done`);
    const ask = await bot.command('admin', { member: { type: 6, value: u }, track: 'ml-engineer' }, { user: user(6), memberPermissions: MOD, subcommandGroup: 'progress', subcommand: 'reset' });
    const record = await bot.press(buttonsOf(shown(ask))[0]!.customId!, { user: user(6), memberPermissions: MOD }); // the confirm button
    expect(textOf(shown(record))).toContain('2 steps forgotten');
    const progress = shown(await bot.command('progress', {}, { user: u }));
    expect(textOf(progress)).toContain(`0/${coreRequired} steps done`);
    expect(textOf(progress)).toContain('🔥 1 day'); // marking steps done counted the day; the reset kept it
  });
});

describe('/progress and /leaderboard', () => {
  it('/progress of another member hides their freezes', async () => {
    const mine = textOf(shown(await bot.command('progress', {}, { user: user(2) })));
    expect(mine).toContain('freeze');
    const theirs = textOf(shown(await bot.command('progress', { member: { type: 6, value: user(2) } }, { user: user(8) })));
    expect(theirs).toContain(`<@${user(2)}>’s progress`);
    expect(theirs).not.toContain('freeze');
    expect(theirs).toContain('Challenges');
  });

  it('shows the top and the caller’s own rank on every board', async () => {
    bot.clock.set('2026-03-14T12:00:00Z');
    const checkins = textOf(shown(await bot.command('leaderboard', { board: 'checkins', period: 'month' }, { user: user(2) })));
    expect(checkins).toContain('Check-ins · last 30 days');
    expect(checkins).toMatch(new RegExp(`🥇 <@${user(2)}> · 9`));
    expect(checkins).toContain('You are **#1**');
    const outsider = textOf(shown(await bot.command('leaderboard', { board: 'roadmap', period: 'all' }, { user: user(9) })));
    expect(outsider).toContain('You are not on this board yet');
    const streaks = textOf(shown(await bot.command('leaderboard', {}, { user: user(2) })));
    expect(streaks).toContain('Current streaks');
    const challenges = textOf(shown(await bot.command('leaderboard', { board: 'challenges', period: 'week' }, { user: user(2) })));
    expect(challenges).toContain('Nobody is on this board yet');
  });
});

describe('/privacy', () => {
  it('export sends the member’s own data as an ephemeral JSON file', async () => {
    const record = await bot.command('privacy', {}, { user: user(1), subcommand: 'export' });
    const message = shown(record);
    expect(ephemeral(message)).toBe(true);
    expect(message.attachments).toMatchObject([{ filename: `cohort-data-${user(1)}.json` }]);
    const [file] = uploadedFiles(record.id);
    const data = JSON.parse(file!.bytes.toString('utf8')) as { userId: string; activities: { note: string }[] };
    expect(data.userId).toBe(user(1));
    expect(data.activities.map((a) => a.note)).toEqual(['read chapter 2']);
  });

  it('delete asks first; cancel keeps everything, confirm erases it', async () => {
    const u = user(1);
    const ask = shown(await bot.command('privacy', {}, { user: u, subcommand: 'delete' }));
    expect(ephemeral(ask)).toBe(true);
    const [erase, cancel] = buttonsOf(ask);
    expect(erase!.label).toBe('Erase my data');
    expect(textOf(shown(await bot.press(cancel!.customId!, { user: u })))).toContain('Nothing was erased');
    expect(textOf(shown(await bot.command('streak', {}, { user: u })))).toContain('Longest: **1 day**');

    // The member's figures, remembered for their next check-in, are in this process too.
    await bot.command('checkin', {}, { user: u });
    const key = memberFiguresKey({ guildId: bot.guildId, userId: u });
    expect(bot.app.ctx.memberFigures.get(key)).toBeDefined();
    const someoneElse = shown(await bot.press(erase!.customId!, { user: user(2) }));
    expect(textOf(someoneElse)).toContain('someone else’s data');
    const done = shown(await bot.press(erase!.customId!, { user: u }));
    expect(textOf(done)).toContain('your Cohort data on this server is erased');
    expect(buttonsOf(done)).toEqual([]);
    expect(bot.app.ctx.memberFigures.get(key)).toBeUndefined();
    expect(textOf(shown(await bot.command('streak', {}, { user: u })))).toContain('Longest: **0 days**');
  });
});
