import { Routes, type Client, type RESTPostAPIChannelMessageJSONBody } from 'discord.js';
import { and, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import type { Context } from '../context.js';
import { claim, complete, markFailed, markSkipped, release, type PostKind } from '../db/queries/claims.js';
import { ensureOpenRun, forgetWinner, participantsOf, recentRuns, recordWinner, submissionsOf, winnerHolders, type Run } from '../db/queries/challenges.js';
import { getGuildSettings, setWinnerRoleError, updateGuildSettings } from '../db/queries/settings.js';
import { guildSettings, scheduledPosts, type GuildSettings } from '../db/schema.js';
import { judge, winners } from '../domain/submissions.js';
import { duePosts } from '../domain/weeks.js';
import { describeDiscordError } from '../discord/errors.js';
import { isGone, winnerRoleFailure, winnerRoleProblem } from '../discord/winner-role.js';
import { announcementMessage, recapMessages, reminderMessages } from '../discord/views/challenges.js';
import type { OutboundBudget } from '../discord/pacing.js';
import { fanOut, isSettled } from './fan-out.js';
import { keptRecipients, sendClaimedMessages } from './post-steps.js';
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
  // The newest run whose recap is out, and whether its winner role has moved.
  let recapped: { run: Run; roleMoved: boolean } | undefined;
  for (const run of runs) {
    const { settled, announcedAt, recapPosted } = await postsOf(ctx, guildId, run.weekStart, settings);
    if (recapPosted) recapped = { run, roleMoved: settled.has('challenge_winner_role') };
    const due = duePosts(run, settings.timezone, now, announcedAt);
    if (due.length === 0) continue;
    for (const { kind, action } of due) {
      if (settled.has(kind)) continue;
      const outcome = await postOne(deps, settings, run, kind, action, now);
      if (!outcome) continue;
      outcomes.push(outcome);
      ctx.metrics.scheduledPost(outcome.kind, outcome.result);
      if (outcome.result === 'failed' || outcome.result === 'retry') return outcomes;
      if (kind === 'challenge_recap' && outcome.result === 'posted') recapped = { run, roleMoved: settled.has('challenge_winner_role') };
    }
  }
  // After the recap: the winner role moves to this week's winners (older recaps are past it).
  if (settings.challengesWinnerRoleId && recapped && !recapped.roleMoved) {
    const outcome = await moveWinnerRole(deps, settings, recapped.run, now);
    if (outcome) {
      outcomes.push(outcome);
      ctx.metrics.scheduledPost(outcome.kind, outcome.result);
    }
  }
  return outcomes;
}

/**
 * Moves the weekly winner role after a run's recap, claimed once per run (scheduled_posts kind
 * challenge_winner_role) like the recap: taken from last week's winners (challenge_winners, the
 * members Cohort gave it to) and given to this run's winners, every entry in first place of the
 * judged ranking (none when the challenge has no metric or nobody gave a score). Each change is
 * recorded as it is made, so a retry after a crash redoes nothing. A lasting refusal (no Manage
 * Roles, the role above the bot, the role gone) is kept in our words for /setup show and retried
 * when /setup challenges runs again; anything else is retried on the next minutes.
 */
