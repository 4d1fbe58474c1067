import { Events, Status, type Client } from 'discord.js';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { commands as allCommands } from '../commands/index.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { formatProblem, readContentFiles } from './content/loader.js';
import { ContentStore, type BuiltinContent } from './content/store.js';
import { contentRevision, serverContent } from './db/queries/server-content.js';
import { LRUCache } from 'lru-cache';
import { MEMBER_FIGURES_MAX, REWARDLESS_TTL_MS, type Context } from './context.js';
import type { MemberRead } from './db/queries/streaks.js';
import { StartupError } from './errors.js';
import { openDatabase, type Database } from './db/client.js';
import { checkDatabaseWrites } from './db/queries/health.js';
import type { Command } from './discord/command.js';
import { createClient } from './discord/client.js';
import { connectToDiscord } from './discord/connect.js';
import { createOutboundBudget, slidingWindowPacer } from './discord/pacing.js';
import { syncCommands } from './discord/register.js';
import { reportRestErrors } from './discord/rest-errors.js';
import { inviteUrl } from './discord/invite.js';
import { createRouter, type RouterOptions } from './discord/router.js';
import { createImageRenderer } from './discord/views/heatmap.js';
import { createVoiceTracker, type VoiceTracker } from './discord/voice.js';
import { welcomeGuild } from './discord/welcome.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { calendarFeed } from './http/calendar.js';
import { startHttpServer, type HttpServer } from './http/server.js';
import { challengesJob } from './jobs/challenges.js';
import { cohortsJob } from './jobs/cohorts.js';
import { eventsJob } from './jobs/events.js';
import { focusJob } from './jobs/focus.js';
import { podsJob } from './jobs/pods.js';
import { digestJob } from './jobs/digest.js';
import { reminderJob } from './jobs/reminders.js';
import { DmClosedNotices } from './discord/dm-closed-notices.js';
import { promptJob } from './jobs/prompts.js';
import { logRetentionJob } from './jobs/log-retention.js';
import { statsSummariesJob } from './jobs/stats-summaries.js';
import { createLeaseKeeper, type LeaseIdentity, type LeaseKeeper } from './jobs/lease-keeper.js';
import { createScheduler, type Scheduler, type SchedulerOptions } from './jobs/scheduler.js';
import { createLogger, type Logger } from './logger.js';

export interface StartOptions {
  config: Config;
  clock?: Clock;
  logger?: Logger;
  /** An open database, or one being opened (tests share one per file); else opened from config. */
  database?: Database | Promise<Database>;
  commands?: readonly Command[];
  router?: RouterOptions;
  /** Counters for /metrics, also the context's `metrics` (default: a fresh set). */
  metrics?: Metrics;
  /** The scheduler's tick (default every minute); tests tick every second. */
  scheduler?: SchedulerOptions;
  /** Who this process is in its lease (tests run several apps in one process); see lease-keeper.ts. */
  lease?: LeaseIdentity;
}

export interface App {
  client: Client;
  ctx: Context;
  database: Database;
  /** Resolves once the gateway is ready and the commands are in sync. */
  ready: Promise<void>;
  /** Scheduled jobs (daily prompts, …): started once ready; tests call `scheduler.runDue(now)`. */
  scheduler: Scheduler;
  /** The context's counters, served at /metrics. */
  metrics: Metrics;
  /** Voice study time; `voice.idle()` resolves once every voice event seen so far is applied. */
  voice: VoiceTracker;
  /** The /healthz + /metrics server, when HTTP_PORT is set. */
  http?: HttpServer;
  /** Resolves once every interaction received so far has been handled to the end. */
  interactionsIdle(): Promise<void>;
  /** This process's lease (its id is `ctx.owner`). */
  lease: LeaseKeeper;
  /** Resolves with a sentence if this process lost its shards to another process (main.ts then stops it). */
  lost: Promise<string>;
  stop(): Promise<void>;
}

/** /healthz fails the scheduler check when its minute tick has not fired for this long. */
export const SCHEDULER_STALE_MS = 150_000;

