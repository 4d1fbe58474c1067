/**
 * Study pods: grouping opted-in members into small pods each week. Pure: no clock, no database,
 * no discord.js. `formPods` prefers, in this order of weight:
 *   1. no pair of members who were in a pod together before (history);
 *   2. pod sizes of 2–4 close to each member's preferred size;
 *   3. nearby roadmap positions (the index of each member's next step);
 *   4. overlapping waking hours (08:00–22:00 local) at the forming instant.
 * Up to EXACT_LIMIT members the best partition is found by exhaustive search (so a partition
 * without repeats is always found when one exists); above it, a sorted greedy start improved by
 * swaps and moves between pods. Ties are broken by a seeded hash of the user id, so the same
 * input always gives the same pods.
 */
import type { Step, Track } from '../content/schema.js';
import { addDays, weekday } from './dates.js';
import type { TrackProgress } from './progress.js';
import { dueAt, latestOccurrence, type TimeOfDay } from './schedule.js';
import { stableHash } from './hash.js';

export const MIN_POD_SIZE = 2;
export const MAX_POD_SIZE = 4;
export const DEFAULT_POD_SIZE = 3;
/** Waking hours, local time: from 08:00 to 22:00. */
export const WAKING_START_MINUTE = 8 * 60;
export const WAKING_END_MINUTE = 22 * 60;
/** Up to this many members, formPods searches every partition. */
export const EXACT_LIMIT = 9;

export interface PodCandidate {
  userId: string;
  /** Index of the member's next roadmap step (steps done before it, in path order). */
  position: number;
  /** The member's UTC offset in minutes at the forming instant (Intl; see `utcOffsetMinutes` in dates.ts). */
  utcOffsetMinutes: number;
  /** 2–4 */
  preferredSize: number;
}

export interface PodInput {
  members: readonly PodCandidate[];
  /** Pairs of user ids that were in a pod together before (either order). */
  history: Iterable<readonly [string, string]>;
  /** Tie-break seed, e.g. guild id and week: same seed and input, same pods. */
  seed: string;
}

export interface PodPlan {
  /** Each pod's user ids, by position then id. */
  pods: string[][];
  /** Members who could not be placed: only when exactly one member opted in. */
  alone: string[];
}

const REPEAT_COST = 1_000_000;
const SIZE_COST = 1_000;
const POSITION_COST = 10;
const ZONE_COST = 5; // per missing hour of shared waking time
/** Large n: pods this close in sorted order are tried for swaps. */
const NEIGHBOUR_PODS = 6;

/** A pair key independent of order. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** Every pair of a pod. */
export function pairsOf(pod: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < pod.length; i += 1) for (let j = i + 1; j < pod.length; j += 1) out.push([pod[i]!, pod[j]!]);
  return out;
}

/** Minutes of the day both are awake (08:00–22:00 local), given their UTC offsets. */
export function sharedWakingMinutes(offsetA: number, offsetB: number): number {
  const day = 24 * 60;
  // B's waking window on A's local clock, as up to two intervals; intersect with A's window.
  const shift = (((offsetA - offsetB) % day) + day) % day;
  let total = 0;
  for (const base of [-day, 0, day]) {
    const start = WAKING_START_MINUTE + shift + base;
    const end = WAKING_END_MINUTE + shift + base;
    total += Math.max(0, Math.min(end, WAKING_END_MINUTE) - Math.max(start, WAKING_START_MINUTE));
  }
  return total;
}

const clampSize = (n: number) => Math.min(MAX_POD_SIZE, Math.max(MIN_POD_SIZE, Math.round(Number.isFinite(n) ? n : DEFAULT_POD_SIZE)));

