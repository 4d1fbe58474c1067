import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { findHeatmapFonts, heatmapSvg, renderPng } from '../../src/discord/views/heatmap.js';
import { dayRange } from '../../src/domain/dates.js';

const statuses = new Map(dayRange('2026-01-01', '2026-04-19').map((d, i) => [d, i % 9 === 0 ? ('broken' as const) : i % 4 ? ('checkin' as const) : ('step' as const)]));
const svg = heatmapSvg({ statuses, today: '2026-04-20', weeks: 16, title: 'Streak 5 days · longest 9 · 2 freezes' });

describe('heatmap PNG', () => {
  it('finds the two DejaVu Sans files in nested font folders, and nothing when one is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cohort-fonts-'));
    try {
      await mkdir(join(dir, 'truetype', 'dejavu'), { recursive: true });
      await writeFile(join(dir, 'truetype', 'dejavu', 'DejaVuSans.ttf'), '');
      expect(findHeatmapFonts([join(dir, 'nowhere'), dir])).toBeNull();
      await writeFile(join(dir, 'truetype', 'dejavu', 'DejaVuSans-Bold.ttf'), '');
      expect(findHeatmapFonts([join(dir, 'nowhere'), dir])).toEqual([join(dir, 'truetype', 'dejavu', 'DejaVuSans.ttf'), join(dir, 'truetype', 'dejavu', 'DejaVuSans-Bold.ttf')]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('renders a PNG at twice the SVG size', async () => {
    const png = await renderPng(svg);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(2 * Number(/width="(\d+)"/.exec(svg)![1]));
    expect(png.readUInt32BE(20)).toBe(2 * Number(/height="(\d+)"/.exec(svg)![1]));
  });

  it.skipIf(findHeatmapFonts() === null)('with the DejaVu files alone, the same image as with every system font loaded', async () => {
    const withSystemFonts = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'zoom', value: 2 } }).render().asPng();
    expect((await renderPng(svg)).equals(withSystemFonts)).toBe(true);
  });
});
