import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { renderAsync, type ResvgRenderOptions } from '@resvg/resvg-js';
import { LRUCache } from 'lru-cache';
import { addDays, daysBetween, weekday } from '../../domain/dates.js';
import type { DayStatus } from '../../domain/streaks.js';
import { encodePng } from './png.js';

export type CalendarStatus = DayStatus | 'today';

/** Colours of each day status (GitHub-like on Discord's dark background), with a short legend label. */
export const STATUS_STYLE: Record<CalendarStatus, { fill: string; label: string }> = {
  checkin: { fill: '#3fb950', label: 'Check-in' },
  step: { fill: '#2f81f7', label: 'Step done' },
  challenge: { fill: '#a371f7', label: 'Challenge' },
  study: { fill: '#db61a2', label: 'Studied' },
  fix: { fill: '#d29922', label: 'Mod fix' },
  freeze: { fill: '#79c0ff', label: 'Freeze' },
  broken: { fill: '#f85149', label: 'Broke' },
  missed: { fill: '#3a3d44', label: 'Missed' },
  today: { fill: '#3a3d44', label: 'Today' },
};

const CELL = 18;
const GAP = 4;
const LEFT = 40;
const TOP = 56;
const BG = '#2b2d31';
const INK = '#dbdee1';
const FAINT = '#949ba4';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** Monday-based weekday: 0 = Monday … 6 = Sunday. */
export function mondayIndex(day: string): number {
  return (weekday(day) + 6) % 7;
}

