import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localDay } from '../../src/domain/dates.js';
import { HOUR_MS, MemberDays, nextDayBoundary, studyByDay } from '../../src/domain/study.js';

// DST zones both hemispheres, half-hour and 45-minute offsets, a half-hour DST shift (Lord_Howe),
// a two-hour shift (Troll), and a zone that skipped a whole day (Apia, 2011-12-30).
const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'America/St_Johns',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'America/Santiago',
  'Antarctica/Troll',
  'Pacific/Apia',
] as const;
// Days with a clock change in one of these zones (UTC midnights), and Apia's skipped day.
const CHANGES = [
  Date.UTC(2025, 2, 30), // Europe, Troll: forward
  Date.UTC(2025, 9, 26), // Europe, Troll: back
  Date.UTC(2025, 2, 9), // New York, St John's: forward
  Date.UTC(2025, 10, 2), // back
  Date.UTC(2025, 3, 5), // Lord Howe, Chatham, Santiago: back (local early morning of the 6th)
  Date.UTC(2025, 9, 4), // Lord Howe: forward half an hour
  Date.UTC(2025, 8, 6), // Santiago: forward
  Date.UTC(2025, 8, 27), // Chatham: forward
  Date.UTC(2011, 11, 29), // Apia: 2011-12-30 never happened
];

/** Instants to the millisecond: near a clock change (±40 h), or anywhere from 2010 to 2030. */
const instant = fc.oneof(
  fc.tuple(fc.constantFrom(...CHANGES), fc.integer({ min: -40 * HOUR_MS, max: 40 * HOUR_MS })).map(([d, ms]) => d + ms),
  fc.integer({ min: Date.UTC(2010, 0, 1), max: Date.UTC(2030, 11, 31) }),
);
/** A walk of instants (forward, back, across days), as sessions of a batch ask about them. */
const walk = fc.tuple(instant, fc.array(fc.integer({ min: -30 * HOUR_MS, max: 30 * HOUR_MS }), { minLength: 1, maxLength: 12 })).map(([start, steps]) => {
  const out = [start];
  for (const step of steps) out.push(out.at(-1)! + step);
  return out;
});
const query = fc.record({ zone: fc.constantFrom(...ZONES), rollover: fc.integer({ min: 0, max: 23 }) });

describe('the member-day memo', () => {
  it('answers exactly what the pure rule (localDay, nextDayBoundary) answers, whatever it holds', { timeout: 300_000 }, () => {
    fc.assert(
      fc.property(
        // Small memos too, so that zones and days are evicted and asked again.
        fc.record({ zones: fc.integer({ min: 1, max: 4 }), days: fc.integer({ min: 1, max: 3 }) }),
        fc.array(fc.tuple(query, walk), { minLength: 1, maxLength: 6 }),
        ({ zones, days }, walks) => {
          const memo = new MemberDays(zones, days);
          // Interleave the walks, so that zones take turns in the memo.
          const asks = walks.flatMap(([q, ts]) => ts.map((t, i) => ({ ...q, t, i }))).sort((a, b) => a.i - b.i);
          for (const { zone, rollover, t } of asks) {
            const { day, end } = memo.at(t, zone, rollover);
            expect({ zone, rollover, t, day, end }).toEqual({ zone, rollover, t, day: localDay(new Date(t), zone, rollover), end: nextDayBoundary(t, zone, rollover) });
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('the boundary is exact: the instant before it is still the day, the boundary itself a later day', { timeout: 300_000 }, () => {
    fc.assert(
      fc.property(query, instant, ({ zone, rollover }, t) => {
        const day = localDay(new Date(t), zone, rollover);
        const end = nextDayBoundary(t, zone, rollover);
        expect(end).toBeGreaterThan(t);
        expect(localDay(new Date(end - 1), zone, rollover)).toBe(day);
        expect(localDay(new Date(end), zone, rollover) > day).toBe(true);
        // Every instant of the day has the same boundary.
        expect(nextDayBoundary(end - 1, zone, rollover)).toBe(end);
      }),
      { numRuns: 300 },
    );
  });

  it('study per day is the same through a fresh memo, a shared one and a tiny one', () => {
    fc.assert(
      fc.property(query, fc.array(fc.tuple(instant, fc.integer({ min: 0, max: 50 * HOUR_MS })), { minLength: 1, maxLength: 4 }), ({ zone, rollover }, sessions) => {
        const intervals = sessions.map(([start, ms]) => ({ start, end: start + ms }));
        const fresh = studyByDay(intervals, zone, rollover, new MemberDays());
        expect(studyByDay(intervals, zone, rollover)).toEqual(fresh);
        expect(studyByDay(intervals, zone, rollover, new MemberDays(1, 1))).toEqual(fresh);
      }),
      { numRuns: 100 },
    );
  });
});
