import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportMemberData, eraseMemberData } from '../../src/db/queries/privacy.js';
import { setMemberTimezone } from '../../src/db/queries/settings.js';
import { podMembers, pods, scheduledPosts, stepProgress } from '../../src/db/schema.js';
import { pairKey, pairsOf } from '../../src/domain/pods.js';
import { Perm, type FakeDiscord, type Json } from '../../src/sim/index.js';
import { MODERATOR, shown, startTestBot, textOf, until, type TestBot, useTestBot } from '../support/bot.js';

const MOD = '200000000000000001';

// Monday 2026-03-02, 12:00 UTC
const { bot, database } = useTestBot({ now: '2026-03-02T12:00:00Z' });

const canPods = (guild: Json) => [{ id: guild._botRoleId as string, type: 0, allow: (Perm.CreatePrivateThreads | Perm.SendMessagesInThreads).toString(), deny: '0' }];
/** Overwrites that take Create Private Threads and Send Messages in Threads from everyone, the bot included. */
const noPods = (guild: Json) => [
  { id: guild.id as string, type: 0, allow: '0', deny: (Perm.CreatePrivateThreads | Perm.SendMessagesInThreads).toString() },
  { id: guild._botRoleId as string, type: 0, allow: '0', deny: (Perm.CreatePrivateThreads | Perm.SendMessagesInThreads).toString() },
];

async function newGuild(): Promise<{ guildId: string; podsChannel: string; plainChannel: string }> {
  const guild = bot.fake.addGuild({ name: 'Pods test' });
  const guildId = guild.id as string;
  const podsChannel = bot.fake.addChannel(guildId, { name: 'pods', permission_overwrites: canPods(guild) }).id as string;
  const plainChannel = bot.fake.addChannel(guildId, { name: 'no-threads', permission_overwrites: noPods(guild) }).id as string;
  await until(() => bot.app.client.guilds.cache.has(guildId), 'GUILD_CREATE');
  return { guildId, podsChannel, plainChannel };
}

const say = async (guildId: string, user: string, sub: string, options: Record<string, number | string | boolean> = {}) =>
  textOf(shown(await bot.command('pod', options, { guildId, user, subcommand: sub })));
const setup = async (guildId: string, options: Record<string, unknown>) =>
  textOf(shown(await bot.command('setup', options as never, { guildId, user: MOD, subcommand: 'pods', ...MODERATOR })));

async function tick(iso: string, target: TestBot = bot): Promise<void> {
  target.clock.set(iso);
  await target.app.scheduler.runDue();
}

/** Private threads the bot opened under a channel, oldest first. */
const threadsUnder = (fake: FakeDiscord, channelId: string): Json[] =>
  [...fake.channels.values()].filter((c: Json) => c.type === 12 && c.parent_id === channelId).sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));

const memberIds = (n: number, base: number) => Array.from({ length: n }, (_, i) => String(BigInt('310000000000000000') + BigInt(base + i)));

describe('joining', () => {
  it('/pod join, join again with a size, status, leave', async () => {
    const { guildId } = await newGuild();
    const user = '300000000000000101';
    expect(await say(guildId, user, 'status')).toContain('You are not in the pods');
    const joined = await say(guildId, user, 'join');
    expect(joined).toContain('pod of about 3');
    expect(joined).toContain('Pods are not set up in this server yet');
    expect(await say(guildId, user, 'join', { size: 2 })).toContain('preferred pod size is now 2 (was 3)');
    expect(await say(guildId, user, 'status')).toContain('You are in the pods (preferred size 2)');
    expect(await say(guildId, user, 'leave')).toContain('You left the pods');
    expect(await say(guildId, user, 'leave')).toContain('You had not joined');
    expect(await say(guildId, user, 'status')).toContain('You are not in the pods');
  });
});