export async function moveWinnerRole(deps: ChallengePosterDeps, settings: GuildSettings, run: Run, now: Date): Promise<PostOutcome | undefined> {
  const { ctx, owner } = deps;
  const guildId = settings.guildId;
  const roleId = settings.challengesWinnerRoleId!;
  const kind = 'challenge_winner_role' as const;
  const period = run.weekStart;
  const log = ctx.logger.child({ guildId, kind, period, roleId });
  const claimed = await claim(ctx.db, { guildId, kind, period, ref: roleId, owner, now, staleAfterMs: CLAIM_STALE_MS, retryFailedBefore: settings.updatedAt });
  if (!claimed) return undefined;
  const fail = async (problem: string): Promise<PostOutcome> => {
    await markFailed(ctx.db, claimed.id, problem);
    await setWinnerRoleError(ctx.db, guildId, problem);
    log.warn({ problem }, 'winner role not moved; retried when /setup challenges runs again');
    return { kind, period, result: 'failed', error: problem };
  };
  const guild = deps.client.guilds.cache.get(guildId);
  if (!guild) {
    await release(ctx.db, claimed.id, 'the server is not in this process’s cache');
    return { kind, period, result: 'retry', error: 'server not cached' };
  }
  const problem = winnerRoleProblem(guild, roleId);
  if (problem) return fail(problem);

  // The server's own version of the challenge (its metric and title), as the recap judged it.
  const challenge = (await ctx.contents.forGuild(guildId)).challengesById.get(run.challengeId);
  const judged = judge(
    (await submissionsOf(ctx.db, run.id)).map((s) => ({ ...s, flagged: s.flaggedAt !== null })),
    challenge?.metric,
  );
  const won = new Set(winners(judged).map((s) => s.userId));
  const holders = await winnerHolders(ctx.db, guildId);
  const title = challenge?.title ?? run.challengeId;
  try {
    for (const holder of holders) {
      if (won.has(holder.userId) && holder.roleId === roleId) continue;
      try {
        await guild.members.removeRole({ user: holder.userId, role: holder.roleId, reason: `Cohort: the weekly challenge winner role moves on (${title})` });
      } catch (error) {
        if (!isGone(error)) throw error;
      }
      await forgetWinner(ctx.db, guildId, holder.userId);
    }
    const held = new Map(holders.map((h) => [h.userId, h.roleId]));
    for (const userId of won) {
      if (held.get(userId) !== roleId) {
        try {
          await guild.members.addRole({ user: userId, role: roleId, reason: `Cohort: winner of the weekly challenge ${title}` });
        } catch (error) {
          if (winnerRoleFailure(error, roleId) || !isGone(error)) throw error;
          log.info({ userId }, 'winner role not given: the member left the server');
          continue;
        }
      }
      await recordWinner(ctx.db, { guildId, userId, roleId, weekId: run.id, grantedAt: now });
    }
  } catch (error) {
    const lasting = winnerRoleFailure(error, roleId);
    if (lasting) return fail(lasting);
    const text = error instanceof Error ? error.message : String(error);
    if (claimed.attempts >= MAX_ATTEMPTS) return fail(`Discord kept failing to change <@&${roleId}> (${text.slice(0, 200)}); run \`/setup challenges\` to try again.`);
    await release(ctx.db, claimed.id, text);
    log.warn({ err: error, attempts: claimed.attempts }, 'winner role move failed; retried next minute');
    return { kind, period, result: 'retry', error: text };
  }
  await complete(ctx.db, claimed.id, { postedAt: now, ref: roleId });
  if (settings.challengesWinnerRoleError) await setWinnerRoleError(ctx.db, guildId, null);
  log.info({ winners: [...won], removed: holders.filter((h) => !won.has(h.userId) || h.roleId !== roleId).length }, 'winner role moved');
  return { kind, period, result: 'posted' };
}

/**
 * The posts of a period: the kinds that need no claim attempt (posted, skipped, failed unless the
 * setup changed since, or held by a live claim), and when the announcement went out, if it did.
 */
export async function postsOf(ctx: Context, guildId: string, period: string, settings: GuildSettings): Promise<{ settled: Set<PostKind>; announcedAt?: Date; recapPosted: boolean }> {
  const rows = await ctx.db
    .select()
    .from(scheduledPosts)
    .where(
      and(
        eq(scheduledPosts.guildId, guildId),
        eq(scheduledPosts.period, period),
        inArray(scheduledPosts.kind, ['challenge_announce', 'challenge_midweek', 'challenge_final', 'challenge_recap', 'challenge_winner_role']),
      ),
    );
  const now = ctx.clock.now();
  const announcement = rows.find((r) => r.kind === 'challenge_announce' && r.status === 'posted');
  return {
    settled: new Set(rows.filter((r) => isSettled(r, now, CLAIM_STALE_MS, settings.updatedAt)).map((r) => r.kind)),
    recapPosted: rows.some((r) => r.kind === 'challenge_recap' && r.status === 'posted'),
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
  const messages = await messagesFor(ctx, settings, run, kind, claimed, now);
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

/**
 * A post's messages. A reminder pings the participants as they were when the post was claimed
 * (keptRecipients): one split over several messages and retried part way sends the rest of the same list.
 */
async function messagesFor(
  ctx: Context,
  settings: GuildSettings,
  run: Run,
  kind: PostKind,
  claimed: { id: number; steps: Record<string, string> },
  now: Date,
): Promise<RESTPostAPIChannelMessageJSONBody[]> {
  const challenge = (await ctx.contents.forGuild(settings.guildId)).challengesById.get(run.challengeId);
  switch (kind) {
    case 'challenge_announce':
      return [announcementMessage(challenge, run, { pingRoleId: settings.challengesPingRoleId })];
    case 'challenge_midweek':
    case 'challenge_final':
      return reminderMessages(kind === 'challenge_final' ? 'final' : 'midweek', challenge, run, await keptRecipients(ctx.db, claimed, () => participantsOf(ctx.db, run.id)), now);
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
