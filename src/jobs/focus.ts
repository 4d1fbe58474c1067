import { DiscordAPIError, Routes, type APIMessage, type Client } from 'discord.js';
import type { Context } from '../context.js';
import { claim, complete, markFailed, markSkipped, openClaims, postsFor, release } from '../db/queries/claims.js';
import {
  activeSessions,
  currentParticipants,
  endSession,
  lockActiveSession,
  notePhaseClaimed,
  planOf,
  recordFocusStudy,
  sessionById,
  stintsOf,
} from '../db/queries/focus.js';
import type { FocusSession } from '../db/schema.js';
import { creditedPart, dueBoundaries, type DueBoundary } from '../domain/focus.js';
import { focusCard, phaseMessages } from '../discord/views/focus.js';
import type { OutboundBudget } from '../discord/pacing.js';
import { fanOut, isSettled } from './fan-out.js';
import type { Job } from './scheduler.js';

/** A phase-change claim older than this belongs to a process that died; taking it over never announces (it is late by then). */
export const FOCUS_CLAIM_STALE_MS = 5 * 60_000;

export interface FocusDeps {
  ctx: Context;
  client: Client;
  /** Claim owner: the scheduler's (one per process), or the interaction's for a command. */
  owner: string;
}

const periodOf = (sessionId: number, k: number) => `${sessionId}:${k}`;

/**
 * The focus job: every minute, each active session of this process's guilds gets its due phase
 * changes, each exactly once (claimed in scheduled_posts, kind focus_phase). At most a minute late;
 * after downtime the missed changes are recorded silently and the card is edited once.
 */
export function focusJob(deps: FocusDeps & { budget: OutboundBudget }): Job {
  return {
    name: 'focus',
    async run(now, signal) {
      const sessions = (await activeSessions(deps.ctx.db)).filter((s) => deps.client.guilds.cache.get(s.guildId)?.available); // not another shard's guild
      const loop = {
        concurrency: 1, // one session after the other, as this job always went
        signal,
        budget: deps.budget,
        onError(error: unknown, session: FocusSession) {
          deps.ctx.metrics.scheduledPost('focus_phase', 'error');
          deps.ctx.logger.error({ err: error, guildId: session.guildId, sessionId: session.id }, 'focus phase change failed; retried next minute');
        },
      };
      await recoverTakenOver(deps, now);
      await fanOut(sessions, loop, async (session) => {
        await settleSession(deps, session, now);
      });
    },
  };
}

/**
 * Phase changes whose process stopped after claiming them (the lease released the claim, or it
 * went stale): the change itself was recorded with the claim (settleSession's transaction), but
 * the card may still show the old phase, or a finished session as running. Takes each over,
 * edits the card to the session's state now, and records it without a ping (it would be late).
 */
async function recoverTakenOver(deps: FocusDeps, now: Date): Promise<void> {
  const { ctx } = deps;
  const open = (await openClaims(ctx.db, 'focus_phase')).filter((r) => deps.client.guilds.cache.get(r.guildId)?.available && !isSettled(r, now, FOCUS_CLAIM_STALE_MS));
  for (const row of open) {
    const taken = await claim(ctx.db, { guildId: row.guildId, kind: 'focus_phase', period: row.period, owner: deps.owner, now, staleAfterMs: FOCUS_CLAIM_STALE_MS });
    if (!taken) continue;
    const session = await sessionById(ctx.db, row.guildId, Number(row.period.split(':')[0]));
    if (session && !(await editCard(deps, session, await currentParticipants(ctx.db, session.id), now))) {
      await release(ctx.db, taken.id, 'could not edit the focus card; retried next minute');
      continue;
    }
    await markSkipped(ctx.db, taken.id, 'taken over from a process that stopped; card edited, not announced late');
    ctx.metrics.scheduledPost('focus_phase', 'skipped');
    ctx.logger.info({ guildId: row.guildId, period: row.period }, 'focus phase change taken over from a stopped process: card edited');
  }
}

/**
 * Handles every due, unsettled phase change of a session, oldest first: claims it (and, for the end
 * of a focus round seen on time, records the round as study time for those who stayed, in the same
 * transaction, so a round is counted exactly once), then edits the card once and pings the
 * participants for the latest change if it is on time. Returns the session as it is afterwards.
 */
