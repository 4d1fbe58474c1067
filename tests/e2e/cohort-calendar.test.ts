import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { freePort } from '../../src/sim/net.js';
import { MODERATOR, shown, startTestBot, textOf, until, type TestBot } from '../support/bot.js';
import { openTestDatabase } from '../support/db.js';

const PUBLIC_URL = 'https://cohort.example.org';
const MOD = '530000000000000001';
const MEMBER = '530000000000000011';
const OTHER = '530000000000000012';
// Berlin, Monday 23:59: before and after the switch to summer time on 29 March 2026.
const DEADLINES = ['2026-03-23T22:59:00.000Z', '2026-03-30T21:59:00.000Z', '2026-04-06T21:59:00.000Z'];

let database: Database;
let bot: TestBot;
beforeAll(async () => {
  database = await openTestDatabase();
  bot = await startTestBot({ database, now: '2026-03-10T12:00:00Z', config: { HTTP_PORT: String(await freePort()), PUBLIC_URL } });
});
afterAll(async () => {
  await bot?.stop();
  await database?.close();
});

const run = async (sub: string, user: string, options: Record<string, unknown> = {}) => textOf(shown(await bot.command('cohort', options as never, { user, subcommand: sub })));

/** The link in a /cohort calendar reply, pointed at the test server. */
function linkIn(reply: string): { url: string; local: string } {
  const url = /<(https:\/\/cohort\.example\.org\/cal\/[^>]+\.ics)>/.exec(reply)![1]!;
  return { url, local: url.replace(PUBLIC_URL, `http://127.0.0.1:${bot.app.http!.port}`) };
}

describe('the cohort calendar feed', () => {
  it('a member’s private link serves the deadlines as iCal, parsed back by ical.js; reset turns the old link off', async () => {
    await until(() => bot.app.client.guilds.cache.has(bot.guildId), 'the guild');
    const created = textOf(
      shown(
        await bot.command(
          'cohort',
          { name: 'Spring', track: 'ml-engineer', start: '2026-03-16', channel: { type: 7, value: bot.channelId }, steps: 'python-programming, statistics-probability, data-handling', timezone: 'Europe/Berlin' },
          { user: MOD, subcommand: 'create', ...MODERATOR },
        ),
      ),
    );
    expect(created).toContain('Spring: 3 weeks');
    expect(await run('calendar', MEMBER)).toContain('for members of **Spring**');
    await run('join', MEMBER);

    const reply = await run('calendar', MEMBER);
    expect(reply).toContain('Google Calendar');
    expect(reply).toContain('Apple Calendar');
    const { local } = linkIn(reply);
    const response = await fetch(local);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/calendar');
    const calendar = new ICAL.Component(ICAL.parse(await response.text()) as unknown[]);
    expect(calendar.getFirstPropertyValue('x-wr-calname')).toBe('Spring (Cohort)');
    const events = calendar.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    expect(events.map((e) => e.endDate.toJSDate().toISOString())).toEqual(DEADLINES);
    expect(events.map((e) => e.summary)).toEqual(['Spring: week 1 due', 'Spring: week 2 due', 'Spring: week 3 due']);
    expect(events[0]!.description).toContain('Python');
    expect(new Set(events.map((e) => e.uid)).size).toBe(3);

    // Another member's link differs; a token changed by one character, or naming someone else, opens nothing.
    await run('join', OTHER);
    expect(linkIn(await run('calendar', OTHER)).local).not.toBe(local);
    const tampered = local.replace(/.(\.ics)$/, (m, ics: string) => `${m[0] === 'A' ? 'B' : 'A'}${ics}`);
    expect((await fetch(tampered)).status).toBe(404);
    expect((await fetch(local.replace(MEMBER, OTHER))).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${bot.app.http!.port}/cal/nothing.ics`)).status).toBe(404);

    const fresh = linkIn(await run('calendar', MEMBER, { reset: true }));
    expect(fresh.local).not.toBe(local);
    expect((await fetch(local)).status).toBe(404);
    expect((await fetch(fresh.local)).status).toBe(200);
  });

  const asModerator = async (options: Record<string, unknown>) => textOf(shown(await bot.command('cohort', options as never, { user: MOD, subcommand: 'calendar', ...MODERATOR })));

  it('moderators turn on a public feed of the cohort (deadlines, no members); off closes it, and on again gives a new link', async () => {
    expect(await run('calendar', MEMBER, { public: 'on' })).toContain('Only moderators');
    const on = await asModerator({ public: 'on' });
    expect(on).toContain('public calendar of **Spring** is on');
    const { local } = linkIn(on);
    expect(local).toContain('-public-');
    const response = await fetch(local);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(MEMBER);
    const calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
    const events = calendar.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    expect(events.map((e) => e.endDate.toJSDate().toISOString())).toEqual(DEADLINES);
    // Asking again while it is on shows the same link; a forged version opens nothing.
    expect(linkIn(await asModerator({ public: 'on' })).local).toBe(local);
    expect((await fetch(local.replace(/-public-(\d+)-/, (_, v: string) => `-public-${Number(v) + 1}-`))).status).toBe(404);

    expect(await asModerator({ public: 'off' })).toContain('is off');
    expect((await fetch(local)).status).toBe(404);
    const again = linkIn(await asModerator({ public: 'on' }));
    expect(again.local).not.toBe(local);
    expect((await fetch(local)).status).toBe(404);
    expect((await fetch(again.local)).status).toBe(200);
    // A member's own link is not affected.
    expect((await fetch(linkIn(await run('calendar', MEMBER)).local)).status).toBe(200);

    // The moderator log has the cohort's creation and each turn of its public feed.
    const logged = textOf(shown(await bot.command('admin', {}, { user: MOD, subcommand: 'log', ...MODERATOR })));
    expect(logged).toContain('Cohort created');
    expect(logged).toContain('**Spring**: ml-engineer, 3 weeks from 2026-03-16 (Europe/Berlin)');
    expect(logged.match(/public calendar off → on/g)).toHaveLength(2);
    expect(logged).toContain('public calendar on → off');
  });
});
