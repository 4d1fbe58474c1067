/**
 * The bot under test, in a process of its own (the benchmark's fake Discord and load generator run
 * in the parent, as Discord would run elsewhere), so that process.cpuUsage() here is the bot's CPU
 * alone: user + system time of every thread of the bot (JavaScript, GC, JIT, libuv).
 *
 * argv[2] is the bot: `cohort` (startCohort on a fresh Postgres database whose sockets count SQL
 * statements) or `bare` (a bare discord.js client that answers every interaction with a fixed
 * embed, no database: what discord.js itself costs). Messages (IPC): in {apiUrl} (argv) → out
 * {ready}; in 'count' → out {queries, elu, cpuMicros}; in 'stop' → out {stopped}.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { ApplicationCommandType, Client, Events, GatewayIntentBits, MessageFlags } from 'discord.js';
import { FAKE_TOKEN } from '../../src/sim/index.js';

const [, , bot = 'cohort', apiUrl = '', logLevel = 'silent'] = process.argv;
const send = (message: object) => process.send!(message);

interface Bot {
  steps: string[];
  queries(): number;
  stop(): Promise<void>;
}

/** Cohort itself, with the bench-only `ping` command (BENCH_KINDS=ping: the harness's floor). */
async function startCohortBot(): Promise<Bot> {
  const [{ commands }, { startCohort }, { loadConfig }, { freshPostgres }] = await Promise.all([
    import('../../commands/index.js'),
    import('../../src/app.js'),
    import('../../src/config.js'),
    import('./common.js'),
  ]);
  const database = await freshPostgres();
  const app = await startCohort({
    config: loadConfig({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: apiUrl, LOG_LEVEL: logLevel }),
    database,
    commands: [
      ...commands,
      {
        data: { name: 'ping', description: 'Replies pong (benchmark floor)', type: ApplicationCommandType.ChatInput },
        async execute(interaction) {
          await interaction.reply({ content: 'pong', flags: MessageFlags.Ephemeral });
        },
      },
    ],
  });
  await app.ready;
  const { content } = app.ctx;
  const steps = [...content.steps.values()].filter((e) => e.track.id === content.tracks[0]!.id).sort((a, b) => a.index - b.index).map((e) => e.step.id);
  return {
    steps,
    queries: () => database.queries(),
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
  return { steps: ['bare'], queries: () => 0, stop: () => client.destroy() };
}

const running = bot === 'bare' ? await startBareBot() : await startCohortBot();
// BENCH_PROFILE=file.cpuprofile: a CPU profile of the bot from ready to stop (open it in Chrome DevTools).
// BENCH_HEAP_PROFILE=file.heapprofile: where the bot allocates, from ready to stop (sampled every 4 KB
// allocated, garbage included: what the young-generation collections have to sweep up).
const profileFile = process.env.BENCH_PROFILE ? process.env.BENCH_PROFILE.replace(/(\.cpuprofile)?$/, `-${bot}.cpuprofile`) : undefined;
const heapFile = process.env.BENCH_HEAP_PROFILE ? process.env.BENCH_HEAP_PROFILE.replace(/(\.heapprofile)?$/, `-${bot}.heapprofile`) : undefined;
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
send({ type: 'ready', steps: running.steps });
process.on('message', (message: string) => {
  if (message === 'count') {
    const cpu = process.cpuUsage();
    send({ type: 'count', queries: running.queries(), elu: performance.eventLoopUtilization().active, cpuMicros: cpu.user + cpu.system });
  }
  if (message === 'stop') {
    void (async () => {
      if (session && profileFile) writeFileSync(profileFile, JSON.stringify((await session.post('Profiler.stop')).profile));
      if (session && heapFile) writeFileSync(heapFile, JSON.stringify((await session.post('HeapProfiler.stopSampling')).profile));
      await running.stop();
      send({ type: 'stopped', profile: [profileFile, heapFile].filter(Boolean).join(', ') || undefined });
      process.disconnect();
    })();
  }
});
