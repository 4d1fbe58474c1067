/**
 * `node --import tsx scripts/bench/faults-posts.ts`: the bot SIGKILLed during a daily-prompt
 * fan-out, then restarted (tests/support/fanout-faults.ts, which tests/faults/kill-fanout.test.ts
 * asserts on). Prints, per fault: posts, duplicates, posts missing a thread, claims left
 * unfinished, and the seconds from the last start until every post had its thread (process
 * start-up under tsx included). On the embedded database unless TEST_DATABASE_URL is set.
 * BENCH_FAULT_SERVERS (300) servers; BENCH_LEASE_TTL (20) is the processes' LEASE_TTL.
 */
import { runFanOutFault, type FanOutFaultResult } from '../../tests/support/fanout-faults.js';

const servers = Number(process.env.BENCH_FAULT_SERVERS ?? 300);
const leaseSeconds = Number(process.env.BENCH_LEASE_TTL ?? 20);
const faults: { name: string; kills: number; beforeAnswer?: boolean }[] = [
  { name: 'killed once at a random moment, Discord answered', kills: 1, beforeAnswer: false },
  { name: 'killed once after Discord took a post, before its answer', kills: 1, beforeAnswer: true },
  { name: 'killed 3 times at random moments', kills: 3 },
];

const rows: string[] = [];
for (const fault of faults) {
  const result: FanOutFaultResult = await runFanOutFault({ servers, kills: fault.kills, leaseSeconds, ...(fault.beforeAnswer !== undefined ? { beforeAnswer: fault.beforeAnswer } : {}) });
  const row = `| ${fault.name} | ${result.servers} | ${result.kills.length} | ${result.posts} | ${result.posts - (result.servers - result.missing)} | ${result.missing} | ${result.withoutThread} | ${result.unfinishedClaims} | ${result.recoverySeconds.toFixed(1)} |`;
  console.log(row);
  rows.push(row);
}
console.log(`\nPrompt fan-out faults (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'}, LEASE_TTL ${leaseSeconds} s)\n`);
console.log('| fault | servers | kills | posts | duplicates | servers without a post | posts missing a thread | claims unfinished | recovery s (from the restart) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) console.log(row);
process.exit(0);
