import { describe, expect, it } from 'vitest';
import { FAKE_TOKEN } from '../../src/sim/index.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { heatmapSvg, minuteShade, MINUTE_SHADES } from '../../src/discord/views/heatmap.js';
import { studyTotals, studyWithin, MINUTE_MS } from '../../src/domain/study.js';

describe('STUDY_SESSION_CAP', () => {
  const env = (cap?: string) => ({ DISCORD_TOKEN: FAKE_TOKEN, ...(cap === undefined ? {} : { STUDY_SESSION_CAP: cap }) });
  it('defaults to 12 hours and reads hours or minutes', () => {
    expect(loadConfig(env()).STUDY_SESSION_CAP).toBe(12 * 3_600_000);
    expect(loadConfig(env('')).STUDY_SESSION_CAP).toBe(12 * 3_600_000);
    expect(loadConfig(env('8h')).STUDY_SESSION_CAP).toBe(8 * 3_600_000);
    expect(loadConfig(env('90m')).STUDY_SESSION_CAP).toBe(90 * 60_000);
    expect(loadConfig(env('6')).STUDY_SESSION_CAP).toBe(6 * 3_600_000);
  });
  it('refuses what is not a duration, or out of range, in words', () => {
    expect(() => loadConfig(env('forever'))).toThrow(ConfigError);
    expect(() => loadConfig(env('forever'))).toThrow(/STUDY_SESSION_CAP must be a duration such as 12h, 90m or 12 \(hours\)/);
    expect(() => loadConfig(env('200h'))).toThrow(/STUDY_SESSION_CAP must be at least 1 minute \(1m\) and at most 7 days/);
  });
});

describe('the heatmap shaded by study minutes', () => {
  it('picks the shade of each step', () => {
    expect([0, 1, 24, 25, 59, 60, 119, 120, 600].map((m) => minuteShade(m).label)).toEqual(['0 m', '1–24 m', '1–24 m', '25–59 m', '25–59 m', '1–2 h', '1–2 h', '2 h +', '2 h +']);
  });
  it('colours days by minutes (not by reason) and shows the minutes legend', () => {
    const statuses = new Map([['2026-03-02', 'checkin' as const]]);
    const minutes = new Map([['2026-03-02', 45], ['2026-03-01', 130]]);
    const svg = heatmapSvg({ statuses, today: '2026-03-02', weeks: 2, title: 't', shade: 'minutes', minutes });
    expect(svg).toContain(`fill="${MINUTE_SHADES[2]!.fill}" stroke`); // today, 45 m
    expect(svg).toContain('<title>2026-03-02: 45 m studied</title>');
    expect(svg).toContain('<title>2026-03-01: 130 m studied</title>');
    expect(svg).toContain('>2 h +</text>');
    expect(svg).not.toContain('>Check-in</text>');
    const byReason = heatmapSvg({ statuses, today: '2026-03-02', weeks: 2, title: 't' });
    expect(byReason).toContain('>Check-in</text>');
  });
});

describe('study totals', () => {
  it('today, this week (from Monday), this month, all time', () => {
    const perDay = new Map([
      ['2026-02-27', 10], // Friday of the week before, February
      ['2026-03-01', 20], // Sunday: last week, this month
      ['2026-03-02', 30], // Monday: this week
      ['2026-03-04', 40], // today (Wednesday)
    ]);
    expect(studyTotals(perDay, '2026-03-04')).toEqual({ today: 40, week: 70, month: 90, all: 100 });
  });
  it('time within a period counts overlaps once', () => {
    const i = (a: number, b: number) => ({ start: a * MINUTE_MS, end: b * MINUTE_MS });
    expect(studyWithin([i(0, 30), i(20, 50), i(100, 130)], 10 * MINUTE_MS, 110 * MINUTE_MS)).toBe(50 * MINUTE_MS);
  });
});
