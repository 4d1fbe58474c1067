/**
 * Group focus sessions (pomodoro), pure: the phase schedule, which phase changes are due and which
 * are announced, and which part of a finished focus round counts for a participant.
 *
 * A session of N rounds is 2N − 1 phases: focus, break, focus, …, focus. There is no break after
 * the last round: the session ends with it. Phase changes ("boundaries") are numbered 1 … 2N − 1:
 * boundary k is the end of phase k − 1, and boundary 2N − 1 is the end of the session.
 */

export const MINUTE_MS = 60_000;

/** Option bounds of /focus start, in minutes and rounds. */
export const FOCUS_LIMITS = {
  focus: { min: 5, max: 120, default: 25 },
  break: { min: 1, max: 30, default: 5 },
  rounds: { min: 1, max: 12, default: 4 },
  /** A whole session (focus and breaks) lasts at most this long, like one voice study session (12 h). */
  totalMinutes: 12 * 60,
} as const;

/**
 * A phase change handled more than this late (the bot was offline or stuck) is recorded but not
 * announced, and a focus round that ended more than this long before it was seen does not count.
 */
export const FOCUS_LATE_MS = 2 * MINUTE_MS;

export interface FocusPlan {
  /** UTC milliseconds. */
  startedAt: number;
  focusMinutes: number;
  breakMinutes: number;
  rounds: number;
}

export interface Phase {
  /** 0 … 2N − 2. */
  index: number;
  kind: 'focus' | 'break';
  /** The round this phase belongs to (a break belongs to the round before it), 1 … N. */
  round: number;
  start: number;
  end: number;
}

/** Why a plan is refused, in the member's words, or null when it is fine. */
export function planProblem(plan: { focusMinutes: number; breakMinutes: number; rounds: number }): string | null {
  const { focus, break: pause, rounds } = FOCUS_LIMITS;
  const inRange = (value: number, limits: { min: number; max: number }) => Number.isInteger(value) && value >= limits.min && value <= limits.max;
  if (!inRange(plan.focusMinutes, focus)) return `A focus phase lasts ${focus.min} to ${focus.max} minutes; ${plan.focusMinutes} is out of range.`;
  if (!inRange(plan.breakMinutes, pause)) return `A break lasts ${pause.min} to ${pause.max} minutes; ${plan.breakMinutes} is out of range.`;
  if (!inRange(plan.rounds, rounds)) return `A session has ${rounds.min} to ${rounds.max} rounds; ${plan.rounds} is out of range.`;
  const total = totalMinutes(plan);
  if (total > FOCUS_LIMITS.totalMinutes)
    return `A focus session lasts at most ${FOCUS_LIMITS.totalMinutes / 60} hours; ${plan.rounds} rounds of ${plan.focusMinutes} minutes with ${plan.breakMinutes}-minute breaks take ${formatMinutes(total)}. Use fewer or shorter rounds.`;
  return null;
}

/** The whole session's length in minutes: N focus phases and N − 1 breaks. */
export function totalMinutes(plan: { focusMinutes: number; breakMinutes: number; rounds: number }): number {
  return plan.rounds * plan.focusMinutes + (plan.rounds - 1) * plan.breakMinutes;
}

export function phaseCount(plan: FocusPlan): number {
  return 2 * plan.rounds - 1;
}

export function sessionEnd(plan: FocusPlan): number {
  return plan.startedAt + totalMinutes(plan) * MINUTE_MS;
}

/** Phase `index` (0 … 2N − 2). */
export function phaseAt(plan: FocusPlan, index: number): Phase {
  if (!Number.isInteger(index) || index < 0 || index >= phaseCount(plan)) throw new RangeError(`no phase ${index} in a session of ${plan.rounds} rounds`);
  const cycle = (plan.focusMinutes + plan.breakMinutes) * MINUTE_MS;
  const round = Math.floor(index / 2) + 1;
  const roundStart = plan.startedAt + (round - 1) * cycle;
  if (index % 2 === 0) return { index, kind: 'focus', round, start: roundStart, end: roundStart + plan.focusMinutes * MINUTE_MS };
  const start = roundStart + plan.focusMinutes * MINUTE_MS;
  return { index, kind: 'break', round, start, end: start + plan.breakMinutes * MINUTE_MS };
}

