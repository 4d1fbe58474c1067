/**
 * Benchmark 3: start to ready of what `npm start` runs (the compiled build, built first as its
 * prestart does; BENCH_TSX=1 measures `npm run dev` instead) on a fresh
 * PGlite, an existing PGlite and Postgres (fresh and already migrated), measured from spawn to the
 * first 200 from /healthz (database, gateway and scheduler all up); and the peak RSS (VmHWM) of
 * the bot process with 10,000 guilds in its cache. The phases come from the bot's own log lines
 * (pino `time`, and the open/migrate durations of the "database ready" line): boot = spawn to
 * startCohort (node, imports, config), open (PGlite create: template unpack or initdb), migrate;
 * then, since the bot logs in to Discord while the database opens, two instants from spawn:
 * "db at" (database ready) and "gateway at" ("connected to Discord"); ready follows the later one.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { freePort } from '../../src/sim/net.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths.js';
import { FAKE_TOKEN, startFakeDiscord, type FakeDiscord } from '../../src/sim/index.js';
import { emptyPostgres, loadAverage, round, scriptNodeArgs, sleep, table } from './common.js';

/** Starts the bot, waits for /healthz 200; returns the ms it took, its peak RSS then, and a stop function. */
async function startOnce(fake: FakeDiscord, env: Record<string, string>, timeoutMs = 120_000) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, scriptNodeArgs(process.env.BENCH_TSX ? 'dev' : 'start'), {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl, HTTP_PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const spawnedAt = Date.now();
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const logged: { dbAt?: number; openMs?: number; migrateMs?: number; connectedAt?: number } = {};
  let pending = '';
  child.stdout.on('data', (c: Buffer) => {
    pending += c.toString();
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      let entry: { msg?: string; time?: number; openMs?: number; migrateMs?: number };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue;
      }
      if (entry.msg === 'database ready, migrations applied') Object.assign(logged, { dbAt: entry.time, openMs: entry.openMs, migrateMs: entry.migrateMs });
      if (entry.msg === 'connected to Discord') logged.connectedAt = entry.time;
    }
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bot exited with ${child.exitCode}: ${stderr}`);
    if (performance.now() - started > timeoutMs) throw new Error(`bot not ready after ${timeoutMs} ms: ${stderr}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    await sleep(10);
  }
  const readyMs = performance.now() - started;
  const phases =
    logged.dbAt !== undefined && logged.connectedAt !== undefined
      ? {
          boot: logged.dbAt - spawnedAt - (logged.openMs ?? 0) - (logged.migrateMs ?? 0),
          open: logged.openMs ?? 0,
          migrate: logged.migrateMs ?? 0,
          'db at': logged.dbAt - spawnedAt,
          'gateway at': logged.connectedAt - spawnedAt,
        }
      : undefined;
  const peakRssMb = () => {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  };
  return {
    readyMs,
    phases,
    peakRssMb,
    async stop() {
      const stopping = performance.now();
      child.kill('SIGTERM');
      const code = await exited;
      return { code, stopMs: performance.now() - stopping };
    },
  };
}

