import { randomBytes } from 'node:crypto';
import { DiscordAPIError, RESTJSONErrorCodes, Routes, type APIMessage, type Client, type RESTPostAPIChannelMessageJSONBody } from 'discord.js';
import { and, eq, inArray, like } from 'drizzle-orm';
import type { Context } from '../context.js';
import { claim, complete, markFailed, markSkipped, recordStep, release, type PostKind } from '../db/queries/claims.js';
import { certificatesOf, issueCertificate, markNudged, membersOf, syncUnits, unitsDone, unitsOf, updateCohort } from '../db/queries/cohorts.js';
import { cohorts, scheduledPosts, type Cohort, type CohortCertificate } from '../db/schema.js';
import { cohortEnd, currentUnit, earnsCertificate, paceOf, verificationCode, type Unit } from '../domain/cohorts.js';
import { describeRoleRefusal } from '../discord/cohort-roles.js';
import { describeDiscordError } from '../discord/errors.js';
import type { OutboundBudget } from '../discord/pacing.js';
import { catchUpMessage, certificateRuleOf, unitAnnouncement, unitReminders } from '../discord/views/cohorts.js';
import { certificateSvg } from '../discord/views/certificate.js';
import { fanOut, isSettled } from './fan-out.js';
import { keptRecipients, sendClaimedMessages } from './post-steps.js';
import type { Job } from './scheduler.js';

/** A claim older than this belongs to a process that died between claiming and posting. */
export const COHORT_CLAIM_STALE_MS = 10 * 60_000;
const MAX_ATTEMPTS = 5;
/** A cohort is looked at until this long after its last deadline (its certificates go out at the end). */
const KEEP_AFTER_END_MS = 14 * 86_400_000;

export interface CohortPosterDeps {
  ctx: Context;
  client: Client;
  /** Claim owner id: this process's (scheduler.owner), or an interaction's. */
  owner: string;
}

export type CohortOutcome = { kind: PostKind; period: string; result: 'posted' | 'skipped' | 'failed' | 'retry'; error?: string };

/**
 * The cohorts job: every minute, each running cohort's due posts (the week's unit, the reminder 24
 * hours before its deadline, the certificates at the end), each claimed exactly once in
 * scheduled_posts like the other scheduled posts, and caught up while still relevant.
 */
export function cohortsJob(deps: CohortPosterDeps & { budget: OutboundBudget }): Job {
  return {
    name: 'cohorts',
    async run(now, signal) {
      const rows = await deps.ctx.db.select().from(cohorts);
      const mine = rows.filter((c) => {
        if (!deps.client.guilds.cache.has(c.guildId)) return false;
        const units = unitsOf(c);
        const end = cohortEnd(units);
        return !!end && units[0]!.opensAt <= now && now.getTime() - end.getTime() < KEEP_AFTER_END_MS;
      });
      const loop = {
        concurrency: 1,
        signal,
        budget: deps.budget,
        onError(error: unknown, cohort: Cohort) {
          deps.ctx.metrics.scheduledPost('cohort', 'error');
          deps.ctx.logger.error({ err: error, guildId: cohort.guildId, cohortId: cohort.id }, 'cohort posts failed; retried next minute');
        },
      };
      await fanOut(mine, loop, async (cohort) => {
        await postDueCohortPosts(deps, cohort, now);
      });
    },
  };
}

interface Due {
  kind: PostKind;
  period: string;
  unit?: Unit;
  userId?: string;
  action: 'post' | 'skip';
}

/** The posts of a cohort due at `now`, in order: each unit's announcement and reminder while still before its deadline (else skipped). */
export function duePosts(cohort: Cohort, units: readonly Unit[], now: Date): Due[] {
  const out: Due[] = [];
  const t = now.getTime();
  for (const unit of units) {
    const live = t < unit.deadline.getTime() ? 'post' : 'skip';
    if (unit.opensAt.getTime() <= t) out.push({ kind: 'cohort_unit', period: `${cohort.id}:${unit.week}`, unit, action: live });
    if (unit.reminderAt && unit.reminderAt.getTime() <= t) out.push({ kind: 'cohort_reminder', period: `${cohort.id}:${unit.week}`, unit, action: live });
    // After each deadline but the last: members now two or more units behind are told once, privately, how to catch up.
    const next = units[unit.week];
    if (next && unit.deadline.getTime() <= t) out.push({ kind: 'cohort_nudges', period: `${cohort.id}:${unit.week}`, unit, action: t < next.deadline.getTime() ? 'post' : 'skip' });
  }
  return out;
}

