/**
 * `npm run bench heatmap` (or `node --import tsx scripts/bench/heatmap.ts`): what a /streak PNG
 * costs, with and without the text-outline cache, through resvg's own renderAsync (libuv's thread
 * pool). Prints figures; not a test. Self-contained: it imports only src/.
 *
 * - renderAsync + asPng(): resvg renders on the pool, then its asPng() encodes on the main thread.
 * - createImageRenderer: what /streak uses — renderAsync (text laid out on the pool with the two
 *   DejaVu files), then encodePng (deflate on the pool). Distinct SVGs: its whole-image cache never hits.
 * - outlined text: each distinct <text> element turned into outline paths once (new Resvg(...).toString(),
 *   synchronous, on the main thread), kept in an LRU; the text-free SVG goes to renderAsync without
 *   fonts, then encodePng.
 *
 * For each: wall time of one render after another (ms), the process's CPU time per render (every
 * thread) and the main thread's alone (Node 23.9+, process.threadCpuUsage), the time the call blocks the event loop (ms, its synchronous part: min and p50, wall
 * clock, so a busy machine inflates it), and the wall time of 20 renders at once (20 members asking
 * together).
 * Every calendar is distinct (a distinct title and days), as with 20 different members; the whole-image
 * cache never hits (a hit costs a lookup).
 */
import { cpus } from 'node:os';
import { renderAsync, Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import { LRUCache } from 'lru-cache';
import { createImageRenderer, findHeatmapFonts, heatmapSvg, type CalendarStatus } from '../../src/discord/views/heatmap.js';
import { encodePng } from '../../src/discord/views/png.js';
import { addDays } from '../../src/domain/dates.js';

const ROUNDS = Number(process.env.BENCH_HEATMAP_ROUNDS ?? 60);
const BURST = 20;
const fontFiles = findHeatmapFonts();
const font: NonNullable<ResvgRenderOptions['font']> = fontFiles
  ? { loadSystemFonts: false, fontFiles, defaultFontFamily: 'DejaVu Sans' }
  : { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' };
const fitTo = { mode: 'zoom', value: 2 } as const;

const KINDS: CalendarStatus[] = ['checkin', 'step', 'challenge', 'freeze', 'broken', 'missed', 'fix'];
function calendar(n: number): string {
  const today = addDays('2026-04-20', n % 30);
  const statuses = new Map<string, CalendarStatus>();
  for (let i = 0; i < 16 * 7; i++) statuses.set(addDays(today, -i), KINDS[(i * 7 + n * 3) % KINDS.length]!);
  statuses.set(today, 'today');
  return heatmapSvg({ statuses, today, weeks: 16, title: `Streak ${n % 40} days · longest ${n % 90} · ${n % 3} freezes` });
}

const TEXT = /<text\b[^>]*>[^<]*<\/text>/g;
const outlines = new LRUCache<string, string>({ max: 500 });
function outlineText(svg: string): string {
  const root = svg.slice(0, svg.indexOf('>') + 1);
  return svg.replace(TEXT, (element) => {
    let paths = outlines.get(element);
    if (paths === undefined) {
      const tree = new Resvg(`${root}${element}</svg>`, { font }).toString();
      paths = tree.slice(tree.indexOf('>') + 1, tree.lastIndexOf('</svg>')).replace('<defs/>', '');
      outlines.set(element, paths);
    }
    return paths;
  });
}

/** The main thread's own CPU time (Node 23.9+; the measure that matters for the event loop). */
const threadCpu = (process as { threadCpuUsage?: (previous?: NodeJS.CpuUsage) => NodeJS.CpuUsage }).threadCpuUsage?.bind(process);

type Variant = { name: string; render: (svg: string) => Promise<Buffer> };
const shipped = createImageRenderer();
const variants: Variant[] = [
  { name: 'renderAsync + asPng()', render: async (svg) => (await renderAsync(svg, { font, fitTo })).asPng() },
  { name: 'createImageRenderer (renderAsync + encodePng)', render: (svg) => shipped.renderPng(svg) },
  {
    name: 'outlined text + renderAsync + encodePng',
    render: async (svg) => {
      const image = await renderAsync(outlineText(svg), { font: { loadSystemFonts: false }, fitTo });
      return encodePng(image.pixels, image.width, image.height);
    },
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;
const ms = (x: number) => x.toFixed(2);

async function measure(variant: Variant, offset: number) {
  const wall: number[] = [];
  const blocked: number[] = [];
  const cpuBefore = process.cpuUsage();
  const mainBefore = threadCpu?.();
  for (let i = 0; i < ROUNDS; i++) {
    const svg = calendar(offset + i);
    const started = performance.now();
    const pending = variant.render(svg);
    blocked.push(performance.now() - started);
    const png = await pending;
    wall.push(performance.now() - started);
    if (png.length < 5_000) throw new Error('no image');
  }
  const cpu = process.cpuUsage(cpuBefore);
  const cpuPerRender = (cpu.user + cpu.system) / 1000 / ROUNDS;
  const main = mainBefore && threadCpu!(mainBefore);
  const mainPerRender = main ? (main.user + main.system) / 1000 / ROUNDS : undefined;
  const bursts: number[] = [];
  for (let b = 0; b < 3; b++) {
    const svgs = Array.from({ length: BURST }, (_, i) => calendar(offset + ROUNDS + b * BURST + i));
    const started = performance.now();
    await Promise.all(svgs.map((svg) => variant.render(svg)));
    bursts.push(performance.now() - started);
  }
  return { wall, blocked, bursts, cpuPerRender, mainPerRender };
}

console.log(`heatmap PNG: ${ROUNDS} renders one after another, then 3 bursts of ${BURST} at once; ${cpus().length} CPU(s), Node ${process.version}, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}`);
console.log(`fonts: ${fontFiles ? fontFiles.join(', ') : 'system fonts (DejaVu files not found)'}`);
// Warm both (first font load, JIT) on calendars not measured.
for (const v of variants) for (let i = 0; i < 5; i++) await v.render(calendar(10_000 + i));
const rows: Record<string, string>[] = [];
// Two passes each, alternating, so that a slow minute of the machine does not favour one variant.
for (let pass = 0; pass < 2; pass++) {
  for (const [i, v] of variants.entries()) {
    const r = await measure(v, pass * 1000 + i * 500);
    rows.push({
      variant: v.name,
      pass: String(pass + 1),
      'wall p50 ms': ms(median(r.wall)),
      'wall p95 ms': ms(p95(r.wall)),
      'process CPU per render ms': ms(r.cpuPerRender),
      'main thread CPU per render ms': r.mainPerRender === undefined ? 'n/a (Node < 23.9)' : ms(r.mainPerRender),
      'event loop blocked min ms': ms(Math.min(...r.blocked)),
      'blocked p50 ms': ms(median(r.blocked)),
      'blocked p95 ms': ms(p95(r.blocked)),
      [`${BURST} at once, ms (3 runs)`]: r.bursts.map((x) => x.toFixed(0)).join(' / '),
    });
  }
}
const columns = Object.keys(rows[0]!);
const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => r[c]!.length)));
console.log(columns.map((c, i) => c.padEnd(widths[i]!)).join('  '));
for (const r of rows) console.log(columns.map((c, i) => r[c]!.padEnd(widths[i]!)).join('  '));
console.log(`outline cache: ${outlines.size} distinct <text> elements kept`);
process.exit(0);
