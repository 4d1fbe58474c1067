import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FOCUS_LATE_MS,
  MINUTE_MS,
  boundaryAt,
  creditedPart,
  dueBoundaries,
  lastDueBoundary,
  phaseAt,
  phaseAtInstant,
  phaseCount,
  planProblem,
  roundsFinishedBy,
  sessionEnd,
  type FocusPlan,
} from '../../src/domain/focus.js';

const T0 = Date.parse('2026-03-02T12:00:00Z');
const min = (m: number) => T0 + m * MINUTE_MS;
const plan: FocusPlan = { startedAt: T0, focusMinutes: 25, breakMinutes: 5, rounds: 4 };

describe('the phase schedule', () => {
  it('is focus, break, …, focus: 2N − 1 phases, no break after the last round', () => {
    expect(phaseCount(plan)).toBe(7);
    expect(sessionEnd(plan)).toBe(min(4 * 25 + 3 * 5));
    expect(Array.from({ length: 7 }, (_, i) => phaseAt(plan, i)).map((p) => [p.kind, p.round, (p.start - T0) / MINUTE_MS, (p.end - T0) / MINUTE_MS])).toEqual([
      ['focus', 1, 0, 25],
      ['break', 1, 25, 30],
      ['focus', 2, 30, 55],
      ['break', 2, 55, 60],
      ['focus', 3, 60, 85],
      ['break', 3, 85, 90],
      ['focus', 4, 90, 115],
    ]);
    expect(() => phaseAt(plan, 7)).toThrow(RangeError);
    expect(phaseCount({ ...plan, rounds: 1 })).toBe(1);
  });

  it('phase at an instant: a phase holds from its start (inclusive) to its end (exclusive); null once over', () => {
    expect(phaseAtInstant(plan, min(-1))?.index).toBe(0);
    expect(phaseAtInstant(plan, min(0))?.index).toBe(0);
    expect(phaseAtInstant(plan, min(25) - 1)?.index).toBe(0);
    expect(phaseAtInstant(plan, min(25))?.index).toBe(1);
    expect(phaseAtInstant(plan, min(30))).toMatchObject({ kind: 'focus', round: 2 });
    expect(phaseAtInstant(plan, min(59))).toMatchObject({ kind: 'break', round: 2 });
    expect(phaseAtInstant(plan, min(114))).toMatchObject({ kind: 'focus', round: 4 });
    expect(phaseAtInstant(plan, min(115))).toBeNull();
    // Every instant's phase contains it.
    for (let t = T0; t < sessionEnd(plan); t += 7_919) {
      const phase = phaseAtInstant(plan, t)!;
      expect(phase.start <= t && t < phase.end).toBe(true);
    }
  });

  it('boundaries are the phase ends; the last is the session’s end', () => {
    expect([1, 2, 3, 7].map((k) => (boundaryAt(plan, k) - T0) / MINUTE_MS)).toEqual([25, 30, 55, 115]);
    expect(lastDueBoundary(plan, min(24))).toBe(0);
    expect(lastDueBoundary(plan, min(30))).toBe(2);
    expect(lastDueBoundary(plan, min(500))).toBe(7);
  });
});

