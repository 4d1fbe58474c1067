import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { localDateOf } from '../../src/domain/dates.js';
import { digestWeek, digestWeeksToCheck, dueDigest, firstDigestAfter, latestDigest, nextDigest, streakRisk } from '../../src/domain/digest.js';
import { viewAt } from '../../src/domain/streaks.js';

const at = (iso: string) => new Date(iso);
const HOUR = 3_600_000;

describe('when a digest is due', () => {
  it('is due on the chosen weekday and time in the member’s zone', () => {
    // Monday 09:00 in Tokyo is Monday 00:00 UTC; in New York (EST) 14:00 UTC.
    const tokyo = { day: 1, time: { hour: 9, minute: 0 }, zone: 'Asia/Tokyo' };
    expect(latestDigest(at('2026-03-02T00:00:00Z'), tokyo)).toEqual({ date: '2026-03-02', week: '2026-03-02', dueAt: at('2026-03-02T00:00:00Z') });
    expect(latestDigest(at('2026-03-01T23:59:00Z'), tokyo).date).toBe('2026-02-23');
    const ny = { day: 1, time: { hour: 9, minute: 0 }, zone: 'America/New_York' };
    expect(latestDigest(at('2026-03-02T14:00:00Z'), ny).dueAt).toEqual(at('2026-03-02T14:00:00Z'));
    expect(nextDigest(at('2026-03-02T13:59:00Z'), ny).dueAt).toEqual(at('2026-03-02T14:00:00Z'));
  });

  it('follows daylight saving time (Intl, no fixed offset)', () => {
    const ny = { day: 1, time: { hour: 9, minute: 0 }, zone: 'America/New_York' };
    // 2026-03-08 clocks go forward in New York: the Monday after is 09:00 EDT = 13:00 UTC.
    expect(nextDigest(at('2026-03-03T00:00:00Z'), ny).dueAt).toEqual(at('2026-03-09T13:00:00Z'));
  });

  it('weeks start on Monday: a Sunday digest belongs to the week before', () => {
    expect(digestWeek('2026-03-08')).toBe('2026-03-02'); // Sunday
    expect(digestWeek('2026-03-09')).toBe('2026-03-09'); // Monday
  });

  it('is sent within the catch-up window, not after, and never for a time before the member turned it on', () => {
    const s = { day: 1, time: { hour: 12, minute: 0 }, zone: 'UTC' };
    const options = { catchupMs: 6 * HOUR, notBefore: at('2026-02-01T00:00:00Z') };
    expect(dueDigest(at('2026-03-02T11:59:00Z'), s, options)).toBeUndefined(); // last week's is long past
    expect(dueDigest(at('2026-03-02T12:00:00Z'), s, options)?.week).toBe('2026-03-02');
    expect(dueDigest(at('2026-03-02T18:00:00Z'), s, options)?.week).toBe('2026-03-02');
    expect(dueDigest(at('2026-03-02T18:01:00Z'), s, options)).toBeUndefined();
    expect(dueDigest(at('2026-03-02T13:00:00Z'), s, { ...options, notBefore: at('2026-03-02T12:30:00Z') })).toBeUndefined();
  });
});

describe('the first digest after a member turns it on or changes it', () => {
  const zone = fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata', 'Pacific/Chatham');
  // Minute-aligned instants, so that a change exactly at the digest's time is tried too.
  const instant = fc.integer({ min: Date.UTC(2020, 0, 1) / 60_000, max: Date.UTC(2030, 0, 1) / 60_000 }).map((m) => new Date(m * 60_000));

  it('is the one the job sends first, at any instant, weekday and time, across DST, skipping a week that had its digest', () => {
    fc.assert(
      fc.property(instant, zone, fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 30, 59), fc.boolean(), (changedAt, z, day, hour, minute, hadOne) => {
        const schedule = { day, time: { hour, minute }, zone: z };
        // Sometimes this week already had its digest (sent on the day chosen before the change).
        const thisWeek = digestWeek(localDateOf(changedAt, z));
        expect(digestWeeksToCheck(changedAt, schedule)).toContain(thisWeek);
        const done = new Set(hadOne ? [thisWeek] : []);
        const promised = firstDigestAfter(changedAt, schedule, done);
        // The job, on time at every occurrence from the change on: the first one it sends.
        const options = { catchupMs: 6 * HOUR, notBefore: changedAt };
        let sent;
        for (let at = latestDigest(changedAt, schedule); !sent; at = nextDigest(at.dueAt, schedule)) {
          const tick = at.dueAt.getTime() < changedAt.getTime() ? changedAt : at.dueAt;
          const due = dueDigest(tick, schedule, options);
          if (due && !done.has(due.week)) sent = due;
        }
        expect(promised).toEqual(sent);
        expect(promised.dueAt.getTime()).toBeGreaterThanOrEqual(changedAt.getTime());
      }),
      { numRuns: 400 },
    );
  });
});

describe('the at-risk rule', () => {
  const summary = (lastDay: string | null, current: number, freezes: number) => ({ current, longest: current, freezes, lastDay });

  it('is at risk when the streak runs and today has not counted', () => {
    expect(streakRisk(viewAt(summary('2026-03-01', 5, 0), '2026-03-02'))).toBe('break');
    expect(streakRisk(viewAt(summary('2026-03-01', 5, 1), '2026-03-02'))).toBe('freeze');
    // A freeze already covers yesterday and none is left: today would break it.
    expect(streakRisk(viewAt(summary('2026-02-28', 5, 1), '2026-03-02'))).toBe('break');
  });

  it('is not at risk when today counted, or there is no streak to lose', () => {
    expect(streakRisk(viewAt(summary('2026-03-02', 5, 0), '2026-03-02'))).toBeUndefined();
    expect(streakRisk(viewAt(summary(null, 0, 0), '2026-03-02'))).toBeUndefined();
    expect(streakRisk(viewAt(summary('2026-02-20', 5, 0), '2026-03-02'))).toBeUndefined(); // already broken
  });
});