/**
 * Posts what is due for one cohort. Stops at the first failure so that posts keep their order.
 * Once the cohort has ended: certificates are issued and each sent privately once.
 */
export async function postDueCohortPosts(deps: CohortPosterDeps, cohort: Cohort, now: Date): Promise<CohortOutcome[]> {
  const { ctx } = deps;
  const units = unitsOf(cohort);
  const outcomes: CohortOutcome[] = [];
  const settled = await settledPeriods(ctx, cohort, now);
  if (!cohort.brokenReason) {
    for (const due of duePosts(cohort, units, now)) {
      if (settled.has(`${due.kind}|${due.period}`)) continue;
      const outcome = await postOne(deps, cohort, units, due, now);
      if (!outcome) continue;
      outcomes.push(outcome);
      ctx.metrics.scheduledPost(outcome.kind, outcome.result);
      if (outcome.result === 'failed' || outcome.result === 'retry') return outcomes;
    }
  }
  const end = cohortEnd(units);
  if (end && end <= now) {
    const certificates = await settleCertificates(deps, cohort, now);
    for (const certificate of certificates) {
      const period = `${cohort.id}:${certificate.userId}`;
      if (settled.has(`cohort_certificate|${period}`)) continue;
      const outcome = await sendCertificate(deps, cohort, certificate, now);
      if (!outcome) continue;
      outcomes.push(outcome);
      ctx.metrics.scheduledPost(outcome.kind, outcome.result);
    }
  }
  return outcomes;
}

async function settledPeriods(ctx: Context, cohort: Cohort, now: Date): Promise<Set<string>> {
  const rows = await ctx.db
    .select()
    .from(scheduledPosts)
    .where(
      and(
        eq(scheduledPosts.guildId, cohort.guildId),
        inArray(scheduledPosts.kind, ['cohort_unit', 'cohort_reminder', 'cohort_nudges', 'cohort_certificate']),
        like(scheduledPosts.period, `${cohort.id}:%`),
      ),
    );
  return new Set(rows.filter((r) => isSettled(r, now, COHORT_CLAIM_STALE_MS, cohort.updatedAt)).map((r) => `${r.kind}|${r.period}`));
}

