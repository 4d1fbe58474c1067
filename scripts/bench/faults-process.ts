/**
 * The faults of `npm run bench faults` that strike the bot's process: killed during a prompt
 * fan-out and restarted, two processes on one shard, stopped with its log reader and Discord gone,
 * started with Discord out of reach, a port in use, or a DATABASE_URL naming nothing. Each runs
 * the bot as `npm run dev` does (src/main.ts in a process of its own), with the harnesses of
 * tests/faults/ (tests/support/fanout-faults.ts, process.ts, main-process.ts), and measures what
 * those tests assert.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import { openDatabase } from '../../src/db/client.js';
import { activities } from '../../src/db/schema.js';
import { FAKE_TOKEN, startFakeDiscord, type InteractionRecord } from '../../src/sim/index.js';
import { chatInput } from '../../src/sim/interactions.js';
import { freePort } from '../../src/sim/net.js';
import { runFanOutFault } from '../../tests/support/fanout-faults.js';
import { startHoldingProxy } from '../../tests/support/holding-proxy.js';
import { exitOf, healthy, startMain, startReader, startSilentServer, waitUntil, type Running } from '../../tests/support/main-process.js';
import { eventually, killAllBots, spawnBot } from '../../tests/support/process.js';
import { emptyPostgres, round, sleep } from './common.js';
import { toldIn } from './faults-checkins.js';
import { row, type Fault, type FaultOptions } from './fault-row.js';

/** A stack trace line, as Node prints them. */
const STACK = /^\s+at .+[:(]\d+/m;

/** The fatal log line's message (level 60), or the output itself when it is not JSON (settings problems), on one line. */
function fatalOf(output: string): string {
  const fatal = output.split('\n').filter((line) => line.includes('"level":60'));
  if (fatal.length) return fatal.map((line) => (JSON.parse(line) as { msg: string }).msg).join(' | ');
  return output.trim().replace(/\s*\n\s*/g, ' ').slice(0, 400);
}

const seconds = (since: number) => round((performance.now() - since) / 1000, 1);

function fanOut(name: string, title: string, kills: number, beforeAnswer?: boolean): Fault {
  const fault: Fault = {
    name,
    title,
    async run(o: FaultOptions) {
      const result = await runFanOutFault({ servers: o.servers, kills, leaseSeconds: o.leaseSeconds, ...(beforeAnswer !== undefined ? { beforeAnswer } : {}) });
      const killsSaid = result.kills.map((k) => `at post or thread no. ${k.at}, ${k.beforeAnswer ? 'before' : 'after'} Discord's answer`).join('; ');
      return row(fault, {
        stored: result.posts,
        lost: result.missing,
        duplicated: result.posts - (result.servers - result.missing),
        'no thread': result.withoutThread,
        'recovery s': Number.isNaN(result.recoverySeconds) ? 'never' : round(result.recoverySeconds, 1),
        notes: `${result.servers} servers, ${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'}, LEASE_TTL ${o.leaseSeconds} s; killed ${result.kills.length}× (${killsSaid}); claims unfinished ${result.unfinishedClaims}; recovery: from the restart (start-up under tsx included) to the last post with its thread`,
      });
    },
  };
  return fault;
}

/** Guild ids of `fake` on shard `shard` of `count`. */
const onShard = (ids: string[], shard: number, count: number) => ids.filter((id) => Number((BigInt(id) >> 22n) % BigInt(count)) === shard);

const shardOverlap: Fault = {
  name: 'shard-overlap',
  title: 'two processes with overlapping SHARD_IDS (0,1, then 1), PostgreSQL',
  async run(o) {
    const fake = await startFakeDiscord({ shards: 2, failOnViolations: false });
    const scratch = await emptyPostgres();
    const dataDir = mkdtempSync(join(tmpdir(), 'cohort-bench-shards-'));
    try {
      // Servers until five are on shard 1 (a server's shard follows from its id, which is random).
      const guilds: string[] = [];
      while (onShard(guilds, 1, 2).length < 5) guilds.push(fake.addGuild({ name: `Sharded ${guilds.length}` }).id as string);
      const shard1 = onShard(guilds, 1, 2);
      // Migrated once, so that the processes do not race on the migrations.
      await (await openDatabase({ url: scratch.url })).close();
      const env = (ids: string, dir: string) => ({
        DISCORD_TOKEN: FAKE_TOKEN,
        DISCORD_API_URL: fake.apiUrl,
        DATABASE_URL: scratch.url,
        DATA_DIR: join(dataDir, dir),
        SHARD_COUNT: '2',
        SHARD_IDS: ids,
        LOG_LEVEL: 'info',
      });
      const first = spawnBot(env('0,1', 'a'));
      await eventually(() => first.output().includes('connected to Discord') && fake.globalCommands().length > 0, 'the first process connected', 120_000);
      const sessionsBefore = fake.stats.identifies + fake.stats.resumes;
      const startedSecond = performance.now();
      const second = spawnBot(env('1', 'b'));
      const code = await Promise.race([second.exited, sleep(120_000).then(() => 'still running after 120 s')]);
      const refusedAfter = seconds(startedSecond);
      const said = fatalOf(second.output());

      // Members check in on shard 1's servers for the fault's length: each must be handled once.
      const windowSeconds = o.faultSeconds;
      const total = Math.max(1, Math.round(windowSeconds * o.rate));
      const sent: { id: string; userId: string; guildId: string; at: number }[] = [];
      const started = performance.now();
      const answers: Promise<InteractionRecord | undefined>[] = [];
      for (let i = 0; i < total; i++) {
        const wait = started + (i * 1000) / o.rate - performance.now();
        if (wait > 0) await sleep(wait);
        const guildId = shard1[i % shard1.length]!;
        const userId = fake.makeUser({ username: `member${i}` }).id as string;
        const at = performance.now();
        const id = fake.sendInteraction(chatInput(fake, { guildId, name: 'checkin', user: userId }));
        sent.push({ id, userId, guildId, at });
        answers.push(fake.waitForInteractionReply(id, 60_000).catch(() => undefined));
      }
      const records = await Promise.all(answers);
      await sleep(1_000); // a second process's late second answer would show by now
      const reconnects = fake.stats.identifies + fake.stats.resumes - sessionsBefore;
      const sessions = JSON.stringify(fake.gatewaySessions());
      first.child.kill('SIGTERM');
      await Promise.race([first.exited, sleep(30_000)]);
      await killAllBots();

      const database = await openDatabase({ url: scratch.url });
      const rows = await database.db
        .select({ userId: activities.userId })
        .from(activities)
        .where(and(eq(activities.kind, 'checkin'), inArray(activities.guildId, shard1)));
      await database.close();
      const stored = new Map<string, number>();
      for (const r of rows) stored.set(r.userId, (stored.get(r.userId) ?? 0) + 1);
      const callbacks = new Map<string, number>();
      for (const r of fake.requests) {
        const m = /^\/interactions\/(\d+)\/[^/]+\/callback$/.exec(r.path);
        if (m && r.method === 'POST') callbacks.set(m[1]!, (callbacks.get(m[1]!) ?? 0) + 1);
      }
      let inTime = 0;
      let late = 0;
      let confirmed = 0;
      let handledTwice = 0;
      for (const [i, s] of sent.entries()) {
        const record = records[i];
        const first = record?.callback?.at;
        if (first !== undefined && first - s.at <= 3_000) inTime++;
        else if (first !== undefined) late++;
        if (record && toldIn(record) === 'confirmed') confirmed++;
        if ((callbacks.get(s.id) ?? 0) > 1) handledTwice++;
      }
      const extraStored = [...stored.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
      return row(shardOverlap, {
        sent: sent.length,
        'in time': inTime,
        late,
        confirmed,
        stored: stored.size,
        lost: sent.filter((s, i) => records[i] && toldIn(records[i]) === 'confirmed' && !stored.has(s.userId)).length,
        duplicated: handledTwice + extraStored,
        notes: `the second process exited ${code} after ${refusedAfter} s: "${said}"; it never connected: ${second.output().includes('connected to Discord') ? 'no' : 'yes'}; gateway sessions at the end ${sessions}; reconnects (IDENTIFY or RESUME) after the second started: ${reconnects}; interactions acknowledged twice ${handledTwice}, check-ins stored twice ${extraStored}; check-ins for ${windowSeconds} s at ${o.rate}/s on shard 1's ${shard1.length} servers`,
      });
    } finally {
      await killAllBots();
      await fake.close();
      await scratch.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

/** The bot with stdout and stderr piped into a reader process (as under a supervisor or `| tee`); resolves once it is healthy. */
async function botWritingToReader(dataDir: string, env: Record<string, string>) {
  const reader = startReader();
  const port = await freePort();
  const running = startMain({ DISCORD_TOKEN: FAKE_TOKEN, DATA_DIR: mkdtempSync(join(dataDir, 'run-')), HTTP_PORT: String(port), LOG_LEVEL: 'debug', ...env }, ['ignore', reader.stdin!, reader.stdin!]);
  reader.stdin!.destroy(); // only the reader holds the reading end, the bot the writing end
  await healthy(port, running);
  return { running, reader };
}

const readerGone = (reader: ReturnType<typeof startReader>) => waitUntil('the reader to exit', () => (reader.exitCode !== null || reader.signalCode !== null ? true : undefined));

/** Exit code and seconds, or "still running" after `ms` (then SIGKILLed). */
async function exitWithin(running: Running, since: number, ms: number): Promise<{ code: string; seconds: number | string }> {
  try {
    const code = await exitOf(running, ms);
    return { code: String(code), seconds: seconds(since) };
  } catch {
    return { code: `still running after ${ms / 1000} s (SIGKILLed)`, seconds: 'never' };
  }
}

const shutdownLogsGone: Fault = {
  name: 'shutdown-no-logs',
  title: 'SIGTERM with stdout and stderr closed (the log reader killed) and Discord unreachable',
  async run() {
    const dataDir = mkdtempSync(join(tmpdir(), 'cohort-bench-shutdown-'));
    const own = await startFakeDiscord({ failOnViolations: false });
    try {
      own.addGuild({ name: 'Gone' });
      const { running, reader } = await botWritingToReader(dataDir, { DISCORD_API_URL: own.apiUrl });
      reader.kill('SIGKILL');
      await readerGone(reader);
      await own.close(); // Discord unreachable: the gateway drops, REST refuses connections
      const signalled = performance.now();
      running.child.kill('SIGTERM');
      const { code, seconds: s } = await exitWithin(running, signalled, 90_000);
      return row(shutdownLogsGone, { 'recovery s': s, notes: `exit code ${code}, ${s} s after SIGTERM (SHUTDOWN_TIMEOUT the default 10 s); recovery: seconds from SIGTERM to exit` });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

const secondSigterm: Fault = {
  name: 'shutdown-second-signal',
  title: 'a stop that hangs (a reply Discord never answers, SHUTDOWN_TIMEOUT 600 s, log reader gone): a second SIGTERM',
  async run() {
    const dataDir = mkdtempSync(join(tmpdir(), 'cohort-bench-shutdown-'));
    const fake = await startFakeDiscord({ failOnViolations: false });
    const guildId = fake.addGuild({ name: 'Faults' }).id as string;
    const proxy = await startHoldingProxy(fake.apiUrl, (method, path) => method === 'POST' && /^\/interactions\/\d+\/[^/]+\/callback$/.test(path));
    try {
      const { running, reader } = await botWritingToReader(dataDir, { DISCORD_API_URL: proxy.url, SHUTDOWN_TIMEOUT: '600' });
      await waitUntil('the commands registered', () => (fake.globalCommands().length > 0 ? true : undefined), running);
      fake.sendInteraction(chatInput(fake, { guildId, name: 'next', user: '400000000000000031' }));
      await waitUntil('the reply, held', () => (proxy.held.some((h) => h.open) ? true : undefined), running);
      reader.kill('SIGKILL');
      await readerGone(reader);
      running.child.kill('SIGTERM');
      await sleep(500); // two signals apart, not merged into one by the kernel
      const signalled = performance.now();
      running.child.kill('SIGTERM');
      const { code, seconds: s } = await exitWithin(running, signalled, 90_000);
      return row(secondSigterm, { 'recovery s': s, notes: `exit code ${code}, ${s} s after the second SIGTERM (sent 0.5 s after the first); recovery: seconds from the second signal to exit` });
    } finally {
      proxy.releaseAll();
      await proxy.close();
      await fake.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

function discordAtStart(name: string, title: string, target: () => Promise<{ url: string; connections?: () => number; close(): Promise<void> }>): Fault {
  const fault: Fault = {
    name,
    title,
    async run(o) {
      const dataDir = mkdtempSync(join(tmpdir(), 'cohort-bench-start-'));
      const discord = await target();
      try {
        const started = performance.now();
        const running = startMain({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: discord.url, DATA_DIR: dataDir, DISCORD_CONNECT_TIMEOUT: String(o.connectTimeout), LOG_LEVEL: 'info' });
        const { code, seconds: s } = await exitWithin(running, started, (o.connectTimeout + 120) * 1000);
        const output = running.output();
        return row(fault, {
          'recovery s': s,
          notes: `exit code ${code} after ${s} s (DISCORD_CONNECT_TIMEOUT ${o.connectTimeout} s, start-up under tsx included): "${fatalOf(output)}"; a stack in the output: ${STACK.test(output) ? 'yes' : 'no'}; recovery: seconds from start to exit`,
        });
      } finally {
        await discord.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
  return fault;
}

const portInUse: Fault = {
  name: 'port-in-use',
  title: 'HTTP_PORT already in use',
  async run() {
    // Something else listens on the port (any listener will do: the one that never answers).
    const taken = await startSilentServer();
    const port = taken.port;
    const database = await startSilentServer();
    const discord = await startSilentServer();
    try {
      const started = performance.now();
      const running = startMain({
        DISCORD_TOKEN: FAKE_TOKEN,
        DISCORD_API_URL: `http://127.0.0.1:${discord.port}/api`,
        DATABASE_URL: `postgres://cohort@127.0.0.1:${database.port}/cohort`,
        HTTP_PORT: String(port),
        LOG_LEVEL: 'info',
      });
      const { code, seconds: s } = await exitWithin(running, started, 120_000);
      const output = running.output();
      return row(portInUse, {
        'recovery s': s,
        notes: `exit code ${code} after ${s} s: "${fatalOf(output)}"; the database opened first: ${database.connections() > 0 ? 'yes' : 'no'} (${database.connections()} connections), Discord: ${discord.connections() > 0 ? 'yes' : 'no'}; a stack: ${STACK.test(output) ? 'yes' : 'no'}; recovery: seconds from start to exit`,
      });
    } finally {
      await taken.close();
      await database.close();
      await discord.close();
    }
  },
};

const databaseUrl: Fault = {
  name: 'database-url',
  title: 'DATABASE_URL=postgresql:// (no host, no database)',
  async run() {
    const started = performance.now();
    const running = startMain({ DISCORD_TOKEN: FAKE_TOKEN, DATABASE_URL: 'postgresql://', LOG_LEVEL: 'info' });
    const { code, seconds: s } = await exitWithin(running, started, 120_000);
    const output = running.output();
    return row(databaseUrl, { 'recovery s': s, notes: `exit code ${code} after ${s} s: "${fatalOf(output)}"; a stack: ${STACK.test(output) ? 'yes' : 'no'}; recovery: seconds from start to exit` });
  },
};

/** A port nothing listens on (connections refused). */
async function refusedDiscord() {
  return { url: `http://127.0.0.1:${await freePort()}/api`, close: () => Promise.resolve() };
}

/** A server that accepts connections and never answers. */
async function silentDiscord() {
  const silent = await startSilentServer();
  return { url: `http://127.0.0.1:${silent.port}/api`, connections: silent.connections, close: silent.close };
}

export const PROCESS_FAULTS: Fault[] = [
  fanOut('kill-fanout-random', 'SIGKILL once at a random moment of a prompt fan-out (after Discord answered), then a restart', 1, false),
  fanOut('kill-fanout-before-answer', 'SIGKILL once after Discord took a post, before its answer, then a restart', 1, true),
  fanOut('kill-fanout-3x', 'SIGKILL three times at random moments of a prompt fan-out, then a restart', 3),
  shardOverlap,
  shutdownLogsGone,
  secondSigterm,
  discordAtStart('discord-refused-start', 'Discord unreachable at start (connections refused)', refusedDiscord),
  discordAtStart('discord-silent-start', 'Discord silent at start (accepts, never answers)', silentDiscord),
  portInUse,
  databaseUrl,
];
