import type { Branch, Step, Track } from '../../src/content/schema.js';
import type { BranchProgress, NextState, StepState, StepStatus, TrackProgress } from '../../src/domain/progress.js';

/**
 * trackProgress as first written: each rule of src/domain/progress.ts in its most direct form,
 * without regard for what it allocates. The product's version is written for /next's hot path;
 * tests/unit/progress.test.ts drives both with random tracks and requires the same answer.
 */
export function trackProgressOracle(track: Track, doneIds: Iterable<string>, resolve: (id: string) => string = (id) => id, branchId?: string | null): TrackProgress {
  const done = new Set([...doneIds].map(resolve));
  const state = (step: Step, index: number, branch?: Branch): StepState => {
    const waits = [...new Set([...(branch ? [branch.after] : []), ...step.prerequisites])].filter((id) => !done.has(id));
    const status: StepStatus = done.has(step.id) ? 'done' : waits.length > 0 ? 'locked' : 'todo';
    return { step, index, status, waitingFor: waits, ...(branch ? { branch } : {}) };
  };
  const figures = (list: readonly StepState[]) => {
    const required = list.filter((s) => !s.step.optional);
    return { done: required.filter((s) => s.status === 'done').length, total: required.length };
  };
  const steps = track.steps.map((step, index) => state(step, index));
  const branches = track.branches.map((branch): BranchProgress => {
    const list = branch.steps.map((step, index) => state(step, index, branch));
    return { branch, steps: list, ...figures(list) };
  });
  const chosen = branches.find((b) => b.branch.id === branchId);
  const path = [...steps, ...(chosen?.steps ?? [])];
  const current = path.find((s) => s.status === 'todo' && !s.step.optional);
  if (current) current.status = 'current';
  const before = current ? path.slice(0, path.indexOf(current)) : path;
  const optional = before.filter((s) => s.status === 'todo' && s.step.optional);
  const remaining = path.filter((s) => s.status !== 'done' && !s.step.optional);
  const state_: NextState = current ? 'step' : remaining.length > 0 ? 'blocked' : track.branches.length > 0 && !chosen ? 'choose' : 'finished';
  return { track, steps, ...figures(steps), branches, branch: chosen, current, optional, state: state_, remaining };
}
