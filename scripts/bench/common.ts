import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { openDatabase, POSTGRES_OPTIONS, type Database, type Db } from '../../src/db/client.js';
import * as schema from '../../src/db/schema.js';
import { projectRoot } from '../../src/paths.js';
import { countingStatements, scratchPostgres } from '../../src/sim/postgres.js';

/** The Postgres server the benchmarks create their throw-away databases on. */
export const SERVER_URL = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface CountingDatabase extends Database {
  url: string;
  /** SQL round trips (statements sent, including BEGIN/COMMIT) since start. */
  queries(): number;
}

/**
 * A fresh, migrated database on SERVER_URL (dropped on close). Queries go through the same drizzle
 * postgres-js driver and client options as production, on connections that count every statement
 * sent (countingStatements in src/sim/postgres.ts). Not postgres.js's `debug` hook: with it set, postgres.js captures a stack
 * trace (`new Error()`) for every query, 1-2% of the bot's CPU in a perf profile, which production
 * does not pay.
 */
export async function freshPostgres(poolSize = Number(process.env.BENCH_POOL ?? 10)): Promise<CountingDatabase> {
  const scratch = await emptyPostgres();
  const migrated = await openDatabase({ url: scratch.url });
  await migrated.close();
  return countingPostgres(scratch.url, poolSize, () => scratch.drop());
}

/** A connection pool to an existing, migrated database at `url`, counting statements; `drop` runs after it closes. */
export function countingPostgres(url: string, poolSize = Number(process.env.BENCH_POOL ?? 10), drop?: () => Promise<void>): CountingDatabase {
  let count = 0;
  const client = postgres(url, {
    ...POSTGRES_OPTIONS,
    max: poolSize,
    ...countingStatements(() => void (count += 1)),
  });
  const db = drizzle(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    url,
    queries: () => count,
    ping: async () => void (await db.execute(sql`select 1`)),
    async close() {
      await client.end({ timeout: 5 });
      await drop?.();
    },
  };
}

/** The machine's load average (1, 5, 15 min), printed beside every figure: the machine is shared. */
export function loadAverage(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ');
}

/** A fresh empty database on SERVER_URL for a child process; returns its URL and a drop function. */
export function emptyPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  return scratchPostgres(SERVER_URL, 'cohort_bench');
}

/** The node arguments of an npm script that runs node (`npm start`: what production runs), from package.json. */
export function scriptNodeArgs(name: string): string[] {
  const { scripts } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [command, ...args] = (scripts[name] ?? '').split(/\s+/);
  if (command !== 'node') throw new Error(`expected npm script ${name} to run node: ${scripts[name]}`);
  return args;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** Milliseconds a fixed single-threaded loop takes now: how fast this machine is at the moment. */
export function cpuReferenceMs(): number {
  const started = performance.now();
  let x = 0;
  for (let i = 0; i < 300_000_000; i++) x += i % 7;
  if (x < 0) console.log(x); // keeps the loop from being optimised away
  return Math.round(performance.now() - started);
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Prints rows as an aligned table. */
/**
 * How fast a fan-out sent: the seconds from its first to its last request, and its successful
 * (< 300) requests per second over them. `requests` are the fake Discord's records of its calls.
 */
export function sendingRate(requests: readonly { at: number; status: number }[]): { seconds: number; ok: number; requestRate: number } {
  let first = Infinity;
  let last = -Infinity;
  for (const r of requests) {
    first = Math.min(first, r.at);
    last = Math.max(last, r.at);
  }
  const seconds = Math.max(0.001, (last - first) / 1000);
  const ok = requests.filter((r) => r.status < 300).length;
  return { seconds, ok, requestRate: ok / seconds };
}

/** Sends beyond the first, summed over the targets (a DM per member, a post per channel). */
export function duplicatesIn(sendsPerTarget: Iterable<number>): number {
  let extra = 0;
  for (const n of sendsPerTarget) extra += Math.max(0, n - 1);
  return extra;
}

export function table(title: string, rows: Record<string, string | number>[]): void {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  console.log(`\n${title}`);
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(columns.map((c) => String(row[c] ?? ''))));
}

export function writeResult(name: string, result: unknown): string {
  const dir = join(projectRoot, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ name, at: new Date().toISOString(), node: process.version, cpus: (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency, ...(result as object) }, null, 2)}\n`);
  return file;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
