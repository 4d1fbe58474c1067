import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, dayRange, daysBetween, localDay, parseDay } from '../../src/domain/dates.js';
import { explainDays, foldStreak, viewAt } from '../../src/domain/streaks.js';
import { rank } from '../../src/domain/leaderboard.js';

const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham', 'America/St_Johns', 'America/Santiago', 'Antarctica/Troll'] as const;
const HOUR = 3_600_000;

/**
 * Independent oracle: the UTC offset Intl names for the instant ("GMT+10:30"), applied by hand;
 * a day, once begun, stays begun (the latest such day over the 3 hours before, minute by minute).
 */
function oracleDay(instant: Date, zone: string, rollover: number): string {
  let latest = '';
  for (let m = 0; m <= 180; m++) {
    const day = oracleWallDay(new Date(instant.getTime() - m * 60_000), zone, rollover);
    if (day > latest) latest = day;
  }
  return latest;
}

const offsetNames = new Map<string, Intl.DateTimeFormat>(); // one formatter per zone: building one costs more than using it
function oracleWallDay(instant: Date, zone: string, rollover: number): string {
  let format = offsetNames.get(zone);
  if (!format) offsetNames.set(zone, (format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })));
  const name = format.formatToParts(instant).find((p) => p.type === 'timeZoneName')!.value;
  const m = /GMT(?:([+-])(\d{2}):(\d{2}))?/.exec(name)!;
  const offset = m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000 : 0;
  return new Date(instant.getTime() + offset - rollover * HOUR).toISOString().slice(0, 10);
}

// Instants around the DST changes of 2025/2026 (northern and southern hemisphere) and ordinary weeks.
const DST_WEEKS = ['2025-03-05', '2025-03-26', '2025-04-02', '2025-09-02', '2025-10-01', '2025-10-22', '2025-10-30', '2026-03-05', '2026-03-25', '2026-04-01', '2026-06-10'];
const instantArb = fc
  .tuple(fc.constantFrom(...DST_WEEKS), fc.integer({ min: 0, max: 10 * 24 * 60 }))
  .map(([start, minutes]) => new Date(Date.parse(`${start}T00:00:00Z`) + minutes * 60_000));
const zoneArb = fc.constantFrom(...ZONES);
const rolloverArb = fc.integer({ min: 0, max: 23 });

