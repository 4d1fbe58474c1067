import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Database } from '../../src/db/client.js';
import { putServerContentFile } from '../../src/db/queries/server-content.js';
import { auditLog, challengeSubmissions, challengeWinners, scheduledPosts } from '../../src/db/schema.js';
import { BOT_DEFAULT_PERMISSIONS, startFakeDiscord, type Json } from '../../src/sim/index.js';
import { MODERATOR, shown, startTestBot, textOf, until, type TestBot } from '../support/bot.js';
import { openTestDatabase } from '../support/db.js';

/**
 * Judging a challenge (issue 24): a lower-is-better recap with a tie and a flagged entry, flags
 * and unflags by moderators only (logged, the member told by DM), the submissions milestone
 * following a flag, and the weekly winner role given at the recap, kept from a refusal, and moved
 * the next week.
 */
const MOD = '490000000000000001';
const [A, B, C, D, E, F] = ['490000000000000011', '490000000000000012', '490000000000000013', '490000000000000014', '490000000000000015', '490000000000000016'];
const member = (id: string) => ({ member: { type: 6, value: id } });
const role = (id: string) => ({ type: 8, value: id });

let database: Database;
let bot: TestBot;
let guildId: string;
let channelId: string;
let winnerRole: string;
let milestoneRole: string;
let botRole: Json;
let handled = 0;

beforeAll(async () => {
  database = await openTestDatabase();
  // Monday 6 April 2026, 09:00 UTC: a UTC challenge week until Monday 13 April 00:00.
  bot = await startTestBot({ database, now: '2026-04-06T09:00:00Z' });
  const record = bot.app.metrics.interaction.bind(bot.app.metrics);
  bot.app.metrics.interaction = (r) => {
    handled++;
    record(r);
  };
  const guild = bot.fake.addGuild({ name: 'Judges', botPermissions: BOT_DEFAULT_PERMISSIONS, roles: [{ name: 'winner', position: 1 }, { name: 'submitter', position: 1 }] });
  guildId = guild.id as string;
  botRole = (guild.roles as Json[]).find((r) => r.managed === true && r.tags?.bot_id === bot.fake.botUser.id)!;
  botRole.position = 3;
  winnerRole = (guild.roles as Json[]).find((r) => r.name === 'winner')!.id as string;
  milestoneRole = (guild.roles as Json[]).find((r) => r.name === 'submitter')!.id as string;
  await until(() => bot.app.client.guilds.cache.has(guildId), 'the guild');
  bot.fake.dispatch('GUILD_ROLE_UPDATE', { guild_id: guildId, role: botRole }, guildId);
  await until(() => bot.app.client.guilds.cache.get(guildId)?.roles.cache.get(botRole.id as string)?.position === 3, 'the bot role moved up');
  channelId = bot.fake.addChannel(guildId, { name: 'kaggle', type: 0 }).id as string;
  await until(() => bot.app.client.channels.cache.has(channelId), 'the channel');
});
afterAll(async () => {
  await bot?.stop();
  await database?.close();
});

