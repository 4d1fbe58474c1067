import { DiscordAPIError, RESTJSONErrorCodes, type Client } from 'discord.js';
import { and, eq, inArray, like } from 'drizzle-orm';
import type { Context } from '../context.js';
import { claim, complete, markFailed, markSkipped, release, type PostKind } from '../db/queries/claims.js';
import { liveStudyEvents, recordAttendance, rsvpsOf, setDiscordState, voiceSessionsIn } from '../db/queries/events.js';
import { scheduledPosts, type StudyEvent } from '../db/schema.js';
import { attendance, currentOccurrence, endedOccurrences, REMINDER_BEFORE_MS, type Occurrence } from '../domain/events.js';
import { describeDiscordError } from '../discord/errors.js';
import { editCard } from '../discord/event-cards.js';
import type { OutboundBudget } from '../discord/pacing.js';
import { createDiscordEvent, deleteDiscordEvent, EVENT_CLAIM_STALE_MS, retryFailedBefore } from '../discord/scheduled-events.js';
import { eventReminders } from '../discord/views/events.js';
import { fanOut, isSettled } from './fan-out.js';
import { keptRecipients, sendClaimedMessages } from './post-steps.js';
import type { Job } from './scheduler.js';

/** Attendance is counted this long after a session ends, so that the last voice changes are stored. */
export const ATTENDANCE_GRACE_MS = 2 * 60_000;
/** Sessions that ended longer ago than this are not looked at again (their attendance was caught up or is lost). */
const CATCH_UP_MS = 14 * 86_400_000;
const MAX_ATTEMPTS = 5;
const KINDS: PostKind[] = ['event_discord', 'event_reminder', 'event_attendance'];

export interface EventDeps {
  ctx: Context;
  client: Client;
  owner: string;
}

export type EventOutcome = { kind: PostKind; period: string; result: 'posted' | 'skipped' | 'failed' | 'retry' };

/**
 * The events job, every minute, for each event not cancelled in this process's servers: the
 * current session's Discord scheduled event (a weekly event gets the next one when a session ends),
 * the one reminder 15 minutes before the start to those going, and after each session its
 * attendance, then the card shows the next session. Each is claimed once in scheduled_posts
 * (`<event id>:<occurrence>`): across restarts and two processes; a reminder missed until the start
 * is recorded as skipped, attendance is caught up for two weeks.
 */
export function eventsJob(deps: EventDeps & { budget: OutboundBudget }): Job {
  return {
    name: 'events',
    async run(now, signal) {
      const events = (await liveStudyEvents(deps.ctx.db)).filter((e) => deps.client.guilds.cache.has(e.guildId) && stillRelevant(e, now));
      await fanOut(
        events,
        {
          concurrency: 2,
          signal,
          budget: deps.budget,
          onError(error, event) {
            deps.ctx.metrics.scheduledPost('event', 'error');
            deps.ctx.logger.error({ err: error, guildId: event.guildId, eventId: event.id }, 'event work failed; retried next minute');
          },
        },
        async (event) => {
          await settleEvent(deps, event, now);
        },
      );
    },
  };
}

function stillRelevant(event: StudyEvent, now: Date): boolean {
  if (currentOccurrence(event, now)) return true;
  const last = endedOccurrences(event, now, 1)[0];
  return !!last && now.getTime() - last.end.getTime() < CATCH_UP_MS;
}

async function settledPeriods(ctx: Context, event: StudyEvent, now: Date): Promise<Set<string>> {
  const rows = await ctx.db
    .select()
    .from(scheduledPosts)
    .where(and(eq(scheduledPosts.guildId, event.guildId), inArray(scheduledPosts.kind, KINDS), like(scheduledPosts.period, `${event.id}:%`)));
  return new Set(rows.filter((r) => isSettled(r, now, EVENT_CLAIM_STALE_MS, r.kind === 'event_discord' ? retryFailedBefore(event) : undefined)).map((r) => `${r.kind}|${r.period}`));
}

/** Everything due for one event at `now`, in order: attendance of ended sessions (and the card), the Discord event, the reminder. */
export async function settleEvent(deps: EventDeps, event: StudyEvent, now: Date): Promise<EventOutcome[]> {
  const { ctx } = deps;
  const settled = await settledPeriods(ctx, event, now);
  const out: EventOutcome[] = [];
  const done = (o: EventOutcome | undefined) => {
    if (!o) return;
    out.push(o);
    ctx.metrics.scheduledPost(o.kind, o.result);
  };
  for (const ended of endedOccurrences(event, now, 2).reverse()) {
    if (now.getTime() - ended.end.getTime() < ATTENDANCE_GRACE_MS || now.getTime() - ended.end.getTime() > CATCH_UP_MS) continue;
    if (ended.start < new Date(event.createdAt.getTime() - 60_000)) continue;
    if (settled.has(`event_attendance|${event.id}:${ended.index}`)) continue;
    done(await countAttendance(deps, event, ended, now));
  }
  const current = currentOccurrence(event, now);
  if (!current) return out;
  if (event.discordOccurrence !== current.index && !settled.has(`event_discord|${event.id}:${current.index}`)) {
    // The session before ended: its Discord event goes (Discord keeps an unstarted one listed), the next one comes.
    if (event.discordEventId && event.discordOccurrence !== null && event.discordOccurrence < current.index) {
      const problem = await deleteDiscordEvent(deps.client, event.guildId, event.discordEventId);
      if (problem) ctx.logger.info({ guildId: event.guildId, eventId: event.id, problem }, 'ended Discord event not removed');
      await setDiscordState(ctx.db, event.id, { discordEventId: null });
    }
    const made = await createDiscordEvent(deps, event, current, now);
    done({ kind: 'event_discord', period: `${event.id}:${current.index}`, result: made.ok ? 'posted' : 'problem' in made ? 'failed' : 'retry' });
  }
  if (now.getTime() >= current.start.getTime() - REMINDER_BEFORE_MS && !settled.has(`event_reminder|${event.id}:${current.index}`)) {
    done(await remind(deps, event, current, now));
  }
  return out;
}

