/**
 * The faults of `npm run bench faults` that strike while members check in: the whole app
 * (startCohort, its /healthz on a port of its own) against the fake Discord, members checking in at
 * a steady rate (each a member of their own) while the fault strikes for `faultSeconds`, with
 * `calmSeconds` of normal service before and after. Counted per fault: sent, answered in time
 * (the first answer, reply or deferral, within Discord's 3 s), late, confirmed ("✅"), stored, lost
 * (confirmed but not stored), duplicated (stored more than once); in the notes, what the members
 * were told otherwise, the answers they read within 3 s (the reply or the edit of a deferral),
 * error log lines and error metrics, and what /healthz said during the fault. Recovery: from the
 * end of the fault to the first check-in from which on every one was confirmed.
 *
 * PostgreSQL faults go through a TCP proxy (tests/support/fault-proxy.ts) in front of a scratch
 * database on SERVER_URL: the server itself is never touched. The embedded database's full disk is
 * a 256 MB tmpfs filled to the last byte (as tests/faults/pglite-disk.test.ts does where it may
 * mount one), else the free space the disk guard reads set below its reserve.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { DestinationStream } from 'pino';
import { startCohort } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { PGLITE_MIN_FREE_BYTES, statfsFreeBytes } from '../../src/db/disk-guard.js';
import { DATABASE_FAULT_MESSAGES } from '../../src/db/faults.js';
import { activities } from '../../src/db/schema.js';
import { createLogger } from '../../src/logger.js';
import { FAKE_TOKEN, startFakeDiscord, type FakeDiscord, type InteractionRecord } from '../../src/sim/index.js';
import { chatInput } from '../../src/sim/interactions.js';
import { mountSmallDisk, unmountSmallDisk } from '../../tests/support/small-disk.js';
import { freePort } from '../../src/sim/net.js';
import { startFaultProxy, type FaultMode } from '../../tests/support/fault-proxy.js';
import { emptyPostgres, round, sleep } from './common.js';
import { row, type Fault, type FaultOptions, type FaultRow } from './fault-row.js';

interface Setup {
  /** What the bot runs on. */
  database: Database;
  /** The same database, not through the fault: where the check-ins are counted afterwards. */
  direct: Database;
  strike(fake: FakeDiscord): Promise<void>;
  heal(fake: FakeDiscord): Promise<void>;
  close(): Promise<void>;
  /** How the fault was made, for the notes. */
  how?: string;
}

/** PostgreSQL behind the fault proxy, the proxy switched to `mode` for the fault. */
async function postgresBehindProxy(mode: FaultMode): Promise<Setup> {
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
}

