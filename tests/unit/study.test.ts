import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localDay } from '../../src/domain/dates.js';
import {
  HOUR_MS,
  MINUTE_MS,
  capSession,
  countedChannel,
  formatStudyTime,
  mergeIntervals,
  reconcile,
  studyByDay,
  voiceTransition,
  type Interval,
  type OpenSession,
} from '../../src/domain/study.js';

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'America/Santiago', 'Pacific/Pago_Pago', 'Pacific/Kiritimati'] as const;
const zone = fc.constantFrom(...ZONES);
const rollover = fc.constantFrom(0, 4);
// Minute-aligned instants around 2024–2026, half of them near a DST change so that 23 h and 25 h days come up often.
const DST_DAYS = [Date.UTC(2025, 2, 30), Date.UTC(2025, 9, 26), Date.UTC(2025, 2, 9), Date.UTC(2025, 10, 2), Date.UTC(2025, 3, 6), Date.UTC(2025, 8, 28)];
const minuteInstant = fc.oneof(
  fc.integer({ min: Date.UTC(2024, 0, 1) / MINUTE_MS, max: Date.UTC(2026, 11, 31) / MINUTE_MS }).map((m) => m * MINUTE_MS),
  fc.tuple(fc.constantFrom(...DST_DAYS), fc.integer({ min: -36 * 60, max: 36 * 60 })).map(([d, m]) => d + m * MINUTE_MS),
);
const interval = fc.tuple(minuteInstant, fc.integer({ min: 0, max: 20 * 60 })).map(([start, minutes]): Interval => ({ start, end: start + minutes * MINUTE_MS }));

/** The oracle: each minute covered by any interval is counted once, on the member day it begins in. */
function minuteByMinute(intervals: Interval[], z: string, hour: number): Map<string, number> {
  const minutes = new Set<number>();
  for (const { start, end } of intervals) for (let t = start; t < end; t += MINUTE_MS) minutes.add(t);
  const out = new Map<string, number>();
  for (const t of minutes) {
    const day = localDay(new Date(t), z, hour);
    out.set(day, (out.get(day) ?? 0) + MINUTE_MS);
  }
  return out;
}

describe('study time per member day', () => {
  // CPU-heavy (an Intl call per covered minute): the timeout only catches a hang, never a slow machine.
  it('always equals the covered minutes on each day, in any zone and with any rollover hour', { timeout: 300_000 }, () => {
    fc.assert(
      fc.property(fc.array(interval, { minLength: 1, maxLength: 3 }), zone, rollover, (intervals, z, hour) => {
        expect(studyByDay(intervals, z, hour)).toEqual(minuteByMinute(intervals, z, hour));
      }),
      { numRuns: 60 },
    );
  });

  it('does not depend on the order the sessions arrive in, and overlaps count once', () => {
    fc.assert(
      fc.property(fc.array(interval, { minLength: 1, maxLength: 6 }), zone, fc.nat(), (intervals, z, seed) => {
        const shuffled = [...intervals].sort((a, b) => ((a.start * 31 + seed) % 97) - ((b.start * 31 + seed) % 97));
        const doubled = [...shuffled, ...intervals];
        expect(studyByDay(doubled, z)).toEqual(studyByDay(intervals, z));
        const total = [...studyByDay(intervals, z).values()].reduce((a, b) => a + b, 0);
        expect(total).toBe(mergeIntervals(intervals).reduce((sum, i) => sum + i.end - i.start, 0));
      }),
      { numRuns: 200 },
    );
  });

  it('a whole DST day in Berlin holds 23 h in spring and 25 h in autumn', () => {
    const spring = { start: Date.parse('2026-03-28T23:00:00Z'), end: Date.parse('2026-03-29T22:00:00Z') };
    expect(studyByDay([spring], 'Europe/Berlin')).toEqual(new Map([['2026-03-29', 23 * HOUR_MS]]));
    const autumn = { start: Date.parse('2026-10-24T22:00:00Z'), end: Date.parse('2026-10-25T23:00:00Z') };
    expect(studyByDay([autumn], 'Europe/Berlin')).toEqual(new Map([['2026-10-25', 25 * HOUR_MS]]));
  });

  it('splits a session across midnight, and before the rollover hour it still counts for the day before', () => {
    const session = { start: Date.parse('2026-05-01T23:30:00Z'), end: Date.parse('2026-05-02T04:30:00Z') };
    expect(studyByDay([session], 'UTC')).toEqual(new Map([['2026-05-01', 30 * MINUTE_MS], ['2026-05-02', 270 * MINUTE_MS]]));
    expect(studyByDay([session], 'UTC', 4)).toEqual(new Map([['2026-05-01', 270 * MINUTE_MS], ['2026-05-02', 30 * MINUTE_MS]]));
  });
});

