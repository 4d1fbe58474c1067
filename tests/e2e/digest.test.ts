import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { markDmClosed } from '../../src/db/queries/digest.js';
import { eraseMemberData, exportMemberData } from '../../src/db/queries/privacy.js';
import { updateGuildSettings } from '../../src/db/queries/settings.js';
import { digestSends, memberSettings } from '../../src/db/schema.js';
import { button } from '../../src/sim/interactions.js';
import { startFakeDiscord, type Json } from '../../src/sim/index.js';
import { buttonsOf, shown, startTestBot, textOf, until, type TestBot, useTestBot } from '../support/bot.js';

// Monday 2 March 2026, 06:00 UTC. Each test uses its own members and later weeks.
const { bot, database } = useTestBot({ now: '2026-03-02T06:00:00Z' });

let nextUser = 0;
const newUser = () => `48100000000000${String(100 + nextUser++).padStart(4, '0')}`;

/** The digest DMs the bot sent a user. */
const digests = (userId: string, target: TestBot = bot) => target.fake.dmMessages(userId).filter((m: Json) => /^Your week in /.test(m.embeds?.[0]?.title ?? ''));

async function tickAt(iso: string, target: TestBot = bot): Promise<void> {
  target.clock.set(iso);
  await target.app.scheduler.runDue();
}

async function digestOn(userId: string, options: Record<string, string | number> = {}, target: TestBot = bot) {
  return textOf(shown(await target.command('settings', options, { user: userId, subcommandGroup: 'digest', subcommand: 'on' })));
}

/** How many /<command> interactions the router finished (it counts them after the notice hook). */
async function handledCount(command: string): Promise<number> {
  const text = await bot.app.metrics.render();
  const pattern = new RegExp(`^cohort_interactions_total\\{[^}]*command="${command}"[^}]*\\} (\\d+)$`, 'gm');
  return [...text.matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0);
}

async function untilAsync(check: () => Promise<boolean>, what: string): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function settingsRow(userId: string) {
  const [row] = await database.db.select().from(memberSettings).where(and(eq(memberSettings.guildId, bot.guildId), eq(memberSettings.userId, userId)));
  return row;
}

describe('/settings digest', () => {
  it('is off by default; on, off, day and time are the member’s, in their own time zone', async () => {
    const user = newUser();
    expect((await settingsRow(user))?.digestEnabled ?? false).toBe(false);
    await bot.command('settings', { zone: 'Europe/Berlin' }, { user, subcommand: 'timezone' });
    const on = await digestOn(user, { day: 5, time: '18:30' });
    expect(on).toContain('**on**: every **Friday** at **18:30** (Europe/Berlin)');
    // Friday 6 March 18:30 in Berlin (CET) is 17:30 UTC.
    expect(on).toContain(`<t:${Date.parse('2026-03-06T17:30:00Z') / 1000}:F>`);
    expect(on).toContain('allow direct messages');
    expect(await settingsRow(user)).toMatchObject({ digestEnabled: true, digestDay: 5, digestTime: '18:30' });

    // Only what is given changes.
    expect(await digestOn(user, { time: '7:05' })).toContain('every **Friday** at **07:05**');
    const bad = textOf(shown(await bot.command('settings', { time: '25:00' }, { user, subcommandGroup: 'digest', subcommand: 'on' })));
    expect(bad).toContain('is not a time');
    expect(await settingsRow(user)).toMatchObject({ digestEnabled: true, digestTime: '07:05' });

    const off = textOf(shown(await bot.command('settings', {}, { user, subcommandGroup: 'digest', subcommand: 'off' })));
    expect(off).toContain('**off**');
    expect(await settingsRow(user)).toMatchObject({ digestEnabled: false, digestDay: 5, digestTime: '07:05' });
  });
});

