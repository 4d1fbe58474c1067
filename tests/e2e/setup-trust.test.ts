import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { getGuildSettings } from '../../src/db/queries/settings.js';
import { scheduledPosts } from '../../src/db/schema.js';
import { MODERATOR, shown, textOf, until, useTestBot } from '../support/bot.js';
import type { Json } from '../../src/sim/index.js';

const MOD = '460000000000000001';

// Monday 2 March 2026, 12:00 UTC (13:00 in Berlin).
const { bot, database } = useTestBot({ now: '2026-03-02T12:00:00Z' });

const role = (id: string) => ({ type: 8, value: id });
const channel = (id: string) => ({ type: 7, value: id });
const ts = (iso: string, style: 'F' | 'R' = 'F') => `<t:${Date.parse(iso) / 1000}:${style}>`;

async function newGuild(name: string): Promise<{ guildId: string; channelId: string }> {
  const guildId = bot.fake.addGuild({ name }).id as string;
  await until(() => bot.app.client.guilds.cache.has(guildId), 'the guild');
  const channelId = bot.fake.defaultChannelId(guildId);
  await until(() => bot.app.client.channels.cache.has(channelId), 'the channel');
  return { guildId, channelId };
}

async function setup(guildId: string, subcommand: string, options: Record<string, string | number | boolean | { type: number; value: string }>): Promise<Json> {
  const record = await bot.command('setup', options, { guildId, user: MOD, subcommand, ...MODERATOR });
  return shown(record);
}

function promptPosts(channelId: string): Json[] {
  return bot.fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages` && r.status < 300 && JSON.stringify(r.body).includes('prompt:checkin'));
}

describe('/setup moderator-role', () => {
  it('refuses @everyone and managed roles, accepts a role moderators hand out', async () => {
    const { guildId } = await newGuild('Roles');
    const everyone = await setup(guildId, 'moderator-role', { role: role(guildId) });
    expect(textOf(everyone)).toContain('`@everyone` cannot be the moderator role');
    const booster = bot.fake.addRole(guildId, { name: 'Server Booster', managed: true, tags: { premium_subscriber: null } });
    const managed = await setup(guildId, 'moderator-role', { role: role(booster.id as string) });
    expect(textOf(managed)).toContain('is managed by an integration');
    expect((await getGuildSettings(database.db, guildId)).moderatorRoleId).toBeNull();

    const mods = bot.fake.addRole(guildId, { name: 'Mods' });
    const ok = await setup(guildId, 'moderator-role', { role: role(mods.id as string) });
    expect(textOf(ok)).toContain(`Moderators: members with Manage Messages, and members of <@&${mods.id}>`);
    expect((await getGuildSettings(database.db, guildId)).moderatorRoleId).toBe(mods.id);
    // A member without the role still cannot use moderator commands.
    const member = shown(await bot.command('challenge', { challenge: 'titanic' }, { guildId, user: '460000000000000009', subcommand: 'start' }));
    expect(textOf(member)).toContain('Only moderators');
  });
});

describe('ping_role @everyone', () => {
  it('is refused for prompts and challenges, saying how Discord shows it', async () => {
    const { guildId, channelId } = await newGuild('Ping everyone');
    const prompts = await setup(guildId, 'prompts', { channel: channel(channelId), time: '18:00', ping_role: role(guildId) });
    expect(textOf(prompts)).toContain(`<@&${guildId}>`);
    expect(textOf(prompts)).toContain('pings nobody and shows as “@@everyone”');
    const challenges = await setup(guildId, 'challenges', { channel: channel(channelId), ping_role: role(guildId) });
    expect(textOf(challenges)).toContain('@@everyone');
    const saved = await getGuildSettings(database.db, guildId);
    expect(saved.promptsChannelId).toBeNull();
    expect(saved.challengesChannelId).toBeNull();
  });
});

describe('re-running /setup prompts keeps what is left out', () => {
  it('keeps the zone, the ping role and "off"; clear_ping_role clears the role', async () => {
    const { guildId, channelId } = await newGuild('Keep prompts');
    bot.clock.set('2026-03-02T12:00:00Z');
    const pings = bot.fake.addRole(guildId, { name: 'study-pings' });
    const first = await setup(guildId, 'prompts', { channel: channel(channelId), time: '18:00', timezone: 'Europe/Berlin', ping_role: role(pings.id as string) });
    expect(textOf(first)).toContain('Saved');
    // 18:00 in Berlin on 2 March is 17:00 UTC.
    expect(textOf(first)).toContain(`Next prompt: ${ts('2026-03-02T17:00:00Z')} (${ts('2026-03-02T17:00:00Z', 'R')})`);

    await setup(guildId, 'prompts', { enabled: false });
    const again = await setup(guildId, 'prompts', { time: '19:30' });
    expect(textOf(again)).toContain('Daily prompts are **off**');
    expect(textOf(again)).toContain('Run `/setup prompts enabled:True`');
    let saved = await getGuildSettings(database.db, guildId);
    expect(saved).toMatchObject({ promptsChannelId: channelId, promptsTime: '19:30', promptsTimezone: 'Europe/Berlin', promptsPingRoleId: pings.id, promptsEnabled: false });

    const both = await setup(guildId, 'prompts', { ping_role: role(pings.id as string), clear_ping_role: true });
    expect(textOf(both)).toContain('not both');
    const cleared = await setup(guildId, 'prompts', { clear_ping_role: true, enabled: true });
    expect(textOf(cleared)).toContain('pinging no role');
    saved = await getGuildSettings(database.db, guildId);
    expect(saved).toMatchObject({ promptsTimezone: 'Europe/Berlin', promptsTime: '19:30', promptsPingRoleId: null, promptsEnabled: true });
  });

  it('the first time, channel and time are needed', async () => {
    const { guildId } = await newGuild('First prompts');
    const reply = await setup(guildId, 'prompts', { time: '18:00' });
    expect(textOf(reply)).toContain('The first time, give both `channel` and `time`');
  });
});

describe('when the first prompt comes', () => {
  it('warns that a time already passed today means a prompt right now, and it comes', async () => {
    const { guildId, channelId } = await newGuild('Passed today');
    bot.clock.set('2026-03-03T10:00:00Z');
    const reply = await setup(guildId, 'prompts', { channel: channel(channelId), time: '09:00', timezone: 'UTC' });
    expect(textOf(reply)).toContain('09:00 (UTC) has already passed today, so today’s prompt is posted **right now**');
    expect(textOf(reply)).toContain('Next prompt: **right now**');
    await bot.app.scheduler.runDue(new Date('2026-03-03T10:01:00Z'));
    expect(promptPosts(channelId)).toHaveLength(1);

    // Posted today already: moving the time later does not promise a second prompt today.
    bot.clock.set('2026-03-03T10:05:00Z');
    const later = await setup(guildId, 'prompts', { time: '11:00' });
    expect(textOf(later)).not.toContain('right now');
    expect(textOf(later)).toContain(`Next prompt: ${ts('2026-03-04T11:00:00Z')}`);
    const rows = await database.db.select().from(scheduledPosts).where(eq(scheduledPosts.guildId, guildId));
    expect(rows.map((r) => `${r.period}:${r.status}`)).toEqual(['2026-03-03:posted']);
  });

  it('a time passed by more than CATCHUP_HOURS: no warning, the first prompt is tomorrow', async () => {
    const { guildId, channelId } = await newGuild('Long passed');
    bot.clock.set('2026-03-03T20:00:00Z');
    const reply = await setup(guildId, 'prompts', { channel: channel(channelId), time: '09:00', timezone: 'UTC' });
    expect(textOf(reply)).not.toContain('right now');
    expect(textOf(reply)).toContain(`Next prompt: ${ts('2026-03-04T09:00:00Z')}`);
  });
});

describe('/setup challenges', () => {
  it('says when the first post comes (right now midweek), and a re-run keeps the ping role and the week start', async () => {
    const { guildId, channelId } = await newGuild('Challenges');
    bot.clock.set('2026-03-04T12:00:00Z'); // a Wednesday
    const pings = bot.fake.addRole(guildId, { name: 'kaggle' });
    const first = await setup(guildId, 'challenges', { channel: channel(channelId), ping_role: role(pings.id as string), week_start: 1 });
    const text = textOf(first);
    expect(text).toContain('This challenge week has already started, so this week’s challenge');
    expect(text).toContain('is announced **right now**');
    expect(text).toContain('Next post: **right now** (within a minute), the announcement of');

    await bot.app.scheduler.runDue(new Date('2026-03-04T12:01:00Z'));
    const announced = bot.fake.requests.filter(
      (r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages` && r.status < 300 && JSON.stringify(r.body).includes('new weekly challenge starts now'),
    );
    expect(announced).toHaveLength(1);

    const again = await setup(guildId, 'challenges', { enabled: true });
    expect(textOf(again)).not.toContain('right now');
    // Next: the midweek reminder, Thursday 12:00 UTC.
    expect(textOf(again)).toContain(`the midweek reminder of **`);
    expect(textOf(again)).toContain(ts('2026-03-05T12:00:00Z'));
    expect(await getGuildSettings(database.db, guildId)).toMatchObject({ challengesChannelId: channelId, challengesPingRoleId: pings.id, challengesWeekStart: 1, challengesEnabled: true });
  });
});

