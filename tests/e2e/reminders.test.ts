import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { memberSettings, scheduledPosts } from '../../src/db/schema.js';
import { button } from '../../src/sim/interactions.js';
import { startFakeDiscord, type Json } from '../../src/sim/index.js';
import { buttonsOf, shown, startTestBot, textOf, until, useTestBot, type TestBot } from '../support/bot.js';

// Thursday 5 March 2026. The server keeps the defaults: UTC, a new day at 04:00, up to 2 freezes.
const { bot, database } = useTestBot({ now: '2026-03-05T12:00:00Z' });

let nextUser = 0;
const newUser = () => `48400000000000${String(1000 + nextUser++)}`;

/** The streak reminder DMs the bot sent a user. */
const reminders = (userId: string, target: TestBot = bot) => target.fake.dmMessages(userId).filter((m: Json) => String(m.content ?? '').includes('is waiting for today'));

async function tickAt(iso: string, target: TestBot = bot): Promise<void> {
  target.clock.set(iso);
  await target.app.scheduler.runDue();
}

async function checkInAt(iso: string, user: string, target: TestBot = bot) {
  target.clock.set(iso);
  expect(textOf(shown(await target.command('checkin', {}, { user })))).not.toContain('already');
}

async function reminderOn(user: string, options: Record<string, string> = {}, target: TestBot = bot) {
  return textOf(shown(await target.command('settings', options, { user, subcommandGroup: 'reminder', subcommand: 'on' })));
}

async function settingsRow(userId: string) {
  const [row] = await database.db.select().from(memberSettings).where(and(eq(memberSettings.guildId, bot.guildId), eq(memberSettings.userId, userId)));
  return row;
}

