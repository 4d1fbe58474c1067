import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inArray } from 'drizzle-orm';
import { openDatabase, type Database } from '../../src/db/client.js';
import { guildSettings, scheduledPosts } from '../../src/db/schema.js';
import { scratchPostgres } from '../../src/sim/postgres.js';
import { FAKE_TOKEN, startFakeDiscord, type FakeDiscord, type Json } from '../../src/sim/index.js';
import { eventually, spawnBot, type BotProcess } from './process.js';

/**
 * The bot SIGKILLed at random moments of a daily-prompt fan-out to many servers, then restarted
 * (tests/faults/kill-fanout.test.ts asserts on it; `npm run bench faults` prints its figures).
 * The bot runs in processes of its own (src/main.ts) against a fake Discord in this process, on
 * an embedded database in a data folder (or, with TEST_DATABASE_URL, a fresh PostgreSQL database).
 */

export interface FanOutFaultOptions {
  servers: number;
  /** How many times the bot is killed before the last run. */
  kills: number;
  /** Random source for the kill moments (default Math.random). */
  random?: () => number;
  /** Seconds a lease lasts (LEASE_TTL of the bot processes). */
  leaseSeconds?: number;
  /** Kill before Discord's answer reaches the bot (true), after it (false), or either at random (default). */
  beforeAnswer?: boolean;
}

export interface FanOutFaultResult {
  servers: number;
  kills: { at: number; beforeAnswer: boolean }[];
  /** Prompt posts seen in the servers' channels (a post made twice counts twice). */
  posts: number;
  /** Servers with more than one post. */
  duplicated: number;
  /** Servers with no post. */
  missing: number;
  /** Posts without their discussion thread. */
  withoutThread: number;
  /** Claims not completed (status other than posted) once the last run is done. */
  unfinishedClaims: number;
  /** Seconds from the last start until the last post had its thread. */
  recoverySeconds: number;
  /** What the processes logged, for a failure's message. */
  logs: string;
}

const isPost = (m: Json) => typeof m.nonce === 'string' && m.nonce.startsWith('prompt-');

export async function runFanOutFault(options: FanOutFaultOptions): Promise<FanOutFaultResult> {
  const random = options.random ?? Math.random;
  const dataDir = mkdtempSync(join(tmpdir(), 'cohort-faults-'));
  const scratch = process.env.TEST_DATABASE_URL ? await scratchPostgres(process.env.TEST_DATABASE_URL, 'cohort_faults') : undefined;
  const open = (): Promise<Database> => openDatabase(scratch ? { url: scratch.url } : { dataDir });
  const fake: FakeDiscord = await startFakeDiscord();
  const logs: string[] = [];
  try {
    const guilds = Array.from({ length: options.servers }, (_, i) => fake.addGuild({ name: `Fan-out ${i}` }).id as string);
    const channelOf = new Map(guilds.map((g) => [g, fake.defaultChannelId(g)]));
    // Prompts due two minutes ago (UTC), set up yesterday; already welcomed (no welcome posts).
    const now = Date.now();
    const due = new Date(now - 2 * 60_000);
    const time = `${String(due.getUTCHours()).padStart(2, '0')}:${String(due.getUTCMinutes()).padStart(2, '0')}`;
    const before = new Date(now - 86_400_000);
    {
      const database = await open();
      await database.db.insert(guildSettings).values(
        guilds.map((guildId) => ({
          guildId,
          promptsEnabled: true,
          promptsChannelId: channelOf.get(guildId)!,
          promptsTime: time,
          promptsTimezone: 'UTC',
          welcomedAt: before,
          createdAt: before,
          updatedAt: before,
        })),
      );
      await database.close();
    }
    const env = {
      DISCORD_TOKEN: FAKE_TOKEN,
      DISCORD_API_URL: fake.apiUrl,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'debug',
      LEASE_TTL: String(options.leaseSeconds ?? 2),
      ...(scratch ? { DATABASE_URL: scratch.url } : {}),
    };

    const postsIn = (guildId: string) => fake.channelMessages(channelOf.get(guildId)!).filter(isPost);
    const hasThread = (post: Json) => fake.channel(post.id as string)?.parent_id === post.channel_id;
    const remainingSteps = () => guilds.reduce((n, g) => n + (postsIn(g).length === 0 ? 2 : postsIn(g).some(hasThread) ? 0 : 1), 0);
    const allDone = () => remainingSteps() === 0;
    const isStep = (r: { method: string; path: string; body: unknown }) =>
      r.method === 'POST' && (/^\/channels\/\d+\/messages\/\d+\/threads$/.test(r.path) || (/^\/channels\/\d+\/messages$/.test(r.path) && isPost((r.body ?? {}))));

    const kills: FanOutFaultResult['kills'] = [];
    for (let round = 0; round < options.kills && !allDone(); round++) {
      // Killed at the k-th post or thread of this run: right after Discord carried it out, before (or after) its answer.
      const at = 1 + Math.floor(random() * remainingSteps());
      const beforeAnswer = options.beforeAnswer ?? random() < 0.5;
      const bot = spawnBot(env);
      let seen = 0;
      const killed = new Promise<void>((resolve) => {
        const stop = fake.beforeAnswer((request) => {
          if (!isStep(request) || ++seen < at) return;
          stop();
          if (beforeAnswer) bot.child.kill('SIGKILL');
          else setImmediate(() => bot.child.kill('SIGKILL'));
          resolve();
        });
        void bot.exited.then(() => {
          stop();
          resolve();
        });
      });
      // (A bot that never gets to its k-th step, e.g. one waiting minutes for a dead process's claims, ends the round after a guard.)
      await Promise.race([killed, eventually(allDone, 'every post and thread', 90_000).catch(() => {})]);
      bot.child.kill('SIGKILL');
      await bot.exited;
      logs.push(bot.output());
      kills.push({ at, beforeAnswer });
    }

    const restarted = Date.now();
    const last: BotProcess = spawnBot(env);
    let recoverySeconds = NaN;
    try {
      // Done once the restarted bot's first prompts run (at start-up) has finished: its claims are settled then.
      const firstRunDone = () => /"job":"prompts"[^\n]*"msg":"job ran"/.test(last.output());
      await eventually(() => allDone() && firstRunDone(), 'every post with its thread after the restart', 150_000).catch(() => {});
      recoverySeconds = (Date.now() - restarted) / 1000;
      last.child.kill('SIGTERM');
      await Promise.race([last.exited, new Promise((r) => setTimeout(r, 30_000))]);
    } finally {
      last.child.kill('SIGKILL');
      await last.exited;
      logs.push(last.output());
    }

    const database = await open();
    let unfinishedClaims: number;
    try {
      const rows = await database.db.select().from(scheduledPosts).where(inArray(scheduledPosts.guildId, guilds));
      unfinishedClaims = guilds.length - rows.filter((r) => r.status === 'posted' && r.steps.thread).length;
    } finally {
      await database.close();
    }
    const counts = guilds.map((g) => postsIn(g));
    return {
      servers: guilds.length,
      kills,
      posts: counts.reduce((n, list) => n + list.length, 0),
      duplicated: counts.filter((list) => list.length > 1).length,
      missing: counts.filter((list) => list.length === 0).length,
      withoutThread: counts.flat().filter((post) => !hasThread(post)).length,
      unfinishedClaims,
      recoverySeconds,
      logs: logs.join('\n---- restart ----\n'),
    };
  } finally {
    await fake.close();
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
