import { ChannelType, DiscordAPIError, ThreadAutoArchiveDuration, type Client, type ThreadChannel } from 'discord.js';
import type { Context } from '../context.js';
import { findStep } from '../content/loader.js';
import { claim, complete, findPost, markFailed, markSkipped, release } from '../db/queries/claims.js';
import { markAlone, podCandidateRows, podGuilds, podHistory, savePlan, setPodKickoff, setPodThread, setPodsBroken, weekPods, type PodWithMembers } from '../db/queries/pods.js';
import type { PodSettings } from '../db/schema.js';
import { utcOffsetMinutes } from '../domain/dates.js';
import { formPods, formsAfterChange, latestPodWeek, podStanding, type PodWeek } from '../domain/pods.js';
import { trackProgress } from '../domain/progress.js';
import { isValidTimeZone, parseTimeOfDay } from '../domain/timezones.js';
import { podAloneMessage, podCheckin, podKickoff, podThreadName } from '../discord/views/pods.js';
import { catchupWindowMs, fanOut, isSettled, type FanOutJobOptions } from './fan-out.js';
import type { Job } from './scheduler.js';

/** A forming or check-in claim not completed within this time is assumed dead and retried. */
export const POD_CLAIM_STALE_MS = 10 * 60_000;

/** Discord errors that retrying will not fix: pods stop for the server until /setup pods runs again. */
const PERMANENT_CODES = new Set([10003, 50001, 50013]);

/** Servers handled at the same time: one after the other, as pods always were (the budget paces their calls anyway). */
export const POD_CONCURRENCY = 1;

export type PodJobOptions = FanOutJobOptions;

type Settings = PodSettings & { timezone: string };

/** A server whose latest pod week may need work. */
interface Due {
  settings: Settings;
  week: PodWeek;
  /** The forming was due before pods were set up or last changed: it is not caught up (its check-ins still come if it was formed). */
  formingBeforeSetup: boolean;
}

/**
 * The weekly pods job: at each server's forming time, claims (guild, 'pods_form', week) once,
 * groups the opted-in members (domain/pods.ts formPods), records the pods and opens a private
 * thread per pod with a kickoff; three days later posts one check-in per pod (claimed per pod).
 * A forming missed by more than CATCHUP_HOURS (the bot was down) is recorded as skipped.
 */
