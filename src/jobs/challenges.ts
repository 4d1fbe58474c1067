import { Routes, type Client, type RESTPostAPIChannelMessageJSONBody } from 'discord.js';
import { and, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import type { Context } from '../context.js';
import { claim, complete, markFailed, markSkipped, release, type PostKind } from '../db/queries/claims.js';
import { ensureOpenRun, participantsOf, recentRuns, submissionsOf, type Run } from '../db/queries/challenges.js';
import { getGuildSettings, updateGuildSettings } from '../db/queries/settings.js';
import { guildSettings, scheduledPosts, type GuildSettings } from '../db/schema.js';
import { duePosts } from '../domain/weeks.js';
import { describeDiscordError } from '../discord/errors.js';
import { announcementMessage, recapMessages, reminderMessages } from '../discord/views/challenges.js';
import type { OutboundBudget } from '../discord/pacing.js';
import { fanOut, isSettled } from './fan-out.js';
import { sendClaimedMessages } from './post-steps.js';
import type { Job } from './scheduler.js';

/** A claim older than this belongs to a process that died between claiming and posting. */
export const CLAIM_STALE_MS = 10 * 60_000;
/** Transient failures are retried on the next ticks, up to this many attempts. */
const MAX_ATTEMPTS = 5;

export interface ChallengePosterDeps {
  ctx: Context;
  client: Client;
  /** Claim owner id: this process's (scheduler.owner), or the interaction's for a moderator's command. */
  owner: string;
}

/**
 * The weekly challenge job: every minute, each server's due challenge posts, each exactly once.
 * A server run that threw counts in cohort_scheduled_posts_total{kind="challenge",outcome="error"}.
 */
export function challengesJob(deps: ChallengePosterDeps & { budget: OutboundBudget }): Job {
  return {
    name: 'challenges',
    async run(now, signal) {
      const rows = await deps.ctx.db
        .select({ guildId: guildSettings.guildId })
        .from(guildSettings)
        .where(and(eq(guildSettings.challengesEnabled, true), isNotNull(guildSettings.challengesChannelId), isNull(guildSettings.challengesBrokenReason)));
      // Each process serves the guilds of its own shards.
      const mine = rows.map((r) => r.guildId).filter((guildId) => deps.client.guilds.cache.has(guildId));
      const loop = {
        concurrency: 1, // one server after the other, as this job always went
        signal,
        budget: deps.budget,
        onError(error: unknown, guildId: string) {
          deps.ctx.metrics.scheduledPost('challenge', 'error');
          deps.ctx.logger.error({ err: error, guildId }, 'challenge posts failed for this server; retried next minute');
        },
      };
      await fanOut(mine, loop, async (guildId) => {
        await postDueChallengePosts(deps, guildId, now);
      });
    },
  };
}

export type PostOutcome = { kind: PostKind; period: string; result: 'posted' | 'skipped' | 'failed' | 'retry'; error?: string };

/**
 * Creates this week's run if needed and posts what is due for a server's recent runs, in order.
 * Missed posts are caught up while still relevant, else recorded as skipped (see domain/weeks.ts
 * duePosts). Stops at the first failure so that posts keep their order. Each settled claim counts in
 * cohort_scheduled_posts_total{kind="challenge_…"} (posted, skipped, failed, retry), whether the
 * scheduler or a moderator's command asked.
 */
export async function postDueChallengePosts(deps: ChallengePosterDeps, guildId: string, now: Date): Promise<PostOutcome[]> {
  const { ctx } = deps;
  const settings = await getGuildSettings(ctx.db, guildId);
  if (!settings.challengesEnabled || !settings.challengesChannelId || settings.challengesBrokenReason) return [];
  await ensureOpenRun(ctx.db, await ctx.contents.forGuild(guildId), settings, now);
  const runs = (await recentRuns(ctx.db, guildId, 4)).filter((r) => r.startsAt <= now).reverse();
  const outcomes: PostOutcome[] = [];
  for (const run of runs) {
    const { settled, announcedAt } = await postsOf(ctx, guildId, run.weekStart, settings);
    const due = duePosts(run, settings.timezone, now, announcedAt);
    if (due.length === 0) continue;
    for (const { kind, action } of due) {
      if (settled.has(kind)) continue;
      const outcome = await postOne(deps, settings, run, kind, action, now);
      if (!outcome) continue;
      outcomes.push(outcome);
      ctx.metrics.scheduledPost(outcome.kind, outcome.result);
      if (outcome.result === 'failed' || outcome.result === 'retry') return outcomes;
    }
  }
  return outcomes;
}

/**
 * The posts of a period: the kinds that need no claim attempt (posted, skipped, failed unless the
 * setup changed since, or held by a live claim), and when the announcement went out, if it did.
 */
export async function postsOf(ctx: Context, guildId: string, period: string, settings: GuildSettings): Promise<{ settled: Set<PostKind>; announcedAt?: Date }> {
  const rows = await ctx.db
    .select()
    .from(scheduledPosts)
    .where(
      and(
        eq(scheduledPosts.guildId, guildId),
        eq(scheduledPosts.period, period),
        inArray(scheduledPosts.kind, ['challenge_announce', 'challenge_midweek', 'challenge_final', 'challenge_recap']),
      ),
    );
  const now = ctx.clock.now();
  const announcement = rows.find((r) => r.kind === 'challenge_announce' && r.status === 'posted');
  return {
    settled: new Set(rows.filter((r) => isSettled(r, now, CLAIM_STALE_MS, settings.updatedAt)).map((r) => r.kind)),
    ...(announcement?.postedAt ? { announcedAt: announcement.postedAt } : {}),
  };
}

async function postOne(
  deps: ChallengePosterDeps,
  settings: GuildSettings,
  run: Run,
  kind: PostKind,
  action: 'post' | 'skip',
  now: Date,
): Promise<PostOutcome | undefined> {
  const { ctx, owner } = deps;
  const guildId = settings.guildId;
  const period = run.weekStart;
  const log = ctx.logger.child({ guildId, kind, period });
  const claimed = await claim(ctx.db, {
    guildId,
    kind,
    period,
    ref: run.challengeId,
    owner,
    now,
    staleAfterMs: CLAIM_STALE_MS,
    retryFailedBefore: settings.updatedAt,
  });
  if (!claimed) return undefined;

  if (action === 'skip') {
    await markSkipped(ctx.db, claimed.id, 'missed while the bot was away; no longer relevant');
    log.info('challenge post missed and no longer relevant: recorded as skipped');
    return { kind, period, result: 'skipped' };
  }
  const messages = await messagesFor(ctx, settings, run, kind, now);
  if (messages.length === 0) {
    await markSkipped(ctx.db, claimed.id, 'nobody joined: no one to remind');
    return { kind, period, result: 'skipped' };
  }

  const channelId = settings.challengesChannelId!;
  const posted: string[] = [];
  try {
    await sendClaimedMessages(ctx.db, deps.client, claimed, channelId, messages, 'cw', posted);
  } catch (error) {
    const described = describeDiscordError(error, { channelId, setupCommand: '/setup challenges', resume: 'setup' });
    const code = described?.code;
    const text = error instanceof Error ? error.message : String(error);
    const setupProblem = described?.stopsFeature ? described.sentence : undefined;
    const givenUp = claimed.attempts >= MAX_ATTEMPTS;
    if (posted.length > 0 && (setupProblem || givenUp)) {
      // Part of a multi-message post went out and the rest cannot follow: the post stands as it is.
      await complete(ctx.db, claimed.id, { messageId: posted[0]!, channelId, postedAt: now });
      log.warn({ err: error, posted: posted.length, of: messages.length }, 'challenge post only partly sent');
    }
    if (setupProblem) {
      if (posted.length === 0) await markFailed(ctx.db, claimed.id, `${code}: ${text}`);
      await updateGuildSettings(ctx.db, guildId, { challengesBrokenReason: setupProblem }, now);
      log.warn({ code }, 'challenge channel unusable: challenges stopped until /setup challenges is run again');
      return { kind, period, result: 'failed', error: text };
    }
    if (givenUp) {
      if (posted.length > 0) return { kind, period, result: 'posted' };
      await markFailed(ctx.db, claimed.id, text);
      log.error({ err: error, attempts: claimed.attempts }, 'challenge post failed too often; given up');
      return { kind, period, result: 'failed', error: text };
    }
    await release(ctx.db, claimed.id, text);
    log.warn({ err: error, attempts: claimed.attempts, posted: posted.length, of: messages.length }, 'challenge post failed; the rest is retried next minute');
    return { kind, period, result: 'retry', error: text };
  }
  await complete(ctx.db, claimed.id, { messageId: posted[0]!, channelId, postedAt: now });
  log.info({ messages: posted.length }, 'challenge post sent');
  return { kind, period, result: 'posted' };
}

async function messagesFor(ctx: Context, settings: GuildSettings, run: Run, kind: PostKind, now: Date): Promise<RESTPostAPIChannelMessageJSONBody[]> {
  const challenge = (await ctx.contents.forGuild(settings.guildId)).challengesById.get(run.challengeId);
  switch (kind) {
    case 'challenge_announce':
      return [announcementMessage(challenge, run, { pingRoleId: settings.challengesPingRoleId })];
    case 'challenge_midweek':
      return reminderMessages('midweek', challenge, run, await participantsOf(ctx.db, run.id), now);
    case 'challenge_final':
      return reminderMessages('final', challenge, run, await participantsOf(ctx.db, run.id), now);
    case 'challenge_recap':
      return recapMessages(challenge, run, await participantsOf(ctx.db, run.id), await submissionsOf(ctx.db, run.id));
    default:
      return [];
  }
}

/**
 * Posts a change-of-challenge announcement right away (a moderator replaced the challenge after the
 * week's announcement went out). Not a scheduled post: one per moderator action, with no claim.
 * Setup problems come back as a sentence for the moderator. Counted as kind "challenge_change":
 * posted, failed (a setup problem) or error (anything else, thrown).
 */
export async function announceChange(deps: ChallengePosterDeps, settings: GuildSettings, run: Run, changed: 'challenge' | 'deadline' = 'challenge'): Promise<string | undefined> {
  const { ctx } = deps;
  const challenge = (await ctx.contents.forGuild(settings.guildId)).challengesById.get(run.challengeId);
  try {
    await deps.client.rest.post(Routes.channelMessages(settings.challengesChannelId!), {
      body: announcementMessage(challenge, run, { pingRoleId: settings.challengesPingRoleId, changed }),
    });
    ctx.metrics.scheduledPost('challenge_change', 'posted');
    return undefined;
  } catch (error) {
    const described = describeDiscordError(error, { channelId: settings.challengesChannelId!, setupCommand: '/setup challenges', resume: 'setup' });
    const problem = described?.stopsFeature ? described.sentence : undefined;
    ctx.metrics.scheduledPost('challenge_change', problem ? 'failed' : 'error');
    if (!problem) throw error;
    return problem;
  }
}
