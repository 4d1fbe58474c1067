/**
 * Guild scheduled events in the fake, as Discord keeps and checks them
 * (https://discord.com/developers/docs/resources/guild-scheduled-event):
 * - create (POST /guilds/:id/scheduled-events): a name of 1-100 characters, a description of at most
 *   1,000, privacy_level 2 (GUILD_ONLY), a start in the future, an end after the start; by entity
 *   type: STAGE_INSTANCE (1) and VOICE (2) need a channel_id of a stage or voice channel of the
 *   guild and no location; EXTERNAL (3) needs entity_metadata.location and a scheduled_end_time,
 *   and no channel_id. Errors are 400 50035 Invalid Form Body with the field in `errors`.
 * - permissions: MANAGE_EVENTS, or CREATE_EVENTS for an event the bot created; for a voice or stage
 *   event also View Channel and Connect in its channel (channel overwrites count), and for a stage
 *   event Manage Channels, Mute Members and Move Members there, as a stage moderator. 403 50013.
 * - modify (PATCH): the same rules on the event as it would become; status moves SCHEDULED → ACTIVE
 *   or CANCELED, ACTIVE → COMPLETED; a COMPLETED or CANCELED event cannot change (400 180000).
 * - get, list, delete (404 10070 Unknown Guild Scheduled Event).
 * - GUILD_SCHEDULED_EVENT_CREATE / UPDATE / DELETE to sessions that asked for the
 *   GUILD_SCHEDULED_EVENTS intent (1 << 16), as Discord sends them.
 *
 * "In the future" is on the fake's wall clock (`state.wallNow`), which a test sets to the bot's
 * clock: the bot and Discord agree on the time, as they do in production.
 */
import { HttpError } from './errors.js';
import { clone, type Obj } from './model.js';
import { guildPermissionsFor, Perm, permissionsFor } from './permissions.js';
import type { SimState } from './state.js';


export const ScheduledEventStatus = { Scheduled: 1, Active: 2, Completed: 3, Canceled: 4 } as const;
export const ScheduledEventEntity = { StageInstance: 1, Voice: 2, External: 3 } as const;

/** Discord's Invalid Form Body with one field's problem, as its `errors` object nests it. */
export function formError(field: string, code: string, message: string): HttpError {
  return new HttpError(400, 50035, 'Invalid Form Body', { [field]: { _errors: [{ code, message }] } });
}

const isoOrNull = (v: unknown): number | null | undefined => {
  if (v === undefined) return undefined;
  if (v === null) return null;
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isNaN(t) ? NaN : t;
};

/**
 * Checks an event as it would be stored (create, or an existing one with a patch applied), and the
 * bot's permissions for it. Throws Discord's error for the first problem.
 */
