import { DiscordAPIError, PermissionFlagsBits, Routes, type APIChannel, type Client, type Message, type SendableChannels } from 'discord.js';
import type { Context } from '../context.js';
import { claim, complete, latestPeriods, markFailed, markSkipped, postsFor, recordStep, release } from '../db/queries/claims.js';
import { choosePrompt, promptGuilds } from '../db/queries/prompts.js';
import { updateGuildSettings } from '../db/queries/settings.js';
import type { GuildSettings, ScheduledPost } from '../db/schema.js';
import { latestOccurrence, planDailyPosts, type PlannedPost, type TimeOfDay } from '../domain/schedule.js';
import { isValidTimeZone, parseTimeOfDay } from '../domain/timezones.js';
import { postableChannel } from '../discord/channels.js';
import { describeDiscordError } from '../discord/errors.js';
import { missingBotPermissions } from '../discord/permissions.js';
import { isPromptPostOf, promptPost, threadName } from '../discord/views/prompts.js';
import { catchupWindowMs, fanOut, isSettled, type FanOutJobOptions } from './fan-out.js';
import type { Job } from './scheduler.js';

/** A claim not completed within this time is assumed dead (crash between claim and post) and retried. */
export const PROMPT_CLAIM_STALE_MS = 5 * 60_000;
/** Servers handled at the same time; their Discord calls wait for the app's outbound budget. */
export const PROMPT_CONCURRENCY = 10;

class SetupBroken extends Error {}

export type PromptJobOptions = FanOutJobOptions;

interface Work {
  settings: GuildSettings;
  zone: string;
  time: TimeOfDay;
}

/**
 * The daily prompt job: every minute, for the guilds of this process's shards whose prompt time
 * has come, claims the local date and posts (see db/queries/claims.ts for exactly-once). Counts in
 * cohort_scheduled_posts_total{kind="prompt"} each settled claim (posted, skipped, failed, retry)
 * and each server run that threw (error).
 */