/** Builds the context once and connects everything. main.ts and the tests both start Cohort through here. */
export async function startCohort(options: StartOptions): Promise<App> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const clock = options.clock ?? systemClock;
  const commands = options.commands ?? allCommands;

  const metrics = options.metrics ?? createMetrics();

  // /healthz and /metrics listen first, before the database or Discord is opened: a port in use is
  // one sentence (StartupError) and nothing else to undo. Until each part exists its check fails.
  const live: { database?: Database; client?: Client; scheduler?: Scheduler; ctx?: Context } = {};
  let http: HttpServer | undefined;
  if (config.HTTP_PORT) {
    http = await startHttpServer({
      port: config.HTTP_PORT,
      host: config.HTTP_HOST,
      metrics,
      logger,
      calendar: async (token) => {
        if (!live.ctx) throw new Error('Cohort is still starting');
        return calendarFeed({ db: live.ctx.db, contents: live.ctx.contents, publicUrl: config.PUBLIC_URL, now: live.ctx.clock.now() }, token);
      },
      checks: {
        database: async () => {
          if (!live.database) throw new Error('database not open yet');
          await checkDatabaseWrites(live.database.db, clock.now());
          return true;
        },
        gateway: () => {
          const shards = live.client?.ws.shards;
          return shards !== undefined && shards.size > 0 && shards.every((shard) => shard.status === Status.Ready);
        },
        scheduler: () => clock.now().getTime() - (live.scheduler?.lastTick()?.getTime() ?? -Infinity) < SCHEDULER_STALE_MS,
      },
    });
  }

  // One outbound budget for the scheduled jobs' Discord calls, shared by all of them (see discord/pacing.ts).
  const budget = createOutboundBudget(slidingWindowPacer({ limit: config.SCHEDULED_REQUESTS_PER_SECOND }));
  const client = createClient(config, { makeRequest: budget.transport(reportRestErrors((status, code) => metrics.restError(status, code))) });
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  client.on(Events.ShardDisconnect, (_event, shardId) => logger.warn({ shardId }, 'gateway disconnected'));

  // A process that may share its database (DATABASE_URL) or runs some shards (SHARD_COUNT) logs
  // in once it holds the lease of its shards: a second process on the same shards would get
  // every event twice. One process on the embedded database logs in while the database opens and
  // the content loads (the gateway handshake and the command sync take about as long as opening
  // PGlite). Interactions and guild joins that arrive before the context exists wait for it.
  const loginFirst = !config.DATABASE_URL && !config.SHARD_COUNT;
  let contextBuilt: (ctx: Context) => void = () => {};
  let contextFailed: (error: unknown) => void = () => {};
  const context = new Promise<Context>((resolveContext, rejectContext) => {
    contextBuilt = resolveContext;
    contextFailed = rejectContext;
  });
  const routing = context.then((ctx) =>
    createRouter(commands, ctx, {
      onHandled: (record) => {
        metrics.interaction(record);
        options.router?.onHandled?.(record);
      },
    }),
  );
  routing.catch(() => {}); // startCohort throws the cause itself
  const inFlight = new Set<Promise<void>>();
  client.on(Events.InteractionCreate, (interaction) => {
    const task = routing.then((route) => route(interaction), () => {}).finally(() => inFlight.delete(task));
    inFlight.add(task);
  });
  client.on(Events.GuildCreate, (guild) => {
    context.then((ctx) => welcomeGuild(guild, ctx)).catch((error: unknown) => logger.error({ err: error, guildId: guild.id }, 'welcome failed'));
  });

  // Stopping during start-up ends the tries to reach Discord.
  const starting = new AbortController();
  let logIn = (): void => {};
  const ready = new Promise<void>((resolveReady, rejectReady) => {
    client.once(Events.ClientReady, (readyClient) => {
      logger.info({ user: readyClient.user.tag, guilds: readyClient.guilds.cache.size }, 'connected to Discord');
      logger.info({ invite: inviteUrl(readyClient.application.id) }, 'invite link (scopes bot + applications.commands, least permissions)');
      syncCommands(readyClient.rest, readyClient.application.id, commands.map((c) => c.data), { guildId: config.DISCORD_DEV_GUILD_ID, logger })
        .then(() => resolveReady())
        .catch((error: unknown) => {
          // The bot still serves the commands Discord already knows; say why registration failed.
          logger.error({ err: error }, 'could not register slash commands');
          resolveReady();
        });
    });
    const login = async () => {
      try {
        await client.login(config.DISCORD_TOKEN);
      } catch (error) {
        await client.destroy().catch(() => {}); // a clean client for the next try
        throw error;
      }
    };
    logIn = () =>
      void connectToDiscord(login, { apiUrl: config.DISCORD_API_URL, timeoutMs: config.DISCORD_CONNECT_TIMEOUT * 1000, logger, signal: starting.signal }).catch(rejectReady);
    if (loginFirst) logIn();
  });
  ready.catch(() => {}); // the caller awaits `ready` once startCohort has returned

  live.client = client;

  // The content is read while PGlite compiles its WebAssembly (off the main thread).
  let database: Database;
  let builtin: BuiltinContent;
  try {
    [database, builtin] = await Promise.all([
      options.database ?? openDatabase(config.DATABASE_URL ? { url: config.DATABASE_URL } : { dataDir: resolve(config.DATA_DIR) }, { pgliteV8Flags: config.PGLITE_V8_FLAGS }),
      loadAppContent(config, logger),
    ]);
  } catch (error) {
    contextFailed(error);
    await client.destroy();
    await http?.close();
    throw error;
  }
  live.database = database;
  logger.info({ database: database.kind, ...database.opened }, 'database ready, migrations applied');
  let kickJobs = (): void => {};
  let lostShards: (message: string) => void = () => {};
  const lost = new Promise<string>((resolveLost) => (lostShards = resolveLost));
  const lease = createLeaseKeeper({
    db: database.db,
    config,
    logger,
    ...(options.lease ? { identity: options.lease } : {}),
    // An embedded database this app opened is this process's alone: any other lease in it is from a process that stopped.
    exclusive: !options.database && database.kind === 'pglite',
    onReleased: () => kickJobs(),
    onLost: (message) => lostShards(message),
  });
  try {
    await lease.start();
  } catch (error) {
    contextFailed(error);
    await client.destroy();
    await http?.close();
    if (!options.database) await database.close();
    throw error;
  }
  if (!loginFirst) logIn();
  // The renderer starts its worker on the first /streak, so creating it costs nothing.
  const images = createImageRenderer();
  const notices = new DmClosedNotices();
  const rewardless = new LRUCache<string, true>({ max: 100_000, ttl: REWARDLESS_TTL_MS });
  const memberFigures = new LRUCache<string, MemberRead>({ max: MEMBER_FIGURES_MAX });
  const db = database.db;
  const contents = new ContentStore(
    builtin,
    {
      revision: (guildId) => contentRevision(db, guildId),
      files: async (guildId) => {
        const { revision, files } = await serverContent(db, guildId);
        return { revision, files: files.map((f) => ({ folder: f.folder, file: f.name, text: f.text })) };
      },
    },
    {
      onProblems: (guildId, result) => logger.warn({ guildId, problems: result.problems.slice(0, 20).map(formatProblem) }, "a server's content has problems: those entries are skipped"),
    },
  );
  const ctx: Context = { config, owner: lease.id, db, contents, logger, clock, metrics, images, notices, rewardless, memberFigures };
  live.ctx = ctx;
  contextBuilt(ctx);

  // Scheduled work: daily prompts, weekly challenges and focus phase changes. /healthz reads the scheduler's last tick
  // (its heartbeat; a slow job does not hold the tick back). Jobs start once the gateway is ready,
  // since each process only serves the guilds of its own shards.
  let stopped = false;
  const scheduler = createScheduler(ctx, options.scheduler);
  live.scheduler = scheduler;
  kickJobs = () => scheduler.kick();
  scheduler.add(promptJob(ctx, client, { owner: scheduler.owner, budget }));
  scheduler.add(challengesJob({ ctx, client, owner: scheduler.owner, budget }));
  scheduler.add(cohortsJob({ ctx, client, owner: scheduler.owner, budget }));
  scheduler.add(eventsJob({ ctx, client, owner: scheduler.owner, budget }));
  scheduler.add(focusJob({ ctx, client, owner: scheduler.owner, budget }));
  const voice = createVoiceTracker(ctx, client);
  scheduler.add(voice.job);
  scheduler.add(podsJob(ctx, client, { owner: scheduler.owner, budget }));
  scheduler.add(digestJob(ctx, client, { owner: scheduler.owner, budget }));
  scheduler.add(reminderJob(ctx, client, { owner: scheduler.owner, budget }));
  scheduler.add(notices.job(ctx.db, client));
  scheduler.add(logRetentionJob(ctx, { owner: scheduler.owner }));
  scheduler.add(statsSummariesJob(ctx));
  ready.then(
    () => {
      if (!stopped) scheduler.start();
    },
    () => {},
  );

  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    starting.abort(new Error('stopped during start-up'));
    await scheduler.stop();
    await Promise.race([Promise.allSettled([...inFlight, voice.idle()]), new Promise((r) => setTimeout(r, 10_000).unref())]);
    await lease.stop(); // nothing of this process is in flight any more: its claims go back at once
    await images.close();
    await client.destroy();
    await http?.close();
    if (!options.database) await database.close();
  }

  // The console waits for it before it moves the clock.
  const interactionsIdle = async (): Promise<void> => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };

  return { client, ctx, database, ready, scheduler, metrics, voice, http, interactionsIdle, lease, lost, stop };
}

async function loadAppContent(config: Config, logger: Logger): Promise<BuiltinContent> {
  const dir = resolve(config.CONTENT_DIR);
  const builtin = ContentStore.prepare(await readContentFiles(dir, 'content/'));
  const { content, problems } = builtin.result;
  for (const problem of problems) logger.warn({ problem: formatProblem(problem) }, 'content problem: entry skipped');
  // Without a roadmap every member command would answer "nothing here": stop and say why instead.
  if (content.tracks.length === 0) {
    const why = !existsSync(dir)
      ? 'that folder does not exist'
      : problems.some((p) => p.file.startsWith('content/tracks/'))
        ? 'every track in its tracks/ folder was skipped for the problems logged above (`npm run content:check` lists them)'
        : 'its tracks/ folder holds no track';
    throw new StartupError(`CONTENT_DIR ${dir} has no roadmap: ${why}. Point CONTENT_DIR at a content folder such as the repository's content/ (content/README.md describes the files).`);
  }
  logger.info({ tracks: content.tracks.length, steps: content.steps.size, resources: content.resources.size, prompts: content.prompts.length, challenges: content.challenges.length }, 'content loaded');
  return builtin;
}