describe('due phase changes', () => {
  it('on time: the one due change is announced; it says what starts and which focus it ends', () => {
    const [due, ...rest] = dueBoundaries(plan, min(25) + 40_000, new Set());
    expect(rest).toEqual([]);
    expect(due).toMatchObject({ k: 1, onTime: true, announce: true, next: { kind: 'break', round: 1 }, endsFocus: { kind: 'focus', round: 1 } });
    expect(dueBoundaries(plan, min(25) + 40_000, new Set([1]))).toEqual([]);
    expect(dueBoundaries(plan, min(24), new Set())).toEqual([]);
  });

  it('after downtime: every missed change is due, none but the latest (if on time) is announced', () => {
    const late = dueBoundaries(plan, min(61), new Set([1]));
    expect(late.map((b) => [b.k, b.onTime, b.announce])).toEqual([
      [2, false, false],
      [3, false, false],
      [4, true, true],
    ]);
    // More than FOCUS_LATE_MS late: nothing is announced.
    expect(dueBoundaries(plan, min(60) + FOCUS_LATE_MS + 1, new Set()).some((b) => b.announce)).toBe(false);
    // The whole session passed while away: recorded, silently, down to its end.
    const over = dueBoundaries(plan, min(600), new Set());
    expect(over.map((b) => b.k)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(over.some((b) => b.announce || b.onTime)).toBe(false);
    expect(over.at(-1)!.next).toBeNull();
  });

  it('an older change left unsettled is not announced when a later one is already settled', () => {
    expect(dueBoundaries(plan, min(31), new Set([2])).map((b) => [b.k, b.announce])).toEqual([[1, false]]);
  });
});

describe('a session started at any instant (first run)', () => {
  it('a minute scheduler announces every phase change once, on time, whatever second the session started at, across DST nights', () => {
    fc.assert(
      fc.property(
        // Any millisecond, around the DST nights of 2026 in Europe and the US too (phases are durations, not wall-clock times).
        fc.oneof(fc.integer({ min: Date.parse('2026-03-08T05:00:00Z'), max: Date.parse('2026-03-08T09:00:00Z') }), fc.integer({ min: Date.parse('2026-10-25T00:00:00Z'), max: Date.parse('2026-10-25T03:00:00Z') }), fc.integer({ min: T0, max: T0 + 7 * 24 * 60 * MINUTE_MS })),
        fc.integer({ min: 5, max: 120 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 59_999 }),
        (startedAt, focusMinutes, breakMinutes, rounds, jitter) => {
          const p: FocusPlan = { startedAt, focusMinutes, breakMinutes, rounds };
          if (planProblem(p)) return;
          const settled = new Set<number>();
          const announced: number[] = [];
          // Ticks at each minute (each up to a minute late under load), from the first after the start.
          const first = Math.ceil(startedAt / MINUTE_MS) * MINUTE_MS;
          for (let minute = first; minute <= sessionEnd(p) + 2 * MINUTE_MS; minute += MINUTE_MS) {
            for (const b of dueBoundaries(p, minute + jitter, settled)) {
              settled.add(b.k);
              expect(b.onTime).toBe(true);
              if (b.announce) announced.push(b.k);
            }
          }
          expect(announced).toEqual(Array.from({ length: phaseCount(p) }, (_, i) => i + 1));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('which rounds count for a participant', () => {
  const round2 = phaseAt(plan, 2); // 30–55

  it('in from before the round to its end: the whole round', () => {
    expect(creditedPart(round2, [{ joinedAt: min(0), leftAt: null }])).toEqual({ start: min(30), end: min(55) });
    expect(creditedPart(round2, [{ joinedAt: min(27), leftAt: min(56) }])).toEqual({ start: min(30), end: min(55) });
  });

  it('joined during the round: the part since joining', () => {
    expect(creditedPart(round2, [{ joinedAt: min(40), leftAt: null }])).toEqual({ start: min(40), end: min(55) });
  });

  it('left during the round: nothing, unless they rejoined before its end (counted from the rejoin)', () => {
    expect(creditedPart(round2, [{ joinedAt: min(0), leftAt: min(50) }])).toBeNull();
    expect(
      creditedPart(round2, [
        { joinedAt: min(0), leftAt: min(35) },
        { joinedAt: min(45), leftAt: null },
      ]),
    ).toEqual({ start: min(45), end: min(55) });
    expect(creditedPart(round2, [{ joinedAt: min(55), leftAt: null }])).toBeNull(); // joined at its end
    expect(creditedPart(round2, [{ joinedAt: min(0), leftAt: min(55) }])).toEqual({ start: min(30), end: min(55) }); // left just as it ended
  });

  it('rounds finished per participant', () => {
    const stayed = [{ joinedAt: min(0), leftAt: null }];
    const lateJoiner = [{ joinedAt: min(40), leftAt: null }];
    const leftInRound3 = [{ joinedAt: min(0), leftAt: min(70) }];
    expect(roundsFinishedBy(plan, stayed, min(600))).toEqual({ rounds: 4, minutes: 100 });
    expect(roundsFinishedBy(plan, stayed, min(54))).toEqual({ rounds: 1, minutes: 25 });
    expect(roundsFinishedBy(plan, lateJoiner, min(600))).toEqual({ rounds: 3, minutes: 15 + 25 + 25 });
    expect(roundsFinishedBy(plan, leftInRound3, min(600))).toEqual({ rounds: 2, minutes: 50 });
  });
});

describe('bounds', () => {
  it('accepts the defaults and the extremes, refuses out of range values with the range, and sessions over 12 hours', () => {
    expect(planProblem({ focusMinutes: 25, breakMinutes: 5, rounds: 4 })).toBeNull();
    expect(planProblem({ focusMinutes: 5, breakMinutes: 1, rounds: 1 })).toBeNull();
    expect(planProblem({ focusMinutes: 4, breakMinutes: 5, rounds: 4 })).toContain('5 to 120 minutes');
    expect(planProblem({ focusMinutes: 25, breakMinutes: 31, rounds: 4 })).toContain('1 to 30 minutes');
    expect(planProblem({ focusMinutes: 25, breakMinutes: 5, rounds: 13 })).toContain('1 to 12 rounds');
    expect(planProblem({ focusMinutes: 120, breakMinutes: 30, rounds: 12 })).toContain('at most 12 hours');
    expect(planProblem({ focusMinutes: 60, breakMinutes: 0.5, rounds: 2 })).toContain('out of range');
  });
});