async function postOne(deps: CohortPosterDeps, cohort: Cohort, units: readonly Unit[], due: Due, now: Date): Promise<CohortOutcome | undefined> {
  const { ctx, owner } = deps;
  const { kind, period } = due;
  const log = ctx.logger.child({ guildId: cohort.guildId, cohortId: cohort.id, kind, period });
  const claimed = await claim(ctx.db, { guildId: cohort.guildId, kind, period, owner, now, staleAfterMs: COHORT_CLAIM_STALE_MS, retryFailedBefore: cohort.updatedAt });
  if (!claimed) return undefined;
  if (due.action === 'skip') {
    await markSkipped(ctx.db, claimed.id, 'missed while the bot was away; past its deadline');
    log.info('cohort post missed and past its deadline: recorded as skipped');
    return { kind, period, result: 'skipped' };
  }
  const unit = due.unit!;
  if (kind === 'cohort_nudges') return nudge(deps, cohort, units, claimed.id, period, now);
  let messages: RESTPostAPIChannelMessageJSONBody[];
  if (kind === 'cohort_unit') messages = [unitAnnouncement(await ctx.contents.forGuild(cohort.guildId), cohort, unit, units.length)];
  else messages = unitReminders(cohort, unit, await reminderRecipients(ctx, cohort, unit, claimed, now));
  if (messages.length === 0) {
    await markSkipped(ctx.db, claimed.id, 'every member has finished the unit: no one to remind');
    return { kind, period, result: 'skipped' };
  }
  const channelId = cohort.channelId;
  const posted: string[] = [];
  try {
    await sendClaimedMessages(ctx.db, deps.client, claimed, channelId, messages, 'co', posted);
  } catch (error) {
    const described = describeDiscordError(error, { channelId, setupCommand: '/cohort plan', resume: 'setup' });
    const text = error instanceof Error ? error.message : String(error);
    const givenUp = claimed.attempts >= MAX_ATTEMPTS;
    if (posted.length > 0 && (described?.stopsFeature || givenUp)) {
      // Part of a split reminder went out and the rest cannot follow: the post stands as it is.
      await complete(ctx.db, claimed.id, { messageId: posted[0]!, channelId, postedAt: now });
      log.warn({ err: error, posted: posted.length, of: messages.length }, 'cohort post only partly sent');
    }
    if (described?.stopsFeature) {
      if (posted.length === 0) await markFailed(ctx.db, claimed.id, `${described.code}: ${text}`);
      await updateCohort(ctx.db, cohort, { brokenReason: described.sentence }, now).catch(() => undefined);
      log.warn({ code: described.code }, 'cohort channel unusable: posts stop until a moderator runs /cohort plan channel:…');
      return { kind, period, result: 'failed', error: text };
    }
    if (givenUp) {
      if (posted.length > 0) return { kind, period, result: 'posted' };
      await markFailed(ctx.db, claimed.id, text);
      log.error({ err: error, attempts: claimed.attempts }, 'cohort post failed too often; given up');
      return { kind, period, result: 'failed', error: text };
    }
    await release(ctx.db, claimed.id, text);
    log.warn({ err: error, attempts: claimed.attempts, posted: posted.length, of: messages.length }, 'cohort post failed; the rest is retried next minute');
    return { kind, period, result: 'retry', error: text };
  }
  await complete(ctx.db, claimed.id, { messageId: posted[0]!, channelId, postedAt: now });
  log.info({ messages: posted.length }, 'cohort post sent');
  return { kind, period, result: 'posted' };
}

/**
 * Who the reminder pings: the members who still have the unit to do, counting steps marked done up
 * to now. Worked out once per claim and kept with it (step `recipients`), so that a reminder split
 * over several messages and retried part way sends the rest of the same list: worked out again, a
 * member who finished in between would shift the split, and someone would be pinged twice or not at all.
 */
async function reminderRecipients(ctx: Context, cohort: Cohort, unit: Unit, claimed: { id: number; steps: Record<string, string> }, now: Date): Promise<string[]> {
  return keptRecipients(ctx.db, claimed, async () => {
    await syncUnits(ctx.db, await ctx.contents.forGuild(cohort.guildId), cohort, now);
    const finished = new Set((await unitsDone(ctx.db, cohort.id)).filter((d) => d.week === unit.week).map((d) => d.userId));
    return (await membersOf(ctx.db, cohort.id)).map((m) => m.userId).filter((id) => !finished.has(id));
  });
}

/** Behind by this many units or more: told once, privately, how to catch up. */
export const NUDGE_BEHIND = 2;

/**
 * After a deadline: each member now NUDGE_BEHIND or more units behind, and not told before, gets
 * one DM with the units to catch up on (members.nudged_at is set before the DM: at most once,
 * even if two processes or a retry get here).
 */
