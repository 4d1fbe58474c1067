import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { Resvg } from '@resvg/resvg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { createImageRenderer, findHeatmapFonts, heatmapSvg } from '../../src/discord/views/heatmap.js';
import { PngWorker } from '../../src/discord/views/png-worker.js';
import { dayRange } from '../../src/domain/dates.js';

const statuses = new Map(dayRange('2026-01-01', '2026-04-19').map((d, i) => [d, i % 9 === 0 ? ('broken' as const) : i % 4 ? ('checkin' as const) : ('step' as const)]));
const svg = heatmapSvg({ statuses, today: '2026-04-20', weeks: 16, title: 'Streak 5 days · longest 9 · 2 freezes' });

describe('heatmap PNG', () => {
  const images = createImageRenderer();
  afterAll(() => images.close());

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
    const png = await images.renderPng(svg);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(2 * Number(/width="(\d+)"/.exec(svg)![1]));
    expect(png.readUInt32BE(20)).toBe(2 * Number(/height="(\d+)"/.exec(svg)![1]));
  });

  it.skipIf(findHeatmapFonts() === null)('looks like resvg rendering the SVG directly with every system font (labels as outlines: same pixels but for edge rounding)', async () => {
    const direct = decodePng(new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'zoom', value: 2 } }).render().asPng());
    const ours = decodePng(await images.renderPng(svg));
    expect([ours.width, ours.height]).toEqual([direct.width, direct.height]);
    let differing = 0;
    for (let i = 0; i < direct.rgba.length; i++) if (Math.abs(direct.rgba[i]! - ours.rgba[i]!) > 2) differing += 1;
    // The labels cover a few percent of the image; without them (or misplaced) far more than this differs.
    expect(differing).toBeLessThan(direct.rgba.length / 5000);
    const noLabels = decodePng(new Resvg(svg.replace(/<text\b[^>]*>[^<]*<\/text>/g, ''), { fitTo: { mode: 'zoom', value: 2 } }).render().asPng());
    let withoutText = 0;
    for (let i = 0; i < direct.rgba.length; i++) if (Math.abs(direct.rgba[i]! - noLabels.rgba[i]!) > 2) withoutText += 1;
    expect(withoutText).toBeGreaterThan(direct.rgba.length / 5000);
  });

  it('a closed renderer fails the render in progress and every later one', async () => {
    const own = createImageRenderer();
    const pending = expect(own.renderPng(svg)).rejects.toThrow(/PNG worker stopped/);
    await own.close();
    await pending;
    await expect(own.renderPng(svg)).rejects.toThrow(/renderer is closed/);
  });
});

/** Decodes an 8-bit RGBA, non-interlaced PNG (what resvg writes) into its pixels. */
function decodePng(png: Buffer): { width: number; height: number; rgba: Buffer } {
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  expect([png[24], png[25], png[28]]).toEqual([8, 6, 0]);
  const chunks: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') chunks.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(chunks));
  const stride = width * 4;
  const rgba = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= 4 ? rgba[y * stride + x - 4]! : 0;
      const b = y > 0 ? rgba[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? rgba[(y - 1) * stride + x - 4]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter]!;
      rgba[y * stride + x] = (v + predictor) & 255;
    }
  }
  return { width, height, rgba };
}

describe('PngWorker', () => {
  it('renders in a worker the same bytes as resvg on this thread; a bad SVG fails alone; a stopped worker is replaced', async () => {
    const worker = new PngWorker();
    const options = { font: { loadSystemFonts: false }, fitTo: { mode: 'zoom' as const, value: 2 } };
    const plain = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" rx="4" fill="#3fb950"/></svg>';
    try {
      const [a, bad, b] = await Promise.allSettled([worker.render(plain, options), worker.render('<svg', options), worker.render(plain, options)]);
      const expected = new Resvg(plain, options).render().asPng();
      expect(a.status === 'fulfilled' && a.value.equals(expected)).toBe(true);
      expect(b.status === 'fulfilled' && b.value.equals(expected)).toBe(true);
      expect(bad.status === 'rejected' && String(bad.reason)).toMatch(/PNG rendering failed/);
      await worker.close();
      expect((await worker.render(plain, options)).equals(expected)).toBe(true);
    } finally {
      await worker.close();
    }
  });
});
