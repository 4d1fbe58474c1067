import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import { Resvg } from '@resvg/resvg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { createImageRenderer, findHeatmapFonts, heatmapSvg } from '../../src/discord/views/heatmap.js';
import { encodePng } from '../../src/discord/views/png.js';
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

  it.skipIf(findHeatmapFonts() === null)('looks like resvg rendering the SVG directly with every system font (same pixels but for edge rounding)', async () => {
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
    const pending = expect(own.renderPng(svg)).rejects.toThrow(/renderer is closed/);
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

describe('PNG rendering', () => {
  const plain = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" rx="4" fill="#3fb950"/><rect x="4" y="4" width="8" height="8" fill="#f85149"/></svg>';

  it('encodePng writes the same pixels as resvg’s own PNG (a valid file: signature, CRCs, inflatable data)', async () => {
    const image = new Resvg(plain, { fitTo: { mode: 'zoom', value: 2 } }).render();
    const ours = await encodePng(image.pixels, image.width, image.height);
    expect(ours.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    const decoded = decodePng(ours);
    const reference = decodePng(image.asPng());
    expect([decoded.width, decoded.height]).toEqual([80, 40]);
    expect(decoded.rgba.equals(reference.rgba)).toBe(true);
    // Every chunk's CRC matches (zlib's crc32 of type and data).
    for (let at = 8; at < ours.length; ) {
      const length = ours.readUInt32BE(at);
      expect(ours.readUInt32BE(at + 8 + length)).toBe(crc32(ours.subarray(at + 4, at + 8 + length)));
      at += 12 + length;
    }
    await expect(encodePng(image.pixels.subarray(4), image.width, image.height)).rejects.toThrow(/not 80×40 RGBA pixels/);
  });

  it('a bad SVG fails alone; the same SVG again comes from the cache, and members asking at once share one render', async () => {
    const own = createImageRenderer();
    try {
      const [a, bad, b] = await Promise.allSettled([own.renderPng(plain), own.renderPng('<svg'), own.renderPng(plain)]);
      expect(bad.status === 'rejected' && String(bad.reason)).toMatch(/PNG rendering failed/);
      expect(a.status === 'fulfilled' && b.status === 'fulfilled' && a.value === b.value).toBe(true);
      expect(await own.renderPng(plain)).toBe((a as PromiseFulfilledResult<Buffer>).value);
      const other = await own.renderPng(plain.replace('#f85149', '#2f81f7'));
      expect(other.equals((a as PromiseFulfilledResult<Buffer>).value)).toBe(false);
    } finally {
      await own.close();
    }
  });
});
