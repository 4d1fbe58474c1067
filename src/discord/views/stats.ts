import type { ServerStats } from '../../db/queries/stats.js';
import { dayRange } from '../../domain/dates.js';
import { RETENTION_OFFSETS, STREAK_BUCKETS } from '../../domain/stats.js';
import { chartsSvg, type Panel } from './charts.js';
import { clip } from './theme.js';

/** The charts are drawn 960 wide at 1.5 times (1,440 pixels): half the pixels of the usual 2, still sharp when opened. */
export const STATS_ZOOM = 1.5;

export interface StatsViewInput {
  stats: ServerStats;
  /** The Mondays of the period's weeks, oldest first (the last one is this week). */
  weeks: readonly string[];
  today: string;
  zone: string;
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const hours = (value: number) => (value >= 100 ? n(value) : value.toFixed(1));
const percent = (part: number, whole: number) => `${Math.round((100 * part) / whole)}%`;
const short = (day: string) => day.slice(5);

/** Nothing happened in the period and nobody has a streak: there is nothing to chart. */
export function statsEmpty(stats: ServerStats): boolean {
  return (
    stats.activeByDay.length === 0 &&
    stats.studyHours.length === 0 &&
    stats.challenges.length === 0 &&
    stats.prompts.length === 0 &&
    stats.streaks.none === 0 &&
    stats.streaks.buckets.every((b) => b === 0)
  );
}

/** One value per week of the period (0 for a week without a row). */
function perWeek<T extends { week: string }>(weeks: readonly string[], rows: readonly T[], value: (row: T) => number): number[] {
  const byWeek = new Map<string, number>();
  for (const r of rows) byWeek.set(r.week, (byWeek.get(r.week) ?? 0) + value(r));
  return weeks.map((w) => byWeek.get(w) ?? 0);
}

/** "1,234 in all, 95 a week, most 210 (week of 11-02), this week so far 40." */
function weeklyLine(weeks: readonly string[], values: readonly number[], format: (v: number) => string = n): string {
  const total = values.reduce((a, b) => a + b, 0);
  if (total === 0) return 'none.';
  const peak = values.indexOf(Math.max(...values));
  const done = values.slice(0, -1);
  const average = done.length > 0 ? done.reduce((a, b) => a + b, 0) / done.length : total;
  return `${format(total)} in all; ${format(average)} a week on average${done.length > 0 ? ' (weeks already over)' : ''}; most ${format(values[peak]!)} in the week of ${weeks[peak]}; ${format(values.at(-1)!)} this week so far.`;
}

/**
 * /stats: the charts as one SVG (the command renders it with the context's ImageRenderer) and the
 * same figures as text for screen readers (the message content, within Discord's 2,000 characters).
 */
export function statsView(input: StatsViewInput): { svg: string; summary: string; description: string } {
  const { stats, weeks, today, zone } = input;
  const weekLabels = weeks.map(short);
  const days = dayRange(weeks[0]!, today);
  const activeOn = new Map(stats.activeByDay.map((r) => [r.day, r.members]));
  const active = days.map((d) => activeOn.get(d) ?? 0);
  const checkins = perWeek(weeks, stats.weekly, (r) => r.checkins);
  const steps = perWeek(weeks, stats.weekly, (r) => r.steps);
  const study = perWeek(weeks, stats.studyHours, (r) => r.hours);
  const joined = perWeek(weeks, stats.challenges, (r) => r.joined);
  const submitted = perWeek(weeks, stats.challenges, (r) => r.submitted);
  const promptCheckins = perWeek(weeks, stats.prompts, (r) => r.checkins);
  const prompts = perWeek(weeks, stats.prompts, (r) => r.prompts);
  const cohorts = weeks.map((w) => stats.retention.find((r) => r.week === w));

  const panels: Panel[] = [
    { title: 'Members active per day', kind: 'line', labels: days.map(short), series: [{ name: 'members', values: active }], wide: true },
    { title: 'Check-ins per week', kind: 'bar', labels: weekLabels, series: [{ name: 'check-ins', values: checkins }] },
    { title: 'Roadmap steps done per week', kind: 'bar', labels: weekLabels, series: [{ name: 'steps', values: steps, color: '#2f81f7' }] },
    { title: 'Study hours per week', kind: 'bar', labels: weekLabels, series: [{ name: 'hours', values: study, color: '#db61a2' }] },
    {
      title: 'Weekly challenge',
      kind: 'bar',
      labels: weekLabels,
      series: [
        { name: 'joined', values: joined, color: '#a371f7' },
        { name: 'submitted', values: submitted, color: '#3fb950' },
      ],
    },
    {
      title: 'Daily prompt',
      kind: 'bar',
      labels: weekLabels,
      series: [
        { name: 'prompts posted', values: prompts, color: '#949ba4' },
        { name: 'check-ins from its button', values: promptCheckins, color: '#d29922' },
      ],
    },
    {
      title: 'Streaks going today (days)',
      kind: 'bar',
      labels: STREAK_BUCKETS.map((b) => b.label),
      series: [{ name: 'members', values: stats.streaks.buckets, color: '#3fb950' }],
    },
    {
      title: 'Retention: of the members first active in a week, the share active again',
      kind: 'bar',
      labels: weekLabels,
      series: RETENTION_OFFSETS.map((offset, i) => ({
        name: `${offset} week${offset === 1 ? '' : 's'} later`,
        values: cohorts.map((c) => (c && c.members > 0 && c.active[i] !== null ? (100 * c.active[i]!) / c.members : null)),
      })),
      max: 100,
      format: (v) => `${Math.round(v)}%`,
      wide: true,
    },
  ];
  const period = `the last ${weeks.length} weeks`;
  const svg = chartsSvg({
    title: `Server numbers: ${period}`,
    subtitle: `Weeks from Monday in ${zone}, ${weeks[0]} to ${today} (this week so far). Weeks are labelled by their Monday.`,
    panels,
  });

  // The same figures in words.
  const peakDay = active.indexOf(Math.max(...active));
  const activeDays = days.length - 1;
  const activeAverage = activeDays > 0 ? active.slice(0, -1).reduce((a, b) => a + b, 0) / activeDays : active[0]!;
  const runs = stats.challenges;
  const totalCheckins = checkins.reduce((a, b) => a + b, 0);
  const totalPrompt = promptCheckins.reduce((a, b) => a + b, 0);
  const totalPrompts = prompts.reduce((a, b) => a + b, 0);
  const going = stats.streaks.buckets.reduce((a, b) => a + b, 0);
  const newcomers = stats.retention.reduce((a, r) => a + r.members, 0);
  const retained = RETENTION_OFFSETS.map((offset, i) => {
    const known = stats.retention.filter((r) => r.active[i] !== null);
    const whole = known.reduce((a, r) => a + r.members, 0);
    const part = known.reduce((a, r) => a + r.active[i]!, 0);
    return whole > 0 ? `${percent(part, whole)} ${offset} week${offset === 1 ? '' : 's'} later (${n(part)} of ${n(whole)})` : `${offset} week${offset === 1 ? '' : 's'} later not known yet`;
  });
  const lines = [
    `**Server numbers: ${period}** (weeks from Monday in ${zone}, ${weeks[0]} to ${today}; this week so far)`,
    `• Members active per day (any check-in, step, challenge or studied day): ${
      Math.max(...active) === 0 ? 'none.' : `${n(activeAverage)} on average; most ${n(active[peakDay]!)} on ${days[peakDay]}; ${n(active.at(-1)!)} today so far.`
    }`,
    `• Check-ins: ${weeklyLine(weeks, checkins)}`,
    `• Roadmap steps done: ${weeklyLine(weeks, steps)}`,
    `• Study hours: ${weeklyLine(weeks, study, hours)}`,
    `• Weekly challenge: ${
      runs.length === 0
        ? 'no challenge ran.'
        : `${runs.length} run${runs.length === 1 ? '' : 's'}; ${n(runs.reduce((a, r) => a + r.joined, 0) / runs.length)} joined and ${n(runs.reduce((a, r) => a + r.submitted, 0) / runs.length)} submitted on average; the latest (week of ${runs.at(-1)!.week}): ${n(runs.at(-1)!.joined)} joined, ${n(runs.at(-1)!.submitted)} submitted.`
    }`,
    `• Daily prompt: ${n(totalPrompts)} posted; ${n(totalPrompt)} check-ins with its Check in button${totalCheckins > 0 ? ` (${percent(totalPrompt, totalCheckins)} of all check-ins)` : ''}.`,
    `• Streaks going today: ${going === 0 ? 'none' : `${n(going)} members (${STREAK_BUCKETS.map((b, i) => `${b.label} days: ${n(stats.streaks.buckets[i]!)}`).join(', ')})`}; ${n(stats.streaks.none)} members whose streak has ended.`,
    `• Retention: ${newcomers === 0 ? 'no member was first active in these weeks.' : `of ${n(newcomers)} members first active in these weeks, active again ${retained.join(', ')}.`}`,
  ];
  return {
    svg,
    summary: clip(lines.join('\n'), 2000),
    description: `Charts of the server's numbers over ${period}; the message gives the same figures in words.`,
  };
}
