/**
 * The bot under test, in its own thread (the benchmark's fake Discord and load generator run in
 * the main thread, as Discord would run elsewhere): startCohort on a fresh Postgres database whose
 * driver counts SQL round trips. Messages: in {apiUrl} → out {ready}; in 'count' → out {queries};
 * in 'stop' → out 'stopped'.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { ApplicationCommandType, MessageFlags } from 'discord.js';
import { commands } from '../../commands/index.js';
import { startCohort } from '../../src/app.js';
import type { Command } from '../../src/discord/command.js';
import { loadConfig } from '../../src/config.js';
import { FAKE_TOKEN } from '../../src/sim/index.js';
import { freshPostgres } from './common.js';

const { apiUrl, logLevel } = workerData as { apiUrl: string; logLevel: string };
const port = parentPort!;
const database = await freshPostgres();
/**
 * The harness's floor (BENCH_KINDS=ping): a command that only replies, with no SQL and no view, so
 * that what remains is discord.js, the router and the fake Discord on these cores.
 */
const ping: Command = {
  data: { name: 'ping', description: 'Replies pong (benchmark floor)', type: ApplicationCommandType.ChatInput },
  async execute(interaction) {
    await interaction.reply({ content: 'pong', flags: MessageFlags.Ephemeral });
  },
};
const app = await startCohort({
  config: loadConfig({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: apiUrl, LOG_LEVEL: logLevel }),
  database,
  commands: [...commands, ping],
});
await app.ready;
// BENCH_PROFILE=file.cpuprofile: a CPU profile of the bot thread from ready to stop (open it in Chrome DevTools).
const profileFile = process.env.BENCH_PROFILE;
const session = profileFile ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
port.postMessage({ type: 'ready', steps: [...app.ctx.content.steps.values()].filter((e) => e.track.id === app.ctx.content.tracks[0]!.id).sort((a, b) => a.index - b.index).map((e) => e.step.id) });
port.on('message', (message: string) => {
  if (message === 'count') port.postMessage({ type: 'count', queries: database.queries(), elu: performance.eventLoopUtilization().active });
  if (message === 'stop') {
    void (async () => {
      if (session && profileFile) writeFileSync(profileFile, JSON.stringify((await session.post('Profiler.stop')).profile));
      await app.stop();
      await database.close();
      port.postMessage({ type: 'stopped' });
    })();
  }
});
