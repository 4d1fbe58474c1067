import { DiscordAPIError, RESTJSONErrorCodes, type Client, type MessageCreateOptions } from 'discord.js';
import type { Context } from '../context.js';
import type { MemberKey } from '../db/queries/streaks.js';
import type { OutboundBudget } from '../discord/pacing.js';
import type { Logger } from '../logger.js';
import { fanOut } from './fan-out.js';


/** How a claimed DM to a member went. */
export type DmOutcome = 'sent' | 'closed' | 'failed' | 'retry';

/** What the claim of a DM becomes: each kind of DM keeps its claims in its own table. */
export interface DmSettlement {
  /** Sent: the claim is done. */
  sent(message: { id: string; channelId: string }): Promise<unknown>;
  /** Refused for good (`error` says why): closed DMs, an account that is gone. */
  failed(error: string): Promise<unknown>;
  /** The member's DMs are closed: remembered so that the member is told once, after their next command. */
  markClosed(): Promise<unknown>;
  /** Anything else (429s and 5xx were already retried by discord.js): the claim is given back for the next minute. */
  release(error: string): Promise<unknown>;
}

/**
 * Sends one claimed DM to a member and settles its claim: the nonce makes a retried claim (its
 * process died right after sending) not post twice. Closed DMs are marked and the member told later
 * (ctx.notices), never retried; an unknown user is given up; anything else is retried.
 * `about` is logged with each line, `what` names the DM in them ("digest", "streak reminder").
 */
export async function sendMemberDm(
  ctx: Pick<Context, 'notices'>,
  client: Client,
  dm: { member: MemberKey; body: MessageCreateOptions; nonce: string; what: string; about: Record<string, unknown>; log: Logger },
  settle: DmSettlement,
): Promise<DmOutcome> {
  const { member, what, log } = dm;
  const about = { ...member, ...dm.about };
  try {
    const channel = await client.users.createDM(member.userId);
    const message = await channel.send({ ...dm.body, nonce: dm.nonce, enforceNonce: true });
    await settle.sent({ id: message.id, channelId: channel.id });
    log.debug({ ...about, messageId: message.id }, `${what} sent`);
    return 'sent';
  } catch (error) {
    const code = error instanceof DiscordAPIError ? error.code : undefined;
    if (code === RESTJSONErrorCodes.CannotSendMessagesToThisUser) {
      await settle.failed('DMs closed (Discord error 50007)');
      await settle.markClosed();
      ctx.notices.add(member);
      log.info(about, `${what} refused: DMs closed; marked, not retried`);
      return 'closed';
    }
    if (code === RESTJSONErrorCodes.UnknownUser) {
      await settle.failed('unknown user (Discord error 10013)');
      return 'failed';
    }
    await settle.release(error instanceof Error ? error.message : String(error));
    log.warn({ err: error, ...member }, `could not send the ${what}; will retry`);
    return 'retry';
  }
}

/**
 * Sends the due DMs of a job (one per member), `concurrency` at a time under the app's outbound
 * budget, counting each outcome in cohort_scheduled_posts_total{kind} and in one log line at the end.
 * A send that throws counts as `error` (metrics) and `retry` (the log line): its claim is retried later.
 */
export async function sendDueDms<D extends MemberKey, O extends string>(
  ctx: Pick<Context, 'metrics'>,
  job: { kind: string; what: string; log: Logger; concurrency: number; signal: AbortSignal; budget: OutboundBudget },
  due: readonly D[],
  counts: Record<O | 'retry', number>,
  send: (d: D) => Promise<O | 'retry' | undefined>,
): Promise<void> {
  const { kind, log } = job;
  const loop = {
    concurrency: job.concurrency,
    signal: job.signal,
    budget: job.budget,
    onError(error: unknown, d: D) {
      counts.retry += 1;
      ctx.metrics.scheduledPost(kind, 'error');
      log.error({ err: error, guildId: d.guildId, userId: d.userId }, `${job.what} for a member failed; will retry`);
    },
  };
  await fanOut(due, loop, async (d) => {
    const outcome = await send(d);
    if (!outcome) return;
    counts[outcome] += 1;
    ctx.metrics.scheduledPost(kind, outcome);
  });
  const figures: Record<string, number> = { ...counts, due: due.length };
  log.info(figures, `${job.what}s run`);
}
