import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ResvgRenderOptions } from '@resvg/resvg-js';

/**
 * The worker's code, plain CommonJS (evaluated, so that it runs the same under tsx, vitest and the
 * compiled build): one SVG in, its PNG bytes out, one at a time.
 *
 * Text layout is most of resvg's work (reading the font and shaping, ~0.6 ms per <text>), and the
 * labels of a heatmap repeat (weekdays, months, legend, titles), so each distinct <text> element is
 * turned into outline paths once (resvg's own conversion, its usvg output) and kept; the SVG then
 * renders without text. Whole images are kept too, by SVG content: a member's calendar changes at
 * most a few times a day. Both caches are bounded (least recently used first out).
 */
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { Resvg } = require(workerData.resvg);
const TEXT = /<text\b[^>]*>[^<]*<\/text>/g;
function lru(max) {
  const map = new Map();
  return {
    get(key) {
      const value = map.get(key);
      if (value !== undefined) { map.delete(key); map.set(key, value); }
      return value;
    },
    set(key, value) {
      map.set(key, value);
      if (map.size > max) map.delete(map.keys().next().value);
    },
  };
}
const outlines = lru(workerData.textCacheSize);
const images = lru(workerData.imageCacheSize);
function outlineText(svg, font) {
  const root = svg.slice(0, svg.indexOf('>') + 1);
  return svg.replace(TEXT, (element) => {
    let paths = outlines.get(element);
    if (paths === undefined) {
      const tree = new Resvg(root + element + '</svg>', { font }).toString();
      paths = tree.slice(tree.indexOf('>') + 1, tree.lastIndexOf('</svg>')).replace('<defs/>', '');
      outlines.set(element, paths);
    }
    return paths;
  });
}
parentPort.on('message', ({ id, svg, options }) => {
  let png = images.get(svg);
  if (png === undefined) {
    try {
      const { font, ...rest } = options;
      png = new Resvg(outlineText(svg, font), { ...rest, font: { loadSystemFonts: false } }).render().asPng();
    } catch (error) {
      parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
      return;
    }
    images.set(svg, png);
  }
  parentPort.postMessage({ id, png });
});
`;

type Reply = { id: number; png?: Uint8Array; error?: string };

/**
 * Renders SVGs to PNG with resvg in a worker thread: parsing, text layout, rasterising and PNG
 * encoding (~15-25 ms of CPU per heatmap) never block the event loop that answers interactions.
 * The worker starts on the first render and does not keep the process alive while idle; when it
 * dies, pending renders fail and the next render starts a new one.
 */
type Waiting = { resolve: (png: Buffer) => void; reject: (error: Error) => void };

export class PngWorker {
  private current: { worker: Worker; pending: Map<number, Waiting> } | undefined;
  private nextId = 0;

  render(svg: string, options: ResvgRenderOptions): Promise<Buffer> {
    const { worker, pending } = (this.current ??= this.start());
    const id = this.nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      if (pending.size === 1) worker.ref();
      worker.postMessage({ id, svg, options });
    });
  }

  /** Stops the worker (pending renders fail); the next render starts a new one. */
  async close(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    if (current) await current.worker.terminate();
  }

  private start(): { worker: Worker; pending: Map<number, Waiting> } {
    const resvg = createRequire(import.meta.url).resolve('@resvg/resvg-js');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { resvg, textCacheSize: 500, imageCacheSize: 200 } });
    const pending = new Map<number, Waiting>();
    const self = { worker, pending };
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const waiting = pending.get(reply.id);
      pending.delete(reply.id);
      if (pending.size === 0) worker.unref();
      if (!waiting) return;
      if (reply.png) waiting.resolve(Buffer.from(reply.png.buffer, reply.png.byteOffset, reply.png.byteLength));
      else waiting.reject(new Error(`PNG rendering failed: ${reply.error ?? 'no image'}`));
    });
    const fail = (error: Error) => {
      if (this.current === self) this.current = undefined;
      for (const { reject } of pending.values()) reject(error);
      pending.clear();
    };
    worker.on('error', (error: Error) => fail(error));
    worker.on('exit', (code) => fail(new Error(`PNG worker stopped (exit code ${code})`)));
    return self;
  }
}
