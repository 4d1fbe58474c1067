import { addDays, daysBetween, localDay } from './dates.js';

/**
 * The streak rules, pure.
 *
 * - A day counts when the member did a qualifying activity that (local) day, or a moderator fixed it.
 * - `current` is the number of counted days in the running streak; days covered by a freeze keep the
 *   streak alive but do not add to it.
 * - Every `freezeEvery` (7) counted days of a streak earn a freeze, up to `freezeCap`.
 * - A missed day spends a freeze automatically. When a day is missed with no freeze left, the streak
 *   breaks: it restarts at the next counted day (freezes were all spent by then).
 * - Today never breaks a streak before it is over (see `viewAt`).
 */

/** What decides a member's local days: a time zone (their own, else the server's) and the server's rollover hour. */
export interface DayRule {
  zone: string;
  rolloverHour: number;
}

export interface CountingDay {
  /** The member-local day the instant counts for. */
  day: string;
  /** The rule the member's days follow from then on; stored with the day if it newly counts. */
  follows: DayRule;
}

const sameRule = (a: DayRule, b: DayRule) => a.zone === b.zone && a.rolloverHour === b.rolloverHour;

function dayUnder(at: Date, rule: DayRule): string | undefined {
  try {
    return localDay(at, rule.zone, rule.rolloverHour);
  } catch {
    return undefined; // a zone the runtime no longer knows
  }
}

/**
 * Which day an activity at `at` counts for: the one rule every path that records activity (and
 * every "what is today" for a member) uses, so that a change of time zone or rollover hour cannot
 * make a day.
 *
 * `follows` is the rule the member's last counted day was counted under (null before their first,
 * or for figures stored before the rule was kept). When it is the current rule, the day is the
 * current rule's local day. After a change (the member's own zone, the server's zone they follow,
 * or the rollover hour), a day counts only once it has begun under both the old and the new rule:
 * the earlier of the two local days. The new rule takes over, stored with the next counted day, at
 * the first one on which its day is not ahead of the old rule's (at once for a move west; for a
 * move east once the old zone's next day has begun). Until then the day is never before the last
 * counted day either, so a move west cannot fill in a day that already passed. (Under one rule an
 * activity keeps its own day, even one that reaches the database after a later one.)
 */
export function countingDay(at: Date, current: DayRule, last: { lastDay: string | null; follows: DayRule | null }): CountingDay {
  const now = dayUnder(at, current) ?? localDay(at, 'UTC', current.rolloverHour);
  if (last.follows && sameRule(last.follows, current)) return { day: now, follows: current };
  // The rule changed (or is unknown for older figures): the earlier day, and never before the last counted one.
  const before = last.follows ? dayUnder(at, last.follows) : undefined;
  const changed = before !== undefined && before < now ? { day: before, follows: last.follows! } : { day: now, follows: current };
  if (last.lastDay !== null && changed.day < last.lastDay) changed.day = last.lastDay;
  return changed;
}

export type CountReason = 'checkin' | 'step' | 'challenge' | 'study' | 'fix';
export type DayStatus = CountReason | 'freeze' | 'broken' | 'missed';

export interface StreakRules {
  freezeCap: number;
  /** Counted days of streak that earn one freeze (default 7). */
  freezeEvery?: number;
}

export interface StreakSummary {
  current: number;
  longest: number;
  freezes: number;
  lastDay: string | null;
}

export interface StreakState extends StreakSummary {
  /** Missed days a freeze covered, in order (these are written to the ledger as `freeze`). */
  freezeDays: string[];
  /** Days on which a streak broke (the first missed day not covered by a freeze). */
  breakDays: string[];
  /** Days a freeze was earned (the counted day that completed 7, 14, … days). */
  earnedDays: string[];
}

export const FREEZE_EVERY = 7;
/** The most freezes a server may let a member hold (/setup streaks freeze_cap). */
export const MAX_FREEZE_CAP = 10;

/** Folds the counted days (any order, duplicates ignored) into the streak figures, one day at a time. */
export function foldStreak(countedDays: Iterable<string>, rules: StreakRules): StreakState {
  const state: StreakState = { current: 0, longest: 0, freezes: 0, lastDay: null, freezeDays: [], breakDays: [], earnedDays: [] };
  for (const day of [...new Set(countedDays)].sort()) {
    const next = extendStreak(state, day, rules);
    state.freezeDays.push(...next.freezeDays);
    state.breakDays.push(...next.breakDays);
    state.earnedDays.push(...next.earnedDays);
    ({ current: state.current, longest: state.longest, freezes: state.freezes, lastDay: state.lastDay } = next);
  }
  return state;
}