async function remind(deps: EventDeps, event: StudyEvent, occurrence: Occurrence, now: Date): Promise<EventOutcome | undefined> {
  const { ctx, owner } = deps;
  const kind = 'event_reminder';
  const period = `${event.id}:${occurrence.index}`;
  const log = ctx.logger.child({ guildId: event.guildId, eventId: event.id, kind, period });
  const claimed = await claim(ctx.db, { guildId: event.guildId, kind, period, owner, now, staleAfterMs: EVENT_CLAIM_STALE_MS });
  if (!claimed) return undefined;
  if (now >= occurrence.start) {
    await markSkipped(ctx.db, claimed.id, 'missed while the bot was away; the session had started');
    log.info('event reminder missed and past the start: recorded as skipped');
    return { kind, period, result: 'skipped' };
  }
  const going = await reminderRecipients(ctx, event, occurrence, claimed);
  const messages = eventReminders(event, occurrence, going);
  if (messages.length === 0) {
    await markSkipped(ctx.db, claimed.id, 'nobody is going: no one to remind');
    return { kind, period, result: 'skipped' };
  }
  const posted: string[] = [];
  try {
    await sendClaimedMessages(ctx.db, deps.client, claimed, event.channelId, messages, 'ev', posted);
  } catch (error) {
    const described = describeDiscordError(error, { channelId: event.channelId, resume: 'automatic' });
    const text = error instanceof Error ? error.message : String(error);
    if (described?.stopsFeature || claimed.attempts >= MAX_ATTEMPTS) {
      if (posted.length > 0) await complete(ctx.db, claimed.id, { messageId: posted[0]!, channelId: event.channelId, postedAt: now });
      else await markFailed(ctx.db, claimed.id, described ? `${described.code}: ${text}` : text);
      log.warn({ err: error }, 'event reminder not sent');
      return { kind, period, result: posted.length > 0 ? 'posted' : 'failed' };
    }
    await release(ctx.db, claimed.id, text);
    log.warn({ err: error, attempts: claimed.attempts }, 'event reminder failed; retried next minute');
    return { kind, period, result: 'retry' };
  }
  await complete(ctx.db, claimed.id, { messageId: posted[0]!, channelId: event.channelId, postedAt: now });
  log.info({ going: going.length }, 'event reminder sent');
  return { kind, period, result: 'posted' };
}

/**
 * Who the reminder pings: those going, worked out once per claim and kept with it (step
 * `recipients`), so that a reminder split over several messages and retried part way sends the rest
 * of the same list (as the cohort reminders do): a member answering in between would shift the split.
 */
async function reminderRecipients(ctx: Context, event: StudyEvent, occurrence: Occurrence, claimed: { id: number; steps: Record<string, string> }): Promise<string[]> {
  return keptRecipients(ctx.db, claimed, async () => (await rsvpsOf(ctx.db, event.id, occurrence.index)).filter((r) => r.answer === 'going').map((r) => r.userId));
}

/**
 * After a session: members with ATTENDANCE_MINUTES or more in its voice channel during it (their
 * voice study sessions) are recorded, and the card shows them and the next session.
 */
async function countAttendance(deps: EventDeps, event: StudyEvent, occurrence: Occurrence, now: Date): Promise<EventOutcome | undefined> {
  const { ctx, owner } = deps;
  const kind = 'event_attendance';
  const period = `${event.id}:${occurrence.index}`;
  const claimed = await claim(ctx.db, { guildId: event.guildId, kind, period, owner, now, staleAfterMs: EVENT_CLAIM_STALE_MS });
  if (!claimed) return undefined;
  let attended = 0;
  if (event.voiceChannelId) {
    const sessions = await voiceSessionsIn(ctx.db, event.guildId, event.voiceChannelId, occurrence.start, occurrence.end);
    const rows = attendance(sessions, occurrence, now);
    await recordAttendance(ctx.db, event.id, occurrence.index, rows);
    attended = rows.length;
  }
  try {
    await editCard(deps.client, ctx.db, event, now);
  } catch (error) {
    const gone = error instanceof DiscordAPIError && (error.code === RESTJSONErrorCodes.UnknownMessage || error.code === RESTJSONErrorCodes.UnknownChannel);
    const described = describeDiscordError(error, { channelId: event.channelId, resume: 'automatic' });
    if (!gone && !described?.stopsFeature && claimed.attempts < MAX_ATTEMPTS) {
      await release(ctx.db, claimed.id, error instanceof Error ? error.message : String(error));
      return { kind, period, result: 'retry' };
    }
    ctx.logger.info({ err: error, guildId: event.guildId, eventId: event.id }, 'event card not updated after a session; attendance is recorded');
  }
  if (event.messageId) await complete(ctx.db, claimed.id, { messageId: event.messageId, channelId: event.channelId, postedAt: now });
  else await markSkipped(ctx.db, claimed.id, 'no card to update; attendance recorded');
  ctx.logger.info({ guildId: event.guildId, eventId: event.id, occurrence: occurrence.index, attended }, 'event attendance recorded');
  return { kind, period, result: 'posted' };
}
