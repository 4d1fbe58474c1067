import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Database } from '../../src/db/client.js';
import { memberRewards, rewards, stepProgress as stepProgressTable } from '../../src/db/schema.js';
import { applyRewards } from '../../src/discord/rewards.js';
import { BOT_DEFAULT_PERMISSIONS, Perm, type Json } from '../../src/sim/index.js';
import { MODERATOR, shown, startTestBot, textOf, until, type TestBot } from '../support/bot.js';
import { openTestDatabase } from '../support/db.js';

/** tests/fixtures/branches: 12 core steps (history-of-ml and ethics-reading optional). */
const CONTENT_DIR = join(import.meta.dirname, '../fixtures/branches');
const CORE_REQUIRED = ['python', 'maths', 'data-handling', 'ml-basics', 'evaluation', 'features', 'classic-models', 'neural-nets', 'deep-learning', 'projects'];
const MOD = '480000000000000001';
const DAY = 86_400_000;
const user = (n: number) => `48000000000000${String(n).padStart(4, '0')}`;
const role = (id: string) => ({ type: 8, value: id });
const channel = (id: string) => ({ type: 7, value: id });

let database: Database;
let bot: TestBot;
let handled = 0;

/**
 * Counts interactions whose handler has returned, hook included (the router reports each one to
 * metrics.interaction when it is done): roles are granted after the reply, so a test waits for this,
 * not for the reply, before it looks at the member's roles.
 */
function countHandled(app: TestBot['app']): void {
  const record = app.metrics.interaction.bind(app.metrics);
  app.metrics.interaction = (r) => {
    handled++;
    record(r);
  };
}

/** Runs one interaction and waits until its handler, the post-activity hook included, has finished. */
async function settled<T>(interaction: Promise<T>): Promise<T> {
  const target = handled + 1;
  const result = await interaction;
  await until(() => handled >= target, 'the handler to finish');
  return result;
}

beforeAll(async () => {
  database = await openTestDatabase();
  // Monday 6 April 2026, 09:00 UTC.
  bot = await startTestBot({ database, now: '2026-04-06T09:00:00Z', config: { CONTENT_DIR } });
  countHandled(bot.app);
});
afterAll(async () => {
  await bot?.stop();
  await database?.close();
});

interface Server {
  guildId: string;
  channelId: string;
  /** the bot's own (managed) role */
  botRoleId: string;
  /** roles below the bot's role, ready to be milestone roles */
  roles: string[];
}

/**
 * A server whose bot role sits above `below` fresh roles (as after a moderator drags it up), with
 * Manage Roles unless told otherwise.
 */
async function newServer(name: string, opts: { manageRoles?: boolean; below?: number } = {}): Promise<Server> {
  const permissions = opts.manageRoles === false ? BOT_DEFAULT_PERMISSIONS & ~Perm.ManageRoles : BOT_DEFAULT_PERMISSIONS;
  const count = opts.below ?? 2;
  const guild = bot.fake.addGuild({ name, botPermissions: permissions, roles: Array.from({ length: count }, (_, i) => ({ name: `milestone-${i}`, position: 1 })) });
  const guildId = guild.id as string;
  const botRole = (guild.roles as Json[]).find((r) => r.managed === true && r.tags?.bot_id === bot.fake.botUser.id)!;
  botRole.position = count + 1;
  await until(() => bot.app.client.guilds.cache.has(guildId), 'the guild');
  bot.fake.dispatch('GUILD_ROLE_UPDATE', { guild_id: guildId, role: botRole }, guildId);
  await until(() => bot.app.client.guilds.cache.get(guildId)?.roles.cache.get(botRole.id as string)?.position === count + 1, 'the bot role moved up');
  const roles = (guild.roles as Json[]).filter((r) => String(r.name).startsWith('milestone-')).map((r) => r.id as string);
  const channelId = bot.fake.defaultChannelId(guildId);
  await until(() => bot.app.client.channels.cache.has(channelId), 'the channel');
  return { guildId, channelId, botRoleId: botRole.id as string, roles };
}