async function nudge(deps: CohortPosterDeps, cohort: Cohort, units: readonly Unit[], claimId: number, period: string, now: Date): Promise<CohortOutcome> {
  const { ctx, client } = deps;
  const kind = 'cohort_nudges';
  await syncUnits(ctx.db, await ctx.contents.forGuild(cohort.guildId), cohort, now);
  const done = await unitsDone(ctx.db, cohort.id);
  const members = (await membersOf(ctx.db, cohort.id)).filter((m) => m.nudgedAt === null);
  let first: { messageId: string; channelId: string } | undefined;
  let sent = 0;
  for (const m of members) {
    const mine = new Set(done.filter((d) => d.userId === m.userId).map((d) => d.week));
    const pace = paceOf(units, mine, now);
    if (pace.kind !== 'behind' || pace.by < NUDGE_BEHIND) continue;
    if (!(await markNudged(ctx.db, cohort.id, m.userId, now))) continue;
    const missed = units.filter((u) => u.deadline <= now && !mine.has(u.week));
    try {
      const dm = (await client.rest.post(Routes.userChannels(), { body: { recipient_id: m.userId } })) as { id: string };
      const message = (await client.rest.post(Routes.channelMessages(dm.id), { body: catchUpMessage(await ctx.contents.forGuild(cohort.guildId), cohort, missed, currentUnit(units, now)) })) as APIMessage;
      first ??= { messageId: message.id, channelId: dm.id };
      sent++;
    } catch (error) {
      // A nudge is a kindness, not a duty: one that Discord refuses is not retried.
      ctx.logger.info({ err: error, guildId: cohort.guildId, cohortId: cohort.id, userId: m.userId }, 'catch-up nudge not delivered');
    }
  }
  if (!first) {
    await markSkipped(ctx.db, claimId, 'nobody newly two units behind');
    return { kind, period, result: 'skipped' };
  }
  await complete(ctx.db, claimId, { ...first, postedAt: now });
  ctx.logger.info({ guildId: cohort.guildId, cohortId: cohort.id, sent }, 'catch-up nudges sent');
  return { kind, period, result: 'posted' };
}

/** The name a certificate carries: the member's server display name, else their Discord name. */
async function displayNameOf(client: Client, guildId: string, userId: string): Promise<string> {
  try {
    const member = await client.guilds.cache.get(guildId)?.members.fetch(userId);
    if (member) return member.displayName;
  } catch {
    // gone from the server: their Discord name below
  }
  try {
    const user = await client.users.fetch(userId);
    return user.globalName ?? user.username;
  } catch {
    return 'A member';
  }
}

/**
 * Once a cohort has ended: records the units done up to its end, and issues a certificate (with a
 * fresh verification code) to each member who met its rule and has none yet. Returns every
 * certificate of the cohort. Safe to run again and from two processes (one certificate per member).
 */
export async function settleCertificates(deps: Pick<CohortPosterDeps, 'ctx' | 'client'>, cohort: Cohort, now: Date): Promise<CohortCertificate[]> {
  const { ctx } = deps;
  const units = unitsOf(cohort);
  const end = cohortEnd(units);
  if (!end || end > now) return [];
  const have = new Set((await certificatesOf(ctx.db, cohort.id)).map((c) => c.userId));
  const members = (await membersOf(ctx.db, cohort.id)).filter((m) => !have.has(m.userId));
  if (members.length > 0) {
    // Units done by the end count (a step marked done after the end is after every deadline).
    await syncUnits(ctx.db, await ctx.contents.forGuild(cohort.guildId), cohort, end, members.map((m) => m.userId));
    const done = await unitsDone(ctx.db, cohort.id, members.map((m) => m.userId));
    for (const m of members) {
      const mine = done.filter((d) => d.userId === m.userId);
      if (!earnsCertificate(units.length, mine, certificateRuleOf(cohort), cohort.latePolicy)) continue;
      await issueCertificate(ctx.db, {
        cohortId: cohort.id,
        userId: m.userId,
        code: verificationCode(randomBytes(10)),
        displayName: (await displayNameOf(deps.client, cohort.guildId, m.userId)).slice(0, 100),
        units: units.length,
        unitsDone: mine.length,
        unitsOnTime: mine.filter((d) => d.onTime).length,
        issuedAt: now,
      });
    }
  }
  return certificatesOf(ctx.db, cohort.id);
}