/**
 * One step of the fold: the figures of `foldStreak([...days, day])` from those of `foldStreak(days)`
 * (`state`), for a `day` after `state.lastDay`. The lists hold only what this day added (freeze days
 * spent on the gap before it, the break day, the day a freeze was earned), so that the caller can
 * write just those. Out-of-order days (earlier than lastDay) need the whole fold.
 */
export function extendStreak(state: StreakSummary, day: string, rules: StreakRules): StreakState {
  if (state.lastDay !== null && day <= state.lastDay) throw new RangeError(`extendStreak: ${day} is not after ${state.lastDay}`);
  const every = rules.freezeEvery ?? FREEZE_EVERY;
  const cap = Math.max(0, rules.freezeCap);
  const next: StreakState = { ...state, freezeDays: [], breakDays: [], earnedDays: [] };
  if (state.lastDay !== null) {
    const missed = daysBetween(state.lastDay, day) - 1;
    const covered = Math.min(missed, next.freezes);
    for (let i = 1; i <= covered; i++) next.freezeDays.push(addDays(state.lastDay, i));
    next.freezes -= covered;
    if (missed > covered) {
      next.breakDays.push(addDays(state.lastDay, covered + 1));
      next.current = 0;
    }
  }
  next.current += 1;
  if (next.current % every === 0 && next.freezes < cap) {
    next.freezes += 1;
    next.earnedDays.push(day);
  }
  next.freezes = Math.min(next.freezes, cap);
  next.longest = Math.max(next.longest, next.current);
  next.lastDay = day;
  return next;
}

export interface StreakView extends StreakSummary {
  /** Days since the last counted day that freezes are covering (not yet in the ledger). */
  pendingFreezeDays: string[];
  /** The day the streak broke, when it did after the last counted day. */
  brokenOn: string | null;
  /** Whether today already counts. */
  todayCounted: boolean;
}

/**
 * The figures as of `today` (member-local): missed days since the last counted day spend freezes,
 * and the streak breaks only on a missed day that no freeze covers. Today itself is never missed.
 */
export function viewAt(state: StreakSummary, today: string): StreakView {
  const base = { current: state.current, longest: state.longest, freezes: state.freezes, lastDay: state.lastDay };
  if (state.lastDay === null) return { ...base, current: 0, pendingFreezeDays: [], brokenOn: null, todayCounted: false };
  const missed = daysBetween(state.lastDay, today) - 1;
  if (missed <= 0) return { ...base, pendingFreezeDays: [], brokenOn: null, todayCounted: missed === -1 };
  const covered = Math.min(missed, state.freezes);
  const pendingFreezeDays = Array.from({ length: covered }, (_, i) => addDays(state.lastDay!, i + 1));
  if (missed > covered) {
    return { ...base, current: 0, freezes: 0, pendingFreezeDays, brokenOn: addDays(state.lastDay, covered + 1), todayCounted: false };
  }
  return { ...base, freezes: state.freezes - covered, pendingFreezeDays, brokenOn: null, todayCounted: false };
}

export type LedgerReason = CountReason | 'freeze';

/**
 * Why each of `days` counted or not, from the ledger (counted and freeze days) and the view as of
 * `today`: `broken` is the day a streak broke (a missed day no freeze covered), `today` a day not
 * over yet, `missed` any other empty day. Days after today are left out.
 */
export function explainDays(
  ledger: ReadonlyMap<string, LedgerReason>,
  view: StreakView,
  days: readonly string[],
  today: string,
): Map<string, DayStatus | 'today'> {
  const pending = new Set(view.pendingFreezeDays);
  const out = new Map<string, DayStatus | 'today'>();
  for (const day of days) {
    if (day > today) continue;
    const reason = ledger.get(day);
    if (reason) out.set(day, reason);
    else if (day === today) out.set(day, 'today');
    else if (pending.has(day)) out.set(day, 'freeze');
    else if (view.brokenOn === day) out.set(day, 'broken');
    // A gap in the ledger before the last counted day is where a streak broke (freezes fill the others).
    else if (view.lastDay !== null && day < view.lastDay && ledger.has(addDays(day, -1))) out.set(day, 'broken');
    else out.set(day, 'missed');
  }
  return out;
}
