/**
 * The bot under test, in a process of its own (the benchmark's fake Discord and load generator run
 * in the parent, as Discord would run elsewhere), so that process.cpuUsage() here is the bot's CPU
 * alone: user + system time of every thread of the bot (JavaScript, GC, JIT, libuv).
 *
 * argv[2] is the bot: `cohort` (startCohort on a fresh Postgres database whose sockets count SQL
 * statements) or `bare` (a bare discord.js client that answers every interaction with a fixed
 * embed, no database: what discord.js itself costs). Cohort options (environment):
 * BENCH_BOT_DATABASE_URL (an existing, migrated database the parent prepared, instead of a fresh
 * one) and BENCH_BOT_CLOCK (an ISO instant: the bot's clock starts there, frozen until the parent
 * lets it flow; see BenchClock).
 *
 * Messages (IPC), each `{ id, op, … }` answered by `{ id, … }` (scripts/bench/bot.ts sends them):
 * count → {queries, elu, cpuMicros, received}; idle (every queued voice change written); settle
 * {received} (that many voice events received, then idle); clock
 * {at, flowing}; heartbeat (the voice heartbeat job, now); run-due (the scheduler's due jobs);
 * wait-down (a shard lost its gateway); wait-resumed (every shard is back and reconciled);
 * restart {advanceMs, profile?} → {readyMs, reconcileMs, statements}; lag → the event loop's delay (ms:
 * p50, p99, max) since the last lag; stop → {profile}.
 * Before the first message the worker sends {ready, steps}.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ApplicationCommandType, Client, Events, GatewayIntentBits, MessageFlags, Status } from 'discord.js';
import type { Clock } from '../../src/clock.js';
import type { Command } from '../../src/discord/command.js';
import { FAKE_TOKEN } from '../../src/sim/index.js';

const [, , bot = 'cohort', apiUrl = '', logLevel = 'silent'] = process.argv;
const send = (message: object) => process.send!(message);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The bot's clock: frozen at an instant (exact minutes), or flowing with real time from one. */
class BenchClock implements Clock {
  private at: number;
  private since = performance.now();
  private flowing = false;
  constructor(start: number) {
    this.at = start;
  }
  now(): Date {
    return new Date(this.flowing ? this.at + (performance.now() - this.since) : this.at);
  }
  set(at: number, flowing: boolean): void {
    this.at = at;
    this.since = performance.now();
    this.flowing = flowing;
  }
}

interface Bot {
  steps: string[];
  queries(): number;
  /** Voice state updates the client received (Cohort). */
  received(): number;
  op?(message: Op): Promise<object>;
  stop(): Promise<void>;
}

type Op = { id: number; op: string; at?: number; flowing?: boolean; advanceMs?: number; profile?: string; received?: number };

/** CPU profiles of part of a run (Profiler over the inspector protocol). */
async function profiled<T>(file: string | undefined, work: () => Promise<T>): Promise<T> {
  if (!file) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    writeFileSync(file, JSON.stringify((await session.post('Profiler.stop')).profile));
    session.disconnect();
  }
}

/** Cohort itself, with the bench-only `ping` command (BENCH_KINDS=ping: the harness's floor). */
async function startCohortBot(): Promise<Bot> {
  const [{ commands }, { startCohort }, { loadConfig }, { countingPostgres, freshPostgres }] = await Promise.all([
    import('../../commands/index.js'),
    import('../../src/app.js'),
    import('../../src/config.js'),
    import('./common.js'),
  ]);
  const database = process.env.BENCH_BOT_DATABASE_URL ? countingPostgres(process.env.BENCH_BOT_DATABASE_URL) : await freshPostgres();
  const clock = process.env.BENCH_BOT_CLOCK ? new BenchClock(Date.parse(process.env.BENCH_BOT_CLOCK)) : undefined;
  const config = loadConfig({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: apiUrl, LOG_LEVEL: logLevel });
  const ping: Command = {
    data: { name: 'ping', description: 'Replies pong (benchmark floor)', type: ApplicationCommandType.ChatInput },
    async execute(interaction) {
      await interaction.reply({ content: 'pong', flags: MessageFlags.Ephemeral });
    },
  };
  let received = 0;
  const start = async () => {
    const app = await startCohort({ config, database, ...(clock ? { clock } : {}), commands: [...commands, ping] });
    app.client.on(Events.VoiceStateUpdate, () => void (received += 1));
    return app;
  };
  let app = await start();
  await app.ready;
  await app.voice.idle();
  const content = app.ctx.contents.builtin;
  const steps = [...content.steps.values()].filter((e) => e.track.id === content.tracks[0]!.id).sort((a, b) => a.index - b.index).map((e) => e.step.id);
  let resumed: Promise<void> | undefined;
  return {
    steps,
    queries: () => database.queries(),
    received: () => received,
    async op(message) {
      switch (message.op) {
        case 'idle':
          await app.voice.idle();
          return {};
        case 'settle':
          // Until the client has received this many voice events, then until all are written.
          while (received < message.received!) await sleep(2);
          await app.voice.idle();
          return {};
        case 'clock':
          clock?.set(message.at!, message.flowing === true);
          return {};
        case 'heartbeat':
          await app.voice.job.run(app.ctx.clock.now(), new AbortController().signal);
          return {};
        case 'run-due':
          await app.scheduler.runDue();
          return {};
        case 'wait-down': {
          const client = app.client;
          resumed = new Promise<void>((resolve) => client.once(Events.ShardResume, () => resolve()));
          while (client.ws.shards.every((s) => s.status === Status.Ready)) await sleep(5);
          return {};
        }
        case 'wait-resumed':
          await resumed;
          await sleep(50);
          await app.voice.idle();
          return {};
        case 'restart': {
          await app.stop();
          if (clock) clock.set(clock.now().getTime() + (message.advanceMs ?? 0), false);
          const q0 = database.queries();
          return profiled(message.profile, async () => {
            const t0 = performance.now();
            app = await start();
            await app.ready;
            const readyMs = performance.now() - t0;
            await app.voice.idle();
            return { readyMs, reconcileMs: performance.now() - t0 - readyMs, statements: database.queries() - q0 };
          });
        }
        default:
          throw new Error(`bot-worker: unknown op ${message.op}`);
      }
    },
    async stop() {
      await app.stop();
      await database.close();
    },
  };
}