/** Runs one interaction and waits until its handler has finished (roles and DMs come after the reply). */
async function settled(interaction: ReturnType<TestBot['command']>): Promise<string> {
  const target = handled + 1;
  const result = await interaction;
  await until(() => handled >= target, 'the handler to finish');
  return textOf(shown(result));
}
const run = (name: string, user: string, subcommand: string, options: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  settled(bot.command(name, options as never, { guildId, user, subcommand, ...extra }));
const asMod = (subcommand: string, options: Record<string, unknown> = {}) => run('challenge', MOD, subcommand, options, MODERATOR);
const setup = (subcommand: string, options: Record<string, unknown> = {}, group?: string) =>
  run('setup', MOD, subcommand, options, { ...MODERATOR, ...(group ? { subcommandGroup: group } : {}) });
const submit = (user: string, score?: string) =>
  run('challenge', user, 'submit', { link: `https://www.kaggle.com/code/u${user.slice(-2)}/entry`, ...(score ? { score } : {}) });
async function tickAt(iso: string): Promise<void> {
  bot.clock.set(iso);
  await bot.app.scheduler.runDue(new Date(iso));
}

const memberRoles = (userId: string): string[] => ((bot.fake.guild(guildId)!.members as Json[]).find((m) => m.user.id === userId)?.roles ?? []) as string[];
const roleRequests = (method: 'PUT' | 'DELETE', roleId: string) =>
  bot.fake.requests.filter((r) => r.method === method && r.path.startsWith(`/guilds/${guildId}/members/`) && r.path.endsWith(`/roles/${roleId}`) && r.status < 300).map((r) => r.path.split('/')[4]);
const recaps = () =>
  bot.fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages` && r.status < 300).map((r) => r.body as Json).filter((b) => (b.content ?? '').includes('is over'));
/** DMs the bot sent (or tried to send, `status`) to a member. */
const dmsTo = (userId: string, ok = true) =>
  bot.fake.requests
    .filter((r) => r.method === 'POST' && /^\/channels\/\d+\/messages$/.test(r.path) && (r.status < 300) === ok)
    .filter((r) => {
      const ch = bot.fake.channel(r.path.split('/')[2]!);
      return ch?.type === 1 && ch.recipients?.[0]?.id === userId;
    })
    .map((r) => (r.body as Json).content as string);
const flagOf = async (userId: string) => (await database.db.select().from(challengeSubmissions).where(eq(challengeSubmissions.userId, userId)))[0];

describe('week 1: House Prices, lower RMSE wins', () => {
  it('a winner role is set with the challenge channel; one above the bot is refused', async () => {
    const high = bot.fake.addRole(guildId, { name: 'Champions', position: 10 });
    await until(() => bot.app.client.guilds.cache.get(guildId)!.roles.cache.has(high.id as string), 'the role');
    const refused = await setup('challenges', { channel: { type: 7, value: channelId }, winner_role: role(high.id as string) });
    expect(refused).toContain(`<@&${high.id}> is at or above my highest role`);
    const saved = await setup('challenges', { channel: { type: 7, value: channelId }, winner_role: role(winnerRole) });
    expect(saved).toContain(`the week’s winners get <@&${winnerRole}> until the next recap`);
    expect(await setup('show')).toContain(`winner role <@&${winnerRole}>`);
    expect(await setup('add', { kind: 'submissions', threshold: 1, role: role(milestoneRole), remove_when_below: true }, 'rewards')).toContain('Added reward #1');
    await tickAt('2026-04-06T09:00:30Z');
    expect(await asMod('start', { challenge: 'house-prices' })).toContain('House Prices');
  });

  it('members submit; the submissions milestone follows', async () => {
    for (const [user, score] of [
      [A, '0.12'],
      [B, '0.120'],
      [C, '0.15'],
      [D, undefined],
      [E, '0.01'],
      [F, '0.2'],
    ] as const)
      expect(await submit(user, score)).toContain('Submitted');
    expect(memberRoles(E)).toContain(milestoneRole);
  });

  it('flag and unflag are for moderators only', async () => {
    expect(await run('challenge', A, 'flag', { ...member(E), reason: 'nope' })).toContain('Only moderators can do that');
    expect(await run('challenge', A, 'unflag', { ...member(E) })).toContain('Only moderators can do that');
    expect((await flagOf(E))?.flaggedAt).toBeNull();
    expect(await database.db.select().from(auditLog).where(and(eq(auditLog.guildId, guildId), eq(auditLog.action, 'challenge.flag')))).toEqual([]);
  });

  it('a flag sets the entry aside, logs it with the reason, tells the member why, and takes the milestone back', async () => {
    const reply = await asMod('flag', { ...member(E), reason: 'The score is from a public notebook, not your own work' });
    expect(reply).toContain(`Set aside <@${E}>’s submission to **House Prices - Advanced Regression Techniques**`);
    expect(reply).toContain('I told them by DM');
    expect((await flagOf(E))?.flagReason).toBe('The score is from a public notebook, not your own work');
    const [dm] = dmsTo(E);
    expect(dm).toContain('set aside your submission to **House Prices');
    expect(dm).toContain('The score is from a public notebook, not your own work');
    expect(memberRoles(E)).not.toContain(milestoneRole);
    // /challenge show tells them too, privately.
    const own = await run('challenge', E, 'show');
    expect(own).toContain('A moderator set it aside: “The score is from a public notebook, not your own work”');
    const [logged] = await database.db.select().from(auditLog).where(and(eq(auditLog.guildId, guildId), eq(auditLog.action, 'challenge.flag')));
    expect(logged).toMatchObject({ actorId: MOD, targetUserId: E, details: expect.objectContaining({ reason: 'The score is from a public notebook, not your own work', challengeId: 'house-prices' }) });
    expect(await asMod('flag', { ...member(E), reason: 'again' })).toContain('is already flagged');
    expect(await asMod('flag', { ...member(MOD), reason: 'x' })).toContain('has no challenge submission');

    // /privacy export has the flag and the log entry about them.
    const record = await bot.command('privacy', {}, { guildId, user: E, subcommand: 'export' });
    const [file] = bot.fake.requests.filter((r) => r.path.includes(`/interactions/${record.id}/`)).flatMap((r) => r.files);
    const exported = JSON.parse(file!.bytes.toString('utf8')) as { challengeSubmissions: Json[]; moderatorLog: Json[] };
    expect(exported.challengeSubmissions[0]).toMatchObject({ flaggedBy: MOD, flagReason: 'The score is from a public notebook, not your own work' });
    expect(exported.moderatorLog).toEqual([expect.objectContaining({ action: 'challenge.flag', actorId: MOD, details: expect.objectContaining({ reason: 'The score is from a public notebook, not your own work' }) })]);
  });

  it('with DMs closed the moderator is told; unflag undoes a flag and is logged', async () => {
    bot.fake.setDmsClosed(D, true);
    const flagged = await asMod('flag', { ...member(D), reason: 'Empty notebook' });
    expect(flagged).toContain('I could not DM them: they do not accept DMs from me (Discord error 50007)');
    expect((await flagOf(D))?.flaggedAt).toBeInstanceOf(Date);
    bot.fake.setDmsClosed(D, false);
    const unflagged = await asMod('unflag', { ...member(D), reason: 'It was a slow upload' });
    expect(unflagged).toContain(`<@${D}>’s submission to **House Prices - Advanced Regression Techniques** (week of 2026-04-06) counts again (logged)`);
    expect(dmsTo(D).at(-1)).toContain('counts your submission to **House Prices');
    expect((await flagOf(D))?.flaggedAt).toBeNull();
    expect(await asMod('unflag', { ...member(D) })).toContain('has no flagged challenge submission');
    const actions = await database.db.select().from(auditLog).where(and(eq(auditLog.guildId, guildId), eq(auditLog.targetUserId, D)));
    expect(actions.map((a) => [a.action, a.details.reason])).toEqual([
      ['challenge.flag', 'Empty notebook'],
      ['challenge.unflag', 'It was a slow upload'],
    ]);
  });

  it('the recap ranks the lowest first with the tie sharing first place, lists the rest, leaves the flagged entry out; the winners get the role', async () => {
    expect(await asMod('end')).toContain('The recap is in');
    const [recap] = recaps();
    expect(recap!.allowed_mentions).toEqual({ parse: [] });
    expect(recap!.content).toContain('5 submissions from 6 participants (1 more was set aside by the moderators)');
    expect(recap!.content).toContain(`Lowest score wins: 🥇 <@${A}>, <@${B}> · 🥉 <@${C}>`);
    const [top, rest] = recap!.embeds as [Json, Json];
    expect(top.title).toBe('Top three');
    expect(top.description).toMatch(new RegExp(`^🥇 \\*\\*1\\.\\*\\* <@${A}>.*\\n\\n🥇 \\*\\*1\\.\\*\\* <@${B}>.*\\n\\n🥉 \\*\\*3\\.\\*\\* <@${C}>`));
    expect(rest.title).toBe('Everyone else');
    expect([...(rest.description as string).matchAll(/^<@(\d+)>/gm)].map((m) => m[1])).toEqual([F, D]);
    expect(textOf(recap!)).not.toContain(E);

    await until(() => memberRoles(A).includes(winnerRole) && memberRoles(B).includes(winnerRole), 'the winner role');
    expect(roleRequests('PUT', winnerRole).sort()).toEqual([A, B].sort());
    // Claimed once: more ticks change nothing.
    await tickAt('2026-04-06T12:00:00Z');
    await tickAt('2026-04-06T12:01:00Z');
    expect(roleRequests('PUT', winnerRole)).toHaveLength(2);
    const [claim] = await database.db.select().from(scheduledPosts).where(and(eq(scheduledPosts.guildId, guildId), eq(scheduledPosts.kind, 'challenge_winner_role')));
    expect(claim).toMatchObject({ status: 'posted', period: '2026-04-06', ref: winnerRole });
  });
});

describe('week 2: Titanic, higher accuracy wins; the role moves on', () => {
  it('a refusal is reported in our words in /setup show and retried after /setup challenges', async () => {
    await tickAt('2026-04-13T00:00:30Z');
    expect(await asMod('start', { challenge: 'titanic' })).toContain('Titanic');
    expect(await submit(C, '0.9')).toContain('Submitted');
    expect(await submit(A, '0.8')).toContain('Submitted');
    // Someone drags the winner role above the bot's.
    const roleRow = (bot.fake.guild(guildId)!.roles as Json[]).find((r) => r.id === winnerRole)!;
    roleRow.position = 5;
    bot.fake.dispatch('GUILD_ROLE_UPDATE', { guild_id: guildId, role: roleRow }, guildId);
    await until(() => bot.app.client.guilds.cache.get(guildId)?.roles.cache.get(winnerRole)?.rawPosition === 5, 'the role moved up');

    await tickAt('2026-04-20T00:00:00Z');
    const recap = recaps()[1]!;
    expect(recap.content).toContain(`Highest score wins: 🥇 <@${C}> · 🥈 <@${A}>`);
    const show = await setup('show');
    expect(show).toContain(`⚠️ **Winner role not moved:** <@&${winnerRole}> is at or above my highest role`);
    expect(memberRoles(C)).not.toContain(winnerRole);
    expect(memberRoles(A)).toContain(winnerRole); // last week's, until the move works
    await tickAt('2026-04-20T00:01:00Z');
    expect(roleRequests('PUT', winnerRole)).toHaveLength(2); // not retried every minute

    roleRow.position = 1;
    bot.fake.dispatch('GUILD_ROLE_UPDATE', { guild_id: guildId, role: roleRow }, guildId);
    await until(() => bot.app.client.guilds.cache.get(guildId)?.roles.cache.get(winnerRole)?.rawPosition === 1, 'the role moved down');
    bot.clock.set('2026-04-20T09:00:00Z');
    expect(await setup('challenges')).toContain('Saved');
    await tickAt('2026-04-20T09:01:00Z');
    await until(() => memberRoles(C).includes(winnerRole), 'the winner role moved');
    expect(memberRoles(A)).not.toContain(winnerRole);
    expect(memberRoles(B)).not.toContain(winnerRole);
    expect(roleRequests('DELETE', winnerRole).sort()).toEqual([A, B].sort());
    expect(roleRequests('PUT', winnerRole)).toEqual(expect.arrayContaining([C]));
    expect(await setup('show')).not.toContain('Winner role not moved');
    expect((await database.db.select().from(challengeWinners).where(eq(challengeWinners.guildId, guildId))).map((w) => w.userId)).toEqual([C]);
    await tickAt('2026-04-20T09:02:00Z');
    expect(roleRequests('PUT', winnerRole)).toHaveLength(3);
    expect(roleRequests('DELETE', winnerRole)).toHaveLength(2);
  });
});

describe('two processes on one database', () => {
  it('ticking at the same moments: the winner role is given once', async () => {
    const fake = await startFakeDiscord();
    // The fake sends gateway events of a guild to one connection only: create everything before both processes connect.
    const guild = fake.addGuild({ name: 'Two judges', botPermissions: BOT_DEFAULT_PERMISSIONS, channels: [{ name: 'general', type: 0 }, { name: 'kaggle', type: 0 }], roles: [{ name: 'winner', position: 1 }] });
    const id = guild.id as string;
    (guild.roles as Json[]).find((r) => r.managed === true && r.tags?.bot_id === fake.botUser.id)!.position = 3;
    const roleId = (guild.roles as Json[]).find((r) => r.name === 'winner')!.id as string;
    const kaggle = [...fake.channels.values()].find((c) => c.guild_id === id && c.name === 'kaggle')!.id as string;
    const a = await startTestBot({ database, fake, guildId: id, now: '2026-04-06T09:00:00Z' });
    const b = await startTestBot({ database, fake, guildId: id, now: '2026-04-06T09:00:00Z' });
    try {
      for (const app of [a, b]) await until(() => app.app.client.channels.cache.has(kaggle), 'the channel in both processes');
      const saved = await a.command('setup', { channel: { type: 7, value: kaggle }, winner_role: role(roleId) }, { guildId: id, user: MOD, subcommand: 'challenges', ...MODERATOR });
      expect(textOf(shown(saved))).toContain('Saved');
      await a.app.scheduler.runDue(new Date('2026-04-06T09:00:30Z'));
      for (const [user, score] of [
        [A, '0.7'],
        [B, '0.9'],
      ] as const)
        expect(textOf(shown(await a.command('challenge', { link: `https://www.kaggle.com/code/u${user.slice(-2)}/x`, score }, { guildId: id, user, subcommand: 'submit' })))).toContain('Submitted');
      for (const at of ['2026-04-13T00:00:00Z', '2026-04-13T00:01:00Z']) {
        a.clock.set(at);
        b.clock.set(at);
        await Promise.all([a.app.scheduler.runDue(new Date(at)), b.app.scheduler.runDue(new Date(at)), a.app.scheduler.runDue(new Date(at))]);
      }
      const puts = fake.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(`/roles/${roleId}`) && r.status < 300);
      expect(puts.map((r) => r.path.split('/')[4])).toEqual([B]);
      const rows = await database.db.select().from(scheduledPosts).where(and(eq(scheduledPosts.guildId, id), eq(scheduledPosts.kind, 'challenge_winner_role')));
      expect(rows.map((r) => [r.period, r.status])).toEqual([['2026-04-06', 'posted']]);
    } finally {
      await b.stop();
      await a.stop();
      await fake.close();
    }
  });
});

