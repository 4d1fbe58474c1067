/**
 * Small SVG charts for the server's numbers (/stats): bar charts (one or more series side by side)
 * and a line chart, laid out as panels of one image. Pure string building, rendered to PNG by the
 * context's ImageRenderer (resvg, with the DejaVu fonts it loads).
 *
 * Why not a chart library: vega-lite 6.4 + vega 6.4 (server-side `view.toSVG()`, no canvas needed)
 * were measured for this image: 25 MB installed (79 packages, about a quarter more than all of
 * Cohort's production dependencies), ~270 ms to import, and 130–350 ms to compile and render the
 * charts on the event loop, synchronously, where every other interaction waits. These charts cost a
 * few milliseconds of string building (scripts/bench/stats.ts) and the rest happens on resvg's pool.
 */
import { cut, escapeXml } from './svg.js';

export const CHART_COLORS = {
  background: '#2b2d31',
  panel: '#313338',
  ink: '#dbdee1',
  faint: '#949ba4',
  grid: '#3f4147',
  series: ['#5865f2', '#3fb950', '#db61a2', '#d29922'],
} as const;

export interface Series {
  name: string;
  /** One value per label; null draws nothing there (not known yet). */
  values: readonly (number | null)[];
  color?: string;
}

export interface Panel {
  title: string;
  /** The label of each bar group or point, in order. */
  labels: readonly string[];
  series: readonly Series[];
  kind: 'bar' | 'line';
  /** How a value reads on the axis (default: at most one decimal, thousands separated). */
  format?: (value: number) => string;
  /** The axis top (default: the largest value). */
  max?: number;
  /** Full width instead of half. */
  wide?: boolean;
}

const WIDTH = 960;
const MARGIN = 16;
const GAP = 16;
const PANEL_HEIGHT = 210;
const HEADER = 56;

/** A value on the axis: at most one decimal, none when it is whole (0, 12.5, 25, 1,000). */
const plain = (value: number) => Number(value.toFixed(1)).toLocaleString('en-US');