describe('sending', () => {
  it('is due at each member’s own local time, once per week, with progress, the next step and its resource', async () => {
    const tokyo = newUser();
    const york = newUser();
    await bot.command('settings', { zone: 'Asia/Tokyo' }, { user: tokyo, subcommand: 'timezone' });
    await bot.command('settings', { zone: 'America/New_York' }, { user: york, subcommand: 'timezone' });
    await digestOn(tokyo, { day: 1, time: '09:00' });
    await digestOn(york, { day: 1, time: '09:00' });
    bot.clock.set('2026-03-04T12:00:00Z');
    await bot.command('done', { step: 'python-programming' }, { user: tokyo });
    bot.clock.set('2026-03-06T12:00:00Z');
    await bot.command('done', { step: 'statistics-probability' }, { user: tokyo });

    // Monday 9 March 09:00 in Tokyo = 00:00 UTC; in New York (EDT since 8 March) = 13:00 UTC.
    await tickAt('2026-03-08T23:59:00Z');
    expect(digests(tokyo)).toHaveLength(0);
    await tickAt('2026-03-09T00:00:00Z');
    expect(digests(tokyo)).toHaveLength(1);
    expect(digests(york)).toHaveLength(0);
    await tickAt('2026-03-09T12:59:00Z');
    expect(digests(york)).toHaveLength(0);
    await tickAt('2026-03-09T13:00:00Z');
    expect(digests(york)).toHaveLength(1);
    await tickAt('2026-03-09T15:00:00Z');
    expect(digests(tokyo)).toHaveLength(1);
    expect(digests(york)).toHaveLength(1);

    const text = textOf(digests(tokyo)[0]!);
    expect(text).toContain('**2 steps** done in the last 7 days');
    expect(text).toContain('Next step');
    expect(text).toContain('📚');
    expect(text).toContain('Week of 2026-03-09');
    expect(textOf(digests(york)[0]!)).toContain('**0 steps** done in the last 7 days');
    expect(buttonsOf(digests(tokyo)[0]!).map((b) => b.label)).toEqual(['Stop these']);
    const sent = bot.fake.requests.find((r) => r.method === 'POST' && r.path === `/channels/${digests(tokyo)[0]!.channel_id}/messages`);
    expect((sent?.body as Json).allowed_mentions).toEqual({ parse: [] }); // pings nobody

    // The week after, the next one.
    await tickAt('2026-03-16T00:00:00Z');
    expect(digests(tokyo)).toHaveLength(2);
    expect(textOf(digests(tokyo)[1]!)).toContain('**0 steps** done in the last 7 days'); // the steps were longer ago
  });

  it('is sent exactly once with two bots on one database, and across a restart', async () => {
    const fake = await startFakeDiscord();
    const user = newUser();
    let first: TestBot | undefined = await startTestBot({ database, fake, now: '2026-03-17T08:00:00Z' });
    const pool = database.url ? await openDatabase({ url: database.url }) : undefined; // a separate pool, like another process
    let rival: TestBot | undefined;
    let restarted: TestBot | undefined;
    try {
      await digestOn(user, { day: 2, time: '10:00' }, first); // Tuesdays, the server's zone (UTC)
      rival = await startTestBot({ database: pool ?? database, fake, guildId: first.guildId, now: '2026-03-17T09:00:00Z' });
      const [a, b] = [first, rival];
      for (const target of [a, b]) target.clock.set('2026-03-17T10:00:00Z');
      await Promise.all([a.app.scheduler.runDue(), b.app.scheduler.runDue(), a.app.scheduler.runDue(), b.app.scheduler.runDue()]);
      expect(digests(user, a)).toHaveLength(1);

      // Both stop; a restart later the same week sends nothing again.
      await first.stop();
      first = undefined;
      await rival.stop();
      rival = undefined;
      restarted = await startTestBot({ database, fake, guildId: a.guildId, now: '2026-03-17T11:00:00Z' });
      await tickAt('2026-03-17T12:00:00Z', restarted);
      expect(digests(user, restarted)).toHaveLength(1);
      const rows = await database.db.select().from(digestSends).where(eq(digestSends.userId, user));
      expect(rows.map((r) => [r.week, r.status, r.attempts])).toEqual([['2026-03-16', 'sent', 1]]);
      // And the next week, once more.
      await tickAt('2026-03-24T10:00:00Z', restarted);
      expect(digests(user, restarted)).toHaveLength(2);
    } finally {
      await first?.stop();
      await rival?.stop();
      await restarted?.stop();
      await fake.close();
      await pool?.close();
    }
  });

  it('catches up after downtime within CATCHUP_HOURS, not after', async () => {
    const fake = await startFakeDiscord();
    const early = newUser();
    const late = newUser();
    let first: TestBot | undefined = await startTestBot({ database, fake, now: '2026-03-18T05:00:00Z' });
    let back: TestBot | undefined;
    try {
      await digestOn(early, { day: 3, time: '06:00' }, first); // Wednesday 18 March 06:00 UTC
      await digestOn(late, { day: 3, time: '12:00' }, first); // Wednesday 18 March 12:00 UTC
      const guildId = first.guildId;
      await first.stop();
      first = undefined;
      // Down until 17:30: the 12:00 one is 5.5 h late (sent at start-up), the 06:00 one 11.5 h (not sent).
      back = await startTestBot({ database, fake, guildId, now: '2026-03-18T17:30:00Z' });
      expect(digests(late, back)).toHaveLength(1);
      expect(digests(early, back)).toHaveLength(0);
      await tickAt('2026-03-18T23:00:00Z', back);
      expect(digests(early, back)).toHaveLength(0);
      // The missed week is not sent later; the next one is.
      await tickAt('2026-03-25T06:00:00Z', back);
      expect(digests(early, back)).toHaveLength(1);
    } finally {
      await first?.stop();
      await back?.stop();
      await fake.close();
    }
  });
});