describe('setup', () => {
  it('refuses a channel without Create Private Threads, with a clear sentence, and /setup show names a permission lost later', async () => {
    const { guildId, podsChannel, plainChannel } = await newGuild();
    const refused = await setup(guildId, { channel: { type: 7, value: plainChannel }, day: 1, time: '18:00' });
    expect(refused).toContain(`I cannot open the pods’ private threads in <#${plainChannel}>: I am missing Create Private Threads, Send Messages in Threads. Fix the channel’s permissions for me, then run \`/setup pods\` again.`);
    expect(await setup(guildId, { channel: { type: 7, value: podsChannel } })).toContain('The first time, give `channel`, `day` and `time`');

    const saved = await setup(guildId, { channel: { type: 7, value: podsChannel }, day: 1, time: '18:00' });
    expect(saved).toContain('Study pods are **on**: formed every Monday at 18:00');
    expect(saved).toContain(`<t:${Date.parse('2026-03-02T18:00:00Z') / 1000}:F>`);

    const channel = bot.fake.channel(podsChannel)!;
    channel.permission_overwrites = noPods(bot.fake.guild(guildId)!);
    bot.fake.dispatch('CHANNEL_UPDATE', channel, guildId);
    await until(() => (bot.app.client.channels.cache.get(podsChannel) as { permissionOverwrites?: { cache: Map<string, unknown> } })?.permissionOverwrites?.cache.has(guildId) === true, 'CHANNEL_UPDATE');
    const show = textOf(shown(await bot.command('setup', {}, { guildId, user: MOD, subcommand: 'show', ...MODERATOR })));
    expect(show).toContain('Study pods');
    expect(show).toContain('I am missing Create Private Threads, Send Messages in Threads.');
  });
});

describe('edge cases', () => {
  it('a lone member is told there was nobody to pair with', async () => {
    const { guildId, podsChannel } = await newGuild();
    bot.clock.set('2026-04-06T12:00:00Z'); // a Monday
    const user = '300000000000000201';
    await say(guildId, user, 'join');
    await setup(guildId, { channel: { type: 7, value: podsChannel }, day: 1, time: '18:00' });
    await tick('2026-04-06T18:00:00Z');
    expect(threadsUnder(bot.fake, podsChannel)).toHaveLength(0);
    expect(await say(guildId, user, 'status')).toContain('you were the only member who had joined, so there was nobody to pair you with');
    // Told by DM too, once, without a ping; another tick that week sends nothing more.
    const told = () => bot.fake.dmMessages(user).filter((m: { content?: string }) => m.content?.includes('nobody to pair you with'));
    expect(told()).toHaveLength(1);
    expect(told()[0]!.content).toContain('week of 2026-04-06');
    await tick('2026-04-06T18:05:00Z');
    expect(told()).toHaveLength(1);
  });

  it('catch-up after downtime: a forming up to CATCHUP_HOURS late still happens, a later one is recorded as skipped', async () => {
    for (const [late, formed] of [['2026-05-04T23:30:00Z', 1], ['2026-05-05T00:30:00Z', 0]] as const) {
      const { guildId, podsChannel } = await newGuild();
      bot.clock.set('2026-05-04T12:00:00Z');
      for (const userId of memberIds(2, late.length + formed * 10 + 700)) {
        bot.fake.addMember(guildId, { id: userId });
        await say(guildId, userId, 'join');
      }
      await setup(guildId, { channel: { type: 7, value: podsChannel }, day: 1, time: '18:00' });
      await tick(late); // the bot was down at 18:00 (CATCHUP_HOURS is 6)
      expect(threadsUnder(bot.fake, podsChannel), late).toHaveLength(formed);
      const [claim] = await database.db.select().from(scheduledPosts).where(and(eq(scheduledPosts.guildId, guildId), eq(scheduledPosts.kind, 'pods_form')));
      expect(claim!.status).toBe(formed ? 'posted' : 'skipped');
    }
  });

  it('a permission lost before the forming stops pods for the server, shown in /setup show; /setup pods again resumes', async () => {
    const { guildId, podsChannel } = await newGuild();
    bot.clock.set('2026-04-13T12:00:00Z');
    for (const userId of memberIds(3, 500)) {
      bot.fake.addMember(guildId, { id: userId });
      await say(guildId, userId, 'join');
    }
    await setup(guildId, { channel: { type: 7, value: podsChannel }, day: 1, time: '18:00' });
    bot.fake.channel(podsChannel)!.permission_overwrites = noPods(bot.fake.guild(guildId)!); // the fake refuses; the bot's cache still thinks it may
    await tick('2026-04-13T18:00:00Z');
    expect(threadsUnder(bot.fake, podsChannel)).toHaveLength(0);
    const show = textOf(shown(await bot.command('setup', {}, { guildId, user: MOD, subcommand: 'show', ...MODERATOR })));
    expect(show).toContain('Stopped:');
    expect(show).toContain('Create Private Threads');

    const channel = bot.fake.channel(podsChannel)!;
    channel.permission_overwrites = canPods(bot.fake.guild(guildId)!);
    bot.fake.dispatch('CHANNEL_UPDATE', channel, guildId);
    await until(() => (bot.app.client.channels.cache.get(podsChannel) as { permissionOverwrites?: { cache: Map<string, unknown> } })?.permissionOverwrites?.cache.has(guildId) === false, 'CHANNEL_UPDATE');
    expect(await setup(guildId, {})).toContain('Study pods are **on**');
    expect(textOf(shown(await bot.command('setup', {}, { guildId, user: MOD, subcommand: 'show', ...MODERATOR })))).not.toContain('Stopped:');
    await tick('2026-04-20T18:00:00Z');
    expect(threadsUnder(bot.fake, podsChannel)).toHaveLength(1);
  });
});

