import { describe, expect, it } from 'vitest';
import { MessageFlags } from 'discord.js';
import { and, eq, like } from 'drizzle-orm';
import { cohortUnitsDone, scheduledPosts } from '../../src/db/schema.js';
import { buttonsOf, MODERATOR, shown, startTestBot, textOf, until, useTestBot, type TestBot } from '../support/bot.js';
import { startFakeDiscord, type FakeDiscord, type Json } from '../../src/sim/index.js';

/**
 * A cohort in Europe/Berlin from creation to certificates, the clock moved week by week: four
 * weekly units (Monday 23:59 deadlines) with the switch to summer time (29 March 2026) inside week 2.
 * Ada joins before the start and keeps up; Ben joins late, falls behind and catches up; Cy hides
 * from the board and does nothing.
 */
const { bot, database } = useTestBot({ now: '2026-03-10T12:00:00Z' });

const MOD = '510000000000000001';
const ADA = '510000000000000011';
const BEN = '510000000000000012';
const CY = '510000000000000013';
const STEPS = ['python-programming', 'statistics-probability', 'linear-algebra-calculus', 'data-handling'];
// Deadlines: Monday 23:59 Berlin. 23 March is CET (UTC+1); from 29 March CEST (UTC+2).
const DEADLINES = ['2026-03-23T22:59:00Z', '2026-03-30T21:59:00Z', '2026-04-06T21:59:00Z', '2026-04-13T21:59:00Z'];
const unix = (iso: string) => Date.parse(iso) / 1000;

async function tickAt(target: TestBot, iso: string): Promise<void> {
  target.clock.set(iso);
  await target.app.scheduler.runDue(new Date(iso));
}

