import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, dayRange, daysBetween, localDay, parseDay } from '../../src/domain/dates.js';
import { countingDay, explainDays, foldStreak, viewAt, type DayRule } from '../../src/domain/streaks.js';
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

/**
 * Time-zone changes (docs/streaks.md). A member's events in time order: activities, and changes
 * of the rule their days follow (their own zone, the server's zone they follow, the rollover hour).
 * The invariants, for any such sequence:
 *  1. never the past: an activity never counts for a day before the day of an earlier activity;
 *  2. never early: a day newly counts only once it has begun, at that instant, both under the rule
 *     in effect now and under the rule that was in effect when the previous counted day counted.
 * The zones keep one order of their offsets all year (no pair swaps which is ahead), so "the rule in
 * effect then" is well defined for 2; Pago Pago (UTC-11) and Kiritimati (UTC+14) are 25 hours apart.
 */
const CHANGE_ZONES = ['UTC', 'Pacific/Pago_Pago', 'Pacific/Kiritimati', 'Asia/Kolkata', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham'] as const;
type Rule = DayRule;
type Event = { minutes: number } & ({ kind: 'activity' } | { kind: 'change'; rule: Rule });
const ruleArb = fc.record({ zone: fc.constantFrom(...CHANGE_ZONES), rolloverHour: fc.constantFrom(0, 4, 4, 4, 12) });
const eventArb: fc.Arbitrary<Event> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ minutes: fc.integer({ min: 0, max: 30 * 60 }), kind: fc.constant('activity' as const) }) },
  { weight: 1, arbitrary: fc.record({ minutes: fc.integer({ min: 0, max: 30 * 60 }), kind: fc.constant('change' as const), rule: ruleArb }) },
);
type DayFn = (at: Date, current: Rule, last: { lastDay: string | null; follows: Rule | null }) => { day: string; follows: Rule };

/** Runs the events through a day rule as the database does (the rule is stored with each newly counted day); returns the first broken invariant. */
function brokenInvariant(dayFn: DayFn, start: string, first: Rule, events: readonly Event[]): string | undefined {
  let t = Date.parse(start);
  let current = first;
  let lastDay: string | null = null;
  let follows: Rule | null = null;
  let ruleAtLastCount: Rule | null = null;
  let latestDay: string | null = null;
  for (const event of events) {
    t += event.minutes * 60_000;
    if (event.kind === 'change') {
      current = event.rule;
      continue;
    }
    const at = new Date(t);
    const result = dayFn(at, current, { lastDay, follows });
    if (latestDay !== null && result.day < latestDay) return `past: ${result.day} after ${latestDay} at ${at.toISOString()}`;
    latestDay = result.day;
    if (lastDay !== null && result.day <= lastDay) continue;
    for (const rule of [current, ...(ruleAtLastCount ? [ruleAtLastCount] : [])]) {
      const begun = localDay(at, rule.zone, rule.rolloverHour);
      if (result.day > begun) return `early: ${result.day} at ${at.toISOString()} has not begun under ${rule.zone} ${rule.rolloverHour}:00 (${begun})`;
    }
    lastDay = result.day;
    follows = result.follows;
    ruleAtLastCount = current;
  }
  return undefined;
}

const scenario = fc.tuple(fc.constantFrom('2026-03-02T12:00:00Z', '2026-03-08T06:30:00Z', '2026-10-31T20:00:00Z', '2026-04-04T13:00:00Z'), ruleArb, fc.array(eventArb, { maxLength: 40 }));

