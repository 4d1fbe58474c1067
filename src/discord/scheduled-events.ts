import { ChannelType, DiscordAPIError, RESTJSONErrorCodes, Routes, type APIGuildScheduledEvent, type Client } from 'discord.js';
import type { Context } from '../context.js';
import { claim, complete, markFailed, markSkipped, recordStep, release } from '../db/queries/claims.js';
import { setDiscordState } from '../db/queries/events.js';
import type { StudyEvent } from '../db/schema.js';
import type { Occurrence } from '../domain/events.js';
import { scheduledEventBody } from './views/events.js';

/**
 * The Discord side of an /event: each occurrence is a guild scheduled event in Discord's own events
 * list (so Discord's "Interested" reminders work too). Created once per occurrence (claimed in
 * scheduled_posts as event_discord `<event id>:<occurrence>`, across processes), changed with the
 * event, deleted when it is cancelled. Discord refusing is told in our words and never loses the
 * event: it stays in Cohort with its card, reminder and attendance.
 */

/** A claim of the Discord event older than this belongs to a process that died. */
export const EVENT_CLAIM_STALE_MS = 10 * 60_000;
const UNKNOWN_SCHEDULED_EVENT = 10070;

/** A refusal recorded at or before the event's last change is tried again (the change may be the fix, e.g. after a permission was given). */
export function retryFailedBefore(event: Pick<StudyEvent, 'updatedAt'>): Date {
  return new Date(event.updatedAt.getTime() + 1);
}

export type DiscordSync = { ok: true; id: string } | { ok: false; problem: string } | { ok: false; retry: string };

function channelKind(client: Client, channelId: string | null): 'voice' | 'stage' | undefined {
  if (!channelId) return undefined;
  const channel = client.channels.cache.get(channelId);
  if (!channel) return undefined;
  if (channel.type === ChannelType.GuildStageVoice) return 'stage';
  return channel.type === ChannelType.GuildVoice ? 'voice' : undefined;
}

/** What Discord's refusal of a scheduled event means, for moderators; undefined for errors worth retrying (network, 5xx). */
export function describeScheduledEventError(error: unknown, event: Pick<StudyEvent, 'voiceChannelId'>, kind?: 'voice' | 'stage'): string | undefined {
  if (!(error instanceof DiscordAPIError) || typeof error.code !== 'number') return undefined;
  const channel = !event.voiceChannelId
    ? ''
    : kind === 'stage'
      ? `, and in the stage <#${event.voiceChannelId}> View Channel, Connect and a stage moderator’s Manage Channels, Mute Members and Move Members`
      : ` and View Channel and Connect in <#${event.voiceChannelId}>`;
  switch (error.code as RESTJSONErrorCodes) {
    case RESTJSONErrorCodes.MissingPermissions:
    case RESTJSONErrorCodes.MissingAccess:
      return `Discord did not let me add it to the server’s events list (error ${error.code}): my role needs the Create Events permission${channel}. Give me that in Server Settings → Roles, then run \`/event edit\` on it (any change) to add it.`;
    case RESTJSONErrorCodes.UnknownChannel:
      return `Discord did not add it to the server’s events list: the voice channel no longer exists (error 10003). Pick another with \`/event edit voice:…\`.`;
    case RESTJSONErrorCodes.InvalidFormBodyOrContentType:
      return `Discord refused it for its events list (error 50035: ${error.message.split('\n').slice(1).join(' ').trim() || 'invalid event'}). It stays here with its card and reminder.`;
    default:
      return error.status >= 400 && error.status < 500 ? `Discord refused it for its events list (error ${error.code}: ${error.message}).` : undefined;
  }
}

/**
 * Creates the Discord scheduled event of `occurrence`, once: claimed per occurrence, so that two
 * processes (or a command and the job) make one. A claim another holds is `retry`.
 */
