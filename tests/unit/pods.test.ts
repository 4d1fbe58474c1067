import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utcOffsetMinutes } from '../../src/domain/dates.js';
import { firstPodForming, formPods, formsAfterChange, latestPodWeek, pairKey, pairsOf, sharedWakingMinutes, type PodCandidate } from '../../src/domain/pods.js';

const member = fc.record({
  position: fc.integer({ min: 0, max: 30 }),
  utcOffsetMinutes: fc.constantFrom(-600, -300, -240, 0, 60, 120, 330, 540, 600, 780),
  preferredSize: fc.integer({ min: 2, max: 4 }),
});
const membersOf = (n: { min: number; max: number }) =>
  fc.array(member, { minLength: n.min, maxLength: n.max }).map((list) => list.map((m, i): PodCandidate => ({ ...m, userId: `u${String(i).padStart(4, '0')}` })));
/** A random history: some pairs of the members' ids. */
const withHistory = (n: { min: number; max: number }) =>
  membersOf(n).chain((members) =>
    fc
      .array(fc.tuple(fc.nat(Math.max(0, members.length - 1)), fc.nat(Math.max(0, members.length - 1))), { maxLength: members.length * 2 })
      .map((pairs) => ({ members, history: pairs.filter(([a, b]) => a !== b).map(([a, b]) => [members[a]!.userId, members[b]!.userId] as [string, string]) })),
  );

/** Every partition of the ids into blocks of 2–4 (brute force, small n). */
function* partitions(ids: readonly string[]): Generator<string[][]> {
  if (ids.length === 0) {
    yield [];
    return;
  }
  const [first, ...rest] = ids;
  for (let mask = 0; mask < 1 << rest.length; mask += 1) {
    const mates = rest.filter((_, i) => mask & (1 << i));
    if (mates.length < 1 || mates.length > 3) continue;
    const others = rest.filter((_, i) => !(mask & (1 << i)));
    for (const tail of partitions(others)) yield [[first!, ...mates], ...tail];
  }
}
const repeats = (pods: string[][], history: Set<string>) => pods.flatMap(pairsOf).filter(([a, b]) => history.has(pairKey(a, b))).length;