/** A bare discord.js bot: the same client options a newcomer would write, one fixed ephemeral embed for every interaction. */
async function startBareBot(): Promise<Bot> {
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: apiUrl }, allowedMentions: { parse: [] } });
  const embed = { title: 'Your next step', description: 'Linear algebra: vectors, matrices and what they do to space.', color: 0x5865f2, fields: [{ name: 'Hours', value: '6', inline: true }] };
  client.on(Events.InteractionCreate, (interaction) => {
    if (interaction.isRepliable()) interaction.reply({ embeds: [embed], flags: MessageFlags.Ephemeral }).catch((error: unknown) => console.error(error));
  });
  await new Promise<void>((resolve, reject) => {
    client.once(Events.ClientReady, () => resolve());
    client.login(FAKE_TOKEN).catch(reject);
  });
  // Cohort's commands, so that its fake Discord lets members pick them (the fake sends only registered commands).
  const { commands } = await import('../../commands/index.js');
  await client.application!.commands.set(commands.map((c) => c.data));
  return { steps: ['bare'], queries: () => 0, received: () => 0, stop: () => client.destroy() };
}

const running = bot === 'bare' ? await startBareBot() : await startCohortBot();
// BENCH_PROFILE=file.cpuprofile: a CPU profile of the bot from ready to stop (open it in Chrome DevTools).
// BENCH_HEAP_PROFILE=file.heapprofile: where the bot allocates, from ready to stop (sampled every 4 KB
// allocated, garbage included: what the young-generation collections have to sweep up).
// BENCH_WORKER_PROFILE=0 leaves the whole-run profile to the benchmark (the voice bench profiles its restart alone).
const whole = process.env.BENCH_WORKER_PROFILE !== '0';
const profileFile = whole && process.env.BENCH_PROFILE ? process.env.BENCH_PROFILE.replace(/(\.cpuprofile)?$/, `-${bot}.cpuprofile`) : undefined;
const heapFile = whole && process.env.BENCH_HEAP_PROFILE ? process.env.BENCH_HEAP_PROFILE.replace(/(\.heapprofile)?$/, `-${bot}.heapprofile`) : undefined;
const session = profileFile || heapFile ? new Session() : undefined;
if (session) session.connect();
if (session && profileFile) {
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
if (session && heapFile) {
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
}
// How late the bot's event loop ran its timers (10 ms resolution), reset by each 'lag' message.
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
send({ type: 'ready', steps: running.steps });
process.on('message', (message: Op) => {
  void (async () => {
    try {
      if (message.op === 'count') {
        const cpu = process.cpuUsage();
        send({ id: message.id, queries: running.queries(), received: running.received(), elu: performance.eventLoopUtilization().active, cpuMicros: cpu.user + cpu.system });
      } else if (message.op === 'lag') {
        send({ id: message.id, p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 });
        delay.reset();
      } else if (message.op === 'stop') {
        if (session && profileFile) writeFileSync(profileFile, JSON.stringify((await session.post('Profiler.stop')).profile));
        if (session && heapFile) writeFileSync(heapFile, JSON.stringify((await session.post('HeapProfiler.stopSampling')).profile));
        await running.stop();
        send({ id: message.id, profile: [profileFile, heapFile].filter(Boolean).join(', ') || undefined });
        process.disconnect();
      } else if (running.op) send({ id: message.id, ...(await running.op(message)) });
      else throw new Error(`bot-worker: ${bot} has no op ${message.op}`);
    } catch (error) {
      send({ id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  })();
});