const setupRewards = async (guildId: string, subcommand: string, options: Record<string, string | number | boolean | { type: number; value: string }> = {}) =>
  shown(await settled(bot.command('setup', options, { guildId, user: MOD, subcommandGroup: 'rewards', subcommand, ...MODERATOR })));
const setupShow = async (guildId: string) => textOf(shown(await settled(bot.command('setup', {}, { guildId, user: MOD, subcommand: 'show', ...MODERATOR }))));
const checkin = (guildId: string, userId: string) => settled(bot.command('checkin', {}, { guildId, user: userId }));

const memberRoles = (guildId: string, userId: string): string[] => ((bot.fake.guild(guildId)!.members as Json[]).find((m) => m.user.id === userId)?.roles ?? []) as string[];
const roleRequests = (guildId: string, method: 'PUT' | 'DELETE') => bot.fake.requests.filter((r) => r.method === method && r.path.startsWith(`/guilds/${guildId}/members/`) && r.path.includes('/roles/'));
const granted = async (guildId: string) => database.db.select().from(memberRewards).where(eq(memberRewards.guildId, guildId));

describe('/setup rewards add refuses roles the bot cannot hand out', () => {
  it('@everyone, a managed role and a role above the bot are refused; nothing is saved', async () => {
    const s = await newServer('Refusals');
    const everyone = await setupRewards(s.guildId, 'add', { kind: 'streak', threshold: 7, role: role(s.guildId) });
    expect(textOf(everyone)).toContain('`@everyone` cannot be a milestone role');
    const managed = await setupRewards(s.guildId, 'add', { kind: 'streak', threshold: 7, role: role(s.botRoleId) });
    expect(textOf(managed)).toContain('is managed by an integration');
    const high = bot.fake.addRole(s.guildId, { name: 'Veterans', position: 10 });
    await until(() => bot.app.client.guilds.cache.get(s.guildId)!.roles.cache.has(high.id as string), 'the role');
    const above = await setupRewards(s.guildId, 'add', { kind: 'streak', threshold: 7, role: role(high.id as string) });
    expect(textOf(above)).toContain(`<@&${high.id}> is at or above my highest role (<@&${s.botRoleId}>)`);
    expect(textOf(above)).toContain('drag my role above');
    expect(await database.db.select().from(rewards).where(eq(rewards.guildId, s.guildId))).toEqual([]);

    const ok = await setupRewards(s.guildId, 'add', { kind: 'streak', threshold: 7, role: role(s.roles[0]!) });
    expect(textOf(ok)).toContain(`a 7-day streak → <@&${s.roles[0]}>, kept once given`);
    const list = textOf(await setupRewards(s.guildId, 'show'));
    expect(list).toContain(`a 7-day streak → <@&${s.roles[0]}> (kept; 0 members)`);
    expect(list).toContain('Announcements\noff');
  });
});

