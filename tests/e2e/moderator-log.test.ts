import { describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { logModeratorAction } from '../../src/db/queries/moderator-log.js';
import { stagePost } from '../../src/db/queries/resources.js';
import { auditLog, scheduledPosts } from '../../src/db/schema.js';
import { logRetentionJob } from '../../src/jobs/log-retention.js';
import type { Json } from '../../src/sim/index.js';
import { buttonsOf, MODERATOR, shown, textOf, until, useTestBot } from '../support/bot.js';

const MOD = '470000000000000001';
const U = '470000000000000010';
const OTHER = '470000000000000011';
const DAY = 86_400_000;

// Monday 6 April 2026, 09:00 UTC.
const { bot, database } = useTestBot({ now: '2026-04-06T09:00:00Z' });

const member = (id: string) => ({ type: 6, value: id });
const channel = (id: string) => ({ type: 7, value: id });
type Options = Record<string, string | number | boolean | { type: number; value: string }>;

const asMod = (guildId: string) => ({ guildId, user: MOD, ...MODERATOR });
const command = async (name: string, options: Options, extra: Record<string, unknown>) => shown(await bot.command(name, options, extra));
/** /admin log with these options, as the moderator sees it. */
const log = (options: Options = {}, guildId = bot.guildId) => command('admin', options, { ...asMod(guildId), subcommand: 'log' });

async function newGuild(name: string): Promise<{ guildId: string; channelId: string }> {
  const guildId = bot.fake.addGuild({ name }).id as string;
  await until(() => bot.app.client.guilds.cache.has(guildId), 'the guild');
  const channelId = bot.fake.defaultChannelId(guildId);
  await until(() => bot.app.client.channels.cache.has(channelId), 'the channel');
  return { guildId, channelId };
}

/** The entries of a page, one text each (the embed's description split at the blank lines). */
const entriesOf = (page: Json): string[] => String(page.embeds?.[0]?.description ?? '').split('\n\n').filter((e) => e.includes(' · **'));

describe('the log after each kind of action', () => {
  it('a streak fix: when, who, what, about whom, why', async () => {
    bot.clock.set('2026-04-04T12:00:00Z');
    await bot.command('checkin', {}, { user: U });
    bot.clock.set('2026-04-06T09:00:00Z');
    const fixed = textOf(await command('admin', { member: member(U), date: '2026-04-05', reason: 'the bot was down' }, { ...asMod(bot.guildId), subcommandGroup: 'streak', subcommand: 'fix' }));
    expect(fixed).toContain('now counts');
    const [entry] = entriesOf(await log());
    expect(entry).toMatch(/^<t:\d+:f> · \*\*Streak fix\*\* by <@470000000000000001> · about <@470000000000000010>$/m);
    expect(entry).toContain('2026-04-05 counted; streak 1 → 2');
    expect(entry).toContain('*Why:* the bot was down');
    const at = Number(/<t:(\d+):f>/.exec(entry!)![1]);
    expect(at).toBe(Date.parse('2026-04-06T09:00:00Z') / 1000);
  });

  it('a progress reset', async () => {
    await bot.command('done', { step: 'python-programming' }, { user: U });
    const ask = await command('admin', { member: member(U) }, { ...asMod(bot.guildId), subcommandGroup: 'progress', subcommand: 'reset' });
    await bot.press(buttonsOf(ask)[0]!.customId!, { user: MOD, ...MODERATOR });
    const [entry] = entriesOf(await log());
    expect(entry).toContain('**Progress reset** by <@470000000000000001> · about <@470000000000000010>');
    expect(entry).toContain('every track: 1 step forgotten');
  });

  it('setting changes: what changed, old → new; a run that changes nothing writes nothing', async () => {
    await command('setup', { timezone: 'Europe/Berlin', freeze_cap: 3 }, { ...asMod(bot.guildId), subcommand: 'streaks' });
    await command('setup', { timezone: 'Europe/Berlin' }, { ...asMod(bot.guildId), subcommand: 'streaks' });
    const saved = textOf(await command('setup', { days: 400 }, { ...asMod(bot.guildId), subcommand: 'log-retention' }));
    expect(saved).toContain('The moderator log keeps entries for 400 days');
    const [retention, streaks, previous] = entriesOf(await log({ kind: 'settings.change' }));
    expect(retention).toContain('**Setting changed** by <@470000000000000001>');
    expect(retention).toContain('/setup log-retention: log retention days 365 → 400');
    expect(streaks).toContain('/setup streaks: timezone UTC → Europe/Berlin; freeze cap 2 → 3');
    expect(previous).toBeUndefined();
    expect(textOf(await command('setup', {}, { ...asMod(bot.guildId), subcommand: 'show' }))).toContain('kept 400 days');
  });

  it('milestone announcements (a setting) and a reward sync', async () => {
    await command('setup', { channel: channel(bot.channelId) }, { ...asMod(bot.guildId), subcommandGroup: 'rewards', subcommand: 'announce' });
    const synced = textOf(await command('setup', {}, { ...asMod(bot.guildId), subcommandGroup: 'rewards', subcommand: 'sync' }));
    expect(synced).toContain('Synced 1 member');
    const [sync, announce] = entriesOf(await log());
    expect(sync).toContain('**Rewards synced** by <@470000000000000001>');
    expect(sync).toContain('1 member: 0 given, 0 removed');
    expect(announce).toContain(`/setup rewards announce: announce channel none → <#${bot.channelId}>`);
  });

  it('challenge start, skip and end', async () => {
    const challenges = bot.fake.addChannel(bot.guildId, { name: 'challenges', type: 0 }).id as string;
    await until(() => bot.app.client.channels.cache.has(challenges), 'the channel');
    await command('setup', { channel: channel(challenges) }, { ...asMod(bot.guildId), subcommand: 'challenges' });
    expect(textOf(await command('challenge', { challenge: 'house-prices' }, { ...asMod(bot.guildId), subcommand: 'start' }))).toContain('Announced');
    expect(textOf(await command('challenge', {}, { ...asMod(bot.guildId), subcommand: 'skip' }))).toContain('Skipped');
    expect(textOf(await command('challenge', {}, { ...asMod(bot.guildId), subcommand: 'end' }))).toContain('recap is in');
    const [end, skip, start] = entriesOf(await log({ kind: 'challenge_end' })).concat(entriesOf(await log({ kind: 'challenge_skip' })), entriesOf(await log({ kind: 'challenge_start' })));
    expect(end).toMatch(/\*\*Challenge ended\*\* by <@470000000000000001>\n[\w-]+ \(run #\d+\)$/);
    expect(skip).toMatch(/\*\*Challenge skipped\*\* by <@470000000000000001>\nhouse-prices \(run #\d+\)$/);
    expect(start).toMatch(/\*\*Challenge started\*\* by <@470000000000000001>\nhouse-prices \(run #\d+\)/);
  });

  it('resource actions: add, remove, a suggestion approved, a post; a staged post is not an entry', async () => {
    const added = textOf(await command('resource', { url: 'https://log.example/guide', title: 'Log guide' }, { ...asMod(bot.guildId), subcommand: 'add' }));
    expect(added).toContain('Added **Log guide**');
    const [choice] = await bot.suggest('resource', 'resource', 'log guide', { user: MOD, subcommand: 'remove', ...MODERATOR });
    expect(textOf(await command('resource', { resource: choice!.value }, { ...asMod(bot.guildId), subcommand: 'remove' }))).toContain('Removed **Log guide**');
    await bot.command('resource', { url: 'https://log.example/suggested', title: 'Suggested' }, { user: OTHER, subcommand: 'suggest' });
    const review = await command('resource', {}, { ...asMod(bot.guildId), subcommand: 'review' });
    await bot.press(buttonsOf(review).find((b) => b.label === 'Approve')!.customId!, { user: MOD, ...MODERATOR });
    await command('resource', { resource: 'c:python-tutorial', channel: channel(bot.channelId) }, { ...asMod(bot.guildId), subcommand: 'post' });
    await stagePost(database.db, bot.guildId, MOD, { ref: 'c:python-tutorial', channelId: bot.channelId, note: null }, bot.clock.now());

    const entries = entriesOf(await log());
    expect(entries.slice(0, 4).map((e) => /\*\*(.+?)\*\*/.exec(e)![1])).toEqual(['Resource posted', 'Suggestion approved', 'Resource removed', 'Resource added']);
    expect(entries[0]).toContain(`in <#${bot.channelId}>`);
    expect(entries[1]).toContain('about <@470000000000000011>');
    expect(entries[1]).toContain('<https://log.example/suggested>');
    expect(entries[2]).toContain('Log guide <https://log.example/guide>');
  });

  it('a moderator stopping a focus session someone else started; the starter stopping their own is not logged', async () => {
    const focusChannel = bot.fake.addChannel(bot.guildId, { name: 'focus-log', type: 0 }).id as string;
    await until(() => bot.app.client.channels.cache.has(focusChannel), 'the channel');
    await bot.command('focus', {}, { subcommand: 'start', channelId: focusChannel, user: OTHER });
    expect(textOf(await command('focus', {}, { ...asMod(bot.guildId), subcommand: 'stop', channelId: focusChannel }))).toContain('Focus session stopped.');
    const [entry] = entriesOf(await log({ kind: 'focus.stop' }));
    expect(entry).toContain(`**Focus session stopped** by <@${MOD}> · about <@${OTHER}>`);
    expect(entry).toContain(`their focus session in <#${focusChannel}>`);
    await bot.command('focus', {}, { subcommand: 'start', channelId: focusChannel, user: OTHER });
    await bot.command('focus', {}, { subcommand: 'stop', channelId: focusChannel, user: OTHER });
    expect(entriesOf(await log({ kind: 'focus.stop' }))).toHaveLength(1);
  });

  it('/privacy export holds the entries about the member, named as /admin log names them', async () => {
    const record = await bot.command('privacy', {}, { user: U, subcommand: 'export' });
    const [file] = bot.fake.requests.filter((r) => r.path.includes(`/interactions/${record.id}/`)).flatMap((r) => r.files);
    const data = JSON.parse(file!.bytes.toString('utf8')) as { moderatorLog: Json[] };
    expect(data.moderatorLog.map((e) => e.what)).toEqual(['Streak fix', 'Progress reset']);
    expect(data.moderatorLog[0]).toMatchObject({ action: 'streak.fix', actorId: MOD, targetUserId: U, details: { day: '2026-04-05', reason: 'the bot was down' } });
  });
});

describe('filters', () => {
  it('by member, by kind, since a day or a span; a bad since is explained', async () => {
    const aboutU = entriesOf(await log({ member: member(U) }));
    expect(aboutU.map((e) => /\*\*(.+?)\*\*/.exec(e)![1])).toEqual(['Progress reset', 'Streak fix']);
    expect(entriesOf(await log({ member: member(OTHER) })).map((e) => /\*\*(.+?)\*\*/.exec(e)![1])).toEqual(['Focus session stopped', 'Suggestion approved']);
    expect(entriesOf(await log({ kind: 'rewards.sync' }))).toHaveLength(1);
    expect(textOf(await log({ kind: 'streak.fix', member: member(OTHER) }))).toContain('Nothing logged that matches');

    // Two days later, one more correction.
    bot.clock.set('2026-04-08T10:00:00Z');
    await command('setup', { freeze_cap: 4 }, { ...asMod(bot.guildId), subcommand: 'streaks' });
    const since = entriesOf(await log({ since: '2026-04-08' }));
    expect(since).toHaveLength(1);
    expect(since[0]).toContain('freeze cap 3 → 4');
    expect(entriesOf(await log({ since: '1d' }))).toHaveLength(1);
    // streaks, log-retention, rewards announce, challenges, and today's streaks.
    expect(entriesOf(await log({ since: '2026-04-06', kind: 'settings.change' }))).toHaveLength(5);
    expect(textOf(await log({ since: 'last week' }))).toContain('“last week” is not a day or a span. Use a day YYYY-MM-DD');
    expect(textOf(await log({ since: '2026-02-30' }))).toContain('is not a day or a span');
    expect(textOf(await log({ since: '2026-04-09' }))).toContain('has not begun yet');
  });

  it('a member who is not a moderator is refused', async () => {
    const refused = await command('admin', {}, { guildId: bot.guildId, user: OTHER, subcommand: 'log' });
    expect(textOf(refused)).toContain('Only moderators can do that');
    expect(refused.embeds ?? []).toEqual([]);
  });
});

describe('paging', () => {
  it('newest first, 8 a page, every entry once even with entries written between pages (keyset on at, id)', async () => {
    const { guildId } = await newGuild('Paging');
    const base = bot.clock.now().getTime() - DAY;
    const write = (n: number, at: number) =>
      logModeratorAction(database.db, { guildId, actorId: MOD, action: 'resource.add', details: { url: `https://p.example/${n}` }, at: new Date(at) });
    // 20 entries a minute apart, and 3 more sharing one instant (ordered by id).
    for (let n = 0; n < 20; n++) await write(n, base + n * 60_000);
    for (let n = 20; n < 23; n++) await write(n, base + 20 * 60_000);
    const numbers = (page: Json) => entriesOf(page).map((e) => Number(/p\.example\/(\d+)/.exec(e)![1]));
    const press = async (page: Json, label: string) => {
      const b = buttonsOf(page).find((x) => x.label === label)!;
      expect(b.disabled).toBeFalsy();
      return shown(await bot.press(b.customId!, { guildId, user: MOD, ...MODERATOR }));
    };

    const page1 = await log({}, guildId);
    expect(numbers(page1)).toEqual([22, 21, 20, 19, 18, 17, 16, 15]);
    expect(page1.embeds[0].footer.text).toBe('Page 1 · newest first');
    expect(buttonsOf(page1).map((b) => [b.label, Boolean(b.disabled)])).toEqual([['◀ Newer', true], ['Older ▶', false]]);
    const page2 = await press(page1, 'Older ▶');
    expect(numbers(page2)).toEqual([14, 13, 12, 11, 10, 9, 8, 7]);
    // New entries arrive while the moderator reads: the next older page is unchanged.
    for (let n = 100; n < 105; n++) await write(n, bot.clock.now().getTime() + n);
    const page3 = await press(page2, 'Older ▶');
    expect(numbers(page3)).toEqual([6, 5, 4, 3, 2, 1, 0]);
    expect(page3.embeds[0].footer.text).toBe('Page 3 · newest first');
    expect(buttonsOf(page3).map((b) => [b.label, Boolean(b.disabled)])).toEqual([['◀ Newer', false], ['Older ▶', true]]);
    const newer2 = await press(page3, '◀ Newer');
    expect(numbers(newer2)).toEqual([14, 13, 12, 11, 10, 9, 8, 7]);
    // Just newer than 15..22: the five written meanwhile, then the newest page again, full.
    const newer1 = await press(newer2, '◀ Newer');
    expect(numbers(newer1)).toEqual([22, 21, 20, 19, 18, 17, 16, 15]);
    const back = await press(newer1, '◀ Newer');
    expect(numbers(back)).toEqual([104, 103, 102, 101, 100, 22, 21, 20]);
    expect(buttonsOf(back).map((b) => [b.label, Boolean(b.disabled)])).toEqual([['◀ Newer', true], ['Older ▶', false]]);
    expect(back.embeds[0].footer.text).toBe('Page 1 · newest first');

    // Filters ride along on the buttons.
    await logModeratorAction(database.db, { guildId, actorId: MOD, action: 'streak.fix', targetUserId: U, details: { day: '2026-04-01' }, at: new Date(base) });
    const fixes = await log({ kind: 'streak.fix' }, guildId);
    expect(entriesOf(fixes)).toHaveLength(1);
    expect(buttonsOf(fixes)).toEqual([]);
  });
});

describe('retention', () => {
  it('the daily job deletes only entries older than each server’s retention, in batches, once across two processes', async () => {
    const a = await newGuild('Keeps a year');
    const b = await newGuild('Keeps 30 days');
    await command('setup', { days: 30 }, { ...asMod(b.guildId), subcommand: 'log-retention' });
    const now = new Date('2026-06-01T03:00:00Z');
    const ago = (days: number) => new Date(now.getTime() - days * DAY);
    for (const { guildId } of [a, b])
      for (const days of [400, 100, 10]) await logModeratorAction(database.db, { guildId, actorId: MOD, action: 'resource.add', details: { days }, at: ago(days) });
    // Staged posts (not entries): one pending within the year stays, one older than the year goes.
    const pending = await stagePost(database.db, a.guildId, MOD, { ref: 'c:python-tutorial', channelId: a.channelId, note: null }, ago(100));
    const expired = await stagePost(database.db, a.guildId, MOD, { ref: 'c:python-tutorial', channelId: a.channelId, note: null }, ago(366));

    // Two processes run the job at the same minute: one claims the day, the other leaves it.
    const jobs = ['process-a', 'process-b'].map((owner) => logRetentionJob(bot.app.ctx, { owner, batch: 2 }));
    const signal = new AbortController().signal;
    await Promise.all(jobs.map((j) => j.run(now, signal)));

    const left = async (guildId: string) =>
      (await database.db.select({ id: auditLog.id, action: auditLog.action, details: auditLog.details }).from(auditLog).where(eq(auditLog.guildId, guildId))).map((r) =>
        r.action === 'resource.add' ? r.details.days : r.action === 'resource.post.confirm' ? `staged ${r.id}` : r.action,
      );
    expect((await left(a.guildId)).sort()).toEqual([10, 100, `staged ${pending}`].sort());
    // Its /setup log-retention entry of April is older than its 30 days too.
    expect(await left(b.guildId)).toEqual([10]);
    expect((await left(a.guildId)).includes(`staged ${expired}`)).toBe(false);
    // The other servers' entries (written today) are all still there.
    expect(entriesOf(await log({ member: member(U) }))).toHaveLength(2);

    const claims = await database.db.select().from(scheduledPosts).where(and(eq(scheduledPosts.kind, 'log_retention'), eq(scheduledPosts.period, '2026-06-01')));
    expect(claims).toMatchObject([{ guildId: '0', status: 'posted', ref: '5 deleted' }]);
    expect(['process-a', 'process-b']).toContain(claims[0]!.claimedBy);

    // Later the same day: settled, nothing runs again; the next day it does.
    await logModeratorAction(database.db, { guildId: a.guildId, actorId: MOD, action: 'resource.add', details: { days: 'late' }, at: ago(500) });
    await jobs[1]!.run(new Date(now.getTime() + 3_600_000), signal);
    expect(await left(a.guildId)).toContain('late');
    await jobs[1]!.run(new Date(now.getTime() + DAY), signal);
    expect(await left(a.guildId)).not.toContain('late');
  });
});