describe('local days (Intl, DST-safe)', () => {
  // CPU-bound property tests (seconds alone): the timeout is sized for a loaded machine, fast-check has none of its own.
  it('matches an oracle built from the zone offset Intl reports, for any zone and rollover hour', { timeout: 300_000 }, () => {
    fc.assert(
      fc.property(instantArb, zoneArb, rolloverArb, (instant, zone, rollover) => {
        expect(localDay(instant, zone, rollover)).toBe(oracleDay(instant, zone, rollover));
      }),
      { numRuns: 150 },
    );
  });

  it('never goes back, never skips a day and never doubles one across DST weeks', { timeout: 300_000 }, () => {
    fc.assert(
      fc.property(fc.constantFrom(...DST_WEEKS), zoneArb, rolloverArb, (start, zone, rollover) => {
        const t0 = Date.parse(`${start}T00:00:00Z`);
        // Every 15 minutes over 12 days: consecutive samples are on the same day or the next.
        const hours = new Map<string, number>();
        let previous = localDay(new Date(t0), zone, rollover);
        for (let t = t0; t < t0 + 12 * 24 * HOUR; t += HOUR / 4) {
          const day = localDay(new Date(t), zone, rollover);
          const step = daysBetween(previous, day);
          expect(step === 0 || step === 1).toBe(true);
          hours.set(day, (hours.get(day) ?? 0) + 0.25);
          previous = day;
        }
        // Full days (not the first or last) last 24 hours give or take the DST shift (an hour; two in Antarctica/Troll).
        const shift = zone === 'Antarctica/Troll' ? 2 : 1;
        const full = [...hours.entries()].slice(1, -1);
        for (const [, h] of full) expect(h >= 24 - shift && h <= 24 + shift).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('known cases: New York spring forward, Lord Howe half-hour DST, rollover before dawn', () => {
    // 2025-03-09 02:00 EST → 03:00 EDT. 03:30 EDT (07:30Z) is after a 03:00 rollover: that day.
    expect(localDay(new Date('2025-03-09T07:30:00Z'), 'America/New_York', 3)).toBe('2025-03-09');
    expect(localDay(new Date('2025-03-09T06:59:00Z'), 'America/New_York', 3)).toBe('2025-03-08'); // 01:59 EST
    // Late-night check-in at 01:30 Berlin counts for the day before with the default rollover 4.
    expect(localDay(new Date('2026-03-02T00:30:00Z'), 'Europe/Berlin', 4)).toBe('2026-03-01');
    expect(localDay(new Date('2026-03-02T03:00:00Z'), 'Europe/Berlin', 4)).toBe('2026-03-02');
    // Lord Howe: +10:30 standard, +11 DST (from 2025-10-05 02:00 local).
    expect(localDay(new Date('2025-10-04T13:29:00Z'), 'Australia/Lord_Howe', 0)).toBe('2025-10-04'); // 23:59 +10:30
    expect(localDay(new Date('2025-10-04T13:31:00Z'), 'Australia/Lord_Howe', 0)).toBe('2025-10-05');
    expect(localDay(new Date('2026-03-01T18:29:00Z'), 'Asia/Kolkata', 0)).toBe('2026-03-01'); // 23:59 IST
    // Chatham falls back 03:45 → 02:45 on 2026-04-05 (14:00Z). With rollover 3 the day began at 03:00
    // (13:15Z); the repeated 02:45–03:00 does not turn it back into 2026-04-04.
    expect(localDay(new Date('2026-04-04T13:10:00Z'), 'Pacific/Chatham', 3)).toBe('2026-04-04'); // 02:55 +13:45
    expect(localDay(new Date('2026-04-04T13:20:00Z'), 'Pacific/Chatham', 3)).toBe('2026-04-05'); // 03:05 +13:45
    expect(localDay(new Date('2026-04-04T14:10:00Z'), 'Pacific/Chatham', 3)).toBe('2026-04-05'); // 02:55 +12:45 again
  });

  it('parses real dates only', () => {
    expect(parseDay('2026-02-28')).toBe('2026-02-28');
    expect(parseDay('2026-02-29')).toBeUndefined();
    expect(parseDay('2024-02-29')).toBe('2024-02-29');
    expect(parseDay('26-02-01')).toBeUndefined();
  });
});

/** A brute-force, day-by-day reading of the rules (independent of foldStreak's gap arithmetic). */
function simulate(days: readonly string[], cap: number) {
  const set = new Set(days);
  const sorted = [...set].sort();
  let current = 0;
  let longest = 0;
  let freezes = 0;
  let alive = false;
  const freezeDays: string[] = [];
  if (sorted.length === 0) return { current, longest, freezes, freezeDays };
  for (const day of dayRange(sorted[0]!, sorted[sorted.length - 1]!)) {
    if (set.has(day)) {
      current = alive ? current + 1 : 1;
      alive = true;
      if (current % 7 === 0) freezes = Math.min(cap, freezes + 1);
      longest = Math.max(longest, current);
    } else if (alive && freezes > 0) {
      freezes -= 1;
      freezeDays.push(day);
    } else {
      alive = false;
      current = 0;
    }
  }
  return { current, longest, freezes, freezeDays };
}

// Random histories: a start day, then gaps of 1 (consecutive) to 5 days, biased to short gaps.
const historyArb = fc
  .tuple(fc.integer({ min: 0, max: 2000 }), fc.array(fc.oneof(fc.constant(1), fc.constant(1), fc.constant(1), fc.integer({ min: 1, max: 5 })), { maxLength: 80 }))
  .map(([offset, gaps]) => {
    const out = [addDays('2020-01-01', offset)];
    for (const gap of gaps) out.push(addDays(out[out.length - 1]!, gap));
    return out;
  });
const capArb = fc.integer({ min: 0, max: 4 });

describe('streak engine', () => {
  it('agrees with a day-by-day simulation of the rules', () => {
    fc.assert(
      fc.property(historyArb, capArb, (days, cap) => {
        const state = foldStreak(days, { freezeCap: cap });
        const expected = simulate(days, cap);
        expect({ current: state.current, longest: state.longest, freezes: state.freezes, freezeDays: state.freezeDays }).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps its invariants: order and duplicates do not matter, bounds hold', () => {
    fc.assert(
      fc.property(historyArb, capArb, fc.integer(), (days, cap, seed) => {
        const state = foldStreak(days, { freezeCap: cap });
        const shuffled = [...days, ...days.slice(0, 3)].sort((a, b) => ((a.charCodeAt(9) * seed) % 7) - ((b.charCodeAt(9) * seed) % 7));
        expect(foldStreak(shuffled, { freezeCap: cap })).toEqual(state);
        const counted = new Set(days).size;
        expect(state.current).toBeGreaterThanOrEqual(1);
        expect(state.current).toBeLessThanOrEqual(state.longest);
        expect(state.longest).toBeLessThanOrEqual(counted);
        expect(state.freezes).toBeGreaterThanOrEqual(0);
        expect(state.freezes).toBeLessThanOrEqual(cap);
        expect(state.lastDay).toBe([...days].sort().at(-1));
        // Freeze days and counted days never overlap; every day from first to last is exactly one of counted, freeze or a streak gap.
        for (const f of state.freezeDays) expect(days.includes(f)).toBe(false);
        // A consecutive run of n days gives current n and min(cap, floor(n / 7)) freezes, minus none spent.
      }),
      { numRuns: 500 },
    );
  });

  it('a run of n consecutive days: current = longest = n, one freeze per 7 days up to the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), capArb, (n, cap) => {
        const state = foldStreak(dayRange('2026-01-01', addDays('2026-01-01', n - 1)), { freezeCap: cap });
        expect(state).toMatchObject({ current: n, longest: n, freezes: Math.min(cap, Math.floor(n / 7)) });
      }),
    );
  });

  it('adding a day never lowers the longest streak', () => {
    fc.assert(
      fc.property(historyArb, capArb, fc.integer({ min: -30, max: 30 }), (days, cap, offset) => {
        const more = [...days, addDays(days[0]!, offset)];
        expect(foldStreak(more, { freezeCap: cap }).longest).toBeGreaterThanOrEqual(foldStreak(days, { freezeCap: cap }).longest);
      }),
    );
  });

  it('a freeze covers a missed day; two missed days with one freeze break the streak', () => {
    const week = dayRange('2026-03-01', '2026-03-07');
    const covered = foldStreak([...week, '2026-03-09'], { freezeCap: 2 });
    expect(covered).toMatchObject({ current: 8, freezes: 0, freezeDays: ['2026-03-08'], breakDays: [] });
    const broken = foldStreak([...week, '2026-03-10'], { freezeCap: 2 });
    expect(broken).toMatchObject({ current: 1, longest: 7, freezes: 0, freezeDays: ['2026-03-08'], breakDays: ['2026-03-09'] });
    expect(foldStreak([...week, '2026-03-09'], { freezeCap: 0 })).toMatchObject({ current: 1, breakDays: ['2026-03-08'] });
  });
});

describe('viewAt: today never breaks the streak before it is over', () => {
  it('the day after the last counted day shows the streak unchanged; later days spend freezes, then break', () => {
    fc.assert(
      fc.property(historyArb, capArb, fc.integer({ min: 0, max: 10 }), (days, cap, wait) => {
        const state = foldStreak(days, { freezeCap: cap });
        const today = addDays(state.lastDay!, wait);
        const view = viewAt(state, today);
        const missed = Math.max(0, wait - 1);
        if (missed <= state.freezes) {
          expect(view.current).toBe(state.current);
          expect(view.freezes).toBe(state.freezes - missed);
          expect(view.pendingFreezeDays).toHaveLength(missed);
          expect(view.brokenOn).toBeNull();
        } else {
          expect(view.current).toBe(0);
          expect(view.brokenOn).toBe(addDays(state.lastDay!, state.freezes + 1));
        }
        expect(view.longest).toBe(state.longest);
        expect(view.todayCounted).toBe(wait === 0);
        // The view agrees with folding as if the member came back today.
        const back = foldStreak([...days, today], { freezeCap: cap });
        if (wait > 0) expect(back.current).toBe(view.current + 1);
      }),
      { numRuns: 500 },
    );
  });

  it('member check-ins at most 22 hours apart never break a streak, in any zone and rollover (DST weeks included)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DST_WEEKS),
        zoneArb,
        rolloverArb,
        fc.array(fc.integer({ min: 1, max: 22 * 60 }), { minLength: 1, maxLength: 30 }),
        (start, zone, rollover, gaps) => {
          let t = Date.parse(`${start}T00:00:00Z`);
          const days = [localDay(new Date(t), zone, rollover)];
          for (const minutes of gaps) {
            t += minutes * 60_000;
            days.push(localDay(new Date(t), zone, rollover));
          }
          const state = foldStreak(days, { freezeCap: 0 });
          expect(state.breakDays).toEqual([]);
          expect(state.current).toBe(daysBetween(days[0]!, days.at(-1)!) + 1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('explains every day: reasons from the ledger, freezes, the day it broke, today pending', () => {
    const state = foldStreak([...dayRange('2026-03-01', '2026-03-07'), '2026-03-10', '2026-03-11'], { freezeCap: 2 });
    const ledger = new Map<string, 'checkin' | 'fix' | 'freeze'>([
      ...dayRange('2026-03-01', '2026-03-07').map((d) => [d, 'checkin'] as [string, 'checkin']),
      ['2026-03-08', 'freeze'],
      ['2026-03-10', 'fix'],
      ['2026-03-11', 'checkin'],
    ]);
    const today = '2026-03-14';
    const view = viewAt(state, today);
    const explained = explainDays(ledger, view, dayRange('2026-03-06', '2026-03-15'), today);
    expect([...explained.entries()]).toEqual([
      ['2026-03-06', 'checkin'],
      ['2026-03-07', 'checkin'],
      ['2026-03-08', 'freeze'],
      ['2026-03-09', 'broken'],
      ['2026-03-10', 'fix'],
      ['2026-03-11', 'checkin'],
      ['2026-03-12', 'broken'],
      ['2026-03-13', 'missed'],
      ['2026-03-14', 'today'],
    ]);
  });
});

describe('leaderboard ranking', () => {
  it('ranks 1, 2, 2, 4 with a stable order', () => {
    const ranked = rank([
      { userId: '3', score: 5 },
      { userId: '1', score: 9 },
      { userId: '2', score: 5 },
      { userId: '4', score: 1 },
    ]);
    expect(ranked.map((r) => [r.userId, r.rank])).toEqual([
      ['1', 1],
      ['2', 2],
      ['3', 2],
      ['4', 4],
    ]);
  });
});