/** Groups members into pods; see the module comment. */
export function formPods(input: PodInput): PodPlan {
  const byId = new Map<string, PodCandidate>();
  for (const m of input.members) byId.set(m.userId, { ...m, preferredSize: clampSize(m.preferredSize) });
  const members = [...byId.values()].sort(
    (a, b) => a.position - b.position || a.utcOffsetMinutes - b.utcOffsetMinutes || stableHash(`${input.seed}:${a.userId}`) - stableHash(`${input.seed}:${b.userId}`) || (a.userId < b.userId ? -1 : 1),
  );
  if (members.length === 0) return { pods: [], alone: [] };
  if (members.length === 1) return { pods: [], alone: [members[0]!.userId] };

  const n = members.length;
  const indexOf = new Map(members.map((m, i) => [m.userId, i]));
  const seen = new Set<number>();
  for (const [a, b] of input.history) {
    const i = indexOf.get(a);
    const j = indexOf.get(b);
    if (i !== undefined && j !== undefined && i !== j) seen.add(Math.min(i, j) * n + Math.max(i, j));
  }
  const overlapCache = new Map<number, number>();
  const pairCost = (i: number, j: number): number => {
    const a = members[i]!;
    const b = members[j]!;
    const d = a.utcOffsetMinutes - b.utcOffsetMinutes;
    let shared = overlapCache.get(d);
    if (shared === undefined) {
      shared = sharedWakingMinutes(a.utcOffsetMinutes, b.utcOffsetMinutes);
      overlapCache.set(d, shared);
    }
    const missingHours = (WAKING_END_MINUTE - WAKING_START_MINUTE - shared) / 60;
    return (seen.has(Math.min(i, j) * n + Math.max(i, j)) ? REPEAT_COST : 0) + POSITION_COST * Math.abs(a.position - b.position) + ZONE_COST * missingHours;
  };
  const podCost = (pod: readonly number[]): number => {
    let cost = 0;
    for (let x = 0; x < pod.length; x += 1) {
      cost += SIZE_COST * Math.abs(pod.length - members[pod[x]!]!.preferredSize);
      for (let y = x + 1; y < pod.length; y += 1) cost += pairCost(pod[x]!, pod[y]!);
    }
    return cost;
  };

  const groups = n <= EXACT_LIMIT ? exactPartition(n, podCost) : improvedPartition(members, podCost);
  const pods = groups
    .map((g) => g.map((i) => members[i]!))
    .map((g) => g.sort((a, b) => a.position - b.position || (a.userId < b.userId ? -1 : 1)).map((m) => m.userId))
    .sort((a, b) => (byId.get(a[0]!)!.position - byId.get(b[0]!)!.position) || (a[0]! < b[0]! ? -1 : 1));
  return { pods, alone: [] };
}

/** The cheapest partition of 0…n-1 into pods of 2–4, by exhaustive search with pruning. */
function exactPartition(n: number, podCost: (pod: readonly number[]) => number): number[][] {
  let best: number[][] = [];
  let bestCost = Infinity;
  const current: number[][] = [];
  const used = new Array<boolean>(n).fill(false);
  const search = (costSoFar: number, remaining: number): void => {
    if (costSoFar >= bestCost) return;
    if (remaining === 0) {
      bestCost = costSoFar;
      best = current.map((p) => [...p]);
      return;
    }
    const first = used.indexOf(false); // the lowest unplaced member opens the next pod
    used[first] = true;
    const rest: number[] = [];
    for (let i = first + 1; i < n; i += 1) if (!used[i]) rest.push(i);
    for (let size = MIN_POD_SIZE; size <= MAX_POD_SIZE; size += 1) {
      const left = remaining - size;
      if (left < 0 || left === 1) continue; // a single member could not be placed
      for (const others of combinations(rest, size - 1)) {
        const pod = [first, ...others];
        for (const i of others) used[i] = true;
        current.push(pod);
        search(costSoFar + podCost(pod), left);
        current.pop();
        for (const i of others) used[i] = false;
      }
    }
    used[first] = false;
  };
  search(0, n);
  return best;
}

function* combinations(items: readonly number[], k: number, start = 0): Generator<number[]> {
  if (k === 0) {
    yield [];
    return;
  }
  for (let i = start; i <= items.length - k; i += 1) for (const tail of combinations(items, k - 1, i + 1)) yield [items[i]!, ...tail];
}

/** Pod sizes for n ≥ 2 members: as many pods as the average preference suggests, sizes as even as possible. */
export function podSizes(n: number, preferred: number): number[] {
  if (n < MIN_POD_SIZE) return [];
  const target = clampSize(preferred);
  let k = Math.max(1, Math.round(n / target));
  while (k * MAX_POD_SIZE < n) k += 1;
  while (k * MIN_POD_SIZE > n) k -= 1;
  const base = Math.floor(n / k);
  const extra = n % k;
  return Array.from({ length: k }, (_, i) => base + (i < extra ? 1 : 0));
}

/**
 * Large n: members (sorted by position and zone) are grouped first by preferred size, chunked into
 * pods in order, then improved by swapping two members of different pods and moving one member to
 * another pod whenever that lowers the total cost (repeats first, then sizes, positions, zones).
 */
