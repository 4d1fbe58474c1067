import { and, eq } from 'drizzle-orm';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { exportMemberData, eraseMemberData } from '../../src/db/queries/privacy.js';
import { updateGuildSettings } from '../../src/db/queries/settings.js';
import { scheduledPosts, studyEventAttendance, studyEvents } from '../../src/db/schema.js';
import { freePort } from '../../src/sim/net.js';
import { Perm, type Json } from '../../src/sim/index.js';
import { buttonsOf, MODERATOR, shown, startTestBot, textOf, until, type TestBot } from '../support/bot.js';
import { openTestDatabase } from '../support/db.js';
import { setVoiceState } from '../support/voice.js';

/**
 * Scheduled study sessions through the real discord.js client and the fake Discord: /event create
 * makes the card and the Discord scheduled event, Going / Maybe toggle, one reminder across two
 * processes, attendance from voice study time, edit and cancel kept in step with Discord, a weekly
 * event across the switch to summer time (Europe/Berlin, 29 March 2026), and the calendar feed.
 */

const PUBLIC_URL = 'https://cohort.example.org';
const MOD = '540000000000000001';
const ADA = '540000000000000011';
const BEN = '540000000000000012';
const ZONE = 'Europe/Berlin';

let database: Database;
let bot: TestBot;
let hall: string;
beforeAll(async () => {
  database = await openTestDatabase();
  bot = await startTestBot({ database, now: '2026-03-10T12:00:00Z', config: { HTTP_PORT: String(await freePort()), PUBLIC_URL } });
  await until(() => bot.app.client.guilds.cache.has(bot.guildId), 'the guild');
  hall = bot.fake.addChannel(bot.guildId, { name: 'study-hall', type: 2 }).id as string;
  await until(() => bot.app.client.channels.cache.has(hall), 'the voice channel');
  await updateGuildSettings(database.db, bot.guildId, { timezone: ZONE, studyChannelIds: [hall] }, bot.clock.now());
});
afterAll(async () => {
  await bot?.stop();
  await database?.close();
});

const reply = async (name: string, sub: string, options: Record<string, unknown>, user = MOD, extra: Json = MODERATOR) =>
  textOf(shown(await bot.command(name, options as never, { user, subcommand: sub, ...extra })));
const channelOption = (id: string) => ({ type: 7, value: id });
const discordEvents = () => bot.fake.scheduledEvents(bot.guildId);
const messages = () => bot.fake.channelMessages(bot.channelId);
const cardOf = (eventId: number) => messages().find((m) => buttonsOf(m).some((b) => b.customId?.startsWith(`event:rsvp:${eventId}:`)) || textOf(m).includes(`Event ${eventId}`));
async function eventRow(title: string) {
  const [row] = await database.db.select().from(studyEvents).where(eq(studyEvents.title, title));
  return row!;
}
/** The private answer that follows a button's update of its card. */
async function followUp(record: { id: string }): Promise<string> {
  await until(() => bot.fake.interaction(record.id).followups.length > 0, 'the follow-up');
  return textOf(bot.fake.interaction(record.id).followups[0]!);
}
/** Sends a voice change at the bot's current clock and waits until the bot stored it. */
const voice = (userId: string, channelId: string | null) => setVoiceState(bot, bot.guildId, userId, { channelId });