/** A round number at or above `value` for the axis top: 1, 2, 2.5 or 5 times a power of ten. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** One panel at (x, y), `width` wide: title, legend, axis, the bars or line, and "No data" when every value is empty or zero. */
function panelSvg(panel: Panel, x: number, y: number, width: number): string {
  const { ink, faint, grid } = CHART_COLORS;
  const format = panel.format ?? plain;
  const parts = [`<rect x="${x}" y="${y}" width="${width}" height="${PANEL_HEIGHT}" rx="8" fill="${CHART_COLORS.panel}"/>`];
  parts.push(`<text x="${x + 12}" y="${y + 22}" font-size="13" font-weight="bold" fill="${ink}">${escapeXml(cut(panel.title, Math.floor(width / 8)))}</text>`);
  const colorOf = (s: Series, i: number) => s.color ?? CHART_COLORS.series[i % CHART_COLORS.series.length]!;
  if (panel.series.length > 1) {
    let lx = x + width - 12;
    for (let i = panel.series.length - 1; i >= 0; i--) {
      const s = panel.series[i]!;
      const textWidth = s.name.length * 5.4; // DejaVu Sans at 10 px: ~5.4 px a character
      parts.push(`<text x="${lx}" y="${y + 22}" font-size="10" text-anchor="end" fill="${faint}">${escapeXml(s.name)}</text>`);
      lx -= textWidth + 4;
      parts.push(`<rect x="${lx - 10}" y="${y + 13}" width="10" height="10" rx="2" fill="${colorOf(s, i)}"/>`);
      lx -= 22;
    }
  }
  const values = panel.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const left = x + 52;
  const right = x + width - 12;
  const top = y + 40;
  const bottom = y + PANEL_HEIGHT - 26;
  if (panel.labels.length === 0 || !values.some((v) => v > 0)) {
    parts.push(`<text x="${x + width / 2}" y="${(top + bottom) / 2 + 5}" font-size="14" text-anchor="middle" fill="${faint}">No data</text>`);
    return parts.join('');
  }
  const max = panel.max ?? niceMax(Math.max(...values));
  const scale = (v: number) => bottom - (Math.min(v, max) / max) * (bottom - top);
  for (const v of [0, max / 2, max]) {
    const gy = scale(v).toFixed(1);
    parts.push(`<line x1="${left}" y1="${gy}" x2="${right}" y2="${gy}" stroke="${grid}"/>`);
    parts.push(`<text x="${left - 6}" y="${(Number(gy) + 4).toFixed(1)}" font-size="10" text-anchor="end" fill="${faint}">${escapeXml(format(v))}</text>`);
  }
  const count = panel.labels.length;
  const slot = (right - left) / count;
  // As many labels under the axis as fit, evenly spaced, the last one always; none past the panel's edge.
  const labelWidth = Math.max(...panel.labels.map((l) => l.length)) * 6 + 12;
  const every = Math.max(1, Math.ceil(count / Math.max(2, Math.floor((right - left) / labelWidth))));
  panel.labels.forEach((label, i) => {
    if ((count - 1 - i) % every !== 0) return;
    const lx = Math.min(right - labelWidth / 2 + 6, Math.max(left + labelWidth / 2 - 6, left + (i + 0.5) * slot));
    parts.push(`<text x="${lx.toFixed(1)}" y="${bottom + 16}" font-size="10" text-anchor="middle" fill="${faint}">${escapeXml(label)}</text>`);
  });
  if (panel.kind === 'bar') {
    const inner = slot * 0.8;
    const barWidth = inner / panel.series.length;
    panel.series.forEach((s, si) => {
      s.values.forEach((v, i) => {
        if (v === null || v <= 0) return;
        const bx = left + i * slot + slot * 0.1 + si * barWidth;
        const by = scale(v);
        parts.push(`<rect x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${Math.max(1, barWidth - (panel.series.length > 1 ? 1 : 0)).toFixed(1)}" height="${(bottom - by).toFixed(1)}" fill="${colorOf(s, si)}"/>`);
      });
    });
  } else {
    panel.series.forEach((s, si) => {
      const points = s.values.map((v, i) => (v === null ? null : `${(left + (i + 0.5) * slot).toFixed(1)},${scale(v).toFixed(1)}`));
      const known = points.filter((p): p is string => p !== null);
      if (known.length === 0) return;
      const color = colorOf(s, si);
      if (si === 0 && known.length === points.length) {
        const first = (left + 0.5 * slot).toFixed(1);
        const last = (left + (count - 0.5) * slot).toFixed(1);
        parts.push(`<polygon points="${first},${bottom} ${known.join(' ')} ${last},${bottom}" fill="${color}" fill-opacity="0.25"/>`);
      }
      parts.push(`<polyline points="${known.join(' ')}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"/>`);
    });
  }
  return parts.join('');
}

/** One image of panels: a title and subtitle, then the panels two to a row (a wide one takes a row of its own). */
export function chartsSvg(input: { title: string; subtitle: string; panels: readonly Panel[] }): string {
  const half = (WIDTH - 2 * MARGIN - GAP) / 2;
  const placed: { panel: Panel; x: number; y: number; width: number }[] = [];
  let y = HEADER;
  let column = 0;
  for (const panel of input.panels) {
    if (panel.wide) {
      if (column === 1) {
        // A half row left open: the wide panel starts below it.
        y += PANEL_HEIGHT + GAP;
        column = 0;
      }
      placed.push({ panel, x: MARGIN, y, width: WIDTH - 2 * MARGIN });
      y += PANEL_HEIGHT + GAP;
      continue;
    }
    placed.push({ panel, x: MARGIN + column * (half + GAP), y, width: half });
    if (column === 1) y += PANEL_HEIGHT + GAP;
    column = 1 - column;
  }
  if (column === 1) y += PANEL_HEIGHT + GAP;
  const height = y - GAP + MARGIN;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" rx="10" fill="${CHART_COLORS.background}"/>`,
    `<text x="${MARGIN}" y="28" font-size="18" font-weight="bold" fill="${CHART_COLORS.ink}">${escapeXml(cut(input.title, 80))}</text>`,
    `<text x="${MARGIN}" y="46" font-size="11" fill="${CHART_COLORS.faint}">${escapeXml(cut(input.subtitle, 140))}</text>`,
    ...placed.map((p) => panelSvg(p.panel, p.x, p.y, p.width)),
    '</svg>',
  ].join('');
}