/** The phase running at `t` (the first one before the start), or null once the session is over. */
export function phaseAtInstant(plan: FocusPlan, t: number): Phase | null {
  if (t >= sessionEnd(plan)) return null;
  if (t < plan.startedAt) return phaseAt(plan, 0);
  const cycle = (plan.focusMinutes + plan.breakMinutes) * MINUTE_MS;
  const round = Math.floor((t - plan.startedAt) / cycle);
  const inFocus = t - plan.startedAt - round * cycle < plan.focusMinutes * MINUTE_MS;
  return phaseAt(plan, 2 * round + (inFocus ? 0 : 1));
}

/** The instant of boundary k (1 … 2N − 1): the end of phase k − 1. */
export function boundaryAt(plan: FocusPlan, k: number): number {
  return phaseAt(plan, k - 1).end;
}

export interface DueBoundary {
  k: number;
  at: number;
  /** The phase this boundary starts, or null for the end of the session. */
  next: Phase | null;
  /** The focus phase this boundary ends, if it ends one. */
  endsFocus: Phase | null;
  /** Seen within FOCUS_LATE_MS: a focus round it ends counts as study time. */
  onTime: boolean;
  /** Announced (card edit + participants pinged): on time and the latest due boundary. */
  announce: boolean;
}

/**
 * The boundaries due at `now` that are not yet settled, oldest first. Only the latest of them is
 * announced, and only when on time: after downtime, older phase changes are recorded silently, so
 * a restart never sends a burst of late pings.
 */
export function dueBoundaries(plan: FocusPlan, now: number, settled: ReadonlySet<number>, lateMs = FOCUS_LATE_MS): DueBoundary[] {
  const due: DueBoundary[] = [];
  const count = phaseCount(plan);
  for (let k = 1; k <= count; k++) {
    const at = boundaryAt(plan, k);
    if (at > now) break;
    if (settled.has(k)) continue;
    const ended = phaseAt(plan, k - 1);
    const onTime = now - at <= lateMs;
    due.push({ k, at, next: k < count ? phaseAt(plan, k) : null, endsFocus: ended.kind === 'focus' ? ended : null, onTime, announce: false });
  }
  const latest = due.at(-1);
  if (latest && latest.onTime && latest.k === lastDueBoundary(plan, now)) latest.announce = true;
  return due;
}

/** The number of the latest boundary at or before `now` (0 before the first). */
export function lastDueBoundary(plan: FocusPlan, now: number): number {
  let k = 0;
  while (k < phaseCount(plan) && boundaryAt(plan, k + 1) <= now) k += 1;
  return k;
}

/** A participant's time in a session: one stint per join, `leftAt` null while still in. */
export interface Stint {
  joinedAt: number;
  leftAt: number | null;
}

/**
 * The part of a finished focus round that counts for a participant: from when they (last) joined,
 * or the round's start, to the round's end, provided they were still in when it ended. Leaving
 * before the end forfeits the round (rejoining counts from the rejoin). Null when nothing counts.
 */
export function creditedPart(round: Pick<Phase, 'start' | 'end'>, stints: readonly Stint[]): { start: number; end: number } | null {
  const stayed = stints.filter((s) => s.joinedAt < round.end && (s.leftAt === null || s.leftAt >= round.end));
  if (stayed.length === 0) return null;
  const joinedAt = Math.max(...stayed.map((s) => s.joinedAt));
  return { start: Math.max(round.start, joinedAt), end: round.end };
}

/** Focus rounds that ended by `t` and count for a participant, and their counted minutes (rounds seen too late, see dueBoundaries, are not told apart here). */
export function roundsFinishedBy(plan: FocusPlan, stints: readonly Stint[], t: number): { rounds: number; minutes: number } {
  let rounds = 0;
  let ms = 0;
  for (let index = 0; index < phaseCount(plan); index += 2) {
    const round = phaseAt(plan, index);
    if (round.end > t) break;
    const part = creditedPart(round, stints);
    if (!part) continue;
    rounds += 1;
    ms += part.end - part.start;
  }
  return { rounds, minutes: Math.round(ms / MINUTE_MS) };
}

/** "1 h 20 m", "25 m". */
export function formatMinutes(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} m`;
  return m === 0 ? `${h} h` : `${h} h ${m} m`;
}
