/**
 * Daily prompt rotation. Pure: the history and the members' steps come from the database.
 *
 * No prompt repeats in a server until every prompt was used: the history is cut into cycles, each
 * ending when it covered every current prompt; the next prompt comes from those the current cycle
 * has not used. Among them, prompts of the step most active members are on come first (then the
 * next most common step, …). Ties are broken by a hash of a seed (guild and date), so servers do
 * not all post the same prompt on the same day, and a pick is reproducible.
 */
import { stableHash } from './hash.js';

export interface RotationItem {
  id: string;
  step: string;
}

/** The ids the current cycle already used (history oldest first; ids no longer in `items` are ignored). */
export function usedInCurrentCycle(items: readonly RotationItem[], history: readonly string[]): Set<string> {
  const all = new Set(items.map((i) => i.id));
  let used = new Set<string>();
  for (const id of history) {
    if (!all.has(id)) continue;
    used.add(id);
    if (used.size === all.size) used = new Set();
  }
  return used;
}

/**
 * The next prompt: unused in the current cycle, preferring `preferredSteps` in order (most members
 * first). Undefined only when there are no prompts at all.
 */
export function pickNext(items: readonly RotationItem[], history: readonly string[], preferredSteps: readonly string[], seed: string): string | undefined {
  if (items.length === 0) return undefined;
  const used = usedInCurrentCycle(items, history);
  const open = items.filter((i) => !used.has(i.id));
  let pool = open;
  for (const step of preferredSteps) {
    const ofStep = open.filter((i) => i.step === step);
    if (ofStep.length > 0) {
      pool = ofStep;
      break;
    }
  }
  return pool[stableHash(seed) % pool.length]?.id;
}

/**
 * Ranks steps by how many members are on them, most first; ties keep the order of `order`
 * (e.g. roadmap order), steps not in `order` last.
 */
export function rankSteps(currentSteps: readonly string[], order: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const step of currentSteps) counts.set(step, (counts.get(step) ?? 0) + 1);
  const position = (step: string) => {
    const i = order.indexOf(step);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || position(a) - position(b) || a.localeCompare(b));
}