/** The embedded PGlite whose disk fills up for the fault and is emptied again to heal it. */
async function pgliteFullDisk(): Promise<Setup> {
  const disk = mountSmallDisk('cohort-bench-disk-');
  if (disk) {
    const database = await openDatabase({ dataDir: join(disk, 'db') });
    const filler = join(disk, 'filler');
    return {
      database,
      direct: database,
      how: 'a 256 MB tmpfs filled by dd',
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
        unmountSmallDisk(disk);
      },
    };
  }
  // No tmpfs here: the disk guard is told the disk is full (what statfs would say), as the unit test does.
  const dir = mkdtempSync(join(tmpdir(), 'cohort-bench-disk-'));
  let full = false;
  const database = await openDatabase({ dataDir: join(dir, 'db') }, { disk: { freeSpace: (d) => (full ? PGLITE_MIN_FREE_BYTES - 1 : statfsFreeBytes(d)) } });
  return {
    database,
    direct: database,
    how: 'simulated: the disk guard read a free space below its reserve (no tmpfs could be mounted)',
    strike: () => Promise.resolve(void (full = true)),
    heal: () => Promise.resolve(void (full = false)),
    async close() {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every interaction callback answered 502 by the fake after it took effect (Discord did the work, a gateway lost the answer). */
async function replies502(): Promise<Setup> {
  const scratch = await emptyPostgres();
  const database = await openDatabase({ url: scratch.url });
  const callback = /^\/interactions\/\d+\/[^/]+\/callback$/;
  return {
    database,
    direct: database,
    how: "the fake's failWith({ path: callback, status: 502, applied: true })",
    strike: (fake) => Promise.resolve(void fake.failWith({ method: 'POST', path: callback, status: 502, applied: true })),
    heal: (fake) => Promise.resolve(fake.clearFailures()),
    async close() {
      await database.close();
      await scratch.drop();
    },
  };
}

export type Told = 'confirmed' | 'already' | 'not_saved' | 'unsure' | 'other';

/** What the member read: the reply, or the edit of the deferral. */
export function toldIn(record: InteractionRecord): Told {
  const message = record.original ?? record.callback?.data ?? {};
  const text = [message.content ?? '', ...((message.embeds ?? []) as { title?: string; description?: string }[]).map((e) => `${e.title ?? ''}\n${e.description ?? ''}`)].join('\n');
  if (text.includes('✅ Checked in')) return 'confirmed';
  if (text.includes('Already checked in today')) return 'already';
  if (text.includes(DATABASE_FAULT_MESSAGES.not_saved)) return 'not_saved';
  if (text.includes(DATABASE_FAULT_MESSAGES.unsure)) return 'unsure';
  return 'other';
}

/** A pino destination that counts the error lines (level ≥ 50) and keeps the first few. */
function countingLog(): DestinationStream & { errors: number; warnings: number; first: string[] } {
  const log = {
    errors: 0,
    warnings: 0,
    first: [] as string[],
    write(line: string) {
      const { level, msg } = JSON.parse(line) as { level: number; msg?: string };
      if (level >= 50) {
        log.errors++;
        if (log.first.length < 3) log.first.push(msg ?? '');
      } else if (level >= 40) log.warnings++;
    },
  };
  return log;
}

/** Sums the samples of a Prometheus counter whose labels match `labels` (a regex on the label text). */
function counterSum(text: string, name: string, labels: RegExp = /.*/): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}\\{([^}]*)\\} (\\d+(?:\\.\\d+)?)$`).exec(line);
    if (m && labels.test(m[1]!)) sum += Number(m[2]);
  }
  return sum;
}

interface HealthSample {
  at: number;
  status: number;
  text: string;
}

/** Asks /healthz every 250 ms until stopped. */
function pollHealth(port: number): { samples: HealthSample[]; stop(): Promise<void> } {
  const samples: HealthSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = performance.now();
      try {
        const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) });
        samples.push({ at, status: response.status, text: await response.text() });
      } catch (error) {
        samples.push({ at, status: 0, text: error instanceof Error ? error.message : String(error) });
      }
      await sleep(250);
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** What /healthz said: during the fault, and how soon it was 200 again (and stayed so) after the heal. */
function healthSummary(samples: HealthSample[], struckAt: number, healedAt: number): { notes: string; backSeconds: number | undefined } {
  const during = samples.filter((s) => s.at >= struckAt && s.at < healedAt);
  const byStatus = new Map<number, number>();
  for (const s of during) byStatus.set(s.status, (byStatus.get(s.status) ?? 0) + 1);
  const firstBad = during.find((s) => s.status !== 200);
  let reason = '';
  if (firstBad) {
    try {
      const body = JSON.parse(firstBad.text) as { checks?: Record<string, string> };
      reason = Object.entries(body.checks ?? {})
        .filter(([, r]) => r !== 'ok')
        .map(([name, r]) => `${name}: ${r}`)
        .join('; ');
    } catch {
      reason = firstBad.text.slice(0, 80);
    }
  }
  const after = samples.filter((s) => s.at >= healedAt);
  let back: number | undefined;
  for (const s of after) {
    if (s.status !== 200) back = undefined;
    else back ??= s.at;
  }
  const statuses = [...byStatus.entries()].map(([status, n]) => `${n}× ${status}`).join(', ');
  const notes = `/healthz during the fault: ${statuses || 'not asked'}${firstBad ? ` (first ${round((firstBad.at - struckAt) / 1000, 1)} s in: "${reason}")` : ''}; 200 again ${back === undefined ? 'never' : `${round((back - healedAt) / 1000, 1)} s`} after`;
  return { notes, backSeconds: back === undefined ? undefined : (back - healedAt) / 1000 };
}

interface RunOptions {
  rate: number;
  faultSeconds: number;
  calmSeconds: number;
}

/** Runs the check-ins against a bot on `prepare()`'s database with the fault in the middle; the row and the raw figures. */
async function runCheckIns(fault: Fault, prepare: () => Promise<Setup>, o: RunOptions): Promise<{ row: FaultRow; health: ReturnType<typeof healthSummary> }> {
  const setup = await prepare();
  const fake: FakeDiscord = await startFakeDiscord({ failOnViolations: false });
  const guildIds = Array.from({ length: 10 }, (_, i) => fake.addGuild({ name: `Faults ${i}` }).id as string);
  const port = await freePort();
  const config = loadConfig({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl, LOG_LEVEL: 'warn', HTTP_PORT: String(port) });
  const log = countingLog();
  const app = await startCohort({ config, clock: new ManualClock('2026-03-02T12:00:00Z'), database: setup.database, logger: createLogger('warn', { destination: log }) });
  await app.ready;
  const health = pollHealth(port);

  interface Sent {
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
  let struckAt = 0;
  let healedAt = 0;
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / o.rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (i === strikeAt) {
      struckAt = performance.now();
      await setup.strike(fake);
    }
    if (i === healAt) {
      await setup.heal(fake);
      healedAt = performance.now();
    }
    const guildId = guildIds[i % guildIds.length]!;
    const userId = fake.makeUser({ username: `member${i}` }).id as string;
    const at = performance.now();
    const id = fake.sendInteraction(chatInput(fake, { guildId, name: 'checkin', user: userId }));
    const entry: Sent = { guildId, userId, at };
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
  await app.interactionsIdle();
  // A last second of /healthz after the load, then stop asking.
  await sleep(1_000);
  await health.stop();
  const metrics = await app.metrics.render();
  await app.stop();

  const storedRows = await setup.direct.db.select({ guildId: activities.guildId, userId: activities.userId }).from(activities).where(eq(activities.kind, 'checkin'));
  const stored = new Map<string, number>();
  for (const r of storedRows) stored.set(`${r.guildId}/${r.userId}`, (stored.get(`${r.guildId}/${r.userId}`) ?? 0) + 1);
  await setup.close();
  const violations = fake.violations.length;
  await fake.close();

  let inTime = 0;
  let late = 0;
  let unanswered = 0;
  let finalInTime = 0;
  const told = { confirmed: 0, not_saved: 0, unsure: 0, other: 0 };
  let lost = 0;
  let storedButToldFailed = 0;
  let duplicated = 0;
  let recoveredFrom: number | undefined;
  /** When the late ones were sent, in seconds from the strike. */
  const lateSent: number[] = [];
  for (const [i, s] of sent.entries()) {
    const record = s.record!;
    const first = record.callback?.at;
    if (first === undefined) unanswered++;
    else if (first - s.at <= 3_000) inTime++;
    else {
      late++;
      lateSent.push((s.at - struckAt) / 1000);
    }
    if (s.final !== undefined && s.final - s.at <= 3_000) finalInTime++;
    const answer = toldIn(record);
    const count = stored.get(`${s.guildId}/${s.userId}`) ?? 0;
    if (answer === 'confirmed') told.confirmed++;
    else if (answer === 'not_saved') told.not_saved++;
    else if (answer === 'unsure') told.unsure++;
    else told.other++;
    if (answer === 'confirmed' && count === 0) lost++;
    if (answer === 'not_saved' && count > 0) storedButToldFailed++;
    duplicated += Math.max(0, count - 1);
    if (i >= healAt) {
      if (answer !== 'confirmed') recoveredFrom = undefined;
      else recoveredFrom ??= s.at;
    }
  }
  const errorOutcomes = counterSum(metrics, 'cohort_interactions_total', /outcome="error"/);
  const restErrors = metrics
    .split('\n')
    .filter((line) => line.startsWith('cohort_discord_rest_errors_total{'))
    .map((line) => line.replace('cohort_discord_rest_errors_total', ''))
    .join(', ');
  const summary = healthSummary(health.samples, struckAt, healedAt);
  const notes = [
    setup.how,
    lateSent.length ? `the late ones sent ${round(Math.min(...lateSent), 1)} to ${round(Math.max(...lateSent), 1)} s after the fault struck` : undefined,
    `told "nothing was saved" ${told.not_saved}, "can't tell" ${told.unsure}${told.other ? `, something else ${told.other}` : ''}; unanswered ${unanswered}; read within 3 s ${finalInTime}; stored but told failed ${storedButToldFailed}`,
    `error log lines ${log.errors}${log.first.length ? ` (${log.first.map((m) => `"${m}"`).join(', ')})` : ''}, interactions with outcome error ${errorOutcomes}, Discord REST errors counted ${restErrors || 'none'}`,
    summary.notes,
    violations ? `${violations} payloads against Discord's spec` : undefined,
  ]
    .filter(Boolean)
    .join('; ');
  return {
    health: summary,
    row: row(fault, {
      sent: sent.length,
      'in time': inTime,
      late,
      confirmed: told.confirmed,
      stored: [...stored.values()].filter((n) => n > 0).length,
      lost,
      duplicated,
      'recovery s': recoveredFrom === undefined ? 'never' : round(Math.max(0, recoveredFrom - healedAt) / 1000, 2),
      notes,
    }),
  };
}