describe('formPods', () => {
  it('places everyone exactly once, in pods of 2–4, once at least two members opted in', () => {
    fc.assert(
      fc.property(withHistory({ min: 0, max: 60 }), ({ members, history }) => {
        const plan = formPods({ members, history, seed: 'g:2026-03-02' });
        const placed = plan.pods.flat();
        if (members.length === 1) expect(plan).toEqual({ pods: [], alone: [members[0]!.userId] });
        else expect(plan.alone).toEqual([]);
        expect([...placed, ...plan.alone].sort()).toEqual(members.map((m) => m.userId).sort());
        for (const pod of plan.pods) {
          expect(pod.length).toBeGreaterThanOrEqual(2);
          expect(pod.length).toBeLessThanOrEqual(4);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('repeats no pair while some partition without repeats exists (brute-force oracle, n ≤ 8)', () => {
    fc.assert(
      fc.property(withHistory({ min: 2, max: 8 }), ({ members, history }) => {
        const seen = new Set(history.map(([a, b]) => pairKey(a, b)));
        const ids = members.map((m) => m.userId);
        let fewest = Infinity;
        for (const p of partitions(ids)) fewest = Math.min(fewest, repeats(p, seen));
        const plan = formPods({ members, history, seed: 's' });
        expect(repeats(plan.pods, seen)).toBe(fewest);
      }),
      { numRuns: 300 },
    );
  });

  it('honours a shared preferred size when the count allows it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 40 }), (size, pods) => {
        const members = Array.from({ length: size * pods }, (_, i): PodCandidate => ({ userId: `m${i}`, position: i % 7, utcOffsetMinutes: 0, preferredSize: size }));
        const plan = formPods({ members, history: [], seed: 'x' });
        expect(plan.pods.map((p) => p.length)).toEqual(Array(pods).fill(size));
      }),
      { numRuns: 60 },
    );
  });

  it('groups nearby steps and overlapping zones together', () => {
    const at = (userId: string, position: number, utcOffsetMinutes: number): PodCandidate => ({ userId, position, utcOffsetMinutes, preferredSize: 2 });
    const plan = formPods({
      members: [at('a', 0, 0), at('b', 20, 540), at('c', 1, 60), at('d', 21, 600)],
      history: [],
      seed: 's',
    });
    expect(plan.pods).toEqual([
      ['a', 'c'],
      ['b', 'd'],
    ]);
    // same steps, different zones: Berlin pairs with London, Tokyo with Sydney
    const zones = formPods({ members: [at('tokyo', 3, 540), at('berlin', 3, 60), at('sydney', 3, 600), at('london', 3, 0)], history: [], seed: 's' });
    expect(zones.pods.map((p) => [...p].sort())).toEqual(expect.arrayContaining([['berlin', 'london'], ['sydney', 'tokyo']]));
  });

  it('is deterministic: the same input in any order gives the same pods', () => {
    fc.assert(
      fc.property(withHistory({ min: 2, max: 40 }), fc.integer(), ({ members, history }, shuffleSeed) => {
        const shuffled = [...members].sort((a, b) => ((a.userId.charCodeAt(3) * shuffleSeed) % 7) - ((b.userId.charCodeAt(3) * shuffleSeed) % 7));
        expect(formPods({ members: shuffled, history, seed: 'k' })).toEqual(formPods({ members, history, seed: 'k' }));
      }),
      { numRuns: 100 },
    );
  });

  it('avoids last week’s pairs for 7 members when it can', () => {
    const members = Array.from({ length: 7 }, (_, i): PodCandidate => ({ userId: `u${i}`, position: i, utcOffsetMinutes: 0, preferredSize: 3 }));
    const first = formPods({ members, history: [], seed: 'w1' });
    const second = formPods({ members, history: first.pods.flatMap(pairsOf), seed: 'w2' });
    const before = new Set(first.pods.flatMap(pairsOf).map(([a, b]) => pairKey(a, b)));
    expect(second.pods.flatMap(pairsOf).filter(([a, b]) => before.has(pairKey(a, b)))).toEqual([]);
  });

  it('forms pods for 1,000 members with 2,000 past pairs, repeating none', () => {
    const rng = (i: number) => (Math.imul(i + 1, 2654435761) >>> 0) / 2 ** 32;
    const offsets = [-480, -300, 0, 60, 330, 540, 600];
    const members = Array.from({ length: 1000 }, (_, i): PodCandidate => ({
      userId: `u${i}`,
      position: Math.floor(rng(i) * 40),
      utcOffsetMinutes: offsets[Math.floor(rng(i + 7) * offsets.length)]!,
      preferredSize: 2 + Math.floor(rng(i + 13) * 3),
    }));
    const history = Array.from({ length: 2000 }, (_, i): [string, string] => [`u${Math.floor(rng(i + 99) * 1000)}`, `u${Math.floor(rng(i + 555) * 1000)}`]).filter(([a, b]) => a !== b);
    const plan = formPods({ members, history, seed: 'bench' });
    expect(plan.pods.flat()).toHaveLength(1000);
    const seen = new Set(history.map(([a, b]) => pairKey(a, b)));
    expect(repeats(plan.pods, seen)).toBe(0);
  });
});

describe('time zones', () => {
  it('shared waking minutes: same zone 14 h, 9 h apart 5 h, 12 h apart 2 h each side', () => {
    expect(sharedWakingMinutes(0, 0)).toBe(14 * 60);
    expect(sharedWakingMinutes(0, 540)).toBe(5 * 60);
    expect(sharedWakingMinutes(540, 0)).toBe(5 * 60);
    expect(sharedWakingMinutes(0, 720)).toBe(4 * 60);
    expect(sharedWakingMinutes(-600, 780)).toBe(sharedWakingMinutes(780, -600));
  });
  it('UTC offsets come from Intl at the instant (DST included)', () => {
    expect(utcOffsetMinutes('Europe/Berlin', new Date('2026-01-15T12:00:00Z'))).toBe(60);
    expect(utcOffsetMinutes('Europe/Berlin', new Date('2026-07-15T12:00:00Z'))).toBe(120);
    expect(utcOffsetMinutes('Asia/Kolkata', new Date('2026-07-15T12:00:00Z'))).toBe(330);
    expect(utcOffsetMinutes('America/New_York', new Date('2026-01-15T12:00:00Z'))).toBe(-300);
  });
});

describe('pods set up just before or after their forming time (first run)', () => {
  const zone = fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata');
  const minute = fc.integer({ min: Date.UTC(2020, 0, 1) / 60_000, max: Date.UTC(2030, 0, 1) / 60_000 }).map((m) => new Date(m * 60_000));

  it('the first forming the /setup pods reply names is the first the job does, on any weekday, at any time, across DST', () => {
    fc.assert(
      fc.property(minute, zone, fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 30, 59), (changedAt, z, day, hour, min) => {
        const time = { hour, minute: min };
        const promised = firstPodForming(changedAt, day, time, z);
        // The job at the minute of the change, then at each forming after it.
        let formed: Date | undefined;
        for (let tick = changedAt, i = 0; !formed && i < 3; i += 1) {
          const week = latestPodWeek(tick, day, time, z);
          if (formsAfterChange(week, changedAt)) formed = week.formAt;
          else tick = week.nextFormAt;
        }
        expect(formed).toEqual(promised);
        expect(promised.getTime()).toBeGreaterThanOrEqual(changedAt.getTime());
        expect(promised.getTime() - changedAt.getTime()).toBeLessThanOrEqual(8 * 24 * 3_600_000);
      }),
      { numRuns: 400 },
    );
  });
});
