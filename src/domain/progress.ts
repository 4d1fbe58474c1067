import type { Step, Track } from '../content/schema.js';

export type StepStatus = 'done' | 'current' | 'todo';

export interface StepState {
  step: Step;
  index: number;
  status: StepStatus;
}

export interface TrackProgress {
  track: Track;
  steps: StepState[];
  done: number;
  total: number;
  /** The first unfinished step in track order, if any. */
  current: StepState | undefined;
}

/**
 * Where a member stands on a track. `doneIds` may hold former step ids; `resolve` maps them to
 * current ids (content `replaces:`), so renaming a step never loses progress.
 */
export function trackProgress(track: Track, doneIds: Iterable<string>, resolve: (id: string) => string = (id) => id): TrackProgress {
  const done = new Set([...doneIds].map(resolve));
  let current: StepState | undefined;
  const steps = track.steps.map((step, index): StepState => {
    if (done.has(step.id)) return { step, index, status: 'done' };
    if (!current) {
      current = { step, index, status: 'current' };
      return current;
    }
    return { step, index, status: 'todo' };
  });
  const doneCount = steps.filter((s) => s.status === 'done').length;
  return { track, steps, done: doneCount, total: steps.length, current };
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
