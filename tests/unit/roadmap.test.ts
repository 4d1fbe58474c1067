import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Step, Track } from '../../src/content/schema.js';
import { trackProgress } from '../../src/domain/progress.js';

type Spec = string | { id: string; pre?: string[]; optional?: boolean };

const step = (spec: Spec): Step => {
  const s = typeof spec === 'string' ? { id: spec } : spec;
  return {
    id: s.id,
    title: s.id,
    summary: s.id,
    why: s.id,
    learn: s.id,
    checklist: ['a', 'b', 'c'],
    hours: 1,
    resources: ['x', 'y'],
    replaces: [],
    prerequisites: s.pre ?? [],
    optional: s.optional ?? false,
  };
};

const track = (core: Spec[], branches: { id: string; after: string; steps: Spec[] }[] = []): Track => ({
  id: 't',
  title: 'T',
  summary: 's',
  steps: core.map(step),
  branches: branches.map((b) => ({ id: b.id, title: b.id, summary: b.id, after: b.after, steps: b.steps.map(step) })),
});

// A core of five (one optional), and two branches after "c".
const shaped = track(['a', 'b', { id: 'c', pre: ['a'] }, { id: 'extra', optional: true, pre: ['b'] }, 'd'], [
  { id: 'nlp', after: 'c', steps: ['n1', { id: 'n2', pre: ['n1'] }] },
  { id: 'cv', after: 'c', steps: ['v1', { id: 'v2', optional: true }] },
]);

describe('the next step on a track with branches', () => {
  it('follows the core first, then the chosen branch', () => {
    expect(trackProgress(shaped, [], undefined, 'nlp').current?.step.id).toBe('a');
    const coreDone = trackProgress(shaped, ['a', 'b', 'c', 'd'], undefined, 'nlp');
    expect(coreDone.current).toMatchObject({ step: { id: 'n1' }, branch: { id: 'nlp' }, index: 0 });
    expect(trackProgress(shaped, ['a', 'b', 'c', 'd', 'n1'], undefined, 'nlp').current?.step.id).toBe('n2');
    expect(trackProgress(shaped, ['a', 'b', 'c', 'd', 'n1', 'n2'], undefined, 'nlp').state).toBe('finished');
  });

  it('skips a step whose prerequisites are not done, and marks it locked', () => {
    const p = trackProgress(track([{ id: 'a', pre: ['b'] }, 'b']), []);
    expect(p.current?.step.id).toBe('b');
    expect(p.steps.map((s) => [s.status, s.waitingFor])).toEqual([
      ['locked', ['b']],
      ['current', []],
    ]);
  });

  it('when the core is done and no branch is chosen, says to choose', () => {
    const p = trackProgress(shaped, ['a', 'b', 'c', 'd']);
    expect(p.state).toBe('choose');
    expect(p.current).toBeUndefined();
    expect(p.branch).toBeUndefined();
    // A choice of a branch that is no longer in the content counts as none.
    expect(trackProgress(shaped, ['a', 'b', 'c', 'd'], undefined, 'gone').state).toBe('choose');
  });

  it('never makes an optional step the current one, lists it on the way, and the core is finished without it', () => {
    const before = trackProgress(shaped, ['a', 'b', 'c']);
    expect(before.current?.step.id).toBe('d');
    expect(before.optional.map((s) => s.step.id)).toEqual(['extra']);
    expect(trackProgress(shaped, ['a', 'c']).optional).toEqual([]); // "extra" waits for b
    const core = trackProgress(shaped, ['a', 'b', 'c', 'd']);
    expect([core.done, core.total]).toEqual([4, 4]);
    expect(core.optional.map((s) => s.step.id)).toEqual(['extra']);
    // Doing it does not change the core's figures.
    expect(trackProgress(shaped, ['a', 'b', 'c', 'd', 'extra']).done).toBe(4);
  });

  it('counts core and branch completion separately, for every branch', () => {
    const p = trackProgress(shaped, ['a', 'b', 'n1', 'v1', 'v2'], undefined, 'cv');
    expect([p.done, p.total]).toEqual([2, 4]);
    expect(p.branch).toMatchObject({ branch: { id: 'cv' }, done: 1, total: 1 });
    expect(p.branches.map((b) => [b.branch.id, b.done, b.total])).toEqual([
      ['nlp', 1, 2],
      ['cv', 1, 1],
    ]);
    // Branch steps wait for the branch's after step.
    expect(p.branches[0]!.steps[1]).toMatchObject({ status: 'locked', waitingFor: ['c'] });
  });

  it('is blocked, not finished, when the path waits for a step of a branch not chosen', () => {
    const t = track(['a', { id: 'b', pre: ['n1'] }], [{ id: 'nlp', after: 'a', steps: ['n1'] }]);
    const p = trackProgress(t, ['a']);
    expect(p.state).toBe('blocked');
    expect(p.remaining.map((s) => [s.step.id, s.waitingFor])).toEqual([['b', ['n1']]]);
    expect(trackProgress(t, ['a'], undefined, 'nlp').current?.step.id).toBe('n1');
  });

  it('the current step is the first open required step of the path, and the state fits the figures (property)', () => {
    const ids = ['a', 'b', 'c', 'extra', 'd', 'n1', 'n2', 'v1', 'v2', 'stale'];
    fc.assert(
      fc.property(fc.subarray(ids), fc.constantFrom(undefined, 'nlp', 'cv', 'gone'), (done, branchId) => {
        const p = trackProgress(shaped, done, undefined, branchId);
        const path = [...p.steps, ...(p.branch?.steps ?? [])];
        const isDone = (id: string) => done.includes(id);
        const ready = (s: (typeof path)[number]) =>
          !isDone(s.step.id) && !s.step.optional && s.step.prerequisites.every(isDone) && (!s.branch || isDone(s.branch.after));
        expect(p.current).toBe(path.find(ready));
        expect(path.filter((s) => s.status === 'current').length).toBe(p.current ? 1 : 0);
        expect(p.done).toBeLessThanOrEqual(p.total);
        if (p.state === 'finished') {
          expect(p.done).toBe(p.total);
          expect(p.branch ? p.branch.done === p.branch.total : p.branches.length === 0).toBe(true);
        }
        if (p.state === 'choose') expect([p.done, p.branch]).toEqual([p.total, undefined]);
        for (const s of p.optional) expect([s.step.optional, s.status]).toEqual([true, 'todo']);
      }),
    );
  });
});