describe('closed DMs', () => {
  it('marks the member, does not retry, and tells them once on their next command', async () => {
    const user = newUser();
    bot.clock.set('2026-03-26T08:00:00Z');
    await digestOn(user, { day: 4, time: '09:00' }); // Thursdays
    bot.fake.setDmsClosed(user, true);
    const dmPosts = () => bot.fake.requests.filter((r) => r.method === 'POST' && /^\/channels\/\d+\/messages$/.test(r.path) && r.status === 403).length;
    const before = dmPosts();
    await tickAt('2026-03-26T09:00:00Z');
    expect(dmPosts()).toBe(before + 1);
    expect((await settingsRow(user))?.digestDmClosedAt).toBeInstanceOf(Date);
    await tickAt('2026-03-26T09:05:00Z');
    await tickAt('2026-04-02T09:00:00Z');
    expect(dmPosts()).toBe(before + 1); // not retried, neither this week nor the next
    expect(digests(user)).toHaveLength(0);

    const first = await bot.command('streak', {}, { user });
    await until(() => first.followups.length > 0, 'the notice');
    expect(first.followups.map((f) => f.content)).toEqual([expect.stringContaining('I couldn’t DM your weekly digest: your DMs from this server are closed')]);
    expect(first.followups[0]!.flags & 64).toBe(64); // ephemeral
    const handled = await handledCount('streak');
    const again = await bot.command('streak', {}, { user });
    await untilAsync(async () => (await handledCount('streak')) > handled, 'the second /streak handled'); // the router is done with it
    expect(again.followups).toHaveLength(0);

    // Opening the DMs and turning it on again sends the next week's.
    bot.fake.setDmsClosed(user, false);
    await digestOn(user);
    await tickAt('2026-04-09T09:00:00Z');
    expect(digests(user)).toHaveLength(1);
  });

  it('a refusal marked by another process on the same database is told after this one’s next minute, once', async () => {
    const user = newUser();
    bot.clock.set('2026-05-07T08:00:00Z');
    const settingsHandled = await handledCount('settings');
    await digestOn(user, { day: 4, time: '09:00' }); // Thursday 7 May
    await untilAsync(async () => (await handledCount('settings')) > settingsHandled, 'the router done with /settings');
    // Another process on the same database was refused the DM and marked it (what its digest job writes).
    await markDmClosed(database.db, { guildId: bot.guildId, userId: user }, new Date('2026-05-07T09:00:00Z'));
    expect((await settingsRow(user))?.digestDmClosedAt).toBeInstanceOf(Date);
    // This process has not heard of it yet: its next minute reloads the members to tell.
    await tickAt('2026-05-07T09:01:00Z');
    const told = await bot.command('streak', {}, { user });
    await until(() => told.followups.length > 0, 'the notice');
    expect(told.followups.map((f) => f.content)).toEqual([expect.stringContaining('I couldn’t DM your weekly digest')]);
    const handled = await handledCount('streak');
    const again = await bot.command('streak', {}, { user });
    await untilAsync(async () => (await handledCount('streak')) > handled, 'the second /streak handled');
    expect(again.followups).toHaveLength(0);
  });
});