/** The certificate as a PNG file for a message. */
export async function certificateFile(ctx: Context, client: Client, cohort: Cohort, certificate: CohortCertificate): Promise<{ name: string; data: Buffer }> {
  const units = unitsOf(cohort);
  const svg = certificateSvg({
    certificate,
    cohort,
    trackTitle: (await ctx.contents.forGuild(cohort.guildId)).tracksById.get(cohort.trackId)?.title ?? cohort.trackId,
    serverName: client.guilds.cache.get(cohort.guildId)?.name ?? 'Cohort',
    starts: units[0]!.opensAt,
    ends: units.at(-1)!.deadline,
  });
  return { name: 'certificate.png', data: await ctx.images.renderPng(svg) };
}

export function certificateText(cohort: Cohort, certificate: CohortCertificate): string {
  return `🎓 **Congratulations!** You completed **${cohort.name}**: ${certificate.unitsDone} of ${certificate.units} units (${certificate.unitsOnTime} on time). Your verification code is \`${certificate.code}\`: anyone can check it with \`/cohort verify\`. \`/cohort certificate\` shows it again.`;
}

/** Sends one member their certificate by DM (claimed once per member), and gives the certificate role. */
async function sendCertificate(deps: CohortPosterDeps, cohort: Cohort, certificate: CohortCertificate, now: Date): Promise<CohortOutcome | undefined> {
  const { ctx, client, owner } = deps;
  const kind = 'cohort_certificate';
  const period = `${cohort.id}:${certificate.userId}`;
  const log = ctx.logger.child({ guildId: cohort.guildId, cohortId: cohort.id, userId: certificate.userId });
  const claimed = await claim(ctx.db, { guildId: cohort.guildId, kind, period, owner, now, staleAfterMs: COHORT_CLAIM_STALE_MS });
  if (!claimed) return undefined;
  if (cohort.certificateRoleId) {
    try {
      await client.rest.put(Routes.guildMemberRole(cohort.guildId, certificate.userId, cohort.certificateRoleId), { reason: `certificate of cohort ${cohort.name}` });
    } catch (error) {
      if (!describeRoleRefusal(error, cohort.certificateRoleId)) throw error;
      log.warn({ err: error }, 'certificate role not given');
    }
  }
  const sentBefore = claimed.steps.dm;
  if (sentBefore) {
    // A process that died after sending: the DM went out, only the claim was left open.
    await complete(ctx.db, claimed.id, { messageId: sentBefore, channelId: claimed.channelId ?? sentBefore, postedAt: now });
    return { kind, period, result: 'posted' };
  }
  try {
    const dm = (await client.rest.post(Routes.userChannels(), { body: { recipient_id: certificate.userId } })) as { id: string };
    const file = await certificateFile(ctx, client, cohort, certificate);
    const message = (await client.rest.post(Routes.channelMessages(dm.id), {
      body: { content: certificateText(cohort, certificate), nonce: `cc${claimed.id}`.slice(0, 25), enforce_nonce: true, attachments: [{ id: '0', filename: file.name, description: `Certificate of ${cohort.name}`.slice(0, 1024) }] },
      files: [{ name: file.name, data: file.data, contentType: 'image/png' }],
    })) as APIMessage;
    await recordStep(ctx.db, claimed.id, 'dm', message.id, { messageId: message.id, channelId: dm.id });
    await complete(ctx.db, claimed.id, { messageId: message.id, channelId: dm.id, postedAt: now });
    log.info('certificate sent');
    return { kind, period, result: 'posted' };
  } catch (error) {
    const code = error instanceof DiscordAPIError ? error.code : undefined;
    const text = error instanceof Error ? error.message : String(error);
    if (code === RESTJSONErrorCodes.CannotSendMessagesToThisUser || code === RESTJSONErrorCodes.UnknownUser) {
      // They get it with /cohort certificate.
      await markSkipped(ctx.db, claimed.id, `DM refused (${code}): the member can still get it with /cohort certificate`);
      return { kind, period, result: 'skipped' };
    }
    if (claimed.attempts >= MAX_ATTEMPTS) {
      await markFailed(ctx.db, claimed.id, text);
      return { kind, period, result: 'failed', error: text };
    }
    await release(ctx.db, claimed.id, text);
    log.warn({ err: error }, 'certificate DM failed; retried next minute');
    return { kind, period, result: 'retry', error: text };
  }
}