describe('a server’s own content', () => {
  it('the winner role goes to the winners by the metric of the server’s version of the challenge, as the recap ranks them', async () => {
    const fake = await startFakeDiscord();
    const guild = fake.addGuild({ name: 'Own rules', botPermissions: BOT_DEFAULT_PERMISSIONS, channels: [{ name: 'kaggle', type: 0 }], roles: [{ name: 'winner', position: 1 }] });
    const id = guild.id as string;
    (guild.roles as Json[]).find((r) => r.managed === true && r.tags?.bot_id === fake.botUser.id)!.position = 3;
    const roleId = (guild.roles as Json[]).find((r) => r.name === 'winner')!.id as string;
    const kaggle = [...fake.channels.values()].find((c) => c.guild_id === id && c.name === 'kaggle')!.id as string;
    // The server overrides Titanic: lower wins there (the built-in Titanic: higher accuracy wins).
    const titanic = [
      '- id: titanic',
      '  title: "Titanic, club rules"',
      '  url: https://www.kaggle.com/competitions/titanic',
      '  difficulty: beginner',
      '  metric: lower',
      '  skills: [binary classification]',
      '  steps: [data-handling]',
      '  goal: Predict who survived; the club ranks by log loss, lowest first.',
      '',
    ].join('\n');
    const at = new Date('2026-04-06T08:00:00Z');
    expect(await putServerContentFile(database.db, { guildId: id, revision: 0, by: MOD, at, action: 'content.upload' }, { name: 'challenges/ours.yaml', folder: 'challenges', text: titanic })).toBe(true);
    const a = await startTestBot({ database, fake, guildId: id, now: '2026-04-06T09:00:00Z' });
    try {
      await until(() => a.app.client.channels.cache.has(kaggle), 'the channel');
      const saved = await a.command('setup', { channel: { type: 7, value: kaggle }, winner_role: role(roleId) }, { guildId: id, user: MOD, subcommand: 'challenges', ...MODERATOR });
      expect(textOf(shown(saved))).toContain('Saved');
      await a.app.scheduler.runDue(new Date('2026-04-06T09:00:30Z'));
      expect(textOf(shown(await a.command('challenge', { challenge: 'titanic' }, { guildId: id, user: MOD, subcommand: 'start', ...MODERATOR })))).toContain('**Titanic, club rules**');
      for (const [user, score] of [
        [A, '0.7'],
        [B, '0.9'],
      ] as const)
        expect(textOf(shown(await a.command('challenge', { link: `https://www.kaggle.com/code/u${user.slice(-2)}/x`, score }, { guildId: id, user, subcommand: 'submit' })))).toContain('Submitted');
      for (const now of ['2026-04-13T00:00:00Z', '2026-04-13T00:01:00Z']) {
        a.clock.set(now);
        await a.app.scheduler.runDue(new Date(now));
      }
      const recap = fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${kaggle}/messages` && r.status < 300).map((r) => r.body as Json).find((b) => (b.content ?? '').includes('is over'));
      expect(recap?.content).toContain(`Lowest score wins: 🥇 <@${A}>`);
      const puts = fake.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(`/roles/${roleId}`) && r.status < 300);
      expect(puts.map((r) => r.path.split('/')[4])).toEqual([A]);
    } finally {
      await a.stop();
      await fake.close();
    }
  });
});
