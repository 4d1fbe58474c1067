/**
 * The rules of /stats, pure: which weeks a period covers, the streak length buckets, and which
 * retention figures are known yet. The figures themselves come from src/db/queries/stats.ts.
 */
import { addDays, weekday } from './dates.js';

/** The periods /stats offers, in weeks. */
export const STATS_PERIODS = [4, 12, 26, 52] as const;
export type StatsPeriod = (typeof STATS_PERIODS)[number];

/** The Monday of the week `day` is in (weeks run Monday to Sunday, as PostgreSQL's `date_trunc('week')`). */
export function mondayOf(day: string): string {
  return addDays(day, -((weekday(day) + 6) % 7));
}

/** The Mondays of the `count` weeks that end with the week of `today`, oldest first. */
export function periodWeeks(today: string, count: number): string[] {
  const last = mondayOf(today);
  return Array.from({ length: count }, (_, i) => addDays(last, (i - count + 1) * 7));
}

/** The weeks after a member's first active week that retention looks at (W+1, W+2, W+4). */
export const RETENTION_OFFSETS = [1, 2, 4] as const;

/**
 * Whether the week `offset` weeks after `week` is over by `today`: only then is the share of a
 * cohort still active in it known (a week still running would understate it).
 */
export function retentionKnown(week: string, offset: number, today: string): boolean {
  return addDays(week, (offset + 1) * 7) <= today;
}

/** Streak lengths /stats groups members by: each bucket from `min` days up to the next one's. */
export const STREAK_BUCKETS: readonly { min: number; label: string }[] = [
  { min: 1, label: '1–2' },
  { min: 3, label: '3–6' },
  { min: 7, label: '7–13' },
  { min: 14, label: '14–29' },
  { min: 30, label: '30–59' },
  { min: 60, label: '60–99' },
  { min: 100, label: '100+' },
];

/** The index in STREAK_BUCKETS of a current streak of `days` (> 0). */
export function streakBucket(days: number): number {
  let index = 0;
  STREAK_BUCKETS.forEach((b, i) => {
    if (days >= b.min) index = i;
  });
  return index;
}