export async function settleSession(deps: FocusDeps, session: FocusSession, now: Date): Promise<FocusSession> {
  const { ctx } = deps;
  const plan = planOf(session);
  // Phase changes up to phases_claimed are settled: only newer ones cost a query.
  const claimedBefore = new Set(Array.from({ length: session.phasesClaimed }, (_, i) => i + 1));
  const candidates = dueBoundaries(plan, now.getTime(), claimedBefore);
  if (candidates.length === 0) return session;
  const rows = await postsFor(ctx.db, 'focus_phase', [session.guildId], candidates.map((b) => periodOf(session.id, b.k)));
  const settled = new Set([
    ...claimedBefore,
    ...rows
      .filter((r) => isSettled(r, now, FOCUS_CLAIM_STALE_MS))
      .map((r) => Number(r.period.split(':')[1])),
  ]);
  const due = dueBoundaries(plan, now.getTime(), settled);
  const log = ctx.logger.child({ guildId: session.guildId, channelId: session.channelId, sessionId: session.id });

  const taken: { boundary: DueBoundary; claimId: number; fresh: boolean }[] = [];
  for (const boundary of due) {
    const claimed = await ctx.db.transaction(async (tx) => {
      if (!(await lockActiveSession(tx, session.id))) return null; // stopped meanwhile
      const row = await claim(tx, { guildId: session.guildId, kind: 'focus_phase', period: periodOf(session.id, boundary.k), owner: deps.owner, now, staleAfterMs: FOCUS_CLAIM_STALE_MS });
      if (!row) return null;
      await notePhaseClaimed(tx, session.id, boundary.k);
      // Only the first claim of a boundary credits the round: a takeover finds it already recorded.
      if (row.attempts === 1 && boundary.endsFocus && boundary.onTime) {
        for (const [userId, stints] of await stintsOf(tx, session.id)) {
          const part = creditedPart(boundary.endsFocus, stints);
          if (part) await recordFocusStudy(tx, { guildId: session.guildId, userId, channelId: session.channelId, startedAt: new Date(part.start), endedAt: new Date(part.end) });
        }
      }
      if (!boundary.next) await endSession(tx, session.id, { status: 'finished', at: new Date(boundary.at) });
      return row;
    });
    if (claimed) taken.push({ boundary, claimId: claimed.id, fresh: claimed.attempts === 1 });
  }
  if (taken.length === 0) return session;

  const current = (await sessionById(ctx.db, session.guildId, session.id)) ?? session;
  const participants = await currentParticipants(ctx.db, session.id);
  await editCard(deps, current, participants, now);

  for (const { boundary, claimId, fresh } of taken) {
    const reason = !boundary.onTime
      ? `missed: the bot was away at ${new Date(boundary.at).toISOString()}; recorded without a ping`
      : !boundary.announce
        ? 'superseded by a later phase change'
        : !fresh
          ? 'taken over from a process that stopped; not announced late'
          : participants.length === 0
            ? 'nobody to ping'
            : undefined;
    if (reason) {
      await markSkipped(ctx.db, claimId, reason);
      ctx.metrics.scheduledPost('focus_phase', 'skipped');
      log.info({ boundary: boundary.k, reason }, 'focus phase change recorded without a ping');
      continue;
    }
    const posted: APIMessage[] = [];
    try {
      for (const [i, body] of phaseMessages(current, boundary, participants).entries()) {
        const nonce = `f${claimId}m${i}`.slice(0, 25);
        posted.push((await deps.client.rest.post(Routes.channelMessages(session.channelId), { body: { ...body, nonce, enforce_nonce: true } })) as APIMessage);
      }
    } catch (error) {
      const code = error instanceof DiscordAPIError ? error.code : undefined;
      if (posted.length > 0) await complete(ctx.db, claimId, { messageId: posted[0]!.id, channelId: session.channelId, postedAt: ctx.clock.now() });
      else await markFailed(ctx.db, claimId, error instanceof Error ? error.message : String(error));
      ctx.metrics.scheduledPost('focus_phase', 'failed');
      log.warn({ err: error, code, boundary: boundary.k }, 'could not ping the focus session’s participants; not retried (it would be late)');
      continue;
    }
    await complete(ctx.db, claimId, { messageId: posted[0]!.id, channelId: session.channelId, postedAt: ctx.clock.now() });
    ctx.metrics.scheduledPost('focus_phase', 'posted');
    log.info({ boundary: boundary.k, participants: participants.length }, 'focus phase change announced');
  }
  return current;
}

/**
 * Edits the session's card to its state at `now`. A card that is gone or unreachable is logged,
 * never fatal. False when the edit may succeed if retried (not a Discord refusal: a 5xx, a
 * timeout), true when it is done or never can be.
 */
export async function editCard(deps: FocusDeps, session: FocusSession, participants: readonly string[], now: Date): Promise<boolean> {
  if (!session.messageId) return true;
  try {
    await deps.client.rest.patch(Routes.channelMessage(session.channelId, session.messageId), { body: focusCard(session, participants, now) });
    return true;
  } catch (error) {
    const code = error instanceof DiscordAPIError ? error.code : undefined;
    deps.ctx.logger.warn({ err: error, code, guildId: session.guildId, sessionId: session.id }, 'could not edit the focus card');
    return error instanceof DiscordAPIError && error.status < 500;
  }
}
