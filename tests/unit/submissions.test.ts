import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judge, podium, scoreValue, winners, type MetricDirection } from '../../src/domain/submissions.js';

interface E {
  id: number;
  score: string | null;
  flagged: boolean;
}
const e = (id: number, score: string | null, flagged = false): E => ({ id, score, flagged });
const places = (entries: readonly { entry: E; place: number | null }[]) => entries.map((p) => `${p.entry.id}:${p.place ?? '-'}`);

describe('judge', () => {
  it('ranks the highest first when higher wins, ties sharing a place (1, 1, 3), unscored after', () => {
    const j = judge([e(1, '0.7'), e(2, null), e(3, '0.9'), e(4, '0.90'), e(5, '0.8'), e(6, 'great!')], 'higher');
    expect(j.ranked).toBe(true);
    expect(places(j.entries)).toEqual(['3:1', '4:1', '5:3', '1:4', '2:-', '6:-']);
    expect(podium(j).map((p) => p.entry.id)).toEqual([3, 4, 5]);
    expect(winners(j).map((w) => w.id)).toEqual([3, 4]);
  });

  it('ranks the lowest first when lower wins (RMSE), with negative and exponent scores', () => {
    const j = judge([e(1, '0.14'), e(2, '1e-1'), e(3, '-0.5'), e(4, '0.14'), e(5, '0.2')], 'lower');
    expect(places(j.entries)).toEqual(['3:1', '2:2', '1:3', '4:3', '5:5']);
    expect(podium(j).map((p) => p.entry.id)).toEqual([3, 2, 1, 4]);
  });

  it('leaves flagged entries out of the ranking', () => {
    const j = judge([e(1, '0.99', true), e(2, '0.5'), e(3, null, true)], 'higher');
    expect(places(j.entries)).toEqual(['2:1']);
    expect(j.flagged.map((f) => f.id)).toEqual([1, 3]);
  });

  it('ranks nothing without a direction: entries keep their order', () => {
    const j = judge([e(1, '0.5'), e(2, null), e(3, '0.9')], undefined);
    expect(j.ranked).toBe(false);
    expect(places(j.entries)).toEqual(['1:-', '2:-', '3:-']);
    expect(podium(j)).toEqual([]);
    expect(winners(j)).toEqual([]);
  });

  it('reads stored scores as numbers, and text as no score', () => {
    expect(scoreValue('0.78710')).toBe(0.7871);
    expect(scoreValue('-12.5')).toBe(-12.5);
    expect(scoreValue('<@&1> top!')).toBeNull();
    expect(scoreValue('')).toBeNull();
    expect(scoreValue(null)).toBeNull();
  });
});

describe('judge, for any entries', () => {
  const score = fc.oneof(
    fc.constant(null),
    fc.constantFrom('0.5', '0.50', '1', '-2', 'n/a'),
    fc.integer({ min: -20, max: 20 }).map((n) => String(n / 4)),
  );
  const entries = fc.array(fc.record({ score, flagged: fc.boolean() }), { maxLength: 60 }).map((rows) => rows.map((r, id) => ({ id, ...r })));
  const direction = fc.constantFrom<MetricDirection | undefined>('higher', 'lower', undefined);

  it('is a permutation of the entries; ties share places; no score last; the direction respected', () => {
    fc.assert(
      fc.property(entries, direction, (list, dir) => {
        const j = judge(list, dir);
        // A permutation: every entry once, either ranked or flagged.
        const seen = [...j.entries.map((p) => p.entry.id), ...j.flagged.map((f) => f.id)].sort((a, b) => a - b);
        expect(seen).toEqual(list.map((x) => x.id));
        expect(j.flagged.every((f) => f.flagged)).toBe(true);
        expect(j.entries.every((p) => !p.entry.flagged)).toBe(true);
        if (!dir) {
          expect(j.entries.map((p) => p.entry.id)).toEqual(list.filter((x) => !x.flagged).map((x) => x.id));
          expect(j.entries.every((p) => p.place === null)).toBe(true);
          return;
        }
        const value = (p: { entry: E }) => scoreValue(p.entry.score);
        // No score last, and only they are unplaced.
        const firstUnscored = j.entries.findIndex((p) => value(p) === null);
        if (firstUnscored >= 0) expect(j.entries.slice(firstUnscored).every((p) => value(p) === null && p.place === null)).toBe(true);
        const scored = j.entries.filter((p) => value(p) !== null);
        for (const [i, p] of scored.entries()) {
          // Competition ranking: one more than the number strictly better.
          const better = scored.filter((q) => (dir === 'higher' ? value(q)! > value(p)! : value(q)! < value(p)!)).length;
          expect(p.place).toBe(better + 1);
          const next = scored[i + 1];
          if (next) {
            // The direction: never a worse score before a better one; equal scores, equal places.
            if (dir === 'higher') expect(value(p)!).toBeGreaterThanOrEqual(value(next)!);
            else expect(value(p)!).toBeLessThanOrEqual(value(next)!);
            if (value(p) === value(next)) expect(next.place).toBe(p.place);
            else expect(next.place).toBe(i + 2);
          }
        }
        expect(winners(j).length).toBe(scored.filter((p) => p.place === 1).length);
        expect(podium(j).every((p) => p.place! <= 3)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