describe('which voice spot counts', () => {
  const rooms = { channelIds: ['hall'], categoryIds: ['study-cat'], afkChannelId: 'afk' };
  it('a study room or a channel in a study category counts; the AFK channel, server-deafened members and other channels do not', () => {
    expect(countedChannel({ channelId: 'hall' }, rooms)).toBe('hall');
    expect(countedChannel({ channelId: 'room-2', parentId: 'study-cat' }, rooms)).toBe('room-2');
    expect(countedChannel({ channelId: 'afk', parentId: 'study-cat' }, rooms)).toBeNull();
    expect(countedChannel({ channelId: 'hall', serverDeaf: true }, rooms)).toBeNull();
    expect(countedChannel({ channelId: 'lounge', parentId: 'games' }, rooms)).toBeNull();
    expect(countedChannel({ channelId: null }, rooms)).toBeNull();
  });

  it('a move between study rooms closes one session and opens another; staying put does nothing', () => {
    expect(voiceTransition({ channelId: 'hall' }, 'room-2')).toEqual({ close: true, open: 'room-2' });
    expect(voiceTransition({ channelId: 'hall' }, 'hall')).toEqual({ close: false, open: null });
    expect(voiceTransition({ channelId: 'hall' }, null)).toEqual({ close: true, open: null });
    expect(voiceTransition(null, 'hall')).toEqual({ close: false, open: 'hall' });
    expect(voiceTransition(null, null)).toEqual({ close: false, open: null });
  });
});

describe('caps and display', () => {
  it('a session never counts more than the cap, and the cut is reported', () => {
    expect(capSession({ start: 0, end: 13 * HOUR_MS }, 12 * HOUR_MS)).toEqual({ start: 0, end: 12 * HOUR_MS, cutMs: HOUR_MS });
    expect(capSession({ start: 0, end: HOUR_MS }, 12 * HOUR_MS)).toEqual({ start: 0, end: HOUR_MS, cutMs: 0 });
  });
  it('shows whole minutes, rounded down', () => {
    expect(formatStudyTime(80 * MINUTE_MS + 59_000)).toBe('1 h 20 m');
    expect(formatStudyTime(2 * HOUR_MS)).toBe('2 h');
    expect(formatStudyTime(59_999)).toBe('0 m');
  });
});

describe('reconciliation', () => {
  const session = fc.record({ id: fc.nat(), userId: fc.constantFrom('a', 'b', 'c', 'd'), channelId: fc.constantFrom('x', 'y'), startedAt: fc.integer({ min: 0, max: 1_000_000 }) });
  const present = fc.uniqueArray(fc.record({ userId: fc.constantFrom('a', 'b', 'c', 'd', 'e'), channelId: fc.constantFrom('x', 'y') }), { selector: (p) => p.userId });

  it('never counts time past the last moment the bot knew, and everyone in voice ends up with exactly one open session', () => {
    fc.assert(
      fc.property(fc.uniqueArray(session, { maxLength: 6, selector: (s) => s.id }), present, fc.integer({ min: 0, max: 2_000_000 }), fc.integer({ min: 0, max: 1_000_000 }), (open, here, knownUntil, gap) => {
        const now = knownUntil + gap;
        const result = reconcile(open, here, knownUntil, now);
        const byId = new Map<OpenSession['id'], OpenSession>(open.map((s) => [s.id, s]));
        for (const closed of result.close) {
          const s = byId.get(closed.id)!;
          expect(closed.endedAt).toBeLessThanOrEqual(Math.max(s.startedAt, knownUntil));
          expect(closed.endedAt).toBeGreaterThanOrEqual(s.startedAt);
        }
        for (const opened of result.open) expect(opened.startedAt).toBe(now);
        // Every open session is either closed or kept, never both; kept ones only without a gap.
        const closedIds = result.close.map((c) => c.id);
        const kept = open.filter((s) => !closedIds.includes(s.id));
        if (gap > 0) expect(kept).toEqual([]);
        const openAfter = [...kept.map((s) => s.userId), ...result.open.map((o) => o.userId)].sort();
        expect(openAfter).toEqual(here.map((p) => p.userId).sort());
      }),
      { numRuns: 500 },
    );
  });

  it('a member who left during a ten-minute outage is closed at the last heartbeat, not at now', () => {
    const result = reconcile([{ id: 1, userId: 'a', channelId: 'x', startedAt: 0 }], [], 30 * MINUTE_MS, 40 * MINUTE_MS);
    expect(result).toEqual({ close: [{ id: 1, endedAt: 30 * MINUTE_MS }], open: [] });
  });
});