function posts(fake: FakeDiscord, channelId: string): Json[] {
  return fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages` && r.status < 300).map((r) => r.body as Json);
}
const announcements = (fake: FakeDiscord, channelId: string) => posts(fake, channelId).filter((b) => /week \d of 4 starts now/.test(b.content ?? ''));
const announcements2 = (fake: FakeDiscord, channelId: string) => posts(fake, channelId).filter((b) => /week \d of \d starts now/.test(b.content ?? ''));
const reminders = (fake: FakeDiscord, channelId: string) => posts(fake, channelId).filter((b) => /is due in 24 hours/.test(b.content ?? ''));

async function run(sub: string, user: string, options: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return shown(await bot.command('cohort', options as never, { user, subcommand: sub, ...extra }));
}

describe('a cohort from create to certificate, across the switch to summer time', () => {
  let channelId: string;
  let cohortId: string;

  it('only moderators create; the reply shows the plan week by week with local deadlines', async () => {
    await until(() => bot.app.client.guilds.cache.has(bot.guildId), 'the guild');
    channelId = bot.fake.addChannel(bot.guildId, { name: 'cohort', type: 0 }).id as string;
    await until(() => bot.app.client.channels.cache.has(channelId), 'the channel');
    bot.fake.addMember(bot.guildId, { id: ADA, username: 'ada', global_name: 'Ada Lovelace' });
    bot.fake.addMember(bot.guildId, { id: BEN, username: 'ben' });
    bot.fake.addMember(bot.guildId, { id: CY, username: 'cy' });
    const options = {
      name: 'Spring 2026',
      track: 'ml-engineer',
      start: '2026-03-16',
      channel: { type: 7, value: channelId },
      steps: STEPS.join(', '),
      timezone: 'Europe/Berlin',
      late: 'separate',
      certificate: '75',
    };
    expect(textOf(await run('create', ADA, options))).toContain('Only moderators');
    const reply = await run('create', MOD, options, MODERATOR);
    expect(reply.flags & MessageFlags.Ephemeral).toBeTruthy();
    const text = textOf(reply);
    expect(text).toContain('Spring 2026: 4 weeks');
    for (const [i, d] of DEADLINES.entries()) expect(text).toContain(`**Week ${i + 1}** · due <t:${unix(d)}:f>`);
    expect(text).toContain('at least 75% of the units done on time');
    const join = buttonsOf(reply).find((b) => b.label === 'Join')!;
    cohortId = join.customId!.split(':')[2]!;
    // A second cohort with the same name is refused.
    expect(textOf(await run('create', MOD, { ...options, name: 'spring 2026' }, MODERATOR))).toContain('already has a cohort called');

    // Members join by command and by the button; Cy hides from the board.
    expect(textOf(await run('join', ADA))).toContain('You joined **Spring 2026**');
    expect(textOf(shown(await bot.press(join.customId!, { user: CY })))).toContain('You joined');
    expect(textOf(await run('join', CY))).toContain('already in');
    expect(textOf(await run('hide', CY))).toContain('private');
    // This bot has no HTTP_PORT: the calendar says what to set.
    expect(textOf(await run('calendar', ADA))).toContain('sets `HTTP_PORT`');
  });

  it('the plan changes until the start, only by moderators', async () => {
    expect(textOf(await run('plan', ADA, { pace: 2 }))).toContain('Only moderators');
    const changed = textOf(await run('plan', MOD, { pace: 2, steps: STEPS.join(',') }, MODERATOR));
    expect(changed).toContain('Spring 2026: 2 weeks');
    expect(textOf(await run('plan', MOD, { plan: STEPS.join(' | ') }, MODERATOR))).toContain('Spring 2026: 4 weeks');
    expect(textOf(await run('plan', MOD, { plan: 'python-programming | no-such-step' }, MODERATOR))).toContain('no-such-step is not a roadmap step');
  });

  it('week 1 is announced at 09:00 Berlin on the start day, once, with its steps, resources and due date', async () => {
    await tickAt(bot, '2026-03-16T07:59:00Z');
    expect(announcements(bot.fake, channelId)).toHaveLength(0);
    await tickAt(bot, '2026-03-16T08:00:00Z');
    await tickAt(bot, '2026-03-16T08:01:00Z');
    const sent = announcements(bot.fake, channelId);
    expect(sent).toHaveLength(1);
    const body = textOf(sent[0]!);
    expect(body).toContain(`<t:${unix(DEADLINES[0]!)}:F>`);
    expect(body).toContain(bot.app.ctx.contents.builtin.steps.get(STEPS[0]!)!.step.title);
    expect(body).toMatch(/📚 \[/); // resources as links
    expect(sent[0]!.allowed_mentions).toEqual({ parse: [] });
    // Editing the plan after the start is refused.
    expect(textOf(await run('plan', MOD, { pace: 2 }, MODERATOR))).toContain('has started');
  });

  it('a step marked done counts for the unit; the reminder 24 hours before pings only who has not finished', async () => {
    bot.clock.set('2026-03-17T10:00:00Z');
    expect(textOf(shown(await bot.command('done', { step: STEPS[0]! }, { user: ADA })))).toContain('Marked');
    await tickAt(bot, '2026-03-22T22:58:00Z');
    expect(reminders(bot.fake, channelId)).toHaveLength(0);
    await tickAt(bot, '2026-03-22T22:59:00Z');
    const sent = reminders(bot.fake, channelId);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.allowed_mentions).toEqual({ parse: [], users: [CY] });
    expect(sent[0]!.content).toContain(`<@${CY}>`);
    expect(sent[0]!.content).not.toContain(`<@${ADA}>`);
  });

  it('Ben joins in week 2: behind by one; then catches up (week 1 late, week 2 on time)', async () => {
    await tickAt(bot, '2026-03-23T08:00:00Z');
    expect(announcements(bot.fake, channelId)).toHaveLength(2);
    bot.clock.set('2026-03-24T10:00:00Z');
    expect(textOf(await run('join', BEN))).toContain('You joined');
    expect(textOf(await run('status', BEN))).toContain('behind by 1 unit');
    const board = textOf(await run('board', ADA));
    expect(board).toContain(`<@${ADA}> · 1/4`);
    expect(board).toContain('🐢 Catching up (1)');
    expect(board).toContain(`<@${BEN}>`);
    expect(board).not.toContain(`<@${CY}>`);
    expect(board).toContain('3 members, 1 of them keeps their place private');

    for (const step of STEPS.slice(0, 2)) expect(textOf(shown(await bot.command('done', { step }, { user: BEN })))).toContain('Marked');
    const status = textOf(await run('status', BEN));
    expect(status).toContain('on pace');
    expect(status).toContain('🕓 late');
    expect(textOf(shown(await bot.command('done', { step: STEPS[1]! }, { user: ADA })))).toContain('Marked');
    const rows = await database.db.select().from(cohortUnitsDone).where(eq(cohortUnitsDone.userId, BEN));
    expect(rows.map((r) => [r.week, r.onTime]).sort()).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('week 2’s reminder comes 24 real hours before a deadline on the other side of the switch, and pings only Cy', async () => {
    await tickAt(bot, '2026-03-29T21:58:00Z');
    expect(reminders(bot.fake, channelId)).toHaveLength(1);
    await tickAt(bot, '2026-03-29T21:59:00Z');
    const sent = reminders(bot.fake, channelId);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.allowed_mentions).toEqual({ parse: [], users: [CY] });
    expect(sent[1]!.content).toContain(`<t:${unix(DEADLINES[1]!)}:F>`);
    // Week 3 opens at 09:00 summer time: 07:00 UTC.
    await tickAt(bot, '2026-03-30T06:59:00Z');
    expect(announcements(bot.fake, channelId)).toHaveLength(2);
    await tickAt(bot, '2026-03-30T07:00:00Z');
    expect(announcements(bot.fake, channelId)).toHaveLength(3);
  });

  it('after week 2’s deadline, Cy (two units behind) is told once, privately, how to catch up; moderators see since when', async () => {
    await tickAt(bot, '2026-03-31T09:00:00Z');
    await tickAt(bot, '2026-03-31T09:01:00Z');
    const nudges = bot.fake.requests.filter((r) => r.method === 'POST' && r.status < 300 && /A friendly note/.test((r.body as Json)?.content ?? ''));
    expect(nudges).toHaveLength(1);
    const text = (nudges[0]!.body as Json).content as string;
    expect(text).toContain('2 units behind');
    expect(text).toContain('Week 1: ');
    expect(text).toContain('Week 2: ');
    const open = bot.fake.requests.filter((r) => r.method === 'POST' && r.path === '/users/@me/channels' && (r.body as Json).recipient_id === CY);
    expect(open.length).toBeGreaterThan(0);
    expect(textOf(await run('board', MOD, {}, MODERATOR))).not.toContain(`<@${CY}>`); // hidden stays hidden
    expect(textOf(await run('hide', CY, { hidden: false }))).toContain('on the **Spring 2026** board again');
    expect(textOf(await run('board', MOD, {}, MODERATOR))).toContain(`<@${CY}> · 0/4 (behind by 2) since <t:${unix(DEADLINES[0]!)}:d>`);
    expect(textOf(await run('board', ADA))).not.toContain('since');
    expect(textOf(await run('hide', CY))).toContain('private');
  });

  it('leaving after the join deadline is refused; joining too', async () => {
    bot.clock.set('2026-03-31T10:00:00Z');
    expect(textOf(await run('leave', CY))).toContain('can only be left until its join deadline');
    expect(textOf(await run('join', '510000000000000099'))).toContain('closed');
  });

  it('at the end: certificates go privately, once, to those who met the rule; codes verify', async () => {
    bot.clock.set('2026-04-01T10:00:00Z');
    for (const user of [ADA, BEN]) for (const step of STEPS.slice(2)) await bot.command('done', { step }, { user });
    expect(textOf(await run('certificate', ADA))).toContain('still running');
    await tickAt(bot, '2026-04-06T08:00:00Z');
    await tickAt(bot, '2026-04-12T21:59:00Z');
    expect(reminders(bot.fake, channelId)).toHaveLength(4);
    await tickAt(bot, '2026-04-13T21:59:00Z');
    await tickAt(bot, '2026-04-13T22:00:00Z');
    const dms = bot.fake.requests.filter((r) => r.method === 'POST' && /^\/channels\/\d+\/messages$/.test(r.path) && r.status < 300 && /Congratulations/.test((r.body as Json)?.content ?? ''));
    expect(dms).toHaveLength(2);
    for (const dm of dms) {
      expect(dm.files).toHaveLength(1);
      expect(dm.files[0]!.contentType).toBe('image/png');
    }
    const mine = textOf(await run('certificate', ADA));
    const code = /`([0-9A-Z]{5}-[0-9A-Z]{5})`/.exec(mine)![1]!;
    const verified = textOf(await run('verify', CY, { code: code.toLowerCase().replace('-', ' ') }));
    expect(verified).toContain('is a real certificate');
    expect(verified).toContain('Ada Lovelace');
    expect(verified).toContain('4 of 4 units, 4 on time');
    expect(textOf(await run('verify', CY, { code: '00000-00000' }))).toContain('No certificate');
    expect(textOf(await run('certificate', BEN))).toContain('3 on time');
    expect(textOf(await run('certificate', CY))).toContain('no certificate');
    expect(textOf(await run('list', CY))).toContain('finished');
    // The burn-up chart: a PNG on the board's embed.
    const record = await bot.command('cohort', { chart: true }, { user: CY, subcommand: 'board' });
    const board = shown(record);
    expect(board.embeds[0].image.url).toBe('attachment://burn-up.png');
    expect((board.attachments as Json[]).map((a) => a.filename)).toEqual(['burn-up.png']);

    // Every post of the cohort exactly once.
    const claims = await database.db
      .select()
      .from(scheduledPosts)
      .where(and(eq(scheduledPosts.guildId, bot.guildId), like(scheduledPosts.period, `${cohortId}:%`)));
    const units = claims.filter((c) => c.kind === 'cohort_unit');
    expect(units.map((c) => `${c.period}:${c.status}`).sort()).toEqual([1, 2, 3, 4].map((w) => `${cohortId}:${w}:posted`));
    expect(announcements(bot.fake, channelId)).toHaveLength(4);
    // Weeks 3 and 4: everyone left to remind is Cy.
    expect(reminders(bot.fake, channelId)).toHaveLength(4);
    expect(claims.filter((c) => c.kind === 'cohort_certificate').map((c) => c.status)).toEqual(['posted', 'posted']);
  });
});

describe('restarts and two processes', () => {
  const M1 = '520000000000000001';
  const M2 = '520000000000000002';
  const create = (target: TestBot, guildId: string, channelId: string) =>
    target.command(
      'cohort',
      { name: 'May', track: 'ml-engineer', start: '2026-05-04', channel: { type: 7, value: channelId }, steps: STEPS.slice(0, 2).join(','), timezone: 'UTC' },
      { guildId, user: MOD, subcommand: 'create', ...MODERATOR },
    );

  it('a restart: a missed reminder past its deadline is skipped, a missed announcement still before its deadline is caught up, each once', async () => {
    const fake = await startFakeDiscord();
    const guildId = fake.addGuild({ name: 'Restart', channels: [{ name: 'general', type: 0 }, { name: 'cohort', type: 0 }] }).id as string;
    const channelId = [...fake.channels.values()].find((c) => c.guild_id === guildId && c.name === 'cohort')!.id as string;
    const first = await startTestBot({ database, fake, guildId, now: '2026-05-01T10:00:00Z' });
    let second: TestBot | undefined;
    try {
      await until(() => first.app.client.channels.cache.has(channelId), 'the channel');
      expect(textOf(shown(await create(first, guildId, channelId)))).toContain('May: 2 weeks');
      await first.command('cohort', { cohort: 'May' }, { guildId, user: M1, subcommand: 'join' });
      await tickAt(first, '2026-05-04T09:00:00Z');
      expect(announcements2(fake, channelId)).toHaveLength(1);
      await first.stop();
      // Down over week 1's reminder (10 May 23:59) and deadline, and week 2's opening (11 May 09:00).
      second = await startTestBot({ database, fake, guildId, now: '2026-05-13T12:00:00Z' });
      await tickAt(second, '2026-05-13T12:00:00Z');
      await tickAt(second, '2026-05-13T12:01:00Z');
      expect(announcements2(fake, channelId)).toHaveLength(2);
      expect(reminders(fake, channelId)).toHaveLength(0);
      const rows = await database.db.select().from(scheduledPosts).where(eq(scheduledPosts.guildId, guildId));
      expect(rows.map((r) => `${r.kind}:${r.period.split(':')[1]}:${r.status}`).sort()).toEqual(['cohort_nudges:1:skipped', 'cohort_reminder:1:skipped', 'cohort_unit:1:posted', 'cohort_unit:2:posted']);
    } finally {
      await second?.stop();
      await fake.close();
    }
  });

  it('two processes ticking at the same moments: every post and certificate exactly once', async () => {
    const fake = await startFakeDiscord();
    const guildId = fake.addGuild({ name: 'Two', channels: [{ name: 'general', type: 0 }, { name: 'cohort', type: 0 }] }).id as string;
    const channelId = [...fake.channels.values()].find((c) => c.guild_id === guildId && c.name === 'cohort')!.id as string;
    const a = await startTestBot({ database, fake, guildId, now: '2026-05-01T10:00:00Z' });
    const b = await startTestBot({ database, fake, guildId, now: '2026-05-01T10:00:00Z' });
    try {
      for (const app of [a, b]) await until(() => app.app.client.channels.cache.has(channelId), 'the channel in both processes');
      await create(a, guildId, channelId);
      for (const user of [M1, M2]) await a.command('cohort', { cohort: 'May' }, { guildId, user, subcommand: 'join' });
      a.clock.set('2026-05-05T10:00:00Z');
      for (const step of STEPS.slice(0, 2)) await a.command('done', { step }, { guildId, user: M1 });
      for (const at of ['2026-05-04T09:00:00Z', '2026-05-10T23:59:00Z', '2026-05-11T09:00:00Z', '2026-05-17T23:59:00Z', '2026-05-18T23:59:00Z', '2026-05-19T00:00:00Z']) {
        a.clock.set(at);
        b.clock.set(at);
        await Promise.all([a.app.scheduler.runDue(new Date(at)), b.app.scheduler.runDue(new Date(at)), a.app.scheduler.runDue(new Date(at))]);
      }
      expect(announcements2(fake, channelId)).toHaveLength(2);
      const sent = reminders(fake, channelId);
      expect(sent).toHaveLength(2);
      for (const r of sent) expect(r.allowed_mentions).toEqual({ parse: [], users: [M2] });
      const certificates = fake.requests.filter((r) => r.method === 'POST' && r.status < 300 && /Congratulations/.test((r.body as Json)?.content ?? ''));
      expect(certificates).toHaveLength(1);
    } finally {
      await b.stop();
      await a.stop();
      await fake.close();
    }
  });

  it('a channel Discord refuses (50013): the cohort stops posting, says so in /cohort status, and resumes with /cohort plan channel', async () => {
    const fake = await startFakeDiscord();
    const guildId = fake.addGuild({ name: 'Refused', channels: [{ name: 'general', type: 0 }, { name: 'cohort', type: 0 }] }).id as string;
    const channelId = [...fake.channels.values()].find((c) => c.guild_id === guildId && c.name === 'cohort')!.id as string;
    const own = await startTestBot({ database, fake, guildId, now: '2026-05-01T10:00:00Z' });
    try {
      await until(() => own.app.client.channels.cache.has(channelId), 'the channel');
      await create(own, guildId, channelId);
      fake.failWith({ method: 'POST', path: new RegExp(`^/channels/${channelId}/messages$`), code: 50013 });
      const attempts = () => fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`).length;
      await tickAt(own, '2026-05-04T09:00:00Z');
      await tickAt(own, '2026-05-04T09:05:00Z');
      expect(attempts()).toBe(1);
      const status = textOf(shown(await own.command('cohort', { cohort: 'May' }, { guildId, user: M1, subcommand: 'status' })));
      expect(status).toContain('Posts stopped');
      expect(status).toContain('50013');
      fake.clearFailures();
      own.clock.set('2026-05-04T09:10:00Z');
      expect(textOf(shown(await own.command('cohort', { cohort: 'May', channel: { type: 7, value: channelId } }, { guildId, user: M1, subcommand: 'plan' })))).toContain('Only moderators');
      const resumed = textOf(shown(await own.command('cohort', { cohort: 'May', channel: { type: 7, value: channelId } }, { guildId, user: MOD, subcommand: 'plan', ...MODERATOR })));
      expect(resumed).toContain('tried again');
      await tickAt(own, '2026-05-04T09:11:00Z');
      expect(announcements2(fake, channelId)).toHaveLength(1);
    } finally {
      await own.stop();
      await fake.close();
    }
  });
});