describe('granting after the activity that earns it', () => {
  it('a 3-day streak grants once (not on a repeat check-in, not on sync) and is removed when the streak breaks', async () => {
    const s = await newServer('Streaks');
    const u = user(1);
    await setupRewards(s.guildId, 'add', { kind: 'streak', threshold: 3, role: role(s.roles[0]!), remove_when_below: true });
    const start = Date.parse('2026-04-06T10:00:00Z');
    for (let d = 0; d < 2; d++) {
      bot.clock.set(new Date(start + d * DAY));
      await checkin(s.guildId, u);
    }
    expect(memberRoles(s.guildId, u)).not.toContain(s.roles[0]);
    expect(roleRequests(s.guildId, 'PUT')).toHaveLength(0);

    bot.clock.set(new Date(start + 2 * DAY));
    await checkin(s.guildId, u);
    expect(memberRoles(s.guildId, u)).toContain(s.roles[0]);
    expect(roleRequests(s.guildId, 'PUT').map((r) => r.path)).toEqual([`/guilds/${s.guildId}/members/${u}/roles/${s.roles[0]}`]);
    expect(roleRequests(s.guildId, 'PUT')[0]!.headers['x-audit-log-reason']).toContain('a%203-day%20streak');

    await checkin(s.guildId, u); // the same day again
    const sync = textOf(await setupRewards(s.guildId, 'sync'));
    expect(sync).toContain('Synced 1 member: 0 roles given, 0 removed.');
    expect(roleRequests(s.guildId, 'PUT')).toHaveLength(1);
    expect(textOf(await setupRewards(s.guildId, 'show'))).toContain('(removed when below; 1 member)');

    // Two days missed with no freeze: the streak is broken; the next check-in starts at 1 and the role goes.
    bot.clock.set(new Date(start + 5 * DAY));
    await checkin(s.guildId, u);
    expect(memberRoles(s.guildId, u)).not.toContain(s.roles[0]);
    expect(roleRequests(s.guildId, 'DELETE').map((r) => r.path)).toEqual([`/guilds/${s.guildId}/members/${u}/roles/${s.roles[0]}`]);
    expect(await granted(s.guildId)).toEqual([]);
  });

  it('a server without rewards asks the database nothing about them on a check-in; a reward added later counts at once', async () => {
    const s = await newServer('Later rewards');
    const u = user(11);
    bot.clock.set('2026-04-20T10:00:00Z');
    await checkin(s.guildId, u); // no rewards yet: the server is remembered as having none
    expect(bot.app.ctx.rewardless.has(s.guildId)).toBe(true);
    await setupRewards(s.guildId, 'add', { kind: 'streak', threshold: 1, role: role(s.roles[0]!) });
    expect(bot.app.ctx.rewardless.has(s.guildId)).toBe(false);
    bot.clock.set('2026-04-21T10:00:00Z');
    await checkin(s.guildId, u);
    expect(memberRoles(s.guildId, u)).toContain(s.roles[0]);
  });

  it('a broken streak is found by sync too, before the member comes back', async () => {
    const s = await newServer('Streak sync');
    const u = user(2);
    await setupRewards(s.guildId, 'add', { kind: 'streak', threshold: 2, role: role(s.roles[0]!), remove_when_below: true });
    await setupRewards(s.guildId, 'add', { kind: 'streak', threshold: 2, role: role(s.roles[1]!) }); // kept
    const start = Date.parse('2026-04-20T10:00:00Z');
    bot.clock.set(new Date(start));
    await checkin(s.guildId, u);
    bot.clock.set(new Date(start + DAY));
    await checkin(s.guildId, u);
    expect(memberRoles(s.guildId, u)).toEqual(expect.arrayContaining([s.roles[0], s.roles[1]]));
    bot.clock.set(new Date(start + 4 * DAY));
    expect(textOf(await setupRewards(s.guildId, 'sync'))).toContain('0 roles given, 1 removed');
    expect(memberRoles(s.guildId, u)).not.toContain(s.roles[0]);
    expect(memberRoles(s.guildId, u)).toContain(s.roles[1]);
  });

  it('N roadmap steps, by /done and by the Mark done button; pressing again grants nothing more', async () => {
    const s = await newServer('Steps');
    const u = user(3);
    await setupRewards(s.guildId, 'add', { kind: 'steps', threshold: 2, role: role(s.roles[0]!) });
    await settled(bot.command('done', { step: 'python' }, { guildId: s.guildId, user: u }));
    expect(memberRoles(s.guildId, u)).not.toContain(s.roles[0]);
    await settled(bot.press('next:done:maths', { guildId: s.guildId, user: u }));
    expect(memberRoles(s.guildId, u)).toContain(s.roles[0]);
    await settled(bot.press('next:done:maths', { guildId: s.guildId, user: u }));
    await settled(bot.command('done', { step: 'data-handling' }, { guildId: s.guildId, user: u }));
    expect(roleRequests(s.guildId, 'PUT')).toHaveLength(1);
  });

  it('/undo takes back a step milestone set to be removed below it; /admin streak fix grants a streak milestone it reaches', async () => {
    const s = await newServer('Corrections');
    const u = user(12);
    await setupRewards(s.guildId, 'add', { kind: 'steps', threshold: 2, role: role(s.roles[0]!), remove_when_below: true });
    await setupRewards(s.guildId, 'add', { kind: 'streak', threshold: 2, role: role(s.roles[1]!) });
    bot.clock.set('2026-04-20T10:00:00Z');
    await settled(bot.command('done', { step: 'python' }, { guildId: s.guildId, user: u }));
    await settled(bot.command('done', { step: 'maths' }, { guildId: s.guildId, user: u }));
    expect(memberRoles(s.guildId, u)).toContain(s.roles[0]);
    await settled(bot.command('undo', { step: 'maths' }, { guildId: s.guildId, user: u }));
    expect(memberRoles(s.guildId, u)).not.toContain(s.roles[0]);

    // The member missed the 21st, so the 22nd starts again at 1; a moderator counts the 21st.
    bot.clock.set('2026-04-22T10:00:00Z');
    await checkin(s.guildId, u);
    expect(memberRoles(s.guildId, u)).not.toContain(s.roles[1]);
    const fixed = textOf(shown(await settled(bot.command('admin', { member: { type: 6, value: u }, date: '2026-04-21', reason: 'bot was down' }, { guildId: s.guildId, user: MOD, subcommandGroup: 'streak', subcommand: 'fix', ...MODERATOR }))));
    expect(fixed).toContain('now counts');
    expect(memberRoles(s.guildId, u)).toContain(s.roles[1]);
  });

  it('a finished track (core done) grants once the last required core step is done', async () => {
    const s = await newServer('Track');
    const u = user(4);
    await setupRewards(s.guildId, 'add', { kind: 'track', threshold: 1, role: role(s.roles[0]!) });
    for (const step of CORE_REQUIRED.slice(0, -1)) await settled(bot.command('done', { step }, { guildId: s.guildId, user: u }));
    expect(memberRoles(s.guildId, u)).not.toContain(s.roles[0]);
    await settled(bot.command('done', { step: CORE_REQUIRED.at(-1)! }, { guildId: s.guildId, user: u }));
    expect(memberRoles(s.guildId, u)).toContain(s.roles[0]);
  });

  it('N challenge submissions; replacing a submission does not count twice', async () => {
    const s = await newServer('Challenges');
    const u = user(5);
    bot.clock.set('2026-05-04T09:00:00Z'); // a Monday
    await settled(bot.command('setup', { channel: channel(s.channelId) }, { guildId: s.guildId, user: MOD, subcommand: 'challenges', ...MODERATOR }));
    await bot.app.scheduler.runDue(new Date('2026-05-04T09:00:30Z'));
    await setupRewards(s.guildId, 'add', { kind: 'submissions', threshold: 1, role: role(s.roles[0]!) });
    await setupRewards(s.guildId, 'add', { kind: 'submissions', threshold: 2, role: role(s.roles[1]!) });
    const submit = async (link: string) => textOf(shown(await settled(bot.command('challenge', { link }, { guildId: s.guildId, user: u, subcommand: 'submit' }))));
    expect(await submit('https://www.kaggle.com/code/five/first')).toContain('Submitted');
    expect(memberRoles(s.guildId, u)).toContain(s.roles[0]);
    expect(await submit('https://www.kaggle.com/code/five/second')).toContain('replaced');
    expect(memberRoles(s.guildId, u)).not.toContain(s.roles[1]);
    expect(roleRequests(s.guildId, 'PUT')).toHaveLength(1);
  });
});