function improvedPartition(members: readonly PodCandidate[], podCost: (pod: readonly number[]) => number): number[][] {
  const pods: number[][] = [];
  const byPreference = new Map<number, number[]>();
  members.forEach((m, i) => byPreference.set(m.preferredSize, [...(byPreference.get(m.preferredSize) ?? []), i]));
  let leftovers: number[] = [];
  for (const [size, list] of [...byPreference.entries()].sort(([a], [b]) => a - b)) {
    if (list.length < MIN_POD_SIZE) {
      leftovers.push(...list);
      continue;
    }
    let at = 0;
    for (const s of podSizes(list.length, size)) {
      pods.push(list.slice(at, at + s));
      at += s;
    }
  }
  leftovers = leftovers.sort((a, b) => a - b);
  for (const i of leftovers) {
    // A lone preference joins the cheapest pod with room; else the pods are re-cut (rare: needs < 2 per preference).
    const open = pods.filter((p) => p.length < MAX_POD_SIZE);
    const target = open.sort((a, b) => podCost([...a, i]) - podCost(a) - (podCost([...b, i]) - podCost(b)))[0];
    if (target) target.push(i);
    else pods.push([i]);
  }
  // Merge any pod below the minimum (only possible when every pod was full) by splitting a full one.
  for (const pod of pods.filter((p) => p.length < MIN_POD_SIZE)) {
    const donor = pods.find((p) => p.length === MAX_POD_SIZE && p !== pod);
    if (donor) pod.push(donor.pop()!);
  }

  const costs = pods.map(podCost);
  for (let pass = 0; pass < 6; pass += 1) {
    let improved = false;
    for (let a = 0; a < pods.length; a += 1) {
      // Neighbouring pods (members sorted by position and zone) for ordinary gains; every pod when
      // this one holds a repeat or misses a size preference, the heavy costs worth a wide search.
      const wide = costs[a]! >= SIZE_COST;
      for (let b = 0; b < pods.length; b += 1) {
        if (b === a || (!wide && Math.abs(b - a) > NEIGHBOUR_PODS)) continue;
        const A = pods[a]!;
        const B = pods[b]!;
        for (let x = 0; x < A.length; x += 1) {
          for (let y = 0; y < B.length; y += 1) {
            const nextA = A.slice();
            const nextB = B.slice();
            nextA[x] = B[y]!;
            nextB[y] = A[x]!;
            const ca = podCost(nextA);
            const cb = podCost(nextB);
            if (ca + cb < costs[a]! + costs[b]! - 1e-9) {
              pods[a] = nextA;
              pods[b] = nextB;
              costs[a] = ca;
              costs[b] = cb;
              improved = true;
              break;
            }
          }
        }
        // Move one member between pods when sizes allow.
        for (const [from, to] of [[a, b], [b, a]] as const) {
          const F = pods[from]!;
          const T = pods[to]!;
          if (F.length <= MIN_POD_SIZE || T.length >= MAX_POD_SIZE) continue;
          for (let x = 0; x < F.length; x += 1) {
            const nextF = F.filter((_, i) => i !== x);
            const nextT = [...T, F[x]!];
            const cf = podCost(nextF);
            const ct = podCost(nextT);
            if (cf + ct < costs[from]! + costs[to]! - 1e-9) {
              pods[from] = nextF;
              pods[to] = nextT;
              costs[from] = cf;
              costs[to] = ct;
              improved = true;
              break;
            }
          }
        }
      }
    }
    if (!improved) break;
  }
  return pods;
}

// ---- the weekly schedule ------------------------------------------------------------

export interface PodWeek {
  /** The local date of the forming: the week's key. */
  week: string;
  formAt: Date;
  /** The midweek check-in: three days after the forming, same local time. */
  checkinAt: Date;
  /** The next week's forming. */
  nextFormAt: Date;
}

/** The latest forming at or before `now` (weekday `day`, 0 = Sunday, at `time` in `zone`), with its check-in. */
export function latestPodWeek(now: Date, day: number, time: TimeOfDay, zone: string): PodWeek {
  const latest = latestOccurrence(now, time, zone);
  const week = addDays(latest.period, -((weekday(latest.period) - day + 7) % 7));
  return { week, formAt: dueAt(week, time, zone), checkinAt: dueAt(addDays(week, 3), time, zone), nextFormAt: dueAt(addDays(week, 7), time, zone) };
}

/**
 * Whether a week's forming is the job's to do for pods set up (or last changed) at `changedAt`: a
 * forming due before the change is not caught up, the next one is.
 */
export function formsAfterChange(week: PodWeek, changedAt: Date): boolean {
  return week.formAt.getTime() >= changedAt.getTime();
}

/** The first forming after pods were set up or changed at `changedAt` (formsAfterChange): this minute's, if due right now. */
export function firstPodForming(changedAt: Date, day: number, time: TimeOfDay, zone: string): Date {
  const latest = latestPodWeek(changedAt, day, time, zone);
  return formsAfterChange(latest, changedAt) ? latest.formAt : latest.nextFormAt;
}

/** The next forming after `now`. */
export function nextPodForming(now: Date, day: number, time: TimeOfDay, zone: string): Date {
  return latestPodWeek(now, day, time, zone).nextFormAt;
}

// ---- where a member stands ----------------------------------------------------------

export interface PodStanding {
  /** Index of the next step in the member's path (core then branch); the path's length when finished. */
  position: number;
  step?: Step;
  track?: Track;
}

/** Where a member stands for pods: on the track they have done most of (the first track on a tie). */
export function podStanding(progress: readonly TrackProgress[]): PodStanding {
  let best: TrackProgress | undefined;
  for (const p of progress) if (!best || p.done + (p.branch?.done ?? 0) > best.done + (best.branch?.done ?? 0)) best = p;
  if (!best) return { position: 0 };
  const path = [...best.steps, ...(best.branch?.steps ?? [])];
  const position = best.current ? path.indexOf(best.current) : path.length;
  return { position, track: best.track, ...(best.current ? { step: best.current.step } : {}) };
}
