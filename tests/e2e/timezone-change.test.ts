import { describe, expect, it } from 'vitest';
import { getMemberTimezone } from '../../src/db/queries/settings.js';
import { countedDays } from '../../src/db/queries/streaks.js';
import { MODERATOR, shown, textOf, useTestBot } from '../support/bot.js';

const { bot, database } = useTestBot({ now: '2026-03-10T12:00:00Z' });

const user = (n: number) => `31000000000000${String(n).padStart(4, '0')}`;
const checkin = async (u: string) => textOf(shown(await bot.command('checkin', {}, { user: u })));
const setZone = async (u: string, zone: string) => textOf(shown(await bot.command('settings', { zone }, { user: u, subcommand: 'timezone' })));
const days = (u: string) => countedDays(database.db, { guildId: bot.guildId, userId: u });

describe('a time-zone change cannot make a day (server on UTC, rollover 04:00)', () => {
  it('Pago Pago: a check-in, a switch west and a check-in again do not fill in yesterday', async () => {
    const u = user(1);
    bot.clock.set('2026-03-10T12:00:00Z');
    expect(await checkin(u)).toContain('**2026-03-10** counts');
    // 12:01 UTC is 01:01 on the 10th in Pago Pago (UTC-11), before the rollover: its 9th.
    expect(await setZone(u, 'Pacific/Pago_Pago')).toContain('Your time zone is now Pacific/Pago_Pago');
    bot.clock.set('2026-03-10T12:01:00Z');
    const again = await checkin(u);
    expect(again).toContain('Already checked in today');
    expect(again).toContain('Current streak: **1 day**');
    expect(await days(u)).toEqual(['2026-03-10']);
    const streak = textOf(shown(await bot.command('streak', {}, { user: u })));
    expect(streak).toContain('Current: **1 day**');
    expect(streak).toContain('Today (2026-03-10) counts');
    // The 10th goes on until the 11th begins in Pago Pago: 04:00 there, 15:00 UTC.
    bot.clock.set('2026-03-11T14:59:00Z');
    expect(await checkin(u)).toContain('Already checked in today');
    bot.clock.set('2026-03-11T15:00:00Z');
    expect(await checkin(u)).toContain('**2026-03-11** counts');
    expect(await days(u)).toEqual(['2026-03-10', '2026-03-11']);
  });

  it('Kiritimati: a switch east does not count tomorrow early; the next day counts once it has begun in the old zone too', async () => {
    const u = user(2);
    bot.clock.set('2026-03-10T16:00:00Z');
    expect(await checkin(u)).toContain('**2026-03-10** counts');
    // 16:01 UTC is 06:01 on the 11th in Kiritimati (UTC+14).
    await setZone(u, 'Pacific/Kiritimati');
    bot.clock.set('2026-03-10T16:01:00Z');
    expect(await checkin(u)).toContain('Already checked in today');
    expect(textOf(shown(await bot.command('settings', {}, { user: u, subcommand: 'show' })))).toContain('Today is **2026-03-10**');
    bot.clock.set('2026-03-11T04:00:00Z');
    expect(await checkin(u)).toContain('**2026-03-11** counts');
    // From then on Kiritimati alone decides: its 12th begins at 04:00 there (14:00 UTC).
    bot.clock.set('2026-03-11T14:00:00Z');
    expect(await checkin(u)).toContain('**2026-03-12** counts');
    expect(await days(u)).toEqual(['2026-03-10', '2026-03-11', '2026-03-12']);
  });

  it('a member who follows the server: a moderator moving the server west does not give them a day either', async () => {
    const u = user(3);
    const guildId = bot.fake.addGuild({ name: 'Pacific Study Group' }).id as string;
    bot.clock.set('2026-03-10T12:00:00Z');
    expect(textOf(shown(await bot.command('checkin', {}, { user: u, guildId })))).toContain('**2026-03-10** counts');
    const saved = await bot.command('setup', { timezone: 'Pacific/Pago_Pago' }, { guildId, user: user(9), subcommand: 'streaks', ...MODERATOR });
    expect(textOf(shown(saved))).toContain('Saved');
    bot.clock.set('2026-03-10T12:05:00Z');
    expect(textOf(shown(await bot.command('checkin', {}, { user: u, guildId })))).toContain('Already checked in today');
    expect(await countedDays(database.db, { guildId, userId: u })).toEqual(['2026-03-10']);
  });
});

describe('time zones by their canonical names', () => {
  it('stores what a member types by its canonical name', async () => {
    const u = user(4);
    expect(await setZone(u, 'america/new_york')).toContain('Your time zone is now America/New_York');
    expect(await getMemberTimezone(database.db, bot.guildId, u)).toBe('America/New_York');
    expect(await setZone(u, 'utc')).toContain('Your time zone is now UTC');
    expect(await getMemberTimezone(database.db, bot.guildId, u)).toBe('UTC');
    // An old name is stored by its current one.
    await setZone(u, 'Asia/Calcutta');
    expect(await getMemberTimezone(database.db, bot.guildId, u)).toBe('Asia/Kolkata');
  });

  it('finds zones by their old names too', async () => {
    const suggest = (typed: string) => bot.suggest('settings', 'zone', typed, { user: user(4), subcommand: 'timezone' });
    expect((await suggest('chuuk')).map((c) => c.value)).toContain('Pacific/Chuuk');
    expect(await suggest('truk')).toContainEqual({ name: 'Pacific/Chuuk (formerly Pacific/Truk)', value: 'Pacific/Chuuk' });
    expect((await suggest('buenos aires')).map((c) => c.value)).toContain('America/Argentina/Buenos_Aires');
    expect((await suggest('indianapolis')).map((c) => c.value)).toContain('America/Indiana/Indianapolis');
    expect((await suggest('asmera')).map((c) => c.value)).toContain('Africa/Asmara');
  });

  it('finds a zone typed by its old name or its place alone, as the README says, without autocomplete', async () => {
    const u = user(5);
    expect(await setZone(u, 'truk')).toContain('Your time zone is now Pacific/Chuuk');
    expect(await getMemberTimezone(database.db, bot.guildId, u)).toBe('Pacific/Chuuk');
    expect(await setZone(u, 'TRUK')).toContain('Pacific/Chuuk');
    expect(await setZone(u, 'kolkata')).toContain('Your time zone is now Asia/Kolkata');
    expect(await setZone(u, 'new york')).toContain('Your time zone is now America/New_York');
    expect(await setZone(u, 'nowhere-at-all')).toContain('not a time zone');
    expect(await getMemberTimezone(database.db, bot.guildId, u)).toBe('America/New_York');
  });
});