describe('at the same time', () => {
  it('two runs for the same member at once (a double click, a sync during a check-in) grant once', async () => {
    const s = await newServer('Concurrent');
    const u = user(11);
    await setupRewards(s.guildId, 'add', { kind: 'steps', threshold: 1, role: role(s.roles[0]!) });
    await database.db.insert(stepProgressTable).values({ guildId: s.guildId, userId: u, stepId: 'python', trackId: 'fixture-ml', completedAt: new Date() });
    bot.fake.addMember(s.guildId, { user: { id: u, username: 'eleven' } });
    const runs = await Promise.all(Array.from({ length: 4 }, () => applyRewards(bot.app.ctx, bot.app.client, s.guildId, u)));
    expect(runs.map((r) => r.granted).sort()).toEqual([0, 0, 0, 1]);
    expect(roleRequests(s.guildId, 'PUT')).toHaveLength(1);
  });
});

describe('refusals after setup', () => {
  it('a grant Discord refuses (50013) is shown in /setup show and not retried until setup changes', async () => {
    const s = await newServer('Refused later');
    bot.clock.set('2026-06-01T10:00:00Z');
    await setupRewards(s.guildId, 'add', { kind: 'steps', threshold: 1, role: role(s.roles[0]!) });
    // A moderator moves the role above the bot's after setting it up (the bot is not told).
    const fakeRole = (bot.fake.guild(s.guildId)!.roles as Json[]).find((r) => r.id === s.roles[0])!;
    fakeRole.position = 50;
    await settled(bot.command('done', { step: 'python' }, { guildId: s.guildId, user: user(6) }));
    expect(roleRequests(s.guildId, 'PUT').map((r) => r.status)).toEqual([403]);
    const show = await setupShow(s.guildId);
    expect(show).toContain('Milestone roles');
    expect(show).toContain(`stopped: Discord refused to change <@&${s.roles[0]}> (50013 Missing Permissions)`);
    expect(textOf(await setupRewards(s.guildId, 'show'))).toContain('50013');

    await settled(bot.command('done', { step: 'python' }, { guildId: s.guildId, user: user(7) }));
    await settled(bot.command('done', { step: 'maths' }, { guildId: s.guildId, user: user(6) }));
    expect(roleRequests(s.guildId, 'PUT')).toHaveLength(1); // not retried
    expect(await granted(s.guildId)).toEqual([]);

    // Fixed, and setup runs again: both members get it.
    fakeRole.position = 1;
    expect(textOf(await setupRewards(s.guildId, 'sync'))).toContain('Synced 2 members: 2 roles given, 0 removed.');
    expect(memberRoles(s.guildId, user(6))).toContain(s.roles[0]);
    expect(memberRoles(s.guildId, user(7))).toContain(s.roles[0]);
    expect(await setupShow(s.guildId)).not.toContain('stopped');
  });

  it('a missing Manage Roles permission is said when adding and shown in /setup show', async () => {
    const s = await newServer('No manage roles', { manageRoles: false });
    const add = textOf(await setupRewards(s.guildId, 'add', { kind: 'streak', threshold: 1, role: role(s.roles[0]!) }));
    expect(add).toContain('I am missing the **Manage Roles** permission');
    expect(await setupShow(s.guildId)).toContain('I am missing the **Manage Roles** permission');
    bot.clock.set('2026-06-10T10:00:00Z');
    await checkin(s.guildId, user(8));
    expect(roleRequests(s.guildId, 'PUT').map((r) => r.status)).toEqual([403]);
    expect(textOf(await setupRewards(s.guildId, 'sync'))).toContain('Manage Roles');
  });
});

