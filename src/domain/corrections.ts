/**
 * Which days a moderator may count for a member with /admin streak fix. Pure.
 *
 * From the member's first activity in the server (a fix restores a day of a member who was
 * already taking part, not a history they never had), at most FIX_MAX_DAYS_BACK days before their
 * today, up to their today.
 */
import { addDays } from './dates.js';

export const FIX_MAX_DAYS_BACK = 365;

export interface FixRange {
  from: string;
  to: string;
  /** Why `from` is where it is. */
  limit: 'first-activity' | 'a-year';
}

/** The days that may be fixed, or undefined when the member has no activity yet. */
export function fixableDays(today: string, firstActivityDay: string | undefined): FixRange | undefined {
  if (firstActivityDay === undefined) return undefined;
  const yearBack = addDays(today, -FIX_MAX_DAYS_BACK);
  return firstActivityDay >= yearBack ? { from: firstActivityDay, to: today, limit: 'first-activity' } : { from: yearBack, to: today, limit: 'a-year' };
}