describe('/settings reminder', () => {
  it('comes at the member’s local time across a DST change, only while the day has not counted', async () => {
    const york = newUser();
    await bot.command('settings', { zone: 'America/New_York' }, { user: york, subcommand: 'timezone' });
    await checkInAt('2026-03-05T15:00:00Z', york);
    await checkInAt('2026-03-06T15:00:00Z', york);
    bot.clock.set('2026-03-07T12:00:00Z');
    const on = await reminderOn(york);
    expect(on).toContain('**on**: at **20:00** (America/New_York)');
    expect(on).toContain('allow direct messages');
    expect(textOf(shown(await bot.command('settings', {}, { user: york, subcommand: 'show' })))).toContain('On: a DM at 20:00 your time');
    const bad = textOf(shown(await bot.command('settings', { time: '24:10' }, { user: york, subcommandGroup: 'reminder', subcommand: 'on' })));
    expect(bad).toContain('is not a time');

    // Saturday 7 March, 20:00 in New York (EST, UTC−5) is 01:00 UTC on the 8th.
    await tickAt('2026-03-08T00:59:00Z');
    expect(reminders(york)).toHaveLength(0);
    await tickAt('2026-03-08T01:00:00Z');
    expect(reminders(york)).toHaveLength(1);
    const first = reminders(york)[0]!;
    expect(first.content).toContain('Your **2 days** streak');
    expect(first.content).toContain('no freeze left');
    // The day ends at 04:00 New York time on the 8th, after the clocks went forward at 02:00: 08:00 UTC.
    expect(first.content).toContain(`<t:${Date.parse('2026-03-08T08:00:00Z') / 1000}:R>`);
    expect(buttonsOf(first).map((b) => [b.label, b.customId])).toEqual([['Stop these', `settings:reminder-stop:${bot.guildId}`]]);
    await tickAt('2026-03-08T01:30:00Z');
    expect(reminders(york)).toHaveLength(1); // once a day
    await checkInAt('2026-03-08T01:40:00Z', york); // 20:40 on the 7th in New York: the day counts

    // Sunday 8 March, clocks went forward: 20:00 EDT (UTC−4) is 00:00 UTC on the 9th, not 01:00.
    await tickAt('2026-03-08T23:59:00Z');
    expect(reminders(york)).toHaveLength(1);
    await tickAt('2026-03-09T00:00:00Z');
    expect(reminders(york)).toHaveLength(2);
    expect(reminders(york)[1]!.content).toContain('Your **3 days** streak');

    // Monday: they checked in before 20:00, so nothing comes.
    await checkInAt('2026-03-09T22:00:00Z', york);
    await tickAt('2026-03-10T00:00:00Z');
    await tickAt('2026-03-10T02:00:00Z');
    expect(reminders(york)).toHaveLength(2);
  });

  it('says when the day would only spend a freeze; never comes without a running streak', async () => {
    const frozen = newUser();
    const fresh = newUser();
    for (let d = 10; d <= 16; d++) await checkInAt(`2026-03-${d}T12:00:00Z`, frozen); // 7 days earn a freeze
    bot.clock.set('2026-03-17T08:00:00Z');
    await reminderOn(frozen, { time: '18:30' });
    await reminderOn(fresh, { time: '18:30' });
    await tickAt('2026-03-17T18:30:00Z');
    expect(reminders(frozen)).toHaveLength(1);
    expect(reminders(frozen)[0]!.content).toContain('it spends one of your 1 freeze');
    expect(reminders(fresh)).toHaveLength(0);
  });

  it('is claimed once per member and day with two bots on one database', async () => {
    const fake = await startFakeDiscord();
    const user = newUser();
    let first: TestBot | undefined = await startTestBot({ database, fake, now: '2026-03-20T12:00:00Z' });
    const pool = database.url ? await openDatabase({ url: database.url }) : undefined; // a separate pool, like another process
    let rival: TestBot | undefined;
    try {
      await checkInAt('2026-03-20T12:00:00Z', user, first);
      first.clock.set('2026-03-21T08:00:00Z');
      await reminderOn(user, { time: '10:00' }, first);
      rival = await startTestBot({ database: pool ?? database, fake, guildId: first.guildId, now: '2026-03-21T09:00:00Z' });
      const [a, b] = [first, rival];
      for (const target of [a, b]) target.clock.set('2026-03-21T10:00:00Z');
      await Promise.all([a.app.scheduler.runDue(), b.app.scheduler.runDue(), a.app.scheduler.runDue(), b.app.scheduler.runDue()]);
      expect(reminders(user, a)).toHaveLength(1);
      for (const target of [a, b]) target.clock.set('2026-03-21T11:00:00Z');
      await Promise.all([a.app.scheduler.runDue(), b.app.scheduler.runDue()]);
      expect(reminders(user, a)).toHaveLength(1);
      const rows = await database.db.select().from(scheduledPosts).where(and(eq(scheduledPosts.guildId, a.guildId), eq(scheduledPosts.kind, 'streak_reminder')));
      expect(rows.map((r) => [r.period, r.status, r.attempts])).toEqual([[`${user}:2026-03-21`, 'posted', 1]]);
    } finally {
      await first?.stop();
      first = undefined;
      await rival?.stop();
      await fake.close();
      await pool?.close();
    }
  });

  it('stops with the DM’s Stop these button', async () => {
    const user = newUser();
    await checkInAt('2026-03-24T12:00:00Z', user);
    bot.clock.set('2026-03-25T08:00:00Z');
    await reminderOn(user, { time: '09:00' });
    await tickAt('2026-03-25T09:00:00Z');
    const [dm] = reminders(user);
    const stop = buttonsOf(dm!).find((b) => b.label === 'Stop these')!;
    const pressed = await bot.fake.waitForInteractionReply(bot.fake.sendInteraction(button(bot.fake, { customId: stop.customId!, user, message: dm })));
    expect(textOf(shown(pressed))).toContain('Streak reminders are off');
    expect(await settingsRow(user)).toMatchObject({ reminderEnabled: false });
    // A new streak from the 26th is at risk on the 27th at 09:00: nothing comes, the reminder is off.
    await checkInAt('2026-03-26T07:00:00Z', user);
    await tickAt('2026-03-27T09:00:00Z');
    expect(reminders(user)).toHaveLength(1);
    expect(textOf(shown(await bot.command('settings', {}, { user, subcommandGroup: 'reminder', subcommand: 'off' })))).toContain('**off**');
    expect(textOf(shown(await bot.command('settings', {}, { user, subcommand: 'show' })))).toContain('Off. `/settings reminder on`');
  });

  it('to closed DMs: marked, not retried, and the member is told once on their next command', async () => {
    const user = newUser();
    await checkInAt('2026-03-28T12:00:00Z', user);
    bot.clock.set('2026-03-29T08:00:00Z');
    await reminderOn(user, { time: '09:00' });
    bot.fake.setDmsClosed(user, true);
    const refused = () => bot.fake.requests.filter((r) => r.method === 'POST' && /^\/channels\/\d+\/messages$/.test(r.path) && r.status === 403).length;
    const before = refused();
    await tickAt('2026-03-29T09:00:00Z');
    expect(refused()).toBe(before + 1);
    expect((await settingsRow(user))?.reminderDmClosedAt).toBeInstanceOf(Date);
    await tickAt('2026-03-29T09:05:00Z');
    expect(refused()).toBe(before + 1);

    const told = await bot.command('streak', {}, { user });
    await until(() => told.followups.length > 0, 'the notice');
    expect(told.followups.map((f) => f.content)).toEqual([expect.stringContaining('I couldn’t DM your streak reminder: your DMs from this server are closed')]);
    expect(told.followups[0]!.flags & 64).toBe(64);

    // Opening the DMs and turning it on again: the next day at risk gets one.
    bot.fake.setDmsClosed(user, false);
    await checkInAt('2026-03-29T12:00:00Z', user);
    bot.clock.set('2026-03-30T08:00:00Z');
    await reminderOn(user);
    await tickAt('2026-03-30T09:00:00Z');
    expect(reminders(user)).toHaveLength(1);
  });
});
