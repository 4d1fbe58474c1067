/**
 * Benchmark: faults. The whole app (startCohort) against the fake Discord, members checking in at
 * a steady rate (BENCH_FAULT_RATE, 25 a second, each a member of their own) while a fault strikes
 * for BENCH_FAULT_SECONDS (60), with BENCH_FAULT_CALM seconds (10) of normal service before and
 * after. For each fault one row:
 *
 * - sent, answered in time (the first answer, reply or deferral, within Discord's 3 s), late (after
 *   3 s, which real Discord refuses), unanswered;
 * - final ≤ 3 s: the answer the member reads (the reply, or the edit of a deferral) within 3 s;
 * - confirmed ("✅"), told not saved, told unsure, stored, lost (confirmed but not stored),
 *   stored but told failed, duplicated (stored more than once);
 * - recovery s: from the end of the fault to the first check-in from which on every one was confirmed.
 *
 * BENCH_FAULTS=reset,stopped runs only the faults whose names contain one of these words.
 *
 * A fault is an entry of FAULTS: add a row by adding an entry (its `strike` starts the fault, its
 * `heal` ends it). PostgreSQL faults go through a TCP proxy (tests/support/fault-proxy.ts) in
 * front of a scratch database on SERVER_URL; the server itself is never touched.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { startCohort } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { DATABASE_FAULT_MESSAGES } from '../../src/db/faults.js';
import { activities } from '../../src/db/schema.js';
import { FAKE_TOKEN, startFakeDiscord, type FakeDiscord, type InteractionRecord } from '../../src/sim/index.js';
import { chatInput } from '../../src/sim/interactions.js';
import { startFaultProxy, type FaultMode } from '../../tests/support/fault-proxy.js';
import { emptyPostgres, round, sleep, table } from './common.js';

export interface FaultRow {
  fault: string;
  sent: number;
  'in time': number;
  late: number;
  unanswered: number;
  'final ≤ 3 s': number;
  confirmed: number;
  'told not saved': number;
  'told unsure': number;
  stored: number;
  lost: number;
  'stored, told failed': number;
  duplicated: number;
  'recovery s': number | string;
}

interface FaultScenario {
  name: string;
  /** Sets up what the bot runs on; `strike` and `heal` switch the fault. */
  prepare(): Promise<{ database: Database; direct: Database; strike(): Promise<void>; heal(): Promise<void>; close(): Promise<void> }>;
}

/** PostgreSQL behind the fault proxy, the proxy switched to `mode` for the fault. */
function postgresFault(name: string, mode: FaultMode): FaultScenario {
  return {
    name,
    async prepare() {
      const scratch = await emptyPostgres();
      const direct = await openDatabase({ url: scratch.url });
      const proxy = await startFaultProxy(scratch.url);
      const database = await openDatabase({ url: proxy.url });
      return {
        database,
        direct,
        strike: () => proxy.set(mode),
        heal: () => proxy.set('pass'),
        async close() {
          await proxy.set('pass');
          await database.close();
          await proxy.close();
          await direct.close();
          await scratch.drop();
        },
      };
    },
  };
}

/**
 * The embedded PGlite on a 256 MB tmpfs of its own, filled to the last byte for the fault (a file
 * written until the disk refuses more) and emptied again to heal it. Mounting needs root with
 * CAP_SYS_ADMIN; elsewhere the scenario says so and is left out.
 */
const pgliteFullDisk: FaultScenario = {
  name: 'embedded PGlite on a full disk',
  async prepare() {
    const disk = mkdtempSync(join(tmpdir(), 'cohort-bench-disk-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256m', 'tmpfs', disk], { stdio: 'ignore' });
    } catch {
      rmSync(disk, { recursive: true, force: true });
      throw new Error('cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN): the full-disk fault is left out');
    }
    const database = await openDatabase({ dataDir: join(disk, 'db') });
    const filler = join(disk, 'filler');
    return {
      database,
      direct: database,
      async strike() {
        // In a process of its own, so that writing 200 MB does not hold up the bot's event loop; dd
        // stops with an error when the disk refuses more, which is the point.
        await new Promise<void>((resolve) => execFile('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1M'], () => resolve()));
      },
      heal() {
        rmSync(filler, { force: true });
        return Promise.resolve();
      },
      async close() {
        await database.close();
        execFileSync('umount', [disk], { stdio: 'ignore' });
        rmSync(disk, { recursive: true, force: true });
      },
    };
  },
};

export const FAULTS: FaultScenario[] = [
  postgresFault('PostgreSQL unreachable (packets dropped)', 'blackhole'),
  postgresFault('PostgreSQL stopped (connections refused)', 'drop'),
  postgresFault('PostgreSQL crashed (connections reset)', 'reset'),
  pgliteFullDisk,
];

type Told = 'confirmed' | 'already' | 'not_saved' | 'unsure' | 'other';

function toldIn(record: InteractionRecord): Told {
  const message = record.original ?? record.callback?.data ?? {};
  const text = [message.content ?? '', ...((message.embeds ?? []) as { title?: string }[]).map((e) => e.title ?? '')].join('\n');
  if (text.includes('✅ Checked in')) return 'confirmed';
  if (text.includes('Already checked in today')) return 'already';
  if (text.includes(DATABASE_FAULT_MESSAGES.not_saved)) return 'not_saved';
  if (text.includes(DATABASE_FAULT_MESSAGES.unsure)) return 'unsure';
  return 'other';
}

