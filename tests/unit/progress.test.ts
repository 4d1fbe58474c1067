import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Track } from '../../src/content/schema.js';
import { paginate, progressBar, trackProgress } from '../../src/domain/progress.js';
import { sameCommands } from '../../src/discord/register.js';

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