function underLoad(name: string, title: string, prepare: () => Promise<Setup>): Fault {
  const fault: Fault = {
    name,
    title,
    run: async (o: FaultOptions) => (await runCheckIns(fault, prepare, o)).row,
  };
  return fault;
}

/**
 * The embedded database's full disk seen from /healthz: a light load (2 check-ins a second) so
 * that the fault is felt; recovery is the seconds from freeing the disk until /healthz says 200.
 */
const pgliteHealthz: Fault = {
  name: 'pglite-healthz',
  title: 'embedded PGlite on a full disk: what /healthz says',
  async run(o) {
    const faultSeconds = Math.min(o.faultSeconds, 20);
    const calmSeconds = Math.min(o.calmSeconds, 5);
    const { row: measured, health } = await runCheckIns(pgliteHealthz, pgliteFullDisk, { rate: 2, faultSeconds, calmSeconds });
    return {
      ...measured,
      'recovery s': health.backSeconds === undefined ? 'never' : round(health.backSeconds, 2),
      notes: `${health.notes}; 2 check-ins a second, the disk full ${faultSeconds} s; ${measured.notes.replace(`; ${health.notes}`, '')}`,
    };
  },
};

export const CHECKIN_FAULTS: Fault[] = [
  underLoad('pg-unreachable', 'PostgreSQL unreachable (a proxy drops every packet), check-ins under load', () => postgresBehindProxy('blackhole')),
  underLoad('pg-stopped', 'PostgreSQL stopped (connections refused), check-ins under load', () => postgresBehindProxy('drop')),
  underLoad('pg-crashed', 'PostgreSQL crashed (every connection reset), check-ins under load', () => postgresBehindProxy('reset')),
  underLoad('pglite-full-disk', 'embedded PGlite on a full disk, check-ins under load', pgliteFullDisk),
  underLoad('reply-502', 'every reply answered 502 after Discord took it, check-ins under load (PostgreSQL)', replies502),
  pgliteHealthz,
];