export function validateScheduledEvent(state: SimState, guildId: string, event: Obj, options: { creating: boolean; enforcePermissions: boolean; ownEvent: boolean; startMustBeFuture: boolean }): void {
  const name = event.name;
  if (typeof name !== 'string' || name.length < 1 || name.length > 100) throw formError('name', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
  if (event.description !== undefined && event.description !== null && (typeof event.description !== 'string' || event.description.length > 1000))
    throw formError('description', 'BASE_TYPE_BAD_LENGTH', 'Must be 1000 or fewer in length.');
  if (event.privacy_level !== 2) throw formError('privacy_level', 'BASE_TYPE_CHOICES', 'Value must be one of {2}.');
  const type = event.entity_type;
  if (type !== 1 && type !== 2 && type !== 3) throw formError('entity_type', 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3}.');
  const start = isoOrNull(event.scheduled_start_time);
  if (start === undefined || start === null || Number.isNaN(start)) throw formError('scheduled_start_time', 'BASE_TYPE_REQUIRED', 'This field is required');
  const end = isoOrNull(event.scheduled_end_time);
  if (Number.isNaN(end)) throw formError('scheduled_end_time', 'DATE_TIME_TYPE_PARSE', 'Could not parse the date.');
  if (options.startMustBeFuture && start <= state.wallNow())
    throw formError('scheduled_start_time', 'GUILD_SCHEDULED_EVENT_SCHEDULED_START_TIME_IN_PAST', 'Cannot schedule event in the past.');
  if (typeof end === 'number' && end <= start) throw formError('scheduled_end_time', 'GUILD_SCHEDULED_EVENT_END_BEFORE_START', 'Cannot schedule event to end before starting.');
  const metadata = (event.entity_metadata ?? null) as Obj | null;
  if (type === ScheduledEventEntity.External) {
    if (event.channel_id !== undefined && event.channel_id !== null) throw formError('channel_id', 'GUILD_SCHEDULED_EVENT_CHANNEL_NOT_ALLOWED', 'Must be null for an external event.');
    const location = metadata?.location;
    if (typeof location !== 'string' || location.length < 1 || location.length > 100) throw formError('entity_metadata.location', 'BASE_TYPE_REQUIRED', 'This field is required');
    if (end === undefined || end === null) throw formError('scheduled_end_time', 'BASE_TYPE_REQUIRED', 'This field is required');
  } else {
    if (typeof event.channel_id !== 'string') throw formError('channel_id', 'BASE_TYPE_REQUIRED', 'This field is required');
    if (metadata && metadata.location !== undefined) throw formError('entity_metadata.location', 'GUILD_SCHEDULED_EVENT_LOCATION_NOT_ALLOWED', 'Must be empty for a channel event.');
    const channel = state.channels.get(event.channel_id);
    if (!channel || channel.guild_id !== guildId) throw new HttpError(404, 10003);
    const wanted = type === ScheduledEventEntity.Voice ? 2 : 13;
    if (channel.type !== wanted) throw formError('channel_id', 'CHANNEL_TYPE_INVALID', type === 2 ? 'The channel must be a voice channel.' : 'The channel must be a stage channel.');
  }
  if (!options.enforcePermissions) return;
  const guild = guildPermissionsFor(state, guildId);
  const channelPerms = typeof event.channel_id === 'string' && type !== 3 ? permissionsFor(state, event.channel_id) : guild;
  const may = (p: bigint) => (channelPerms & p) !== 0n;
  if (!(may(Perm.ManageEvents) || (may(Perm.CreateEvents) && (options.creating || options.ownEvent)))) throw new HttpError(403, 50013);
  if (type !== 3 && !(may(Perm.ViewChannel) && may(Perm.Connect))) throw new HttpError(403, 50013);
  // A stage event also needs what a stage moderator has.
  if (type === 1 && !(may(Perm.ManageChannels) && may(Perm.MuteMembers) && may(Perm.MoveMembers))) throw new HttpError(403, 50013);
}

type Route = (method: string, pattern: string, handler: (ctx: { params: string[]; body: Obj; query: Record<string, string> }) => { status: number; json?: unknown }) => void;

const FIELDS = ['name', 'description', 'scheduled_start_time', 'scheduled_end_time', 'privacy_level', 'entity_type', 'channel_id', 'entity_metadata', 'status', 'image', 'recurrence_rule'] as const;

export function scheduledEventRoutes(state: SimState, route: Route, options: { enforcePermissions: boolean }): void {
  const events = state.scheduledEvents;
  const at = (params: string[], i: number): string => params[i] ?? '';
  const find = (guildId: string, id: string): Obj => {
    state.getGuild(guildId);
    const e = events.get(id);
    if (!e || e.guild_id !== guildId) throw new HttpError(404, 10070);
    return e;
  };
  const announce = (t: string, e: Obj): void => {
    const guildId = String(e.guild_id);
    if (state.gateway.connected(guildId)) state.gateway.dispatch(t, clone(e), guildId);
  };
  route('POST', '/guilds/:id/scheduled-events', ({ params, body }) => {
    const guildId = at(params, 0);
    state.getGuild(guildId);
    if (body.status !== undefined) throw formError('status', 'BASE_TYPE_BAD_VALUE', 'Cannot set the status of a new event.');
    validateScheduledEvent(state, guildId, body, { creating: true, enforcePermissions: options.enforcePermissions, ownEvent: true, startMustBeFuture: true });
    const id = state.snowflake();
    const event: Obj = {
      id,
      guild_id: guildId,
      channel_id: body.entity_type === 3 ? null : body.channel_id,
      creator_id: state.botUser.id,
      creator: clone(state.botUser),
      name: body.name,
      description: body.description ?? null,
      scheduled_start_time: new Date(Date.parse(body.scheduled_start_time as string)).toISOString(),
      scheduled_end_time: typeof body.scheduled_end_time === 'string' ? new Date(Date.parse(body.scheduled_end_time)).toISOString() : null,
      privacy_level: body.privacy_level,
      status: ScheduledEventStatus.Scheduled,
      entity_type: body.entity_type,
      entity_id: null,
      entity_metadata: body.entity_type === 3 ? clone(body.entity_metadata) : null,
      user_count: 0,
      image: null,
      recurrence_rule: body.recurrence_rule ?? null,
    };
    events.set(id, event);
    announce('GUILD_SCHEDULED_EVENT_CREATE', event);
    return { status: 200, json: clone(event) };
  });
  route('GET', '/guilds/:id/scheduled-events', ({ params }) => {
    const guildId = at(params, 0);
    state.getGuild(guildId);
    return { status: 200, json: clone([...events.values()].filter((e) => e.guild_id === guildId)) };
  });
  route('GET', '/guilds/:id/scheduled-events/:event', ({ params }) => ({ status: 200, json: clone(find(at(params, 0), at(params, 1))) }));
  route('PATCH', '/guilds/:id/scheduled-events/:event', ({ params, body }) => {
    const guildId = at(params, 0);
    const current = find(guildId, at(params, 1));
    const from = Number(current.status);
    if (from === ScheduledEventStatus.Completed || from === ScheduledEventStatus.Canceled) throw new HttpError(400, 180000, 'Cannot modify a finished event');
    const next: Obj = { ...clone(current) };
    for (const f of FIELDS) if (body[f] !== undefined) next[f] = clone(body[f]);
    if (next.entity_type === 3) next.channel_id = body.channel_id === undefined && current.entity_type !== 3 ? null : next.channel_id;
    else if (body.entity_type !== undefined && body.entity_metadata === undefined) next.entity_metadata = null;
    const to = Number(next.status);
    const allowed = to === from || (from === 1 && (to === 2 || to === 4)) || (from === 2 && to === 3);
    if (!allowed) throw formError('status', 'GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION', 'Invalid status transition.');
    // A new start must be in the future; an unchanged one that has passed is not checked again.
    validateScheduledEvent(state, guildId, next, {
      creating: false,
      enforcePermissions: options.enforcePermissions,
      ownEvent: current.creator_id === state.botUser.id,
      startMustBeFuture: body.scheduled_start_time !== undefined,
    });
    if (typeof next.scheduled_start_time === 'string') next.scheduled_start_time = new Date(Date.parse(next.scheduled_start_time)).toISOString();
    if (typeof next.scheduled_end_time === 'string') next.scheduled_end_time = new Date(Date.parse(next.scheduled_end_time)).toISOString();
    events.set(String(current.id), next);
    announce('GUILD_SCHEDULED_EVENT_UPDATE', next);
    return { status: 200, json: clone(next) };
  });
  route('DELETE', '/guilds/:id/scheduled-events/:event', ({ params }) => {
    const guildId = at(params, 0);
    const current = find(guildId, at(params, 1));
    if (options.enforcePermissions) {
      const perms = guildPermissionsFor(state, guildId);
      const own = current.creator_id === state.botUser.id;
      if (!((perms & Perm.ManageEvents) !== 0n || (own && (perms & Perm.CreateEvents) !== 0n))) throw new HttpError(403, 50013);
    }
    events.delete(String(current.id));
    announce('GUILD_SCHEDULED_EVENT_DELETE', current);
    return { status: 204 };
  });
}
