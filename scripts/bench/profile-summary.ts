/**
 * `node --import tsx scripts/bench/profile-summary.ts file.cpuprofile [top]`: the self time of a CPU
 * profile (BENCH_PROFILE) by module (node_modules package, or the project's own folder) and the
 * functions with the most self time, as shares of the profile's samples. Given a `.heapprofile`
 * (BENCH_HEAP_PROFILE), the same tables for the bytes each function allocated.
 */
import { readFileSync } from 'node:fs';
import { round, table } from './common.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface HeapNode {
  id: number;
  callFrame: ProfileNode['callFrame'];
  selfSize: number;
  children: HeapNode[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts file.cpuprofile|file.heapprofile [top]');
const parsed = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] } | { head: HeapNode };
/** Per node: samples (CPU) or bytes allocated (heap). */
const hits = new Map<number, number>();
const nodes: ProfileNode[] = [];
if ('head' in parsed) {
  const walk = (node: HeapNode) => {
    nodes.push(node);
    hits.set(node.id, node.selfSize);
    node.children.forEach(walk);
  };
  walk(parsed.head);
} else {
  nodes.push(...parsed.nodes);
  for (const id of parsed.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
}
const heap = 'head' in parsed;
const total = [...hits.values()].reduce((s, n) => s + n, 0);
const what = heap ? 'allocated' : 'time';
const profile = { nodes };

/** `drizzle-orm`, `discord.js`, `cohort src/db`, `node:net`, `(gc)` … */
function moduleOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url;
  const own = /\/(src\/[^/]+|commands|scripts\/[^/]+)\//.exec(url);
  return own ? `cohort ${own[1]}` : url;
}

const byModule = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const node of profile.nodes) {
  const n = hits.get(node.id) ?? 0;
  if (!n) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const module = moduleOf(url, functionName);
  byModule.set(module, (byModule.get(module) ?? 0) + n);
  const key = `${functionName || '(anonymous)'} ${module}${url ? `:${lineNumber + 1}` : ''}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + n);
}
const share = (n: number) => `${round((100 * n) / total, 1)}%`;
const top = Number(topArg ?? 25);
const amount = heap ? `${round(total / 1e6, 1)} MB sampled` : `${total} samples`;
table(`Self ${what} by module (${amount})`, [...byModule].sort((a, b) => b[1] - a[1]).slice(0, top).map(([module, n]) => ({ module, self: share(n) })));
table(`Top functions by self ${what}`, [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top).map(([fn, n]) => ({ function: fn, self: share(n) })));
