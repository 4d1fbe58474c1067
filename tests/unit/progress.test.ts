import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Track } from '../../src/content/schema.js';
import { paginate, progressBar, trackProgress } from '../../src/domain/progress.js';
import { sameCommands } from '../../src/discord/register.js';
import { trackProgressOracle } from '../support/progress-oracle.js';

const track = (ids: string[]): Track => ({
  id: 't',
  title: 'T',
  summary: 's',
  steps: ids.map((id) => ({ id, title: id, summary: id, why: id, learn: id, checklist: ['a', 'b', 'c'], hours: 1, resources: ['x', 'y'], replaces: [], prerequisites: [], optional: false })),
  branches: [],
});

describe('trackProgress', () => {
  it('marks done steps, the first open one as current and the rest as not started', () => {
    const p = trackProgress(track(['a', 'b', 'c', 'd']), ['a', 'c']);
    expect(p.steps.map((s) => s.status)).toEqual(['done', 'current', 'done', 'todo']);
    expect(p.current?.step.id).toBe('b');
    expect(p.done).toBe(2);
  });

  it('counts former ids through the resolver and ignores unknown ids', () => {
    const p = trackProgress(track(['a', 'b']), ['old-a', 'gone'], (id) => (id === 'old-a' ? 'a' : id));
    expect(p.steps.map((s) => s.status)).toEqual(['done', 'current']);
    expect(p.done).toBe(1);
  });

  it('has no current step when all are done, and done never exceeds total', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'x'), { maxLength: 6 }), (done) => {
        const p = trackProgress(track(['a', 'b', 'c', 'd', 'e']), done);
        expect(p.done).toBe(done.filter((d) => d !== 'x').length);
        expect(p.current === undefined).toBe(p.done === p.total);
        expect(p.steps.filter((s) => s.status === 'current').length).toBe(p.current ? 1 : 0);
      }),
    );
  });
});

/** A random track: core and branch steps with prerequisites on any step id (some unknown), optional steps, branches after any core step. */
const randomTrack = fc
  .record({
    core: fc.integer({ min: 1, max: 6 }),
    branches: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }),
    seed: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
  })
  .map(({ core, branches, seed }): Track => {
    let k = 0;
    const pick = (n: number) => seed[k++ % seed.length]! % n;
    const ids = [...Array.from({ length: core }, (_, i) => `c${i}`), ...branches.flatMap((n, b) => Array.from({ length: n }, (_, i) => `b${b}s${i}`)), 'gone'];
    const step = (id: string) => ({
      ...track([id]).steps[0]!,
      prerequisites: Array.from({ length: pick(3) }, () => ids[pick(ids.length)]!),
      optional: pick(4) === 0,
    });
    return {
      ...track([]),
      steps: Array.from({ length: core }, (_, i) => step(`c${i}`)),
      branches: branches.map((n, b) => ({ id: `b${b}`, title: `B${b}`, summary: 's', after: `c${pick(core)}`, steps: Array.from({ length: n }, (_, i) => step(`b${b}s${i}`)) })),
    };
  });

describe('trackProgress beside the rule as first written (tests/support/progress-oracle.ts)', () => {
  it('gives the same answer for any track, finished steps (former and unknown ids among them) and branch choice', () => {
    fc.assert(
      fc.property(randomTrack, fc.array(fc.nat(), { maxLength: 12 }), fc.option(fc.nat(), { nil: undefined }), (t, picks, branchPick) => {
        const ids = [...t.steps, ...t.branches.flatMap((b) => b.steps)].map((s) => s.id);
        const done = picks.map((n) => (n % 5 === 0 ? `old-${ids[n % ids.length]}` : n % 7 === 0 ? 'unknown' : ids[n % ids.length]!));
        const resolve = (id: string) => id.replace(/^old-/, '');
        const branchId = branchPick === undefined ? undefined : (t.branches[branchPick % (t.branches.length + 1)]?.id ?? 'no-such-branch');
        expect(trackProgress(t, done, resolve, branchId)).toStrictEqual(trackProgressOracle(t, done, resolve, branchId));
      }),
      { numRuns: 500 },
    );
  });
});

describe('progressBar and paginate', () => {
  it('renders proportions', () => {
    expect(progressBar(0, 17)).toBe('▱▱▱▱▱▱▱▱▱▱ 0%');
    expect(progressBar(17, 17)).toBe('▰▰▰▰▰▰▰▰▰▰ 100%');
    expect(progressBar(5, 10)).toBe('▰▰▰▰▰▱▱▱▱▱ 50%');
    expect(progressBar(0, 0)).toBe('▱▱▱▱▱▱▱▱▱▱ 0%');
  });

  it('clamps pages', () => {
    expect(paginate([1, 2, 3, 4, 5], 2, 9)).toEqual({ items: [5], page: 2, pages: 3 });
    expect(paginate([], 2, -1)).toEqual({ items: [], page: 0, pages: 1 });
  });
});

describe('sameCommands', () => {
  const wanted = [{ name: 'next', description: 'd', type: 1, contexts: [0], options: [{ type: 3, name: 'track', description: 't', autocomplete: true }] }];
  it('treats Discord defaults and extra fields as equal', () => {
    const registered = [
      {
        id: '1', application_id: '2', version: '3', name: 'next', description: 'd', type: 1, contexts: [0], integration_types: [0],
        default_member_permissions: null, nsfw: false, dm_permission: true,
        options: [{ type: 3, name: 'track', description: 't', autocomplete: true, required: false }],
      },
    ];
    expect(sameCommands(registered, wanted)).toBe(true);
  });
  it('sees a changed option, a missing command or a changed permission', () => {
    expect(sameCommands([{ ...wanted[0], options: [] }], wanted)).toBe(false);
    expect(sameCommands([], wanted)).toBe(false);
    expect(sameCommands([{ ...wanted[0], default_member_permissions: '8192' }], wanted)).toBe(false);
  });
});