describe('countingDay: a time-zone change cannot make a day', () => {
  it('for any activities and changes of zone or rollover: never a day in the past, never a day early', () => {
    fc.assert(
      fc.property(scenario, ([start, first, events]) => {
        expect(brokenInvariant(countingDay, start, first, events)).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('the invariants catch the rule before this one (the current zone alone decides the day)', () => {
    const zoneAlone: DayFn = (at, current) => ({ day: localDay(at, current.zone, current.rolloverHour), follows: current });
    const found = fc.check(fc.property(scenario, ([start, first, events]) => brokenInvariant(zoneAlone, start, first, events) === undefined), { numRuns: 1000 });
    expect(found.failed).toBe(true);
    // The case: a check-in at 12:00 UTC, a switch to Pago Pago (01:00 there, before the rollover), a check-in again.
    const pago: Event[] = [{ minutes: 0, kind: 'activity' }, { minutes: 1, kind: 'change', rule: { zone: 'Pacific/Pago_Pago', rolloverHour: 4 } }, { minutes: 1, kind: 'activity' }];
    expect(brokenInvariant(zoneAlone, '2026-03-10T12:00:00Z', { zone: 'UTC', rolloverHour: 4 }, pago)).toMatch(/^past: 2026-03-09/);
    expect(brokenInvariant(countingDay, '2026-03-10T12:00:00Z', { zone: 'UTC', rolloverHour: 4 }, pago)).toBeUndefined();
    // East: at 16:00 UTC it is already 06:00 tomorrow in Kiritimati.
    const east: Event[] = [{ minutes: 0, kind: 'activity' }, { minutes: 1, kind: 'change', rule: { zone: 'Pacific/Kiritimati', rolloverHour: 4 } }, { minutes: 1, kind: 'activity' }];
    expect(brokenInvariant(zoneAlone, '2026-03-10T16:00:00Z', { zone: 'UTC', rolloverHour: 4 }, east)).toMatch(/^early: 2026-03-11/);
    expect(brokenInvariant(countingDay, '2026-03-10T16:00:00Z', { zone: 'UTC', rolloverHour: 4 }, east)).toBeUndefined();
  });

  it('an active member loses no day to a change: with an activity at least every hour, the counted days have no gap', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('2026-03-02T12:00:00Z', '2026-10-31T20:00:00Z'),
        ruleArb,
        fc.array(fc.oneof(fc.constant<null>(null), ruleArb), { minLength: 24, maxLength: 120 }),
        (start, first, hours) => {
          let current = first;
          let lastDay: string | null = null;
          let follows: Rule | null = null;
          const counted: string[] = [];
          for (const [i, change] of hours.entries()) {
            if (change) current = change;
            const result = countingDay(new Date(Date.parse(start) + i * HOUR), current, { lastDay, follows });
            if (lastDay === null || result.day > lastDay) {
              counted.push(result.day);
              lastDay = result.day;
              follows = result.follows;
            }
          }
          expect(daysBetween(counted[0]!, counted.at(-1)!) + 1).toBe(counted.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('known cases: west waits for the new zone, east waits for the old zone, then the new zone alone decides', () => {
    const utc = { zone: 'UTC', rolloverHour: 4 };
    const pago = { zone: 'Pacific/Pago_Pago', rolloverHour: 4 };
    const kiri = { zone: 'Pacific/Kiritimati', rolloverHour: 4 };
    // West at 12:00 UTC on 03-10 (counted under UTC): 03-10 goes on until 03-11 begins in Pago Pago (15:00 UTC).
    expect(countingDay(new Date('2026-03-10T12:01:00Z'), pago, { lastDay: '2026-03-10', follows: utc })).toEqual({ day: '2026-03-10', follows: pago });
    expect(countingDay(new Date('2026-03-11T14:59:00Z'), pago, { lastDay: '2026-03-10', follows: utc }).day).toBe('2026-03-10');
    expect(countingDay(new Date('2026-03-11T15:00:00Z'), pago, { lastDay: '2026-03-10', follows: utc })).toEqual({ day: '2026-03-11', follows: pago });
    // East at 16:00 UTC on 03-10: 03-11 (already begun in Kiritimati) counts once it begins in UTC (04:00), then Kiritimati decides.
    expect(countingDay(new Date('2026-03-10T16:01:00Z'), kiri, { lastDay: '2026-03-10', follows: utc })).toEqual({ day: '2026-03-10', follows: utc });
    expect(countingDay(new Date('2026-03-11T03:59:00Z'), kiri, { lastDay: '2026-03-10', follows: utc }).day).toBe('2026-03-10');
    expect(countingDay(new Date('2026-03-11T04:00:00Z'), kiri, { lastDay: '2026-03-10', follows: utc })).toEqual({ day: '2026-03-11', follows: kiri });
    expect(countingDay(new Date('2026-03-11T14:00:00Z'), kiri, { lastDay: '2026-03-11', follows: kiri }).day).toBe('2026-03-12');
    // Pago Pago to Kiritimati (25 hours east): the two never agree, so the old zone's days go on (no day is skipped).
    expect(countingDay(new Date('2026-03-11T16:00:00Z'), kiri, { lastDay: '2026-03-10', follows: pago })).toEqual({ day: '2026-03-11', follows: pago });
    // A rollover hour moved from 04:00 to 00:00 at 02:00: the day before goes on until 04:00.
    expect(countingDay(new Date('2026-03-11T02:00:00Z'), { zone: 'UTC', rolloverHour: 0 }, { lastDay: '2026-03-10', follows: utc }).day).toBe('2026-03-10');
    // First day, or no change: the current rule.
    expect(countingDay(new Date('2026-03-10T16:00:00Z'), kiri, { lastDay: null, follows: null })).toEqual({ day: '2026-03-11', follows: kiri });
    expect(countingDay(new Date('2026-03-10T01:00:00Z'), utc, { lastDay: '2026-03-10', follows: utc }).day).toBe('2026-03-09');
  });
});
