import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/client.js';
import { setMemberTimezone, updateGuildSettings } from '../../src/db/queries/settings.js';
import { boardScores } from '../../src/db/queries/leaderboard.js';
import { checkIn, countedDays, getStreakSummary, recordActivity } from '../../src/db/queries/streaks.js';
import { streakDays } from '../../src/db/schema.js';
import { addDays } from '../../src/domain/dates.js';
import { foldStreak, type StreakRules } from '../../src/domain/streaks.js';
import { openTestDatabase, uniqueGuildId } from '../support/db.js';

// recordActivity works the figures out one day at a time from the stored ones when it can; these
// check that the stored figures and the ledger's freeze days always equal a fold of the whole ledger.

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const noon = (day: string) => new Date(`${day}T12:00:00Z`);

async function expectFoldOfLedger(m: { guildId: string; userId: string }, rules: StreakRules) {
  const fold = foldStreak(await countedDays(database.db, m), rules);
  expect(await getStreakSummary(database.db, m)).toEqual({ current: fold.current, longest: fold.longest, freezes: fold.freezes, lastDay: fold.lastDay });
  const freezes = await database.db
    .select({ day: streakDays.day })
    .from(streakDays)
    .where(and(eq(streakDays.guildId, m.guildId), eq(streakDays.userId, m.userId), eq(streakDays.reason, 'freeze')));
  expect(freezes.map((f) => f.day).sort()).toEqual(fold.freezeDays);
}

describe('streak figures, day by day', () => {
  it('in-order days with gaps of every size: after each activity, figures and freeze days equal a fold of the ledger', async () => {
    const m = { guildId: uniqueGuildId(), userId: '1' };
    // Runs long enough to earn freezes, gaps they cover, gaps that break the streak, same-day repeats.
    const gaps = [0, 1, 1, 1, 1, 1, 1, 1, 2, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 4, 1, 1, 0, 2, 9, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2];
    let day = '2026-01-05';
    for (const [i, gap] of gaps.entries()) {
      day = addDays(day, gap);
      await recordActivity(database.db, { ...m, kind: i % 2 ? 'checkin' : 'step', at: noon(day), ref: `s${i}` });
      await expectFoldOfLedger(m, { freezeCap: 2 });
    }
  });

  it('a move west does not fill in a day before the last counted one (countingDay), on the locked path too', async () => {
    const guildId = uniqueGuildId();
    const m = { guildId, userId: 'traveller' };
    await setMemberTimezone(database.db, guildId, m.userId, 'Asia/Tokyo', noon('2026-02-20'));
    for (const d of ['2026-02-25', '2026-02-26', '2026-02-28', '2026-03-02']) await recordActivity(database.db, { ...m, kind: 'checkin', at: noon(d) });
    // 07:00 UTC on 03-02 is 21:00 on 03-01 in Honolulu: before this rule it filled the gap on 03-01.
    await setMemberTimezone(database.db, guildId, m.userId, 'Pacific/Honolulu', noon('2026-03-02'));
    const late = await recordActivity(database.db, { ...m, kind: 'step', at: new Date('2026-03-02T07:00:00Z'), ref: 'x' });
    expect(late).toMatchObject({ counted: false, recorded: true, day: '2026-03-02' });
    // 03-03 begins in Honolulu at 04:00 there (14:00 UTC), after it began in Tokyo: then it counts, under Honolulu from then on.
    expect(await recordActivity(database.db, { ...m, kind: 'step', at: new Date('2026-03-03T13:59:00Z'), ref: 'y' })).toMatchObject({ counted: false, day: '2026-03-02' });
    expect(await recordActivity(database.db, { ...m, kind: 'step', at: new Date('2026-03-03T14:00:00Z'), ref: 'z' })).toMatchObject({ counted: true, day: '2026-03-03' });
    await expectFoldOfLedger(m, { freezeCap: 2 });
  });

  it('a freeze cap changed since the figures were worked out: the next counted day folds the history with the new cap', async () => {
    const guildId = uniqueGuildId();
    const m = { guildId, userId: '1' };
    await updateGuildSettings(database.db, guildId, { freezeCap: 2 }, noon('2026-01-01'));
    for (let i = 0; i < 14; i++) await recordActivity(database.db, { ...m, kind: 'checkin', at: noon(addDays('2026-01-05', i)) });
    expect(await getStreakSummary(database.db, m)).toMatchObject({ current: 14, freezes: 2 });
    await updateGuildSettings(database.db, guildId, { freezeCap: 1 }, noon('2026-01-19'));
    // Two missed days: with the old cap's two freezes they would be covered; with one, the streak breaks.
    await recordActivity(database.db, { ...m, kind: 'checkin', at: noon('2026-01-21') });
    await expectFoldOfLedger(m, { freezeCap: 1 });
    expect(await getStreakSummary(database.db, m)).toMatchObject({ current: 1, longest: 14, freezes: 0 });
  });

  it('checkIn reports the freezes held before it (to say when one was earned), and a second check-in changes nothing', async () => {
    const m = { guildId: uniqueGuildId(), userId: '1' };
    const clock = new ManualClock('2026-03-01T12:00:00Z');
    for (let i = 0; i < 6; i++) {
      await checkIn({ db: database.db, clock }, m, null);
      clock.set(noon(addDays('2026-03-01', i + 1)).toISOString());
    }
    const seventh = await checkIn({ db: database.db, clock }, m, 'week one');
    expect(seventh).toMatchObject({ counted: true, already: false, freezesBefore: 0, streak: { current: 7, freezes: 1 } });
    const again = await checkIn({ db: database.db, clock }, m, null);
    expect(again).toMatchObject({ counted: false, already: true, freezesBefore: 1, streak: { current: 7, freezes: 1 } });
  });
});

describe('streak board', () => {
  it('ranks each member’s current streak as of their own today: their zone, else the server’s, with the server’s rollover', async () => {
    const guildId = uniqueGuildId();
    await updateGuildSettings(database.db, guildId, { timezone: 'Pacific/Kiritimati', rolloverHour: 6 }, noon('2026-03-01'));
    await setMemberTimezone(database.db, guildId, 'west', 'Pacific/Pago_Pago', noon('2026-03-01'));
    // Both active until 03-05 (their local days), freezes: none (a 4-day run).
    for (const userId of ['east', 'west']) {
      for (const d of ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05']) await recordActivity(database.db, { guildId, userId, kind: 'checkin', at: noon(d) });
    }
    const lastDays = [(await getStreakSummary(database.db, { guildId, userId: 'east' })).lastDay, (await getStreakSummary(database.db, { guildId, userId: 'west' })).lastDay];
    // Noon UTC is 02:00 the next day at UTC+14 and 01:00 at UTC-11: both before the 06:00 rollover.
    expect(lastDays).toEqual(['2026-03-05', '2026-03-04']);
    // 15:00 UTC on 03-06: 05:00 on 03-07 in Kiritimati, 04:00 on 03-06 in Pago Pago; with the 06:00
    // rollover both are still on the day after their last counted one, so both streaks stand. (With the
    // server's zone for west, or the default 04:00 rollover for east, a missed day would break them.)
    const scores = new Map((await boardScores(database.db, guildId, 'streak', 'week', new Date('2026-03-06T15:00:00Z'))).map((r) => [r.userId, r.score]));
    expect(scores).toEqual(new Map([['east', 4], ['west', 4]]));
    // Two days later both missed a whole day with no freeze: off the board.
    expect(await boardScores(database.db, guildId, 'streak', 'week', new Date('2026-03-08T18:00:00Z'))).toEqual([]);
  });
});
