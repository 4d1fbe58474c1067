import { DiscordAPIError, type Client } from 'discord.js';
import type { Context } from '../context.js';
import { claimDigest, digestData, digestMembers, digestRows, markDmClosed, releaseDigest, settleDigest } from '../db/queries/digest.js';
import { dueDigest, type DigestOccurrence } from '../domain/digest.js';
import { isValidTimeZone, parseTimeOfDay } from '../domain/timezones.js';
import { digestMessage } from '../discord/views/digest.js';
import { catchupWindowMs, fanOut, isSettled, type FanOutJobOptions } from './fan-out.js';
import type { Job } from './scheduler.js';

/** A claim not settled within this time is assumed dead (crash between claim and DM) and retried. */
export const DIGEST_CLAIM_STALE_MS = 5 * 60_000;
/** Members handled at the same time; their Discord calls wait for the app's outbound budget (as for prompts). */
export const DIGEST_CONCURRENCY = 10;

/** Discord's "Cannot send messages to this user": the member's DMs are closed to the bot. */
const DMS_CLOSED = 50007;
/** Unknown User: the account is gone; nothing to retry. */
const UNKNOWN_USER = 10013;

export type DigestJobOptions = FanOutJobOptions;

type Outcome = 'sent' | 'closed' | 'failed' | 'retry';

interface Due {
  guildId: string;
  userId: string;
  occurrence: DigestOccurrence;
}

/**
 * The weekly digest job: every minute, for the members of this process's guilds whose digest day
 * and time have come in their zone (within CATCHUP_HOURS after downtime), claims (guild, member,
 * week) in digest_sends and sends one DM. Counted in cohort_scheduled_posts_total{kind="digest"}.
 */
export function digestJob(ctx: Context, client: Client, options: DigestJobOptions): Job {
  const concurrency = options.concurrency ?? DIGEST_CONCURRENCY;
  const staleAfterMs = options.staleAfterMs ?? DIGEST_CLAIM_STALE_MS;
  const catchupMs = catchupWindowMs(ctx.config);
  const log = ctx.logger.child({ job: 'digest' });

  async function run(now: Date, signal: AbortSignal): Promise<void> {
    if (!client.isReady()) return;
    const guildIds = client.guilds.cache.filter((g) => g.available).map((g) => g.id);
    const due: Due[] = [];
    for (const m of await digestMembers(ctx.db, guildIds)) {
      const time = parseTimeOfDay(m.time);
      if (!time || !isValidTimeZone(m.zone)) continue;
      const occurrence = dueDigest(now, { day: m.day, time, zone: m.zone }, { catchupMs, notBefore: m.updatedAt });
      if (occurrence) due.push({ guildId: m.guildId, userId: m.userId, occurrence });
    }
    if (due.length === 0) return;

    // One query tells which weeks are already settled (or held by a live claim); only the rest get work.
    const rows = await digestRows(ctx.db, due.map((d) => d.guildId), due.map((d) => d.occurrence.week));
    const taken = new Set(rows.filter((r) => isSettled(r, now, staleAfterMs)).map((r) => `${r.guildId}:${r.userId}:${r.week}`));
    const open = due.filter((d) => !taken.has(`${d.guildId}:${d.userId}:${d.occurrence.week}`));
    if (open.length === 0) return;

    const counts: Record<Outcome, number> = { sent: 0, closed: 0, failed: 0, retry: 0 };
    const loop = {
      concurrency,
      signal,
      budget: options.budget,
      onError(error: unknown, d: Due) {
        counts.retry += 1;
        ctx.metrics.scheduledPost('digest', 'error');
        log.error({ err: error, guildId: d.guildId, userId: d.userId }, 'digest for a member failed; will retry');
      },
    };
    await fanOut(open, loop, async (d) => {
      const outcome = await send(d, now);
      if (!outcome) return;
      counts[outcome] += 1;
      ctx.metrics.scheduledPost('digest', outcome);
    });
    log.info({ ...counts, due: open.length }, 'weekly digests run');
  }

  async function send(d: Due, now: Date): Promise<Outcome | undefined> {
    const member = { guildId: d.guildId, userId: d.userId };
    const claim = await claimDigest(ctx.db, { ...member, week: d.occurrence.week }, options.owner, now, staleAfterMs);
    if (!claim) return undefined;
    const guild = client.guilds.cache.get(d.guildId);
    const content = await ctx.contents.forGuild(d.guildId);
    const data = await digestData(ctx.db, content, member, now);
    try {
      const dm = await client.users.createDM(d.userId);
      // The nonce makes a retried claim (its process died right after sending) not post twice.
      const message = await dm.send({ ...digestMessage(content, data, { id: d.guildId, name: guild?.name ?? 'your study group' }), nonce: `digest-${claim.id}`, enforceNonce: true });
      await settleDigest(ctx.db, claim.id, { status: 'sent', messageId: message.id, at: ctx.clock.now() });
      log.debug({ ...member, week: d.occurrence.week, messageId: message.id }, 'digest sent');
      return 'sent';
    } catch (error) {
      const code = error instanceof DiscordAPIError ? error.code : undefined;
      if (code === DMS_CLOSED) {
        await settleDigest(ctx.db, claim.id, { status: 'failed', error: 'DMs closed (Discord error 50007)' });
        await markDmClosed(ctx.db, member, ctx.clock.now());
        ctx.notices.add(member);
        log.info({ ...member, week: d.occurrence.week }, 'digest DM refused: DMs closed; marked, not retried');
        return 'closed';
      }
      if (code === UNKNOWN_USER) {
        await settleDigest(ctx.db, claim.id, { status: 'failed', error: 'unknown user (Discord error 10013)' });
        return 'failed';
      }
      // 429s and 5xx were already retried by discord.js: give the claim back for the next minute.
      await releaseDigest(ctx.db, claim.id, error instanceof Error ? error.message : String(error));
      log.warn({ err: error, ...member }, 'could not send the digest; will retry');
      return 'retry';
    }
  }

  return { name: 'digest', run };
}
