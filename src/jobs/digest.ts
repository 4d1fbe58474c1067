import type { Client } from 'discord.js';
import type { Context } from '../context.js';
import { claimDigest, digestData, digestMembers, digestRows, markDmClosed, releaseDigest, settleDigest } from '../db/queries/digest.js';
import { dueDigest, type DigestOccurrence } from '../domain/digest.js';
import { isValidTimeZone, parseTimeOfDay } from '../domain/timezones.js';
import { digestMessage } from '../discord/views/digest.js';
import { catchupWindowMs, isSettled, type FanOutJobOptions } from './fan-out.js';
import { sendDueDms, sendMemberDm, type DmOutcome } from './member-dms.js';
import type { Job } from './scheduler.js';

/** A claim not settled within this time is assumed dead (crash between claim and DM) and retried. */
export const DIGEST_CLAIM_STALE_MS = 5 * 60_000;
/** Members handled at the same time; their Discord calls wait for the app's outbound budget (as for prompts). */
export const DIGEST_CONCURRENCY = 10;

export type DigestJobOptions = FanOutJobOptions;

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

    const counts: Record<DmOutcome, number> = { sent: 0, closed: 0, failed: 0, retry: 0 };
    const job = { kind: 'digest', what: 'weekly digest', log, concurrency, signal, budget: options.budget };
    await sendDueDms(ctx, job, open, counts, (d) => send(d, now));
  }

  async function send(d: Due, now: Date): Promise<DmOutcome | undefined> {
    const member = { guildId: d.guildId, userId: d.userId };
    const claim = await claimDigest(ctx.db, { ...member, week: d.occurrence.week }, options.owner, now, staleAfterMs);
    if (!claim) return undefined;
    const guild = client.guilds.cache.get(d.guildId);
    const content = await ctx.contents.forGuild(d.guildId);
    const data = await digestData(ctx.db, content, member, now);
    const body = digestMessage(content, data, { id: d.guildId, name: guild?.name ?? 'your study group' });
    return sendMemberDm(ctx, client, { member, body, nonce: `digest-${claim.id}`, what: 'digest', about: { week: d.occurrence.week }, log }, {
      sent: (message) => settleDigest(ctx.db, claim.id, { status: 'sent', messageId: message.id, at: ctx.clock.now() }),
      failed: (error) => settleDigest(ctx.db, claim.id, { status: 'failed', error }),
      markClosed: () => markDmClosed(ctx.db, member, ctx.clock.now()),
      release: (error) => releaseDigest(ctx.db, claim.id, error),
    });
  }

  return { name: 'digest', run };
}