export async function benchFaults(options: { rate?: number; faultSeconds?: number; calmSeconds?: number; only?: string[] } = {}) {
  const rate = options.rate ?? Number(process.env.BENCH_FAULT_RATE ?? 25);
  const faultSeconds = options.faultSeconds ?? Number(process.env.BENCH_FAULT_SECONDS ?? 60);
  const calmSeconds = options.calmSeconds ?? Number(process.env.BENCH_FAULT_CALM ?? 10);
  const only = options.only ?? process.env.BENCH_FAULTS?.split(',').filter(Boolean);
  const rows: FaultRow[] = [];
  for (const scenario of FAULTS) {
    if (only && !only.some((o) => scenario.name.toLowerCase().includes(o.toLowerCase()))) continue;
    try {
      rows.push(await runScenario(scenario, { rate, faultSeconds, calmSeconds }));
    } catch (error) {
      console.log(`${scenario.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  table(`Faults: check-ins at ${rate}/s, each fault ${faultSeconds} s with ${calmSeconds} s of calm before and after`, rows as unknown as Record<string, string | number>[]);
  return { rate, faultSeconds, calmSeconds, rows };
}

async function runScenario(scenario: FaultScenario, o: { rate: number; faultSeconds: number; calmSeconds: number }): Promise<FaultRow> {
  const setup = await scenario.prepare();
  const fake: FakeDiscord = await startFakeDiscord();
  const guildIds = Array.from({ length: 10 }, (_, i) => fake.addGuild({ name: `Faults ${i}` }).id as string);
  const config = loadConfig({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent' });
  const app = await startCohort({ config, clock: new ManualClock('2026-03-02T12:00:00Z'), database: setup.database });
  await app.ready;

  interface Sent {
    id: string;
    guildId: string;
    userId: string;
    at: number;
    final?: number;
    record?: InteractionRecord;
  }
  const sent: Sent[] = [];
  const answers: Promise<void>[] = [];
  const total = Math.round((o.calmSeconds * 2 + o.faultSeconds) * o.rate);
  const strikeAt = Math.round(o.calmSeconds * o.rate);
  const healAt = Math.round((o.calmSeconds + o.faultSeconds) * o.rate);
  const started = performance.now();
  let healedAt = 0;
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / o.rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (i === strikeAt) await setup.strike();
    if (i === healAt) {
      await setup.heal();
      healedAt = performance.now();
    }
    const guildId = guildIds[i % guildIds.length]!;
    const userId = fake.makeUser({ username: `member${i}` }).id as string;
    const at = performance.now();
    const id = fake.sendInteraction(chatInput(fake, { guildId, name: 'checkin', user: userId }));
    const entry: Sent = { id, guildId, userId, at };
    sent.push(entry);
    answers.push(
      fake.waitForInteractionReply(id, 120_000).then(
        (record) => {
          entry.final = performance.now();
          entry.record = record;
        },
        () => {
          entry.record = fake.interaction(id);
        },
      ),
    );
  }
  await Promise.all(answers);
  await app.stop();

  const storedRows = await setup.direct.db.select({ guildId: activities.guildId, userId: activities.userId }).from(activities).where(and(eq(activities.kind, 'checkin')));
  const stored = new Map<string, number>();
  for (const row of storedRows) stored.set(`${row.guildId}/${row.userId}`, (stored.get(`${row.guildId}/${row.userId}`) ?? 0) + 1);
  await setup.close();
  await fake.close();

  let inTime = 0;
  let late = 0;
  let unanswered = 0;
  let finalInTime = 0;
  const told = { confirmed: 0, not_saved: 0, unsure: 0 };
  let lost = 0;
  let storedButToldFailed = 0;
  let duplicated = 0;
  let recoveredFrom: number | undefined;
  for (const [i, s] of sent.entries()) {
    const record = s.record!;
    const first = record.callback?.at;
    if (first === undefined) unanswered++;
    else if (first - s.at <= 3_000) inTime++;
    else late++;
    if (s.final !== undefined && s.final - s.at <= 3_000) finalInTime++;
    const answer = toldIn(record);
    const count = stored.get(`${s.guildId}/${s.userId}`) ?? 0;
    if (answer === 'confirmed') told.confirmed++;
    if (answer === 'not_saved') told.not_saved++;
    if (answer === 'unsure') told.unsure++;
    if (answer === 'confirmed' && count === 0) lost++;
    if (answer === 'not_saved' && count > 0) storedButToldFailed++;
    duplicated += Math.max(0, count - 1);
    if (i >= healAt) {
      if (answer !== 'confirmed') recoveredFrom = undefined;
      else recoveredFrom ??= s.at;
    }
  }
  return {
    fault: scenario.name,
    sent: sent.length,
    'in time': inTime,
    late,
    unanswered,
    'final ≤ 3 s': finalInTime,
    confirmed: told.confirmed,
    'told not saved': told.not_saved,
    'told unsure': told.unsure,
    stored: [...stored.values()].filter((n) => n > 0).length,
    lost,
    'stored, told failed': storedButToldFailed,
    duplicated,
    'recovery s': recoveredFrom === undefined ? 'never' : round(Math.max(0, recoveredFrom - healedAt) / 1000, 2),
  };
}