describe('/setup streaks', () => {
  it('does not repeat the challenge-week or prompt warnings for changes that do not move them', async () => {
    const { guildId, channelId } = await newGuild('Streaks after challenges');
    bot.clock.set('2026-03-04T12:00:00Z'); // a Wednesday: this week's challenge is announced right now
    expect(textOf(await setup(guildId, 'challenges', { channel: channel(channelId) }))).toContain('This challenge week has already started');
    expect(textOf(await setup(guildId, 'prompts', { channel: channel(channelId), time: '09:00' }))).toContain('has already passed today');
    for (const change of [{ freeze_cap: 3 }, { rollover_hour: 5 }, { timezone: 'UTC' }] as Record<string, string | number>[]) {
      const text = textOf(await setup(guildId, 'streaks', change));
      expect(text).toContain('Saved');
      expect(text, JSON.stringify(change)).not.toContain('⚠️');
    }
    // A new zone moves the prompt time and the week: then the warnings say what it does.
    const moved = textOf(await setup(guildId, 'streaks', { timezone: 'Europe/Berlin' }));
    expect(moved).toContain('This challenge week has already started');
    expect(moved).toContain('has already passed today');
  });
});

describe('/setup stores time zones by their canonical name', () => {
  it('america/new_york and utc become America/New_York and UTC, an old name its current one', async () => {
    const { guildId, channelId } = await newGuild('Zones');
    await setup(guildId, 'prompts', { channel: channel(channelId), time: '18:00', timezone: 'america/new_york' });
    expect((await getGuildSettings(database.db, guildId)).promptsTimezone).toBe('America/New_York');
    await setup(guildId, 'streaks', { timezone: 'utc' });
    expect((await getGuildSettings(database.db, guildId)).timezone).toBe('UTC');
    await setup(guildId, 'prompts', { timezone: 'Asia/Calcutta' });
    expect((await getGuildSettings(database.db, guildId)).promptsTimezone).toBe('Asia/Kolkata');
  });
});