/** The Monday starting the first of `weeks` calendar weeks that end with the week of `today`. */
export function calendarStart(today: string, weeks: number): string {
  return addDays(today, -mondayIndex(today) - (weeks - 1) * 7);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

/** Shades of study minutes per day (`shade: 'minutes'`): the least minutes of each step, with its colour and label. */
export const MINUTE_SHADES: readonly { min: number; fill: string; label: string }[] = [
  { min: 0, fill: '#3a3d44', label: '0 m' },
  { min: 1, fill: '#4b2a3e', label: '1–24 m' },
  { min: 25, fill: '#7d3a63', label: '25–59 m' },
  { min: 60, fill: '#b04d8a', label: '1–2 h' },
  { min: 120, fill: '#e26db5', label: '2 h +' },
];

/** The shade of a day with this many study minutes. */
export function minuteShade(minutes: number): { fill: string; label: string } {
  let shade = MINUTE_SHADES[0]!;
  for (const s of MINUTE_SHADES) if (minutes >= s.min) shade = s;
  return shade;
}

/**
 * An SVG heatmap: one column per week (Monday on top), one square per day coloured by why it
 * counted or not, month labels, weekday labels and a legend. Pure string building.
 */
export function heatmapSvg(input: {
  statuses: ReadonlyMap<string, CalendarStatus>;
  today: string;
  weeks: number;
  title: string;
  /** Shade each day by the minutes studied that day (`minutes`, per member day) instead of by why it counted. */
  shade?: 'reason' | 'minutes';
  minutes?: ReadonlyMap<string, number>;
}): string {
  const byMinutes = input.shade === 'minutes';
  const start = calendarStart(input.today, input.weeks);
  const gridWidth = input.weeks * (CELL + GAP) - GAP;
  const width = Math.max(LEFT + gridWidth + 16, 460);
  const legendY = TOP + 7 * (CELL + GAP) + 18;
  const height = legendY + 2 * 22 + 8;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" rx="10" fill="${BG}"/>`,
    `<text x="16" y="26" font-size="16" font-weight="bold" fill="${INK}">${escapeXml(input.title)}</text>`,
  ];
  for (const [row, label] of [[0, 'Mon'], [2, 'Wed'], [4, 'Fri'], [6, 'Sun']] as const) {
    parts.push(`<text x="${LEFT - 6}" y="${TOP + row * (CELL + GAP) + CELL - 5}" font-size="10" text-anchor="end" fill="${FAINT}">${label}</text>`);
  }
  let lastMonth = '';
  for (let week = 0; week < input.weeks; week++) {
    const monday = addDays(start, week * 7);
    const month = monday.slice(5, 7);
    // Label the first week of each month; the first column only when its month goes on for two more weeks.
    if (month !== lastMonth && (week > 0 || Number(monday.slice(8, 10)) <= 17)) {
      const x = LEFT + week * (CELL + GAP);
      parts.push(`<text x="${x}" y="${TOP - 8}" font-size="10" fill="${FAINT}">${MONTHS[Number(month) - 1] ?? ''}</text>`);
    }
    lastMonth = month;
  }
  const total = daysBetween(start, input.today);
  for (let i = 0; i <= total; i++) {
    const day = addDays(start, i);
    const status = input.statuses.get(day) ?? 'missed';
    const x = LEFT + Math.floor(i / 7) * (CELL + GAP);
    const y = TOP + (i % 7) * (CELL + GAP);
    const stroke = (byMinutes ? day === input.today : status === 'today') ? ` stroke="${INK}" stroke-width="2"` : '';
    const minutes = input.minutes?.get(day) ?? 0;
    const style = byMinutes ? { fill: minuteShade(minutes).fill, label: `${minutes} m studied` } : STATUS_STYLE[status];
    parts.push(`<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" rx="4" fill="${style.fill}"${stroke}><title>${day}: ${style.label}</title></rect>`);
  }
  const legend = byMinutes ? MINUTE_SHADES : (['checkin', 'step', 'challenge', 'study', 'fix', 'freeze', 'broken', 'missed'] as const).map((s) => STATUS_STYLE[s]);
  legend.forEach((style, i) => {
    const x = 16 + (i % 4) * 110;
    const y = legendY + Math.floor(i / 4) * 22;
    parts.push(`<rect x="${x}" y="${y}" width="14" height="14" rx="3" fill="${style.fill}"/>`);
    parts.push(`<text x="${x + 20}" y="${y + 11}" font-size="11" fill="${INK}">${style.label}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The font files of the heatmap's labels: DejaVu Sans (regular for the labels, bold for the title). */
const FONT_FILE_NAMES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'] as const;
const FONT_DIRS = ['/usr/share/fonts', '/usr/local/share/fonts', join(homedir(), '.local/share/fonts'), join(homedir(), '.fonts'), '/Library/Fonts', '/System/Library/Fonts', 'C:\\Windows\\Fonts'];

/** Paths of FONT_FILE_NAMES under the usual font folders, or null when one is missing. */
export function findHeatmapFonts(dirs: readonly string[] = FONT_DIRS): string[] | null {
  const found = new Map<string, string>();
  const visit = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // missing or unreadable folder
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && depth < 4) visit(path, depth + 1);
      else if ((FONT_FILE_NAMES as readonly string[]).includes(entry.name) && !found.has(entry.name)) found.set(entry.name, path);
    }
  };
  for (const dir of dirs) visit(dir, 0);
  const paths = FONT_FILE_NAMES.map((name) => found.get(name));
  return paths.every((p) => p !== undefined) ? paths : null;
}

/**
 * resvg's font options, worked out once per process: loading every system font costs ~10 ms on each
 * render, so the two DejaVu files are loaded alone when found (the same glyphs the SVG asks for
 * first); without them, the system fonts as before.
 */
let fontOptions: NonNullable<ResvgRenderOptions['font']> | undefined;
function heatmapFontOptions(): NonNullable<ResvgRenderOptions['font']> {
  if (!fontOptions) {
    const files = findHeatmapFonts();
    fontOptions = files ? { loadSystemFonts: false, fontFiles: files, defaultFontFamily: 'DejaVu Sans' } : { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' };
  }
  return fontOptions;
}

/** Renders the heatmap's SVGs to PNG: one per app, in its context; `app.stop()` closes it. */
export interface ImageRenderer {
  /**
   * An SVG to PNG at twice its size (or `zoom` times: /stats's large chart uses 1.5, half the
   * pixels to draw and compress), with the heatmap's fonts, off the event loop.
   */
  renderPng(svg: string, options?: { zoom?: number }): Promise<Buffer>;
  /** Renders still pending fail, and so does every later one. */
  close(): Promise<void>;
}

export interface ImageRendererOptions {
  /** Bytes of finished PNGs kept, least recently used out first (default 16 MiB: ~700 heatmaps). */
  cacheBytes?: number;
}

/**
 * resvg's own `renderAsync` (parsing, text layout and rasterising on libuv's thread pool; no
 * native build step) and a PNG encoder whose compression runs there too (png.ts): resvg's
 * `asPng()` would encode on the event loop. scripts/bench/heatmap.ts, main thread CPU per image:
 * ~5 ms (building the SVG, handing it over, the row copy) against ~11 ms with `asPng()`; the rest,
 * ~25 ms, is on the pool. Finished images are kept by SVG content in an lru-cache bounded by bytes
 * (a member's calendar changes at most a few times a day), and members asking for the same image at
 * once share one render.
 *
 * No text-outline cache: turning <text> into paths can only be done synchronously (`Resvg#toString`),
 * and the benchmark shows it saves ~4 ms of pool CPU per image while adding ~3-4 ms to the event
 * loop, the scarcer of the two.
 */
export function createImageRenderer(options: ImageRendererOptions = {}): ImageRenderer {
  const images = new LRUCache<string, Buffer>({ maxSize: options.cacheBytes ?? 16 * 1024 * 1024, sizeCalculation: (png) => png.length });
  const rendering = new Map<string, Promise<Buffer>>();
  const waiting = new Set<(error: Error) => void>();
  const closing = new AbortController();

  async function render(svg: string, zoom: number): Promise<Buffer> {
    // No AbortSignal here: resvg-js (napi-rs) takes one signal per task and refuses a shared one
    // (InvalidArg); a render already queued after close() only costs its ~25 ms on the pool.
    const image = await renderAsync(svg, { font: heatmapFontOptions(), fitTo: { mode: 'zoom', value: zoom } });
    return encodePng(image.pixels, image.width, image.height, closing.signal);
  }

  return {
    renderPng(svg, options = {}) {
      if (closing.signal.aborted) return Promise.reject(new Error('PNG rendering failed: the renderer is closed'));
      const zoom = options.zoom ?? 2;
      const key = zoom === 2 ? svg : `${zoom}:${svg}`;
      const cached = images.get(key);
      if (cached) return Promise.resolve(cached);
      let pending = rendering.get(key);
      if (!pending) {
        pending = render(svg, zoom).finally(() => rendering.delete(key));
        rendering.set(key, pending);
        pending.then(
          (png) => {
            if (!closing.signal.aborted) images.set(key, png);
          },
          () => {},
        );
      }
      const shared = pending;
      return new Promise<Buffer>((resolve, reject) => {
        waiting.add(reject);
        shared.then(resolve, (error: unknown) => reject(new Error(`PNG rendering failed: ${error instanceof Error ? error.message : String(error)}`))).finally(() => waiting.delete(reject));
      });
    },
    close() {
      closing.abort();
      const error = new Error('PNG rendering failed: the renderer is closed');
      for (const reject of waiting) reject(error);
      waiting.clear();
      images.clear();
      return Promise.resolve();
    },
  };
}
