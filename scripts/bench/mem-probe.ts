/**
 * `node --import tsx scripts/bench/mem-probe.ts`: where the memory of a start goes. Starts the
 * compiled bot (`npm start`'s node) on a new PGlite database with 10,000 servers on the fake Discord
 * (PROBE_GUILDS), prints its RSS / peak RSS beside each of its log lines and every 3 s the V8 heap
 * and external memory from its /metrics, until 3 s after ready, then its ten largest mappings
 * (resident/size: [heap] is malloc's, the 128 MB one PGlite's WebAssembly memory, node the binary).
 * PROBE_ARGS: extra node flags (for example `--heap-growing-percent=30`); PGLITE_V8_FLAGS and
 * GLIBC_TUNABLES are passed on; PROBE_SNAPSHOT=ms: with PROBE_ARGS='--heapsnapshot-signal=SIGUSR2
 * --diagnostic-dir=/tmp', writes a heap snapshot at ready and waits that long for it. Not part of
 * `npm run bench`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths.js';
import { FAKE_TOKEN, startFakeDiscord } from '../../src/sim/index.js';
import { freePort } from '../../src/sim/net.js';
import { scriptNodeArgs, sleep } from './common.js';
const big = await startFakeDiscord();
for (let i = 0; i < Number(process.env.PROBE_GUILDS ?? 10_000); i++) big.addGuild({ name: `Guild ${i}` });
const dir = mkdtempSync(join(tmpdir(), 'cohort-probe-'));
const port = await freePort();
const t0 = Date.now();
const child = spawn(process.execPath, [...(process.env.PROBE_ARGS?.split(' ') ?? []), ...scriptNodeArgs('start')], { cwd: projectRoot, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: big.apiUrl, HTTP_PORT: String(port), LOG_LEVEL: 'debug', DATA_DIR: dir, ...passedOn() }, stdio: ['ignore', 'pipe', 'inherit'] });
function passedOn(): Record<string, string> {
  return Object.fromEntries(['PGLITE_V8_FLAGS', 'GLIBC_TUNABLES'].flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
}
/** The largest mappings of the bot by resident size, `resident/size MB name`. */
function largestMappings(): string {
  const maps: { name: string; size: number; rss: number }[] = [];
  for (const line of readFileSync(`/proc/${child.pid}/smaps`, 'utf8').split('\n')) {
    const range = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (range) maps.push({ name: range[3] || '[anon]', size: (parseInt(range[2]!, 16) - parseInt(range[1]!, 16)) >> 20, rss: 0 });
    const resident = /^Rss:\s+(\d+)/.exec(line);
    if (resident && maps.length) maps.at(-1)!.rss = Number(resident[1]) >> 10;
  }
  return maps.sort((a, b) => b.rss - a.rss).slice(0, 10).map((m) => `${m.rss}/${m.size} MB ${m.name.replace(/.*\//, '')}`).join(', ');
}
const rss = () => { const s = readFileSync(`/proc/${child.pid}/status`, 'utf8'); return `${Number(/VmRSS:\s+(\d+)/.exec(s)![1]) >> 10}/${Number(/VmHWM:\s+(\d+)/.exec(s)![1]) >> 10}`; };
let pending = '';
const seen = new Map<string, number>();
child.stdout.on('data', (c: Buffer) => {
  pending += c.toString();
  for (let e = pending.indexOf('\n'); e >= 0; e = pending.indexOf('\n')) {
    const line = pending.slice(0, e); pending = pending.slice(e + 1);
    try { const m = (JSON.parse(line) as { msg: string }).msg; seen.set(m, (seen.get(m) ?? 0) + 1); if (seen.get(m)! <= 2) console.log(((Date.now() - t0) / 1000).toFixed(1), rss(), m.slice(0, 120)); } catch { /* */ }
  }
});
for (let i = 0; i < 240; i++) {
  await sleep(1000);
  if (i % 3 === 0) {
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
    const pick = (name: string) => Math.round(Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(metrics)?.[1] ?? Number.NaN) / 1e6);
    console.log(((Date.now() - t0) / 1000).toFixed(1), 'RSS/HWM', rss(), 'heapUsed', pick('nodejs_heap_size_used_bytes'), 'heapTotal', pick('nodejs_heap_size_total_bytes'), 'external', pick('nodejs_external_memory_bytes'));
  }
  const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
  if (ok) { console.log('ready', ((Date.now() - t0) / 1000).toFixed(1), rss()); await sleep(3000); console.log('after', rss()); console.log('largest mappings', largestMappings()); if (process.env.PROBE_SNAPSHOT) { child.kill('SIGUSR2'); await sleep(Number(process.env.PROBE_SNAPSHOT)); } break; }
}
console.log([...seen].sort((a, b) => b[1] - a[1]).slice(0, 8));
child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));
await big.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