export async function createDiscordEvent(deps: { ctx: Context; client: Client; owner: string }, event: StudyEvent, occurrence: Occurrence, now: Date): Promise<DiscordSync> {
  const { ctx, client } = deps;
  const period = `${event.id}:${occurrence.index}`;
  const log = ctx.logger.child({ guildId: event.guildId, eventId: event.id, occurrence: occurrence.index });
  const claimed = await claim(ctx.db, { guildId: event.guildId, kind: 'event_discord', period, owner: deps.owner, now, staleAfterMs: EVENT_CLAIM_STALE_MS, retryFailedBefore: retryFailedBefore(event) });
  if (!claimed) return { ok: false, retry: 'another process is creating it' };
  const made = claimed.steps.event;
  if (made) {
    await complete(ctx.db, claimed.id, { messageId: made, channelId: event.voiceChannelId ?? event.channelId, postedAt: now, ref: made });
    await setDiscordState(ctx.db, event.id, { discordEventId: made, discordOccurrence: occurrence.index, discordProblem: null });
    return { ok: true, id: made };
  }
  if (occurrence.start <= now) {
    await markSkipped(ctx.db, claimed.id, 'the occurrence had started before its Discord event could be created');
    return { ok: false, retry: 'started already' };
  }
  try {
    const body = scheduledEventBody(event, occurrence, channelKind(client, event.voiceChannelId), `#${channelName(client, event.channelId)}`);
    // A claim taken again (a retry, or a process that died) may follow a create Discord did but whose answer was lost.
    const [earlier] = claimed.attempts > 1 ? await ourEvents(client, event.guildId, body) : [];
    const created = earlier ?? ((await client.rest.post(Routes.guildScheduledEvents(event.guildId), { body, reason: `/event ${event.id}` })) as APIGuildScheduledEvent);
    if (earlier) log.info({ discordEventId: earlier.id }, 'Discord scheduled event found already made by an earlier try; kept, not made again');
    await recordStep(ctx.db, claimed.id, 'event', created.id);
    await removeTwins(deps, event, body, created.id);
    await complete(ctx.db, claimed.id, { messageId: created.id, channelId: event.voiceChannelId ?? event.channelId, postedAt: now, ref: created.id });
    await setDiscordState(ctx.db, event.id, { discordEventId: created.id, discordOccurrence: occurrence.index, discordProblem: null });
    log.info({ discordEventId: created.id }, 'Discord scheduled event created');
    return { ok: true, id: created.id };
  } catch (error) {
    const problem = describeScheduledEventError(error, event, channelKind(client, event.voiceChannelId));
    const text = error instanceof Error ? error.message : String(error);
    if (problem) {
      await markFailed(ctx.db, claimed.id, text);
      await setDiscordState(ctx.db, event.id, { discordProblem: problem });
      log.warn({ err: error }, 'Discord refused the scheduled event');
      return { ok: false, problem };
    }
    await release(ctx.db, claimed.id, text);
    log.warn({ err: error }, 'Discord scheduled event not created; retried next minute');
    return { ok: false, retry: text };
  }
}

/**
 * The bot's own scheduled events with this name and start, oldest first. Discord takes no
 * idempotency key for scheduled events, so these stand for "the one this occurrence made"; a
 * moderator's event is never taken for ours.
 */
async function ourEvents(client: Client, guildId: string, body: { name: string; scheduled_start_time: string }): Promise<APIGuildScheduledEvent[]> {
  const listed = (await client.rest.get(Routes.guildScheduledEvents(guildId))) as APIGuildScheduledEvent[];
  const start = Date.parse(body.scheduled_start_time);
  return listed
    .filter((e) => e.creator_id === client.user?.id && e.name === body.name && Date.parse(e.scheduled_start_time) === start)
    .sort((x, y) => (BigInt(x.id) < BigInt(y.id) ? -1 : 1));
}

/**
 * Deletes the copies of the kept event that lost answers left: discord.js tries a 5xx again by
 * itself, so a create Discord did but answered with a 502 is made twice, and so is one of an earlier
 * try of the claim. A copy that cannot be deleted now is logged (the event itself is in step).
 */