export function podsJob(ctx: Context, client: Client, options: PodJobOptions): Job {
  const concurrency = options.concurrency ?? POD_CONCURRENCY;
  const staleAfterMs = options.staleAfterMs ?? POD_CLAIM_STALE_MS;
  const catchupMs = catchupWindowMs(ctx.config);
  const log = ctx.logger.child({ job: 'pods' });

  async function run(now: Date, signal: AbortSignal): Promise<void> {
    if (!client.isReady()) return;
    const due: Due[] = [];
    for (const settings of await podGuilds(ctx.db)) {
      if (!client.guilds.cache.get(settings.guildId)?.available) continue;
      const time = parseTimeOfDay(settings.time);
      if (!time || !isValidTimeZone(settings.timezone)) continue;
      const week = latestPodWeek(now, settings.day, time, settings.timezone);
      // A forming due before pods were set up (or changed) is not caught up: the next one is. A
      // week already formed keeps its check-ins whatever was saved since.
      const formingBeforeSetup = !formsAfterChange(week, settings.updatedAt);
      if (formingBeforeSetup && now.getTime() < week.checkinAt.getTime()) continue;
      due.push({ settings, week, formingBeforeSetup });
    }
    const loop = {
      concurrency,
      signal,
      budget: options.budget,
      onError(error: unknown, { settings }: Due) {
        log.error({ err: error, guildId: settings.guildId }, 'pods for a server failed; will retry');
      },
    };
    await fanOut(due, loop, async ({ settings, week, formingBeforeSetup }) => {
      if (!formingBeforeSetup) await form(settings, week, now);
      if (now.getTime() >= week.checkinAt.getTime()) await checkins(settings, week, now);
    });
  }

  async function form(settings: Settings, week: PodWeek, now: Date): Promise<void> {
    const { guildId } = settings;
    const existing = await findPost(ctx.db, { guildId, kind: 'pods_form', period: week.week });
    if (existing && isSettled(existing, now, staleAfterMs, settings.updatedAt)) return;
    const taken = await claim(ctx.db, { guildId, kind: 'pods_form', period: week.week, owner: options.owner, now, staleAfterMs, retryFailedBefore: settings.updatedAt });
    if (!taken) return;
    if (now.getTime() - week.formAt.getTime() > catchupMs && taken.attempts === 1) {
      await markSkipped(ctx.db, taken.id, `missed: the bot was offline at ${week.formAt.toISOString()} and came back after the catch-up window`);
      log.info({ guildId, week: week.week }, 'missed pod forming recorded as skipped');
      return;
    }
    try {
      let list = await weekPods(ctx.db, guildId, week.week);
      if (list.length === 0) {
        const rows = await podCandidateRows(ctx.db, guildId);
        const content = await ctx.contents.forGuild(guildId);
        const standings = rows.map((r) => {
          const progress = content.tracks.map((t) => trackProgress(t, r.done, (id) => findStep(content, id)?.step.id ?? id, r.branches.get(t.id)));
          const zone = r.timezone && isValidTimeZone(r.timezone) ? r.timezone : settings.timezone;
          return { ...r, standing: podStanding(progress), offset: utcOffsetMinutes(zone, week.formAt) };
        });
        const plan = formPods({
          members: standings.map((s) => ({ userId: s.userId, position: s.standing.position, utcOffsetMinutes: s.offset, preferredSize: s.preferredSize })),
          history: await podHistory(ctx.db, guildId, week.week),
          seed: `${guildId}:${week.week}`,
        });
        for (const userId of plan.alone) {
          await markAlone(ctx.db, { guildId, userId }, week.week);
          await tellAlone(guildId, userId, week);
        }
        if (plan.pods.length === 0) {
          await markSkipped(ctx.db, taken.id, plan.alone.length > 0 ? 'only one member had joined: nobody to pair with' : 'nobody had joined');
          log.info({ guildId, week: week.week, members: rows.length }, 'no pods formed');
          return;
        }
        const stepOf = new Map(standings.map((s) => [s.userId, s.standing.step?.id ?? null]));
        list = await savePlan(ctx.db, guildId, week.week, plan.pods.map((pod) => pod.map((userId) => ({ userId, stepId: stepOf.get(userId) ?? null }))), now);
      }
      let lastMessage: { id: string; channelId: string } | undefined;
      for (const pod of list) lastMessage = (await openPod(settings, pod, week, taken.attempts > 1)) ?? lastMessage;
      await complete(ctx.db, taken.id, { messageId: lastMessage?.id ?? list[0]!.threadId!, channelId: settings.channelId, postedAt: ctx.clock.now(), ref: `${list.length} pods` });
      ctx.metrics.scheduledPost('pods_form', 'posted');
      log.info({ guildId, week: week.week, pods: list.length, members: list.reduce((n, p) => n + p.members.length, 0) }, 'pods formed');
    } catch (error) {
      const reason = brokenReason(error, settings.channelId);
      if (reason) {
        await markFailed(ctx.db, taken.id, reason);
        await setPodsBroken(ctx.db, guildId, reason);
        log.warn({ guildId, reason }, 'pods stopped for a server: setup broken');
        return;
      }
      await release(ctx.db, taken.id, error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  /**
   * A DM to the only member who had joined: nobody to pair with this week, and they stay in. A
   * closed DM changes nothing (/pod status says the same); a retried forming does not DM twice
   * (the nonce).
   */
  async function tellAlone(guildId: string, userId: string, week: PodWeek): Promise<void> {
    const name = client.guilds.cache.get(guildId)?.name ?? 'your study group';
    try {
      const dm = await client.users.createDM(userId);
      await dm.send({ content: podAloneMessage(name, week.week), allowedMentions: { parse: [] }, nonce: `pa${guildId.slice(-8)}${week.week.replaceAll('-', '')}`, enforceNonce: true });
    } catch (error) {
      log.info({ guildId, userId, week: week.week, code: error instanceof DiscordAPIError ? error.code : undefined }, 'could not DM the lone pod member; /pod status tells them');
    }
  }

  /**
   * Creates the pod's private thread and posts its kickoff, each only if not recorded yet (a
   * retried forming). A retried forming first looks for the pod's thread among the channel's
   * active threads (created, but the process died before recording it); the kickoff carries a
   * nonce of the pod, so a kickoff whose answer was lost is returned by Discord, not posted twice.
   */
  async function openPod(settings: Settings, pod: PodWithMembers, week: PodWeek, retried: boolean): Promise<{ id: string; channelId: string } | undefined> {
    let thread: ThreadChannel | undefined;
    if (!pod.threadId) {
      const parent = client.channels.cache.get(settings.channelId) ?? (await client.channels.fetch(settings.channelId));
      if (!parent || parent.type !== ChannelType.GuildText) throw new SetupBroken(`<#${settings.channelId}> is not a text channel I can open private threads in any more. Choose another one with /setup pods.`);
      const name = podThreadName(pod.number, week.week);
      if (retried) {
        const active = await parent.threads.fetchActive();
        thread = active.threads.find((t) => t.name === name && t.parentId === parent.id && t.ownerId === client.user?.id && t.type === ChannelType.PrivateThread);
      }
      thread ??= await parent.threads.create({
        name,
        type: ChannelType.PrivateThread,
        invitable: false,
        autoArchiveDuration: ThreadAutoArchiveDuration.OneWeek,
        reason: 'Cohort study pod',
      });
      await setPodThread(ctx.db, pod.id, thread.id);
    }
    if (pod.kickoffMessageId) return undefined;
    thread ??= (await client.channels.fetch(pod.threadId!)) as ThreadChannel;
    const content = await ctx.contents.forGuild(settings.guildId);
    const members = pod.members.map((m) => {
      const step = m.stepId ? findStep(content, m.stepId)?.step : undefined;
      return { userId: m.userId, ...(step ? { step } : {}) };
    });
    const message = await thread.send({ ...podKickoff(members, week.checkinAt), nonce: `pk${pod.id}`, enforceNonce: true });
    await setPodKickoff(ctx.db, pod.id, message.id);
    return { id: message.id, channelId: thread.id };
  }

  async function checkins(settings: Settings, week: PodWeek, now: Date): Promise<void> {
    if (now.getTime() >= week.nextFormAt.getTime()) return;
    for (const pod of await weekPods(ctx.db, settings.guildId, week.week)) {
      if (!pod.threadId || !pod.kickoffMessageId) continue;
      const period = `${week.week}#${pod.number}`;
      const existing = await findPost(ctx.db, { guildId: settings.guildId, kind: 'pod_checkin', period });
      if (existing && isSettled(existing, now, staleAfterMs)) continue;
      const taken = await claim(ctx.db, { guildId: settings.guildId, kind: 'pod_checkin', period, owner: options.owner, now, staleAfterMs });
      if (!taken) continue;
      try {
        const thread = (await client.channels.fetch(pod.threadId)) as ThreadChannel;
        const message = await thread.send({ ...podCheckin(), nonce: `pc${taken.id}`, enforceNonce: true });
        await complete(ctx.db, taken.id, { messageId: message.id, channelId: thread.id, postedAt: ctx.clock.now() });
        ctx.metrics.scheduledPost('pod_checkin', 'posted');
      } catch (error) {
        if (error instanceof DiscordAPIError && typeof error.code === 'number' && PERMANENT_CODES.has(error.code)) {
          await markFailed(ctx.db, taken.id, error.message); // e.g. the thread was deleted: that pod only
          log.warn({ guildId: settings.guildId, podId: pod.id, code: error.code }, 'pod check-in refused');
        } else {
          await release(ctx.db, taken.id, error instanceof Error ? error.message : String(error));
          throw error;
        }
      }
    }
  }

  return { name: 'pods', run };
}

class SetupBroken extends Error {}

function brokenReason(error: unknown, channelId: string): string | undefined {
  if (error instanceof SetupBroken) return error.message;
  if (!(error instanceof DiscordAPIError) || typeof error.code !== 'number' || !PERMANENT_CODES.has(error.code)) return undefined;
  switch (error.code) {
    case 10003:
      return `The pods channel <#${channelId}> no longer exists (Discord error 10003). Choose another one with /setup pods.`;
    case 50001:
      return `I can no longer see <#${channelId}> (Discord error 50001, Missing Access). Give me View Channel there, then run /setup pods again.`;
    default:
      return `I am not allowed to open private threads in <#${channelId}> (Discord error 50013, Missing Permissions). I need Create Private Threads and Send Messages in Threads there; fix the channel’s permissions, then run /setup pods again.`;
  }
}