describe('weekly forming', () => {
  let guildId: string;
  let podsChannel: string;
  const members = memberIds(7, 0);
  const zones = ['Europe/Berlin', 'Europe/London', 'Asia/Tokyo', 'Australia/Sydney', 'America/New_York', 'America/Chicago', 'Asia/Kolkata'];
  const steps = ['python-programming', 'statistics-probability', 'linear-algebra-calculus', 'data-handling', 'data-collection-pipelines', 'ml-foundations'];

  beforeAll(async () => {
    ({ guildId, podsChannel } = await newGuild());
    bot.clock.set('2026-03-02T12:00:00Z');
    for (const [i, userId] of members.entries()) {
      bot.fake.addMember(guildId, { id: userId, username: `member${i}` });
      await setMemberTimezone(database.db, guildId, userId, zones[i]!, bot.clock.now());
      const done = steps.slice(0, i % 5);
      if (done.length > 0) await database.db.insert(stepProgress).values(done.map((stepId) => ({ guildId, userId, stepId, trackId: 'ml-engineer', completedAt: bot.clock.now() })));
      await say(guildId, userId, 'join', i === 0 ? { size: 2 } : {});
    }
    expect(await setup(guildId, { channel: { type: 7, value: podsChannel }, day: 1, time: '18:00' })).toContain('Study pods are **on**');
  });

  const weekRows = async (week: string) => database.db.select().from(pods).where(and(eq(pods.guildId, guildId), eq(pods.week, week))).orderBy(pods.number);
  const podsOf = async (week: string) => {
    const rows = await weekRows(week);
    const all = await database.db.select().from(podMembers);
    return rows.map((p) => ({ ...p, users: all.filter((m) => m.podId === p.id).map((m) => m.userId) }));
  };

  it('forms pods of 2–4 at the forming time, each with a private thread and a kickoff that pings only its members', async () => {
    await tick('2026-03-02T17:59:00Z');
    expect(threadsUnder(bot.fake, podsChannel)).toHaveLength(0);
    await tick('2026-03-02T18:00:00Z');
    const week = await podsOf('2026-03-02');
    expect(week.length).toBeGreaterThanOrEqual(2);
    expect(week.flatMap((p) => p.users).sort()).toEqual([...members].sort());
    for (const p of week) expect(p.users.length).toBeGreaterThanOrEqual(2);
    for (const p of week) expect(p.users.length).toBeLessThanOrEqual(4);

    const threads = threadsUnder(bot.fake, podsChannel);
    expect(threads).toHaveLength(week.length);
    const created = bot.fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${podsChannel}/threads`);
    expect(created.map((r) => (r.body as Json).type)).toEqual(week.map(() => 12));
    expect(created.every((r) => (r.body as Json).invitable === false)).toBe(true);
    for (const p of week) {
      const thread = threads.find((t) => t.id === p.threadId)!;
      expect(thread.thread_metadata.invitable).toBe(false);
      expect(bot.fake.threadMembers(thread.id).sort()).toEqual([bot.fake.botUser.id, ...p.users].sort());
      const kickoffs = bot.fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${thread.id}/messages`);
      expect(kickoffs).toHaveLength(1);
      const body = kickoffs[0]!.body as Json;
      expect(body.allowed_mentions).toEqual({ users: p.users });
      const text = textOf(bot.fake.channelMessages(thread.id)[0]!);
      for (const u of p.users) expect(text).toContain(`<@${u}>`);
      expect(text).toContain('Where each of you stands');
      expect(text).toContain('Suggested goal for the week');
      expect(text).toMatch(/next is \*\*Python programming|next is \*\*/i);
    }
    // the member who asked for 2 is in a pod of 2
    expect(week.find((p) => p.users.includes(members[0]!))!.users).toHaveLength(2);
    const status = await say(guildId, members[3]!, 'status');
    const mine = week.find((p) => p.users.includes(members[3]!))!;
    expect(status).toContain(`thread <#${mine.threadId}>`);
  });

  it('posts one check-in in each thread midweek, once, also after the settings were saved again since the forming', async () => {
    const threads = threadsUnder(bot.fake, podsChannel);
    // Tuesday: a moderator re-runs /setup pods (same day and time). This week's pods are formed; their check-in still comes.
    bot.clock.set('2026-03-03T10:00:00Z');
    expect(await setup(guildId, { channel: { type: 7, value: podsChannel } })).toContain('Study pods are **on**');
    await tick('2026-03-05T17:59:00Z');
    for (const t of threads) expect(bot.fake.channelMessages(t.id)).toHaveLength(1);
    await tick('2026-03-05T18:00:00Z');
    await tick('2026-03-05T18:01:00Z');
    await tick('2026-03-06T09:00:00Z');
    for (const t of threads) {
      const messages = bot.fake.channelMessages(t.id);
      expect(messages).toHaveLength(2);
      expect(messages[1]!.content).toContain('Midweek check-in');
      const request = bot.fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${t.id}/messages`)[1]!;
      expect((request.body as Json).allowed_mentions).toEqual({ parse: [] });
    }
  });

  it('the next week pairs nobody again when it can be avoided', async () => {
    await tick('2026-03-09T18:00:00Z');
    const first = await podsOf('2026-03-02');
    const second = await podsOf('2026-03-09');
    expect(second.flatMap((p) => p.users).sort()).toEqual([...members].sort());
    const before = new Set(first.flatMap((p) => pairsOf(p.users)).map(([a, b]) => pairKey(a, b)));
    expect(second.flatMap((p) => pairsOf(p.users)).filter(([a, b]) => before.has(pairKey(a, b)))).toEqual([]);
    expect(threadsUnder(bot.fake, podsChannel)).toHaveLength(first.length + second.length);
  });

  it('privacy: the export holds the opt-in and pods, the delete removes them', async () => {
    const member = { guildId, userId: members[2]! };
    const exported = await exportMemberData(database.db, member, bot.clock.now());
    expect(exported.podOptIn).toMatchObject({ preferredSize: 3 });
    expect(exported.pods.map((p) => p.week)).toEqual(['2026-03-02', '2026-03-09']);
    const counts = await eraseMemberData(database.db, member);
    expect(counts).toMatchObject({ podOptIn: 1, pods: 2 });
    const after = await exportMemberData(database.db, member, bot.clock.now());
    expect(after.podOptIn).toBeNull();
    expect(after.pods).toEqual([]);
  });
  it('a moderator turns pods off: no forming', async () => {
    bot.clock.set('2026-03-13T12:00:00Z');
    expect(await setup(guildId, { enabled: false })).toContain('Study pods are **off**');
    const before = threadsUnder(bot.fake, podsChannel).length;
    await tick('2026-03-16T18:00:00Z');
    await tick('2026-03-16T19:00:00Z');
    expect(threadsUnder(bot.fake, podsChannel)).toHaveLength(before);
    expect(await weekRows('2026-03-16')).toEqual([]);
    expect(await say(guildId, members[1]!, 'status')).toContain('Pods are turned off in this server');
  });

  it('two bots at the same forming, then a restart: formed once', async () => {
    bot.clock.set('2026-03-20T12:00:00Z');
    expect(await setup(guildId, { enabled: true })).toContain('Study pods are **on**');
    // (the last test of the file: the fake routes the guild to the newest bot's gateway connection)
    const second = await startTestBot({ database, fake: bot.fake, guildId, now: '2026-03-23T17:00:00Z' });
    try {
      bot.clock.set('2026-03-23T18:00:00Z');
      second.clock.set('2026-03-23T18:00:00Z');
      await Promise.all([bot.app.scheduler.runDue(), second.app.scheduler.runDue()]);
    } finally {
      await second.stop();
    }
    const third = await startTestBot({ database, fake: bot.fake, guildId, now: '2026-03-23T18:05:00Z' });
    try {
      await tick('2026-03-23T18:10:00Z', third);
    } finally {
      await third.stop();
    }
    const week = await podsOf('2026-03-23');
    expect(week.length).toBeGreaterThan(0);
    const newThreads = threadsUnder(bot.fake, podsChannel).filter((t) => t.name.includes('2026-03-23'));
    expect(newThreads).toHaveLength(week.length);
    const [claim] = await database.db.select().from(scheduledPosts).where(and(eq(scheduledPosts.guildId, guildId), eq(scheduledPosts.kind, 'pods_form'), eq(scheduledPosts.period, '2026-03-23')));
    expect(claim!.status).toBe('posted');
  });

});