describe('announcements', () => {
  it('one line in the announce channel that pings nobody', async () => {
    const s = await newServer('Announce');
    const channelId = bot.fake.addChannel(s.guildId, { name: 'wins', type: 0 }).id as string;
    await until(() => bot.app.client.channels.cache.has(channelId), 'the channel');
    expect(textOf(await setupRewards(s.guildId, 'announce', { channel: channel(channelId) }))).toContain(`announced in <#${channelId}>`);
    await setupRewards(s.guildId, 'add', { kind: 'steps', threshold: 1, role: role(s.roles[0]!) });
    await settled(bot.command('done', { step: 'python' }, { guildId: s.guildId, user: user(9) }));
    await until(() => bot.fake.channelMessages(channelId).length === 1, 'the announcement');
    const post = bot.fake.requests.find((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`)! as { body: Json };
    expect(post.body.content).toBe(`🏅 <@${user(9)}> reached 1 roadmap step done and now has <@&${s.roles[0]}>.`);
    expect(post.body.allowed_mentions).toEqual({ parse: [] });
    await settled(bot.command('done', { step: 'maths' }, { guildId: s.guildId, user: user(9) }));
    expect(bot.fake.channelMessages(channelId)).toHaveLength(1);
  });

  it('an announce channel the bot cannot post in is refused with what is missing; nothing is saved', async () => {
    const s = await newServer('Announce locked');
    const locked = bot.fake.addChannel(s.guildId, { name: 'locked', type: 0, permission_overwrites: [{ id: s.guildId, type: 0, allow: '0', deny: Perm.SendMessages.toString() }] }).id as string;
    await until(() => bot.app.client.channels.cache.has(locked), 'the channel');
    const refused = textOf(await setupRewards(s.guildId, 'announce', { channel: channel(locked) }));
    expect(refused).toContain(`I cannot post in <#${locked}>: I am missing Send Messages.`);
    expect(await setupShow(s.guildId)).not.toContain(`<#${locked}>`);
  });

  it('an announcement Discord refuses is shown in /setup show; the next one that goes out clears it', async () => {
    const s = await newServer('Announce refused');
    const channelId = bot.fake.addChannel(s.guildId, { name: 'wins', type: 0 }).id as string;
    await until(() => bot.app.client.channels.cache.has(channelId), 'the channel');
    await setupRewards(s.guildId, 'announce', { channel: channel(channelId) });
    await setupRewards(s.guildId, 'add', { kind: 'steps', threshold: 1, role: role(s.roles[0]!) });
    await setupRewards(s.guildId, 'add', { kind: 'steps', threshold: 2, role: role(s.roles[1]!) });
    bot.fake.failWith({ method: 'POST', path: new RegExp(`^/channels/${channelId}/messages$`), status: 403, code: 50013, message: 'Missing Permissions', times: 1 });
    await settled(bot.command('done', { step: 'python' }, { guildId: s.guildId, user: user(13) }));
    expect(memberRoles(s.guildId, user(13))).toContain(s.roles[0]); // the role itself went out
    expect(bot.fake.channelMessages(channelId)).toHaveLength(0);
    const show = await setupShow(s.guildId);
    expect(show).toContain('The last milestone announcement did not go out');
    expect(show).toContain('50013');

    await settled(bot.command('done', { step: 'maths' }, { guildId: s.guildId, user: user(13) }));
    await until(() => bot.fake.channelMessages(channelId).length === 1, 'the next announcement');
    expect(await setupShow(s.guildId)).not.toContain('did not go out');
  });
});

describe('restart', () => {
  it('a new bot on the same database grants nothing again', async () => {
    const s = await newServer('Restart');
    bot.clock.set('2026-07-01T10:00:00Z');
    await setupRewards(s.guildId, 'add', { kind: 'steps', threshold: 1, role: role(s.roles[0]!) });
    await settled(bot.command('done', { step: 'python' }, { guildId: s.guildId, user: user(10) }));
    expect(roleRequests(s.guildId, 'PUT')).toHaveLength(1);
    const fake = bot.fake;
    await bot.app.stop();
    const second = await startTestBot({ database, fake, guildId: s.guildId, now: '2026-07-01T11:00:00Z', config: { CONTENT_DIR } });
    // afterAll now stops the second bot and closes the fake (checking every request against the spec).
    bot = { ...second, stop: async () => (await second.stop(), await fake.close()) };
    countHandled(second.app);
    await until(() => second.app.client.guilds.cache.has(s.guildId), 'the guild');
    await settled(second.command('done', { step: 'maths' }, { user: user(10) }));
    const sync = textOf(shown(await settled(second.command('setup', {}, { user: MOD, subcommandGroup: 'rewards', subcommand: 'sync', ...MODERATOR }))));
    expect(sync).toContain('0 roles given');
    expect(roleRequests(s.guildId, 'PUT')).toHaveLength(1);
    const rows = await database.db.select().from(memberRewards).where(and(eq(memberRewards.guildId, s.guildId), eq(memberRewards.userId, user(10))));
    expect(rows).toHaveLength(1);
  });
});
