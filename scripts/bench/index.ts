/**
 * `npm run bench [interactions|fanout|digest|startup|voice|faults|cohort|at-risk|stats|mixed|heatmap|server-content …]`: runs the benchmarks (all but faults, cohort, at-risk, stats, mixed and heatmap by default), prints a
 * table for each and writes the figures as JSON to bench-results/. Not part of the test run.
 * Postgres: BENCH_DATABASE_URL or DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test
 * (a fresh database is created for each run and dropped after).
 */
import { cpus } from 'node:os';
import { cpuReferenceMs, writeResult } from './common.js';
import { benchInteractions } from './interactions.js';

const all = ['interactions', 'fanout', 'digest', 'startup', 'voice'] as const;
/** Run only when named: faults takes minutes (a 60 s outage per fault); cohort sends thousands of paced messages; at-risk and stats seed a big server first; mixed runs three loads at once. */
const onDemand = ['faults', 'cohort', 'at-risk', 'stats', 'mixed'] as const;
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const selected = wanted.length ? [...all, ...onDemand].filter((b) => wanted.includes(b)) : [...all];

console.log(`Cohort benchmarks on ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`);
// Virtual machines change speed from one minute to the next (the same loop has been seen to take
// 490 and 740 ms here): each result carries the reference loop's time measured just before and after
// it, so that figures from different runs can be compared.
for (const name of selected) {
  const before = cpuReferenceMs();
  let result: unknown;
  if (name === 'interactions') result = await benchInteractions(process.env.BENCH_TOTAL ? { total: Number(process.env.BENCH_TOTAL) } : {});
  else if (name === 'fanout') result = await (await import('./fanout.js')).benchFanout();
  else if (name === 'voice') result = await (await import('./voice.js')).benchVoice();
  else if (name === 'digest') result = await (await import('./digest.js')).benchDigest();
  else if (name === 'mixed') result = await (await import('./mixed.js')).benchMixed();
  else if (name === 'faults') result = await (await import('./faults.js')).benchFaults();
  else if (name === 'cohort') result = await (await import('./cohort.js')).benchCohort();
  else if (name === 'at-risk') result = await (await import('./at-risk.js')).benchAtRisk();
  else if (name === 'stats') result = await (await import('./stats.js')).benchStats();
  else result = await (await import('./startup.js')).benchStartup();
  const cpuReference = { beforeMs: before, afterMs: cpuReferenceMs() };
  console.log(`CPU reference loop: ${cpuReference.beforeMs} ms before, ${cpuReference.afterMs} ms after (lower is a faster machine)`);
  console.log(`→ ${writeResult(name, { ...(result as object), cpuReference })}`);
}
// Not in the default run: what a /streak PNG costs, by rendering variant (scripts/bench/heatmap.ts prints its own table).
if (wanted.includes('heatmap')) await import('./heatmap.js');
// Not in the default run: what a server's own content costs (scripts/bench/server-content.ts prints its own figures).
if (wanted.includes('server-content')) await import('./server-content.js');
process.exit(0);