describe('the DM', () => {
  it('has a Stop these button that works in the DM and turns the digest off; other DM interactions stay refused', async () => {
    const user = newUser();
    bot.clock.set('2026-04-10T08:00:00Z');
    await digestOn(user, { day: 5, time: '09:00' }); // Friday 10 April
    await tickAt('2026-04-10T09:00:00Z');
    const [dm] = digests(user);
    const stop = buttonsOf(dm!).find((b) => b.label === 'Stop these')!;
    expect(stop.customId).toBe(`settings:digest-stop:${bot.guildId}`);

    const pressed = await bot.fake.waitForInteractionReply(bot.fake.sendInteraction(button(bot.fake, { customId: stop.customId!, user, message: dm })));
    expect(textOf(shown(pressed))).toContain('The weekly digest is off');
    expect(await settingsRow(user)).toMatchObject({ digestEnabled: false });
    await tickAt('2026-04-17T09:00:00Z');
    expect(digests(user)).toHaveLength(1);

    // The exception is that button only: a command in a DM is still refused.
    const inDm = await bot.fake.waitForInteractionReply(bot.fake.sendInteraction(button(bot.fake, { customId: `settings:other:${bot.guildId}`, user })));
    expect(textOf(shown(inDm))).toContain('Cohort works inside a server');
  });

  it('says “your streak is at risk today” only when today has not counted yet', async () => {
    const risky = newUser();
    const safe = newUser();
    bot.clock.set('2026-04-19T12:00:00Z'); // Sunday: both check in
    await bot.command('checkin', {}, { user: risky });
    await bot.command('checkin', {}, { user: safe });
    await digestOn(risky, { day: 1, time: '12:00' });
    await digestOn(safe, { day: 1, time: '12:00' });
    bot.clock.set('2026-04-20T10:00:00Z'); // Monday: only `safe` checks in before the digest
    await bot.command('checkin', {}, { user: safe });
    await tickAt('2026-04-20T12:00:00Z');
    expect(textOf(digests(risky)[0]!)).toContain('Your streak is at risk today');
    expect(textOf(digests(risky)[0]!)).toContain('🔥 **1 day**');
    expect(textOf(digests(safe)[0]!)).not.toContain('at risk');
    expect(textOf(digests(safe)[0]!)).toContain('🔥 **2 days**');
  });
});

describe('the running challenge', () => {
  it('shows the week’s challenge, its deadline and whether the member joined', async () => {
    const user = newUser();
    bot.clock.set('2026-04-27T08:00:00Z'); // Monday: the challenge week starts
    await updateGuildSettings(database.db, bot.guildId, { challengesChannelId: bot.channelId, challengesEnabled: true }, bot.clock.now());
    await bot.app.scheduler.runDue();
    await bot.command('challenge', {}, { user, subcommand: 'join' });
    await digestOn(user, { day: 1, time: '10:00' });
    await tickAt('2026-04-27T10:00:00Z');
    const text = textOf(digests(user)[0]!);
    expect(text).toContain('This week’s challenge');
    expect(text).toMatch(/deadline <t:\d+:F>/);
    expect(text).toContain('You joined');
    await updateGuildSettings(database.db, bot.guildId, { challengesEnabled: false }, bot.clock.now());
  });
});

describe('privacy', () => {
  it('the export holds the digest settings and sends; erasing removes them', async () => {
    const user = newUser();
    bot.clock.set('2026-05-03T08:00:00Z');
    await digestOn(user, { day: 0, time: '09:00' }); // Sunday 3 May
    await tickAt('2026-05-03T09:00:00Z');
    expect(digests(user)).toHaveLength(1);
    const member = { guildId: bot.guildId, userId: user };
    const data = await exportMemberData(database.db, member, bot.clock.now());
    expect(data.settings).toMatchObject({ digestEnabled: true, digestDay: 0, digestTime: '09:00', digestDmClosedAt: null });
    expect(data.weeklyDigests).toMatchObject([{ week: '2026-04-27', status: 'sent' }]);
    expect(await eraseMemberData(database.db, member)).toMatchObject({ settings: 1, weeklyDigests: 1 });
    const empty = await exportMemberData(database.db, member, bot.clock.now());
    expect([empty.settings, empty.weeklyDigests]).toEqual([null, []]);
  });
});

describe('changing the digest day', () => {
  it('moved to a later day in a week that had its digest: the reply names the next one that really comes', async () => {
    const user = newUser();
    bot.clock.set('2026-06-01T06:00:00Z'); // Monday, UTC
    await digestOn(user, { day: 1, time: '09:00' });
    await tickAt('2026-06-01T09:00:00Z');
    expect(digests(user)).toHaveLength(1);
    bot.clock.set('2026-06-03T12:00:00Z'); // Wednesday: Sunday instead
    const moved = await digestOn(user, { day: 0 });
    // Sunday 7 June belongs to the week already sent: the next one is Sunday 14 June.
    expect(moved).toContain(`<t:${Date.parse('2026-06-14T09:00:00Z') / 1000}:F>`);
    await tickAt('2026-06-07T09:00:00Z');
    expect(digests(user)).toHaveLength(1);
    await tickAt('2026-06-14T09:00:00Z');
    expect(digests(user)).toHaveLength(2);
  });
});
