/**
 * Benchmark: faults (`npm run bench faults`). One row per entry of FAULTS, the same columns for
 * every fault (scripts/bench/fault-row.ts; "—" where one does not apply): interactions sent,
 * answered in time (first answer within Discord's 3 s), late, confirmed, stored, lost, duplicated,
 * posts missing their thread, recovery seconds, and notes (messages, exit codes, error logs,
 * /healthz). The faults of issue #21's table:
 *
 * - check-ins under load (faults-checkins.ts): PostgreSQL unreachable, stopped, crashed (a TCP
 *   proxy in front of a scratch database: the server itself is never touched); the embedded
 *   database on a full disk; every reply answered 502 after Discord took it; /healthz on a full disk;
 * - the process (faults-process.ts): SIGKILL during a prompt fan-out and a restart; two processes
 *   with overlapping SHARD_IDS; SIGTERM with the log reader and Discord gone, and a second SIGTERM;
 *   Discord unreachable or silent at start; HTTP_PORT in use; DATABASE_URL=postgresql://.
 *
 * Options: BENCH_FAULTS=pg-stopped,kill-fanout runs only the faults whose names contain one of
 * these words; BENCH_FAULT_RATE (25 check-ins a second), BENCH_FAULT_SECONDS (60, the fault's
 * length), BENCH_FAULT_CALM (10 s of normal service before and after), BENCH_FAULT_SERVERS (300,
 * the fan-out), BENCH_LEASE_TTL (20, the fan-out processes' LEASE_TTL), BENCH_FAULT_CONNECT_TIMEOUT
 * (15, DISCORD_CONNECT_TIMEOUT when Discord is out of reach at start). A short try:
 * `BENCH_FAULT_SECONDS=5 BENCH_FAULT_CALM=2 BENCH_FAULT_SERVERS=20 npm run bench faults`.
 */
import { NA, type Fault, type FaultOptions, type FaultRow } from './fault-row.js';
import { CHECKIN_FAULTS } from './faults-checkins.js';
import { PROCESS_FAULTS } from './faults-process.js';
import { loadAverage, table } from './common.js';

export type { FaultRow } from './fault-row.js';

export const FAULTS: Fault[] = [...CHECKIN_FAULTS, ...PROCESS_FAULTS];

/** The faults BENCH_FAULTS names (every one when unset). */
export function selectFaults(only: string[] | undefined): Fault[] {
  if (!only?.length) return FAULTS;
  return FAULTS.filter((fault) => only.some((word) => fault.name.includes(word.trim().toLowerCase())));
}

const number = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${process.env[name]}`);
  return value;
};

export async function benchFaults(options: Partial<FaultOptions> & { only?: string[] } = {}) {
  const o: FaultOptions = {
    rate: options.rate ?? number('BENCH_FAULT_RATE', 25),
    faultSeconds: options.faultSeconds ?? number('BENCH_FAULT_SECONDS', 60),
    calmSeconds: options.calmSeconds ?? number('BENCH_FAULT_CALM', 10),
    servers: options.servers ?? number('BENCH_FAULT_SERVERS', 300),
    leaseSeconds: options.leaseSeconds ?? number('BENCH_LEASE_TTL', 20),
    connectTimeout: options.connectTimeout ?? number('BENCH_FAULT_CONNECT_TIMEOUT', 15),
  };
  const selected = selectFaults(options.only ?? process.env.BENCH_FAULTS?.split(',').filter(Boolean));
  if (selected.length === 0) throw new Error(`BENCH_FAULTS=${process.env.BENCH_FAULTS} names no fault; the faults: ${FAULTS.map((f) => f.name).join(', ')}`);
  const rows: (FaultRow & { 'load average': string })[] = [];
  for (const fault of selected) {
    const started = performance.now();
    console.log(`${new Date().toISOString()} ${fault.name}: ${fault.title} (load average ${loadAverage()})`);
    let measured: FaultRow;
    try {
      measured = await fault.run(o);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      measured = { fault: `${fault.name}: ${fault.title}`, sent: NA, 'in time': NA, late: NA, confirmed: NA, stored: NA, lost: NA, duplicated: NA, 'no thread': NA, 'recovery s': NA, notes: `the run failed: ${message.split('\n')[0]}` };
    }
    const done = { ...measured, 'load average': loadAverage() };
    rows.push(done);
    console.log(`  ${Math.round((performance.now() - started) / 1000)} s: ${JSON.stringify(done)}`);
  }
  const title = `Faults: check-ins at ${o.rate}/s, each load fault ${o.faultSeconds} s with ${o.calmSeconds} s of calm before and after; fan-out to ${o.servers} servers (LEASE_TTL ${o.leaseSeconds} s)`;
  table(title, rows as unknown as Record<string, string | number>[]);
  // The same as a Markdown table, for docs/performance.md.
  const columns = Object.keys(rows[0]!) as (keyof (typeof rows)[number])[];
  console.log(`\n| ${columns.join(' | ')} |\n| ${columns.map((c) => (c === 'fault' || c === 'notes' || c === 'load average' ? '---' : '---:')).join(' | ')} |`);
  for (const r of rows) console.log(`| ${columns.map((c) => String(r[c]).replace(/\|/g, '\\|')).join(' | ')} |`);
  return { ...o, rows };
}
