import { Events, type Client } from 'discord.js';
import { resolve } from 'node:path';
import { commands as allCommands } from '../commands/index.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { formatProblem, loadContent, type Content } from './content/loader.js';
import type { Context } from './context.js';
import { openDatabase, type Database } from './db/client.js';
import type { Command } from './discord/command.js';
import { createClient } from './discord/client.js';
import { syncCommands } from './discord/register.js';
import { createRouter, type RouterOptions } from './discord/router.js';
import { createLogger, type Logger } from './logger.js';

export interface StartOptions {
  config: Config;
  clock?: Clock;
  logger?: Logger;
  /** An already open database (tests share one per file); else opened from config. */
  database?: Database;
  content?: Content;
  commands?: readonly Command[];
  router?: RouterOptions;
}

export interface App {
  client: Client;
  ctx: Context;
  database: Database;
  /** Resolves once the gateway is ready and the commands are in sync. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/** Builds the context once and connects everything. main.ts and the tests both start Cohort through here. */
export async function startCohort(options: StartOptions): Promise<App> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const clock = options.clock ?? systemClock;
  const commands = options.commands ?? allCommands;

  const database =
    options.database ?? (await openDatabase(config.DATABASE_URL ? { url: config.DATABASE_URL } : { dataDir: resolve(config.DATA_DIR) }));
  logger.info({ database: database.kind }, 'database ready, migrations applied');

  let content = options.content;
  if (!content) {
    const loaded = await loadContent(resolve(config.CONTENT_DIR));
    for (const problem of loaded.problems) logger.warn({ problem: formatProblem(problem) }, 'content problem: entry skipped');
    content = loaded.content;
    logger.info({ tracks: content.tracks.length, steps: content.steps.size, resources: content.resources.size, prompts: content.prompts.length, challenges: content.challenges.length }, 'content loaded');
  }

  const ctx: Context = { config, db: database.db, content, logger, clock };
  const client = createClient(config);
  const route = createRouter(commands, ctx, options.router);
  const inFlight = new Set<Promise<void>>();
  client.on(Events.InteractionCreate, (interaction) => {
    const task = route(interaction).finally(() => inFlight.delete(task));
    inFlight.add(task);
  });
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  client.on(Events.ShardDisconnect, (_event, shardId) => logger.warn({ shardId }, 'gateway disconnected'));

  const ready = new Promise<void>((resolveReady, rejectReady) => {
    client.once(Events.ClientReady, (readyClient) => {
      logger.info({ user: readyClient.user.tag, guilds: readyClient.guilds.cache.size }, 'connected to Discord');
      syncCommands(readyClient.rest, readyClient.application.id, commands.map((c) => c.data), { guildId: config.DISCORD_DEV_GUILD_ID, logger })
        .then(() => resolveReady())
        .catch((error: unknown) => {
          // The bot still serves the commands Discord already knows; say why registration failed.
          logger.error({ err: error }, 'could not register slash commands');
          resolveReady();
        });
    });
    client.login(config.DISCORD_TOKEN).catch(rejectReady);
  });

  let stopped = false;
  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 10_000).unref())]);
    await client.destroy();
    if (!options.database) await database.close();
  }

  return { client, ctx, database, ready, stop };
}
