import type { Branch, Step, Track } from '../content/schema.js';

/**
 * - `done`: finished.
 * - `current`: the step /next offers (at most one per track).
 * - `todo`: not done, everything it waits for is done.
 * - `locked`: not done, waiting for a prerequisite (or, in a branch, for the branch's `after` step).
 */
export type StepStatus = 'done' | 'current' | 'todo' | 'locked';

export interface StepState {
  step: Step;
  /** 0-based position in its path (the core, or its branch). */
  index: number;
  status: StepStatus;
  /** The branch it belongs to; undefined for a core step. */
  branch?: Branch;
  /** Ids of the steps it still waits for (unfinished prerequisites, and a branch's `after` step). */
  waitingFor: string[];
}

export interface BranchProgress {
  branch: Branch;
  steps: StepState[];
  /** Required (not optional) steps of the branch done, and in all. */
  done: number;
  total: number;
}

/**
 * What /next has to say:
 * - `step`: `current` is the next step;
 * - `choose`: the core is finished and the track has branches, none chosen;
 * - `finished`: the core and the chosen branch (if the track has branches) are finished;
 * - `blocked`: required steps remain, but each waits for a step outside the member's path (a step of
 *   a branch they did not choose).
 */
export type NextState = 'step' | 'choose' | 'finished' | 'blocked';

export interface TrackProgress {
  track: Track;
  /** The core steps, in order. */
  steps: StepState[];
  /** Required core steps done, and in all: the core's completion. Optional steps count in neither. */
  done: number;
  total: number;
  /** Every branch of the track, in order, with its progress. */
  branches: BranchProgress[];
  /** The member's chosen branch, if any (a choice of a branch that no longer exists counts as none). */
  branch: BranchProgress | undefined;
  /**
   * The step /next offers: the first required step, in order core then chosen branch, that is not done
   * and waits for nothing.
   */
  current: StepState | undefined;
  /**
   * Optional steps on the way: not done, waiting for nothing, and before `current` in order (all of
   * them when there is no `current`). /next lists them; they never hold anything up.
   */
  optional: StepState[];
  state: NextState;
  /** Required steps of the member's path that are not done (for `blocked`: each waits for something). */
  remaining: StepState[];
}

/**
 * Where a member stands on a track. `doneIds` may hold former step ids; `resolve` maps them to
 * current ids (content `replaces:`), so renaming a step never loses progress. `branchId` is the
 * member's chosen branch of this track, if any.
 */
export function trackProgress(
  track: Track,
  doneIds: Iterable<string>,
  resolve: (id: string) => string = (id) => id,
  branchId?: string | null,
): TrackProgress {
  const done = new Set<string>();
  for (const id of doneIds) done.add(resolve(id));
  // Called for every step of the track on each /next and /roadmap, under load: index loops, no
  // throwaway arrays, spreads or iterators (each used to cost /next a few kilobytes of garbage).
  const state = (step: Step, index: number, branch: Branch | undefined): StepState => {
    let waits: string[] | undefined;
    if (branch && !done.has(branch.after)) waits = [branch.after];
    const prerequisites = step.prerequisites;
    for (let i = 0; i < prerequisites.length; i++) {
      const id = prerequisites[i]!;
      if (done.has(id)) continue;
      if (!waits) waits = [id];
      else if (!waits.includes(id)) waits.push(id);
    }
    const waitingFor = waits ?? [];
    const status: StepStatus = done.has(step.id) ? 'done' : waits ? 'locked' : 'todo';
    return branch ? { step, index, status, waitingFor, branch } : { step, index, status, waitingFor };
  };
  const steps = track.steps.map((step, index) => state(step, index, undefined));
  const branches = track.branches.map((branch): BranchProgress => {
    const list = branch.steps.map((step, index) => state(step, index, branch));
    return { branch, steps: list, done: requiredDone(list), total: required(list) };
  });
  const chosen = branchId == null ? undefined : branches.find((b) => b.branch.id === branchId);

  // The member's path, core then chosen branch: /next offers its first open required step, lists the
  // open optional steps before it, and counts what is left.
  const path = chosen ? steps.concat(chosen.steps) : steps;
  let current: StepState | undefined;
  const optional: StepState[] = [];
  const remaining: StepState[] = [];
  for (let i = 0; i < path.length; i++) {
    const s = path[i]!;
    if (s.status === 'done') continue;
    if (s.step.optional) {
      if (!current && s.status === 'todo') optional.push(s);
      continue;
    }
    remaining.push(s);
    if (!current && s.status === 'todo') {
      current = s;
      s.status = 'current';
    }
  }

  const next: NextState = current
    ? 'step'
    : remaining.length > 0
      ? 'blocked'
      : branches.length > 0 && !chosen
        ? 'choose'
        : 'finished';
  return { track, steps, done: requiredDone(steps), total: required(steps), branches, branch: chosen, current, optional, state: next, remaining };
}

/** Required steps in a list; optional steps count in neither this nor requiredDone. */
function required(list: readonly StepState[]): number {
  let n = 0;
  for (let i = 0; i < list.length; i++) if (!list[i]!.step.optional) n++;
  return n;
}

/** Required steps done in a list. */
function requiredDone(list: readonly StepState[]): number {
  let n = 0;
  for (let i = 0; i < list.length; i++) if (!list[i]!.step.optional && list[i]!.status === 'done') n++;
  return n;
}

/** A text progress bar such as `▰▰▰▱▱▱▱▱▱▱ 30%`. */
export function progressBar(done: number, total: number, width = 10): string {
  const ratio = total === 0 ? 0 : Math.min(1, Math.max(0, done / total));
  const filled = Math.round(ratio * width);
  return `${'▰'.repeat(filled)}${'▱'.repeat(width - filled)} ${Math.round(ratio * 100)}%`;
}

/** Splits a list into pages of `size`; always at least one (possibly empty) page. */
export function paginate<T>(items: readonly T[], size: number, page: number): { items: T[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(items.length / size));
  const clamped = Math.min(Math.max(0, page), pages - 1);
  return { items: items.slice(clamped * size, clamped * size + size), page: clamped, pages };
}