describe('/event', () => {
  let reading: number;
  let weekly: number;

  it('create: the card in the channel and a Discord scheduled event with the right fields; `when` is read in the server’s zone', async () => {
    expect(await reply('event', 'create', { title: 'Paper reading', when: '2026-03-12 18:30' }, ADA, {})).toContain('Only moderators');
    expect(await reply('event', 'create', { title: 'Past', when: '2026-03-10 12:00' })).toContain('has already passed');
    expect(await reply('event', 'create', { title: 'Gap', when: '2026-03-29 02:30' })).toContain('the clocks skip it');
    expect(await reply('event', 'create', { title: 'Twice', when: '2026-10-25 02:30' })).toContain('happens twice');
    expect(await reply('event', 'create', { title: 'Typo', when: 'next tuesday' })).toContain('YYYY-MM-DD HH:MM');
    expect(discordEvents()).toEqual([]);

    const created = await reply('event', 'create', { title: 'Paper reading', when: '2026-03-12 18:30', voice: channelOption(hall), duration: 60, description: 'Attention Is All You Need' });
    expect(created).toContain('Scheduled **Paper reading**');
    expect(created).toContain('2026-03-12 18:30 Europe/Berlin');
    expect(created).toContain('events list');
    reading = (await eventRow('Paper reading')).id;
    const [discord] = discordEvents();
    expect(discord).toMatchObject({
      name: 'Paper reading',
      entity_type: 2,
      channel_id: hall,
      privacy_level: 2,
      status: 1,
      scheduled_start_time: '2026-03-12T17:30:00.000Z', // 18:30 in Berlin, UTC+1 before 29 March
      scheduled_end_time: '2026-03-12T18:30:00.000Z',
    });
    expect((await eventRow('Paper reading')).discordEventId).toBe(discord!.id);
    const card = cardOf(reading)!;
    expect(textOf(card)).toContain('Paper reading');
    expect(textOf(card)).toContain('**Going:** 0 · **Maybe:** 0');
    expect(buttonsOf(card).map((b) => b.label)).toEqual(['Going · 0', 'Maybe · 0']);
  });

  it('without Create Events: the event is kept with its card, the moderator is told why in our words; an edit after the fix adds it to Discord', async () => {
    const botRole = (bot.fake.guild(bot.guildId)!.roles as Json[]).find((r) => r.managed)!;
    const before = botRole.permissions as string;
    botRole.permissions = (BigInt(before) & ~Perm.CreateEvents).toString();
    const cohortCreated = await reply('cohort', 'create', {
      name: 'Spring',
      track: 'ml-engineer',
      start: '2026-03-16',
      channel: channelOption(bot.channelId),
      steps: 'python-programming, statistics-probability, data-handling',
      timezone: ZONE,
    });
    expect(cohortCreated).toContain('Spring: 3 weeks');
    const text = await reply('event', 'create', { title: 'Study hall', when: '2026-03-24 18:00', repeat: 'weekly', voice: channelOption(hall), cohort: 'Spring', duration: 90 });
    expect(text).toContain('The event is saved');
    expect(text).toContain('Create Events permission');
    expect(text).not.toMatch(/DiscordAPIError|Missing Permissions\b/);
    weekly = (await eventRow('Study hall')).id;
    expect(discordEvents()).toHaveLength(1);
    expect(cardOf(weekly)).toBeDefined();
    expect(await reply('event', 'list', {}, ADA, {})).toContain('not in Discord’s events list');

    botRole.permissions = before;
    expect(await reply('event', 'edit', { event: String(weekly) })).toContain('events list show it');
    const made = discordEvents().find((e) => e.name === 'Study hall')!;
    expect(made).toMatchObject({ channel_id: hall, scheduled_start_time: '2026-03-24T17:00:00.000Z', scheduled_end_time: '2026-03-24T18:30:00.000Z' });
    expect((await eventRow('Study hall')).discordProblem).toBeNull();
  });

  it('Going and Maybe: counts on the card, updated on each press; pressing again takes the answer back', async () => {
    const press = async (user: string, answer: string) => {
      const card = cardOf(reading)!;
      return bot.press(`event:rsvp:${reading}:0:${answer}`, { user, message: card });
    };
    const labels = () => buttonsOf(cardOf(reading)!).map((b) => b.label);
    await press(ADA, 'going');
    expect(labels()).toEqual(['Going · 1', 'Maybe · 0']);
    await press(BEN, 'maybe');
    expect(labels()).toEqual(['Going · 1', 'Maybe · 1']);
    const back = await press(ADA, 'going');
    expect(await followUp(back)).toContain('taken back');
    expect(labels()).toEqual(['Going · 0', 'Maybe · 1']);
    await press(ADA, 'going');
    await press(BEN, 'going'); // changes Maybe to Going
    await press(BEN, 'maybe');
    expect(labels()).toEqual(['Going · 1', 'Maybe · 1']);
  });

  it('the cohort calendar feed has the cohort’s weekly event (across DST) and the sessions the member answered, parsed back by ical.js', async () => {
    expect(await reply('cohort', 'join', {}, ADA, {})).toContain('You joined');
    const link = /<(https:\/\/cohort\.example\.org\/cal\/[^>]+\.ics)>/.exec(await reply('cohort', 'calendar', {}, ADA, {}))![1]!;
    const response = await fetch(link.replace(PUBLIC_URL, `http://127.0.0.1:${bot.app.http!.port}`));
    expect(response.status).toBe(200);
    const calendar = new ICAL.Component(ICAL.parse(await response.text()) as unknown[]);
    const events = calendar.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    const starts = (summary: string) => events.filter((e) => e.summary === summary).map((e) => e.startDate.toJSDate().toISOString());
    // 18:00 in Berlin each Tuesday: 17:00 UTC before 29 March, 16:00 UTC after.
    expect(starts('Study hall').slice(0, 3)).toEqual(['2026-03-24T17:00:00.000Z', '2026-03-31T16:00:00.000Z', '2026-04-07T16:00:00.000Z']);
    expect(starts('Paper reading')).toEqual(['2026-03-12T17:30:00.000Z']); // Ada is going
    expect(events.filter((e) => e.summary.includes('due'))).toHaveLength(3); // the deadlines are still there
  });

  it('one reminder 15 minutes before, pinging only those going, claimed once by two processes ticking together and not again after a restart', async () => {
    bot.clock.set('2026-03-12T17:16:00Z');
    const second = await startTestBot({ database, fake: bot.fake, guildId: bot.guildId, now: '2026-03-12T17:16:00Z' });
    try {
      await Promise.all([bot.app.scheduler.runDue(), second.app.scheduler.runDue()]);
      await Promise.all([bot.app.scheduler.runDue(), second.app.scheduler.runDue()]);
    } finally {
      await second.stop();
    }
    // A process started afterwards (a restart) finds the reminder settled and sends nothing.
    const restarted = await startTestBot({ database, fake: bot.fake, guildId: bot.guildId, now: '2026-03-12T17:20:00Z' });
    try {
      await restarted.app.scheduler.runDue();
    } finally {
      await restarted.stop();
      bot.fake.setWallClock(() => bot.clock.now().getTime());
    }
    const reminders = messages().filter((m) => String(m.content ?? '').startsWith('⏰ **Paper reading**'));
    expect(reminders).toHaveLength(1);
    expect(reminders[0]!.content).toContain(`<@${ADA}>`);
    expect(reminders[0]!.content).not.toContain(BEN); // maybe: no ping
    expect(reminders[0]!.content).toContain(`<#${hall}>`);
    const rows = await database.db
      .select()
      .from(scheduledPosts)
      .where(and(eq(scheduledPosts.kind, 'event_reminder'), eq(scheduledPosts.period, `${reading}:0`)));
    expect(rows.map((r) => r.status)).toEqual(['posted']);
  });

  it('attendance from voice study sessions in its channel during the event: 10 minutes or more count; shown on the card and by /event attendance', async () => {
    bot.clock.set('2026-03-12T17:25:00Z');
    await voice(ADA, hall); // 5 minutes before the start: only the time during it counts
    bot.clock.set('2026-03-12T17:45:00Z');
    await voice(ADA, null); // 15 minutes during it
    bot.clock.set('2026-03-12T18:22:00Z');
    await voice(BEN, hall);
    bot.clock.set('2026-03-12T18:28:00Z');
    await voice(BEN, null); // 6 minutes: not attending
    bot.clock.set('2026-03-12T18:31:00Z');
    await bot.app.scheduler.runDue(); // within the grace after the end: not counted yet
    expect(await database.db.select().from(studyEventAttendance)).toEqual([]);
    bot.clock.set('2026-03-12T18:33:00Z');
    await bot.app.scheduler.runDue();
    await bot.app.scheduler.runDue();
    const rows = await database.db.select().from(studyEventAttendance);
    expect(rows.map((r) => ({ userId: r.userId, minutes: r.minutes, occurrence: r.occurrence }))).toEqual([{ userId: ADA, minutes: 15, occurrence: 0 }]);
    const card = cardOf(reading)!;
    expect(textOf(card)).toContain('1 attended');
    expect(buttonsOf(card)).toEqual([]); // it took place: no more answers
    const shownAttendance = await reply('event', 'attendance', { event: String(reading) }, BEN, {});
    expect(shownAttendance).toContain('1 attended');
    expect(shownAttendance).toContain(`<@${ADA}> 15 min`);
    expect(await reply('event', 'list', {}, BEN, {})).toContain('attended: 1');
  });

  it('edit: the card and Discord’s event follow; a weekly event gets its next session’s Discord event after one ends, at the same local time across DST', async () => {
    expect(await reply('event', 'edit', { event: String(weekly), title: 'Study hall (weekly)' })).toContain('is now');
    const edited = await eventRow('Study hall (weekly)');
    expect(discordEvents().find((e) => e.id === edited.discordEventId)).toMatchObject({ name: 'Study hall (weekly)', scheduled_start_time: '2026-03-24T17:00:00.000Z' });
    expect(textOf(cardOf(weekly)!)).toContain('Study hall (weekly)');

    bot.clock.set('2026-03-24T18:35:00Z'); // the first session ended at 18:30 UTC
    await bot.app.scheduler.runDue();
    const row = await eventRow('Study hall (weekly)');
    expect(row.discordOccurrence).toBe(1);
    const mine = discordEvents().filter((e) => e.name === 'Study hall (weekly)');
    expect(mine).toHaveLength(1); // the ended one was removed
    expect(mine[0]).toMatchObject({ id: row.discordEventId, scheduled_start_time: '2026-03-31T16:00:00.000Z', scheduled_end_time: '2026-03-31T17:30:00.000Z' });
    expect(buttonsOf(cardOf(weekly)!).map((b) => b.customId)).toEqual([`event:rsvp:${weekly}:1:going`, `event:rsvp:${weekly}:1:maybe`]);

    // A press on the old session's button is answered with the card for the next one.
    const stale = await bot.press(`event:rsvp:${weekly}:0:going`, { user: ADA, message: cardOf(weekly)! });
    expect(await followUp(stale)).toContain('has ended');

    // Moving the next session moves the weekly series: Discord's event is PATCHed.
    expect(await reply('event', 'edit', { event: String(weekly), when: '2026-04-01 19:00' })).toContain('every week');
    expect(discordEvents().find((e) => e.id === row.discordEventId)).toMatchObject({ scheduled_start_time: '2026-04-01T17:00:00.000Z' });
  });

  it('cancel: Discord’s event is deleted, the card says so without buttons, and nothing more is posted', async () => {
    const id = (await eventRow('Study hall (weekly)')).discordEventId!;
    expect(await reply('event', 'cancel', { event: String(weekly) })).toContain('Cancelled');
    expect(discordEvents().some((e) => e.id === id)).toBe(false);
    const card = cardOf(weekly)!;
    expect(textOf(card)).toContain('Cancelled');
    expect(buttonsOf(card)).toEqual([]);
    bot.clock.set('2026-04-01T16:50:00Z'); // 10 minutes before the session it would have had
    await bot.app.scheduler.runDue();
    expect(messages().filter((m) => String(m.content ?? '').startsWith('⏰ **Study hall'))).toEqual([]);
    expect(discordEvents().filter((e) => e.name.startsWith('Study hall'))).toEqual([]);
    expect(await reply('event', 'cancel', { event: String(weekly) })).toContain('already cancelled');
  });

  it('/privacy export and delete include the answers and the attendance', async () => {
    const exported = await exportMemberData(database.db, { guildId: bot.guildId, userId: ADA }, bot.clock.now());
    expect(exported.eventRsvps.map((r) => ({ event: r.event, answer: r.answer }))).toContainEqual({ event: 'Paper reading', answer: 'going' });
    expect(exported.eventAttendance).toEqual([{ event: 'Paper reading', eventId: reading, occurrence: 0, minutes: 15 }]);
    const erased = await eraseMemberData(database.db, { guildId: bot.guildId, userId: ADA });
    expect(erased.eventRsvps).toBeGreaterThan(0);
    expect(erased.eventAttendance).toBe(1);
    const after = await exportMemberData(database.db, { guildId: bot.guildId, userId: ADA }, bot.clock.now());
    expect(after.eventRsvps).toEqual([]);
    expect(after.eventAttendance).toEqual([]);
  });
});


