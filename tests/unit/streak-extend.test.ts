import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/domain/dates.js';
import { extendStreak, foldStreak, type StreakRules, type StreakState, type StreakSummary } from '../../src/domain/streaks.js';

const summary = (s: StreakSummary): StreakSummary => ({ current: s.current, longest: s.longest, freezes: s.freezes, lastDay: s.lastDay });
const EMPTY: StreakSummary = { current: 0, longest: 0, freezes: 0, lastDay: null };

// Sorted distinct days: a start day and gaps of 1 (consecutive) to 6 days, with longer gaps now and then.
const daysArb = fc
  .tuple(
    fc.integer({ min: 0, max: 800 }),
    fc.array(fc.oneof({ weight: 6, arbitrary: fc.constant(1) }, { weight: 3, arbitrary: fc.integer({ min: 2, max: 6 }) }, { weight: 1, arbitrary: fc.integer({ min: 7, max: 60 }) }), {
      maxLength: 60,
    }),
  )
  .map(([start, gaps]) => {
    const days = [addDays('2024-01-01', start)];
    for (const gap of gaps) days.push(addDays(days.at(-1)!, gap));
    return days;
  });
const rulesArb: fc.Arbitrary<StreakRules> = fc.record({ freezeCap: fc.integer({ min: -1, max: 5 }), freezeEvery: fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }) });

describe('extendStreak: the fold one day at a time', () => {
  it('from the stored figures of any prefix, extending with the next day gives the figures of the whole fold', () => {
    fc.assert(
      fc.property(daysArb, rulesArb, (days, rules) => {
        for (let n = 0; n < days.length; n++) {
          const before = foldStreak(days.slice(0, n), rules);
          const after = foldStreak(days.slice(0, n + 1), rules);
          const step = extendStreak(summary(before), days[n]!, rules);
          expect(summary(step)).toEqual(summary(after));
          // What the day added to the ledger-facing lists is exactly the tail the whole fold has more.
          expect(step.freezeDays).toEqual(after.freezeDays.slice(before.freezeDays.length));
          expect(step.breakDays).toEqual(after.breakDays.slice(before.breakDays.length));
          expect(step.earnedDays).toEqual(after.earnedDays.slice(before.earnedDays.length));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('extending from nothing, day by day, equals folding every day at once (in any input order)', () => {
    fc.assert(
      fc.property(daysArb, rulesArb, fc.integer(), (days, rules, seed) => {
        let state: StreakState = { ...EMPTY, freezeDays: [], breakDays: [], earnedDays: [] };
        const lists = { freezeDays: [] as string[], breakDays: [] as string[], earnedDays: [] as string[] };
        for (const day of days) {
          state = extendStreak(summary(state), day, rules);
          lists.freezeDays.push(...state.freezeDays);
          lists.breakDays.push(...state.breakDays);
          lists.earnedDays.push(...state.earnedDays);
        }
        const shuffled = [...days].sort((a, b) => ((a.charCodeAt(9) * seed) % 7) - ((b.charCodeAt(9) * seed) % 7));
        expect({ ...summary(state), ...lists }).toEqual(foldStreak(shuffled, rules));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a day that is not after the last counted day (those need the whole fold)', () => {
    const state = summary(foldStreak(['2026-03-01', '2026-03-02'], { freezeCap: 2 }));
    expect(() => extendStreak(state, '2026-03-02', { freezeCap: 2 })).toThrow(RangeError);
    expect(() => extendStreak(state, '2026-02-27', { freezeCap: 2 })).toThrow(RangeError);
  });
});