async function removeTwins(deps: { ctx: Context; client: Client }, event: StudyEvent, body: { name: string; scheduled_start_time: string }, keptId: string): Promise<void> {
  const { ctx, client } = deps;
  try {
    for (const twin of (await ourEvents(client, event.guildId, body)).filter((e) => e.id !== keptId)) {
      await client.rest.delete(Routes.guildScheduledEvent(event.guildId, twin.id), { reason: `/event ${event.id}: a copy made by a retried request` });
      ctx.logger.info({ guildId: event.guildId, eventId: event.id, discordEventId: twin.id, kept: keptId }, 'copy of a Discord scheduled event deleted');
    }
  } catch (error) {
    ctx.logger.warn({ err: error, guildId: event.guildId, eventId: event.id }, 'copies of a Discord scheduled event could not be looked for or deleted');
  }
}

function channelName(client: Client, channelId: string): string {
  const channel = client.channels.cache.get(channelId);
  return channel && 'name' in channel && typeof channel.name === 'string' ? channel.name : 'the server';
}

/**
 * Brings the Discord event of the current occurrence in step after an edit (PATCH); one deleted in
 * Discord meanwhile is created again. Returns a problem in our words, or undefined when in step.
 */
export async function updateDiscordEvent(deps: { ctx: Context; client: Client; owner: string }, event: StudyEvent, occurrence: Occurrence, now: Date): Promise<string | undefined> {
  const { ctx, client } = deps;
  if (!event.discordEventId || event.discordOccurrence !== occurrence.index) {
    const made = await createDiscordEvent(deps, event, occurrence, now);
    return made.ok ? undefined : 'problem' in made ? made.problem : 'Discord’s events list did not take it just now; I try again within a minute.';
  }
  const body = scheduledEventBody(event, occurrence, channelKind(client, event.voiceChannelId), `#${channelName(client, event.channelId)}`);
  try {
    await client.rest.patch(Routes.guildScheduledEvent(event.guildId, event.discordEventId), {
      body: { ...body, channel_id: 'channel_id' in body ? body.channel_id : null, entity_metadata: 'entity_metadata' in body ? body.entity_metadata : null },
      reason: `/event edit ${event.id}`,
    });
    await setDiscordState(ctx.db, event.id, { discordProblem: null });
    return undefined;
  } catch (patchError) {
    let error = patchError;
    if (error instanceof DiscordAPIError && error.code === UNKNOWN_SCHEDULED_EVENT) {
      // Deleted in Discord: made again (a fresh claim would be settled already, so directly).
      try {
        const created = (await client.rest.post(Routes.guildScheduledEvents(event.guildId), { body, reason: `/event edit ${event.id}` })) as APIGuildScheduledEvent;
        await setDiscordState(ctx.db, event.id, { discordEventId: created.id, discordOccurrence: occurrence.index, discordProblem: null });
        await removeTwins(deps, event, body, created.id);
        return undefined;
      } catch (again) {
        error = again;
      }
    }
    const problem = describeScheduledEventError(error, event, channelKind(client, event.voiceChannelId)) ?? 'Discord did not answer, so its events list may still show the old details; the change is saved here.';
    await setDiscordState(ctx.db, event.id, { discordProblem: problem });
    ctx.logger.warn({ err: error, guildId: event.guildId, eventId: event.id }, 'Discord scheduled event not updated');
    return problem;
  }
}

/** Removes the event from Discord's list (cancelled, or an occurrence that ended). One already gone is fine. */
export async function deleteDiscordEvent(client: Client, guildId: string, discordEventId: string): Promise<string | undefined> {
  try {
    await client.rest.delete(Routes.guildScheduledEvent(guildId, discordEventId));
    return undefined;
  } catch (error) {
    if (error instanceof DiscordAPIError && error.code === UNKNOWN_SCHEDULED_EVENT) return undefined;
    return describeScheduledEventError(error, { voiceChannelId: null }) ?? 'Discord did not answer, so it may still be in the server’s events list; a moderator can delete it there.';
  }
}