export function promptJob(ctx: Context, client: Client, options: PromptJobOptions): Job {
  const concurrency = options.concurrency ?? PROMPT_CONCURRENCY;
  const staleAfterMs = options.staleAfterMs ?? PROMPT_CLAIM_STALE_MS;
  const catchupMs = catchupWindowMs(ctx.config);
  const log = ctx.logger.child({ job: 'prompts' });

  async function run(now: Date, signal: AbortSignal): Promise<void> {
    if (!client.isReady()) return;
    const work: Work[] = [];
    for (const settings of await promptGuilds(ctx.db)) {
      if (!client.guilds.cache.get(settings.guildId)?.available) continue; // another shard's (or an unavailable) guild
      const zone = settings.promptsTimezone ?? settings.timezone;
      const time = parseTimeOfDay(settings.promptsTime ?? '');
      if (!time || !isValidTimeZone(zone)) {
        log.warn({ guildId: settings.guildId, time: settings.promptsTime, zone }, 'prompt time or zone unusable; skipped');
        continue;
      }
      work.push({ settings, zone, time });
    }
    if (work.length === 0) return;

    // One query tells which guilds already settled their latest occurrence; only the rest get work.
    const latest = new Map(work.map((w) => [w.settings.guildId, latestOccurrence(now, w.time, w.zone).period]));
    const rows = await postsFor(ctx.db, 'prompt', [...latest.keys()], [...latest.values()]);
    const row = new Map(rows.filter((r) => latest.get(r.guildId) === r.period).map((r) => [r.guildId, r]));
    const open = work.filter((w) => isOpen(row.get(w.settings.guildId), w.settings, now));
    if (open.length === 0) return;
    const lastRecorded = await latestPeriods(ctx.db, 'prompt', open.map((w) => w.settings.guildId));

    const counts = { posted: 0, skipped: 0, failed: 0, retry: 0 };
    const loop = {
      concurrency,
      signal,
      budget: options.budget,
      onError(error: unknown, w: Work) {
        counts.retry += 1;
        ctx.metrics.scheduledPost('prompt', 'error');
        log.error({ err: error, guildId: w.settings.guildId }, 'prompt for a server failed; will retry');
      },
    };
    // Once `signal` aborts (the scheduler stops), servers not started yet are left for the next run.
    await fanOut(open, loop, async (w) => {
      const plan = planDailyPosts(now, w.time, w.zone, { catchupMs, lastRecorded: lastRecorded.get(w.settings.guildId), notBefore: w.settings.updatedAt });
      for (const planned of plan) {
        if (signal.aborted) return;
        const outcome = planned.action === 'skip' ? await skip(w, planned, now) : await post(w, planned, now);
        if (!outcome) continue;
        counts[outcome] += 1;
        ctx.metrics.scheduledPost('prompt', outcome);
      }
    });
    if (counts.posted + counts.skipped + counts.failed + counts.retry > 0) log.info({ ...counts, servers: open.length }, 'daily prompts run');
  }

  function isOpen(existing: ScheduledPost | undefined, settings: GuildSettings, now: Date): boolean {
    return !existing || !isSettled(existing, now, staleAfterMs, settings.updatedAt);
  }

  async function skip(w: Work, planned: PlannedPost, now: Date): Promise<'skipped' | undefined> {
    const taken = await claim(ctx.db, { guildId: w.settings.guildId, kind: 'prompt', period: planned.period, owner: options.owner, now, staleAfterMs });
    if (!taken) return undefined;
    await markSkipped(ctx.db, taken.id, `missed: the bot was offline at ${planned.dueAt.toISOString()} and came back after the catch-up window`);
    log.info({ guildId: w.settings.guildId, period: planned.period }, 'missed prompt recorded as skipped');
    return 'skipped';
  }

  /**
   * Posts the prompt and opens its discussion thread, each step recorded in the claim (claims.ts
   * recordStep) and the claim completed only once both are done: a claim taken over after a crash
   * (or released after a transient error) does only the missing steps. The post carries a nonce
   * of the claim (Discord returns the first message for a repeated nonce, enforce_nonce), and a
   * retried claim also looks for its post in the channel: a post whose answer was lost is found
   * again, never posted twice.
   */
  async function post(w: Work, planned: PlannedPost, now: Date): Promise<'posted' | 'skipped' | 'failed' | 'retry' | undefined> {
    const { settings } = w;
    const guildId = settings.guildId;
    const channelId = settings.promptsChannelId!;
    const taken = await claim(ctx.db, {
      guildId,
      kind: 'prompt',
      period: planned.period,
      owner: options.owner,
      now,
      staleAfterMs,
      retryFailedBefore: settings.updatedAt,
    });
    if (!taken) return undefined;

    let channel: SendableChannels;
    let messageId = taken.steps.message;
    const content = await ctx.contents.forGuild(guildId);
    let prompt = content.prompts.find((p) => p.id === taken.ref);
    try {
      channel = await promptChannel(guildId, channelId);
      if (!messageId || !prompt) {
        // A retried claim may have posted just before its process died: find that post instead of posting twice.
        const earlier = taken.attempts > 1 ? await findEarlierPost(channel, planned.period) : undefined;
        prompt ??= await choosePrompt(ctx.db, content, guildId, planned.period, now);
        if (!prompt) {
          await markSkipped(ctx.db, taken.id, 'no prompts in the content');
          return 'skipped';
        }
        const message =
          earlier ??
          (await channel.send({ ...promptPost(content, prompt, { period: planned.period, pingRoleId: settings.promptsPingRoleId }), nonce: `prompt-${taken.id}`, enforceNonce: true }));
        messageId = message.id;
        // Posted: from here on the claim records the message, so that no retry posts it again.
        await recordStep(ctx.db, taken.id, 'message', message.id, { messageId: message.id, channelId: message.channelId, ref: prompt.id });
        log.debug({ guildId, period: planned.period, prompt: prompt.id, messageId }, 'prompt posted');
      }
      if (!taken.steps.thread) {
        const thread = await openThread(channel, messageId, threadName(prompt, planned.period), guildId);
        await recordStep(ctx.db, taken.id, 'thread', thread);
      }
    } catch (error) {
      const reason = brokenReason(error, channelId);
      if (reason && !messageId) {
        await markFailed(ctx.db, taken.id, reason);
        await updateGuildSettings(ctx.db, guildId, { promptsBrokenReason: reason }, ctx.clock.now());
        log.warn({ guildId, channelId, code: describeDiscordError(error, { channelId, resume: 'setup' })?.code, reason }, 'prompts stopped for a server: setup broken');
        return 'failed';
      }
      if (reason && messageId && prompt) {
        // Posted, but the channel broke before the thread: the post stands without one.
        await recordStep(ctx.db, taken.id, 'thread', `none: ${reason}`.slice(0, 300));
        await complete(ctx.db, taken.id, { messageId, channelId, postedAt: ctx.clock.now(), ref: prompt.id });
        return 'posted';
      }
      // 429s and 5xx were already retried by discord.js: give the claim back for the next minute,
      // which does what is missing (the post, or only its thread).
      await release(ctx.db, taken.id, error instanceof Error ? error.message : String(error));
      log.warn({ err: error, guildId, channelId, posted: Boolean(messageId) }, messageId ? 'could not open the prompt thread; will retry' : 'could not post the prompt; will retry');
      return 'retry';
    }
    await complete(ctx.db, taken.id, { messageId, channelId, postedAt: ctx.clock.now(), ref: prompt.id });
    return 'posted';
  }

  async function promptChannel(guildId: string, channelId: string): Promise<SendableChannels> {
    const found = await postableChannel(client, guildId, { channelId, setupCommand: '/setup prompts', resume: 'setup' });
    if (!found.ok) throw new SetupBroken(found.problem);
    return found.channel;
  }

  async function findEarlierPost(channel: SendableChannels, period: string): Promise<Message | undefined> {
    try {
      const recent = await channel.messages.fetch({ limit: 20 });
      return recent.find((m) => m.author.id === client.user?.id && isPromptPostOf(m, period));
    } catch (error) {
      log.debug({ err: error, channelId: channel.id }, 'could not read recent messages; posting');
      return undefined;
    }
  }

  /**
   * The discussion thread on the post: its id, or why there is none (the bot may not create
   * threads there: the post stands without). A thread that already exists (its answer was lost,
   * 160004) is the post's thread: a thread started from a message has the message's id.
   * Transient errors throw (the claim is released and the thread retried).
   */
  async function openThread(channel: SendableChannels, messageId: string, name: string, guildId: string): Promise<string> {
    if (!channel.isTextBased() || channel.isDMBased() || channel.isThread()) return 'none: not a channel with threads';
    if (missingBotPermissions(channel, [PermissionFlagsBits.CreatePublicThreads]).length > 0) {
      log.warn({ guildId, channelId: channel.id, messageId }, 'no prompt thread: I may not create public threads in the prompts channel');
      return 'none: missing Create Public Threads';
    }
    try {
      const thread = (await client.rest.post(Routes.threads(channel.id, messageId), { body: { name, auto_archive_duration: 1440 } })) as APIChannel;
      return thread.id;
    } catch (error) {
      if (error instanceof DiscordAPIError && error.code === 160004) return messageId;
      const described = describeDiscordError(error, { channelId: channel.id, resume: 'setup' });
      if (described?.stopsFeature) {
        log.warn({ err: error, guildId, messageId }, 'could not open the prompt thread');
        return `none: ${described.sentence}`.slice(0, 300);
      }
      throw error;
    }
  }

  return { name: 'prompts', run };
}

/** A moderator-readable reason when an error means the setup is broken; undefined for transient errors. */
function brokenReason(error: unknown, channelId: string): string | undefined {
  if (error instanceof SetupBroken) return error.message;
  const described = describeDiscordError(error, { channelId, setupCommand: '/setup prompts', resume: 'setup' });
  return described?.stopsFeature ? described.sentence : undefined;
}