export async function benchStartup(options: { runs?: number; guilds?: number } = {}) {
  const runs = options.runs ?? Number(process.env.BENCH_STARTUP_RUNS ?? 3);
  const guildCount = options.guilds ?? 10_000;
  // As `npm start`'s prestart does: compile what changed (nothing, usually). Not part of the figures.
  if (!process.env.BENCH_TSX) execFileSync(join(projectRoot, 'node_modules', '.bin', 'tsc'), ['-b', 'tsconfig.build.json'], { cwd: projectRoot, stdio: 'inherit' });
  const fake = await startFakeDiscord();
  fake.addGuild({ name: 'Startup' });
  const measure: Record<string, number[]> = { 'fresh PGlite': [], 'existing PGlite': [], 'fresh Postgres': [], 'existing Postgres': [] };
  const rss: Record<string, number[]> = { 'fresh PGlite': [], 'existing PGlite': [], 'fresh Postgres': [], 'existing Postgres': [] };
  const phases: Record<string, NonNullable<Awaited<ReturnType<typeof startOnce>>['phases']>[]> = { 'fresh PGlite': [], 'existing PGlite': [], 'fresh Postgres': [], 'existing Postgres': [] };
  const stops: number[] = [];
  // BENCH_STARTUP_RUNS=0: only the peak memory with many guilds.
  const dirs: string[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'cohort-bench-'));
      dirs.push(dir);
      for (const label of ['fresh PGlite', 'existing PGlite'] as const) {
        const bot = await startOnce(fake, { DATA_DIR: dir });
        measure[label]!.push(bot.readyMs);
        if (bot.phases) phases[label]!.push(bot.phases);
        rss[label]!.push(bot.peakRssMb());
        const { stopMs } = await bot.stop();
        stops.push(stopMs);
      }
      const pg = await emptyPostgres();
      for (const label of ['fresh Postgres', 'existing Postgres'] as const) {
        const bot = await startOnce(fake, { DATABASE_URL: pg.url });
        measure[label]!.push(bot.readyMs);
        if (bot.phases) phases[label]!.push(bot.phases);
        rss[label]!.push(bot.peakRssMb());
        const { stopMs } = await bot.stop();
        stops.push(stopMs);
      }
      await pg.drop();
    }
  } finally {
    await fake.close();
  }

  // Peak memory with many guilds in the cache, on Postgres and on PGlite.
  const big = await startFakeDiscord();
  for (let i = 0; i < guildCount; i++) big.addGuild({ name: `Guild ${i}` });
  const memory: Record<string, { peakRssMb: number; readyMs: number }> = {};
  try {
    const pg = await emptyPostgres();
    let bot = await startOnce(big, { DATABASE_URL: pg.url });
    await sleep(2_000);
    memory.Postgres = { peakRssMb: round(bot.peakRssMb()), readyMs: round(bot.readyMs) };
    await bot.stop();
    await pg.drop();
    // PGlite twice: the first start creates the database (template unpack and migrations run inside
    // the WebAssembly), every later start opens it.
    const dir = mkdtempSync(join(tmpdir(), 'cohort-bench-'));
    dirs.push(dir);
    for (const label of ['PGlite, first start', 'PGlite, later starts'] as const) {
      bot = await startOnce(big, { DATA_DIR: dir });
      await sleep(2_000);
      memory[label] = { peakRssMb: round(bot.peakRssMb()), readyMs: round(bot.readyMs) };
      await bot.stop();
    }
  } finally {
    await big.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const phaseMedians = (list: NonNullable<Awaited<ReturnType<typeof startOnce>>['phases']>[]) =>
    list.length === 0 ? undefined : Object.fromEntries((['boot', 'open', 'migrate', 'db at', 'gateway at'] as const).map((k) => [k, round(median(list.map((p) => p[k])))]));
  const startToReady = Object.fromEntries(
    Object.entries(measure).map(([label, values]) => [
      label,
      { medianMs: round(median(values)), maxMs: round(Math.max(...values)), runs: values.map((v) => round(v)), peakRssMb: round(median(rss[label]!)), phasesMs: phaseMedians(phases[label]!) },
    ]),
  );
  const result = {
    entry: `node ${scriptNodeArgs(process.env.BENCH_TSX ? 'dev' : 'start').join(' ')}`,
    startToReady,
    ...(stops.length ? { stopMs: { median: round(median(stops)), max: round(Math.max(...stops)) } } : {}),
    memoryWithGuilds: { guilds: guildCount, ...memory },
    targets: { 'fresh PGlite': 3000, 'existing PGlite': 1500, Postgres: 1500, peakRssMb: 300 },
  };
  if (runs > 0) table(
    `Start to ready (spawn of ${result.entry} → /healthz 200), ${runs} runs each; phases: medians in ms`,
    Object.entries(startToReady).map(([label, s]) => ({ database: label, 'median ms': s.medianMs, 'max ms': s.maxMs, 'peak RSS MB (1 guild)': s.peakRssMb, ...(s.phasesMs ?? {}) })),
  );
  table(`Peak RSS with ${guildCount} guilds in the cache (load average ${loadAverage()})`, Object.entries(memory).map(([label, m]) => ({ database: label, 'peak RSS MB': m.peakRssMb, 'ready ms': m.readyMs })));
  if (result.stopMs) console.log(`SIGTERM to exit: median ${result.stopMs.median} ms, max ${result.stopMs.max} ms`);
  return result;
}
