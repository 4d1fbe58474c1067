import { afterAll, describe, expect, it } from 'vitest';
import type { ServerStats } from '../../src/db/queries/stats.js';
import { chartsSvg, niceMax, type Panel } from '../../src/discord/views/charts.js';
import { createImageRenderer } from '../../src/discord/views/heatmap.js';
import { STATS_ZOOM, statsEmpty, statsView } from '../../src/discord/views/stats.js';
import { dayRange } from '../../src/domain/dates.js';
import { mondayOf, periodWeeks, retentionKnown, STREAK_BUCKETS, streakBucket } from '../../src/domain/stats.js';

describe('the rules of /stats', () => {
  it('covers whole weeks from Monday, the last one this week', () => {
    expect(mondayOf('2026-11-11')).toBe('2026-11-09'); // a Wednesday
    expect(mondayOf('2026-11-09')).toBe('2026-11-09');
    expect(mondayOf('2026-11-15')).toBe('2026-11-09'); // a Sunday
    expect(periodWeeks('2026-11-11', 4)).toEqual(['2026-10-19', '2026-10-26', '2026-11-02', '2026-11-09']);
    expect(periodWeeks('2026-01-01', 52)).toHaveLength(52);
    expect(periodWeeks('2026-01-01', 52)[0]).toBe('2025-01-06');
  });

  it('knows the share of a week’s newcomers active k weeks later only once that week is over', () => {
    expect(retentionKnown('2026-11-02', 1, '2026-11-15')).toBe(false); // W+1 runs until Sunday the 15th
    expect(retentionKnown('2026-11-02', 1, '2026-11-16')).toBe(true);
    expect(retentionKnown('2026-10-05', 4, '2026-11-08')).toBe(false);
    expect(retentionKnown('2026-10-05', 4, '2026-11-09')).toBe(true);
  });

  it('puts each streak length in one bucket', () => {
    expect([1, 2, 3, 6, 7, 13, 14, 29, 30, 59, 60, 99, 100, 1000].map(streakBucket)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
    expect(STREAK_BUCKETS).toHaveLength(7);
  });
});

describe('charts', () => {
  it('rounds the axis top up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0, 0.3, 1, 3, 7, 12, 21, 26, 51, 101, 4_321].map(niceMax)).toEqual([1, 0.5, 1, 5, 10, 20, 25, 50, 100, 200, 5_000]);
  });

  const bars = (values: (number | null)[], extra: Partial<Panel> = {}): Panel => ({ title: 'T', kind: 'bar', labels: values.map((_, i) => `w${i}`), series: [{ name: 's', values }], ...extra });

  it('draws one bar per positive value, and says "No data" when there is none', () => {
    const svg = chartsSvg({ title: 'x', subtitle: 'y', panels: [bars([3, 0, null, 5])] });
    expect(svg.match(/<rect [^>]*fill="#5865f2"/g)).toHaveLength(2);
    expect(svg).not.toContain('No data');
    for (const empty of [[], [0, 0], [null, null]]) expect(chartsSvg({ title: 'x', subtitle: 'y', panels: [bars(empty)] })).toContain('No data');
  });

  it('lays out half panels two to a row and a wide one on a row of its own', () => {
    const height = (panels: Panel[]) => Number(/height="(\d+)"/.exec(chartsSvg({ title: 'x', subtitle: 'y', panels }))![1]);
    const one = height([bars([1])]);
    expect(height([bars([1]), bars([1])])).toBe(one);
    expect(height([bars([1]), bars([1]), bars([1])])).toBeGreaterThan(one);
    expect(height([bars([1]), bars([1], { wide: true }), bars([1])])).toBe(height([bars([1]), bars([1]), bars([1]), bars([1]), bars([1])]));
  });

  it('escapes text', () => {
    expect(chartsSvg({ title: '<b>&', subtitle: 'y', panels: [bars([1], { title: 'a<b' })] })).toContain('&lt;b&gt;&amp;');
  });
});

describe('the /stats view', () => {
  const today = '2026-12-06';
  const weeks = periodWeeks(today, 52);
  const big: ServerStats = {
    activeByDay: dayRange(weeks[0]!, today).map((day, i) => ({ day, members: 1_000 + i })),
    weekly: weeks.map((week, i) => ({ week, checkins: 123_456 + i, steps: 9_999 + i })),
    studyHours: weeks.map((week, i) => ({ week, hours: 1_234.5 + i })),
    challenges: weeks.map((week, i) => ({ week, challengeId: `c${i}`, joined: 500 + i, submitted: 250 + i })),
    prompts: weeks.map((week) => ({ week, prompts: 7, checkins: 30_000 })),
    streaks: { buckets: [4_000, 3_000, 2_000, 1_000, 500, 200, 100], none: 12_345 },
    retention: weeks.map((week) => ({ week, members: 1_000, active: [500, 400, retentionKnown(week, 4, today) ? 300 : null] })),
  };

  it('says every figure in words within 2,000 characters, even a year of a big server', () => {
    const { summary, description } = statsView({ stats: big, weeks, today, zone: 'America/Argentina/ComodRivadavia' });
    expect(summary.length).toBeLessThanOrEqual(2000);
    expect(summary).not.toMatch(/…$/); // not cut
    expect(description.length).toBeLessThanOrEqual(1024);
    expect(summary).toContain(`Check-ins: ${big.weekly.reduce((a, r) => a + r.checkins, 0).toLocaleString('en-US')} in all`);
    expect(summary).toContain('Streaks going today: 10,800 members (1–2 days: 4,000, 3–6 days: 3,000');
    expect(summary).toContain('12,345 members whose streak has ended');
    // W+4 is known for the 52 − 5 weeks whose fourth week after is over.
    expect(summary).toContain(`30% 4 weeks later (${(47 * 300).toLocaleString('en-US')} of ${(47 * 1000).toLocaleString('en-US')})`);
    expect(summary).toContain('50% 1 week later');
  });

  it('charts empty figures as "No data", and tells an empty server from one with only streaks', () => {
    const none: ServerStats = { activeByDay: [], weekly: [], studyHours: [], challenges: [], prompts: [], streaks: { buckets: STREAK_BUCKETS.map(() => 0), none: 0 }, retention: [] };
    expect(statsEmpty(none)).toBe(true);
    expect(statsEmpty({ ...none, streaks: { ...none.streaks, none: 3 } })).toBe(false);
    const { svg, summary } = statsView({ stats: { ...none, streaks: { ...none.streaks, none: 3 } }, weeks: periodWeeks(today, 4), today, zone: 'UTC' });
    expect(svg.match(/No data/g)).toHaveLength(8);
    expect(summary).toContain('Check-ins: none.');
    expect(summary).toContain('no challenge ran');
    expect(summary).toContain('no member was first active in these weeks');
  });

  const images = createImageRenderer();
  afterAll(() => images.close());

  it('renders to a PNG 1.5 times the SVG’s size', async () => {
    const { svg } = statsView({ stats: big, weeks: periodWeeks(today, 12), today, zone: 'UTC' });
    const png = await images.renderPng(svg, { zoom: STATS_ZOOM });
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1.5 * Number(/width="(\d+)"/.exec(svg)![1]));
    expect(png.readUInt32BE(20)).toBe(1.5 * Number(/height="(\d+)"/.exec(svg)![1]));
    // The same SVG at the usual zoom is another image, not the cached one.
    expect((await images.renderPng(svg)).readUInt32BE(16)).toBe(2 * 960);
  });
});
