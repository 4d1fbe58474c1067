/**
 * A fake Discord (REST + Gateway) that a REAL discord.js Client can log into.
 *
 *   const fake = await startFakeDiscord();
 *   const guild = fake.addGuild({ name: 'Test' });
 *   const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
 *   await client.login(FAKE_TOKEN);
 *
 * Paths recorded in `fake.requests`, `fake.violations` and matched by `failWith` are
 * normalised: no `/api/v10` prefix, no query string, URL-decoded (`@original`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { validateDiscordRequest } from './spec.js';

export { expectNoViolations, validateDiscordRequest } from './spec.js';

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

/** Loose JSON object type; the fake hands out plain Discord-shaped objects. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export interface RecordedFile {
  /** multipart field name, e.g. `files[0]` */
  field: string;
  name: string;
  contentType: string;
  size: number;
  bytes: Buffer;
}

export interface RecordedRequest {
  method: string;
  /** normalised path, e.g. `/channels/123/messages`, `/webhooks/app/tok/messages/@original` */
  path: string;
  /** raw path as received, e.g. `/api/v10/webhooks/app/tok/messages/%40original?wait=true` */
  rawPath: string;
  query: Record<string, string>;
  /** parsed JSON body, or parsed payload_json for multipart requests; undefined when no body */
  body: unknown;
  files: RecordedFile[];
  headers: Record<string, string | string[] | undefined>;
  /** HTTP status the fake answered with */
  status: number;
  /** Date.now() when received */
  at: number;
}

export interface Violation {
  method: string;
  path: string;
  problems: string[];
}

export interface FailRule {
  /** HTTP method (case-insensitive); omitted = any method */
  method?: string;
  /** matched against the normalised path (see file header) */
  path: RegExp;
  /** HTTP status, default 400 (or 403 for 50001/50013, 404 for 10xxx) */
  status?: number;
  /** Discord JSON error code (e.g. 50013 Missing Permissions) */
  code: number;
  message?: string;
  /** how many requests to fail; omitted = forever */
  times?: number;
}

export interface InteractionEdit {
  /** '@original' or a follow-up message id */
  messageId: string;
  body: unknown;
  at: number;
}

export interface InteractionRecord {
  id: string;
  token: string;
  payload: Json;
  /** The interaction callback; `at` is performance.now() when it arrived. */
  callback: { type: number; data: Json | undefined; at: number } | undefined;
  /** current state of @original (after edits); undefined before a message-producing callback or after delete */
  original: Json | undefined;
  originalDeleted: boolean;
  followups: Json[];
  edits: InteractionEdit[];
}

export interface AddGuildOptions {
  id?: string;
  name?: string;
  ownerId?: string;
  /** extra/override channels; if omitted a `general` text channel is created */
  channels?: Partial<Json>[];
  /** extra roles (the @everyone role and the bot role are always created) */
  roles?: Partial<Json>[];
  /** extra members: APIUser-ish objects or full member objects ({ user, roles, ... }) */
  members?: Partial<Json>[];
  /** permissions bitfield of the bot's managed role (default BOT_DEFAULT_PERMISSIONS) */
  botPermissions?: bigint | string;
  /** permissions of @everyone (default MEMBER_DEFAULT_PERMISSIONS) */
  everyonePermissions?: bigint | string;
  preferredLocale?: string;
  features?: string[];
}

export interface FakeDiscordOptions {
  /** global REST rate limit (requests per rolling second); unset = unlimited */
  rateLimitPerSecond?: number;
  appId?: string;
  /** recommended shard count returned by /gateway/bot (default 1) */
  shards?: number;
  /** enforce channel permissions of the bot on channel routes (default true) */
  enforcePermissions?: boolean;
  /** paths (normalised) never subject to the global rate limit; default: gateway + interaction callbacks */
  rateLimitExempt?: RegExp;
  botUsername?: string;
}

export interface FakeDiscord {
  readonly port: number;
  /** `http://127.0.0.1:PORT/api` – pass to `new Client({ rest: { api } })` */
  readonly apiUrl: string;
  readonly gatewayUrl: string;
  readonly appId: string;
  readonly botUser: Json;
  /** A default human user used by interaction builders when no user is given. */
  readonly testUser: Json;
  readonly requests: RecordedRequest[];
  readonly violations: Violation[];
  readonly stats: { requests: number; rateLimited: number; injectedFailures: number; identifies: number; resumes: number; gatewayConnections: number };
  readonly guilds: Map<string, Json>;
  readonly channels: Map<string, Json>;
  readonly users: Map<string, Json>;
  /** application commands: key 'global' or guild id */
  readonly commands: Map<string, Json[]>;
  readonly interactions: Map<string, InteractionRecord>;

  snowflake(): string;
  makeUser(opts?: { id?: string; username?: string; bot?: boolean; globalName?: string }): Json;
  addGuild(opts?: AddGuildOptions): Json;
  addChannel(guildId: string, channel?: Partial<Json>): Json;
  addMember(guildId: string, userOrMember: Partial<Json>): Json;
  addRole(guildId: string, role?: Partial<Json>): Json;
  guild(id: string): Json | undefined;
  channel(id: string): Json | undefined;
  /** default text channel id of a guild (first text channel) */
  defaultChannelId(guildId: string): string;
  /** computed permissions of `userId` (default: the bot) in a channel */
  permissionsFor(channelId: string, userId?: string): bigint;
  globalCommands(): Json[];
  guildCommands(guildId: string): Json[];

  /** Messages stored in a channel, oldest first. By default only messages created via
   *  POST /channels/:id/messages (and thread starters); pass includeInteractionResponses
   *  to also include non-ephemeral interaction replies/follow-ups. */
  channelMessages(channelId: string, opts?: { includeInteractionResponses?: boolean }): Json[];
  /** insert a message (e.g. from a user) into a channel without going through REST */
  addMessage(channelId: string, msg?: Partial<Json>): Json;
  interaction(id: string): InteractionRecord;

  waitFor(predicate: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  waitForInteractionReply(id: string, timeoutMs?: number): Promise<InteractionRecord>;
  /** resolves once `count` shards have identified (default 1) */
  waitForGateway(count?: number, timeoutMs?: number): Promise<void>;

  failWith(rule: FailRule): void;
  clearFailures(): void;

  /** dispatch a gateway event (op 0) to the shard of guildId (or all shards when omitted) */
  dispatch(t: string, d: unknown, guildId?: string): void;
  sendInteraction(payload: Json): string;
  connectedShards(): number[];
  /** close all gateway sockets with a code (simulates a disconnect; discord.js will resume/reconnect) */
  dropGatewayConnections(code?: number): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------

export const DISCORD_EPOCH = 1420070400000n;

export const Perm = {
  CreateInstantInvite: 1n << 0n,
  KickMembers: 1n << 1n,
  BanMembers: 1n << 2n,
  Administrator: 1n << 3n,
  ManageChannels: 1n << 4n,
  ManageGuild: 1n << 5n,
  AddReactions: 1n << 6n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  MentionEveryone: 1n << 17n,
  UseExternalEmojis: 1n << 18n,
  Connect: 1n << 20n,
  Speak: 1n << 21n,
  ChangeNickname: 1n << 26n,
  ManageRoles: 1n << 28n,
  UseApplicationCommands: 1n << 31n,
  ManageThreads: 1n << 34n,
  CreatePublicThreads: 1n << 35n,
  CreatePrivateThreads: 1n << 36n,
  UseExternalStickers: 1n << 37n,
  SendMessagesInThreads: 1n << 38n,
  ModerateMembers: 1n << 40n,
} as const;

/** Bot role default: SendMessages|ViewChannel|EmbedLinks|AttachFiles|CreatePublicThreads|SendMessagesInThreads|ReadMessageHistory */
export const BOT_DEFAULT_PERMISSIONS =
  Perm.SendMessages |
  Perm.ViewChannel |
  Perm.EmbedLinks |
  Perm.AttachFiles |
  Perm.CreatePublicThreads |
  Perm.SendMessagesInThreads |
  Perm.ReadMessageHistory;

/** Typical @everyone permissions: no ManageMessages / Administrator / moderation. */
export const MEMBER_DEFAULT_PERMISSIONS =
  Perm.CreateInstantInvite |
  Perm.AddReactions |
  Perm.ViewChannel |
  Perm.SendMessages |
  Perm.EmbedLinks |
  Perm.AttachFiles |
  Perm.ReadMessageHistory |
  Perm.UseExternalEmojis |
  Perm.Connect |
  Perm.Speak |
  Perm.ChangeNickname |
  Perm.UseApplicationCommands |
  Perm.CreatePublicThreads |
  Perm.CreatePrivateThreads |
  Perm.UseExternalStickers |
  Perm.SendMessagesInThreads;

const ALL_PERMISSIONS = (1n << 53n) - 1n;

/** A token discord.js accepts syntactically (it is never verified). */
export const FAKE_TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAw.GfAkE1.fake-discord-token-for-tests-only-xxxxxx';

const THREAD_TYPES = new Set([10, 11, 12]);

const ERROR_MESSAGES: Record<number, string> = {
  0: '404: Not Found',
  10003: 'Unknown Channel',
  10004: 'Unknown Guild',
  10007: 'Unknown Member',
  10008: 'Unknown Message',
  10013: 'Unknown User',
  10015: 'Unknown Webhook',
  10062: 'Unknown interaction',
  10063: 'Unknown application command',
  40060: 'Interaction has already been acknowledged.',
  50001: 'Missing Access',
  50005: 'Cannot edit a message authored by another user',
  50006: 'Cannot send an empty message',
  50007: 'Cannot send messages to this user',
  50013: 'Missing Permissions',
  50035: 'Invalid Form Body',
};

function defaultStatusFor(code: number): number {
  if (code === 50001 || code === 50013 || code === 50007 || code === 50005) return 403;
  if (code >= 10001 && code < 20000) return 404;
  if (code === 0) return 404;
  return 400;
}

class HttpError extends Error {
  constructor(
    public status: number,
    public code: number,
    message?: string,
  ) {
    super(message ?? ERROR_MESSAGES[code] ?? 'Error');
  }
}

const nowIso = (): string => new Date().toISOString();
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));
const toBig = (v: bigint | string | number | undefined, d: bigint): bigint => (v === undefined ? d : BigInt(v));

// ---------------------------------------------------------------------------
// Implementation
// ---------------------------------------------------------------------------

interface ShardConn {
  ws: WebSocket;
  shardId: number;
  shardCount: number;
  seq: number;
  sessionId: string;
  identified: boolean;
}

interface StoredMessage {
  msg: Json;
  /** created via interaction callback/follow-up rather than channel POST */
  viaInteraction: boolean;
}

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(1000);

  // ---- snowflakes ---------------------------------------------------------
  let lastTs = 0n;
  let inc = 0n;
  const snowflake = (): string => {
    let ts = BigInt(Date.now()) - DISCORD_EPOCH;
    if (ts <= lastTs) {
      inc++;
      if (inc >= 4096n) {
        inc = 0n;
        lastTs++;
      }
      ts = lastTs;
    } else {
      inc = 0n;
      lastTs = ts;
    }
    return ((ts << 22n) | (1n << 17n) | inc).toString();
  };

  const appId = options.appId ?? snowflake();
  const enforcePermissions = options.enforcePermissions ?? true;
  const rateLimitExempt = options.rateLimitExempt ?? /^\/(gateway|interactions)(\/|$)/;
  const shardRecommendation = options.shards ?? 1;

  const users = new Map<string, Json>();
  const guilds = new Map<string, Json>();
  const channels = new Map<string, Json>(); // all channels incl. threads and DMs
  const messages = new Map<string, StoredMessage[]>(); // by channel id
  const commands = new Map<string, Json[]>();
  const interactions = new Map<string, InteractionRecord>();
  const interactionsByToken = new Map<string, InteractionRecord>();
  const requests: RecordedRequest[] = [];
  const violations: Violation[] = [];
  const failRules: (FailRule & { remaining: number })[] = [];
  const stats = { requests: 0, rateLimited: 0, injectedFailures: 0, identifies: 0, resumes: 0, gatewayConnections: 0 };
  const rateWindow: number[] = [];
  const shardConns = new Map<number, ShardConn>();

  const makeUser = (opts: { id?: string; username?: string; bot?: boolean; globalName?: string } = {}): Json => {
    const id = opts.id ?? snowflake();
    const existing = users.get(id);
    if (existing && !opts.username) return existing;
    const username = opts.username ?? `user${id.slice(-6)}`;
    const user: Json = {
      id,
      username,
      global_name: opts.globalName ?? (opts.bot ? null : username),
      discriminator: '0',
      avatar: null,
      avatar_decoration_data: null,
      banner: null,
      accent_color: null,
      public_flags: 0,
      flags: 0,
      collectibles: null,
      primary_guild: null,
      ...(opts.bot ? { bot: true } : {}),
    };
    users.set(id, user);
    return user;
  };

  const botUser = makeUser({ id: appId, username: options.botUsername ?? 'Cohort', bot: true });
  botUser.verified = true;
  botUser.mfa_enabled = false;
  const testUser = makeUser({ username: 'tester' });

  // ---- model helpers ------------------------------------------------------
  const getGuild = (id: string): Json => {
    const g = guilds.get(id);
    if (!g) throw new HttpError(404, 10004);
    return g;
  };
  const getChannel = (id: string): Json => {
    const c = channels.get(id);
    if (!c) throw new HttpError(404, 10003);
    return c;
  };

  const buildRole = (guildId: string, partial: Partial<Json> = {}): Json => ({
    id: partial.id ?? snowflake(),
    name: partial.name ?? 'role',
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: 1,
    managed: false,
    mentionable: false,
    flags: 0,
    description: null,
    ...partial,
    permissions: String(partial.permissions ?? '0'),
    ...(partial.id === guildId ? { position: 0 } : {}),
  });

  const buildMember = (userOrMember: Partial<Json>): Json => {
    const isMember = 'user' in userOrMember && typeof userOrMember.user === 'object';
    const userPartial = (isMember ? userOrMember.user : userOrMember) as Json;
    const user =
      userPartial.id && users.has(userPartial.id as string) && !userPartial.username
        ? users.get(userPartial.id as string)!
        : { ...makeUser({ id: userPartial.id, username: userPartial.username, bot: userPartial.bot }), ...userPartial };
    users.set(user.id as string, user);
    const m = isMember ? userOrMember : {};
    return {
      avatar: null,
      banner: null,
      communication_disabled_until: null,
      flags: 0,
      joined_at: nowIso(),
      nick: null,
      pending: false,
      premium_since: null,
      roles: [],
      deaf: false,
      mute: false,
      ...m,
      user,
    };
  };

  const buildChannel = (guildId: string | undefined, partial: Partial<Json> = {}): Json => {
    const type = (partial.type as number | undefined) ?? 0;
    const base: Json = {
      id: partial.id ?? snowflake(),
      type,
      name: partial.name ?? (type === 4 ? 'category' : 'general'),
      flags: 0,
    };
    if (guildId) {
      Object.assign(base, {
        guild_id: guildId,
        position: 0,
        permission_overwrites: [],
        parent_id: null,
        nsfw: false,
      });
      if (type === 0 || type === 5 || type === 15) {
        Object.assign(base, { topic: null, last_message_id: null, rate_limit_per_user: 0, default_thread_rate_limit_per_user: 0 });
      }
      if (THREAD_TYPES.has(type)) {
        delete base.permission_overwrites;
        delete base.position;
        Object.assign(base, {
          owner_id: botUser.id,
          last_message_id: null,
          rate_limit_per_user: 0,
          message_count: 0,
          member_count: 1,
          total_message_sent: 0,
          thread_metadata: {
            archived: false,
            auto_archive_duration: 1440,
            archive_timestamp: nowIso(),
            locked: false,
            create_timestamp: nowIso(),
            ...(type === 12 ? { invitable: true } : {}),
          },
        });
      }
    }
    return { ...base, ...partial, ...(guildId ? { guild_id: guildId } : {}) };
  };

  const guildForGateway = (g: Json): Json => {
    const { _botRoleId, ...rest } = g;
    void _botRoleId;
    const chans = [...channels.values()].filter((c) => c.guild_id === g.id);
    return {
      ...clone(rest),
      joined_at: g.joined_at,
      large: false,
      unavailable: false,
      member_count: g.members.length,
      voice_states: [],
      members: clone(g.members),
      channels: clone(chans.filter((c) => !THREAD_TYPES.has(c.type as number))),
      threads: clone(chans.filter((c) => THREAD_TYPES.has(c.type as number))),
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      embedded_activities: [],
      activity_instances: [],
    };
  };

  const guildForRest = (g: Json): Json => {
    const { _botRoleId, members, ...rest } = g;
    void _botRoleId;
    void members;
    return { ...clone(rest), approximate_member_count: g.members.length, approximate_presence_count: 0 };
  };

  const shardOf = (guildId: string, count: number): number => Number((BigInt(guildId) >> 22n) % BigInt(count));

  // ---- gateway send -------------------------------------------------------
  const sendOp = (conn: ShardConn, payload: Json): void => {
    if (conn.ws.readyState === 1) conn.ws.send(JSON.stringify(payload));
  };
  const dispatchTo = (conn: ShardConn, t: string, d: unknown): void => {
    conn.seq += 1;
    sendOp(conn, { op: 0, t, s: conn.seq, d });
  };
  const connForGuild = (guildId: string | undefined): ShardConn | undefined => {
    const conns = [...shardConns.values()].filter((c) => c.identified);
    if (conns.length === 0) return undefined;
    if (!guildId) return conns.find((c) => c.shardId === 0) ?? conns[0];
    const count = conns[0]!.shardCount;
    return conns.find((c) => c.shardId === shardOf(guildId, count));
  };
  const dispatch = (t: string, d: unknown, guildId?: string): void => {
    if (guildId === undefined) {
      for (const c of shardConns.values()) if (c.identified) dispatchTo(c, t, d);
      return;
    }
    const conn = connForGuild(guildId);
    if (conn) dispatchTo(conn, t, d);
  };

  // ---- guild/channel creation --------------------------------------------
  const addChannel = (guildId: string, partial: Partial<Json> = {}): Json => {
    getGuild(guildId);
    const ch = buildChannel(guildId, partial);
    channels.set(ch.id as string, ch);
    if (!messages.has(ch.id as string)) messages.set(ch.id as string, []);
    if (connForGuild(guildId)) {
      dispatch(THREAD_TYPES.has(ch.type as number) ? 'THREAD_CREATE' : 'CHANNEL_CREATE', clone(ch), guildId);
    }
    return ch;
  };

  const addRole = (guildId: string, partial: Partial<Json> = {}): Json => {
    const g = getGuild(guildId);
    const role = buildRole(guildId, { position: g.roles.length, ...partial });
    g.roles.push(role);
    if (connForGuild(guildId)) dispatch('GUILD_ROLE_CREATE', { guild_id: guildId, role: clone(role) }, guildId);
    return role;
  };

  const addMember = (guildId: string, userOrMember: Partial<Json>): Json => {
    const g = getGuild(guildId);
    const member = buildMember(userOrMember);
    const idx = (g.members as Json[]).findIndex((m) => m.user.id === member.user.id);
    if (idx >= 0) g.members[idx] = member;
    else g.members.push(member);
    return member;
  };

  const addGuild = (opts: AddGuildOptions = {}): Json => {
    const id = opts.id ?? snowflake();
    const ownerId = opts.ownerId ?? makeUser({ username: 'owner' }).id;
    const everyone = buildRole(id, {
      id,
      name: '@everyone',
      permissions: toBig(opts.everyonePermissions, MEMBER_DEFAULT_PERMISSIONS).toString(),
      position: 0,
    });
    const botRole = buildRole(id, {
      name: botUser.username,
      permissions: toBig(opts.botPermissions, BOT_DEFAULT_PERMISSIONS).toString(),
      managed: true,
      position: 1,
      tags: { bot_id: botUser.id },
    });
    const guild: Json = {
      id,
      name: opts.name ?? 'Test Guild',
      icon: null,
      icon_hash: null,
      splash: null,
      discovery_splash: null,
      owner_id: ownerId,
      afk_channel_id: null,
      afk_timeout: 300,
      widget_enabled: false,
      widget_channel_id: null,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [everyone, botRole],
      emojis: [],
      stickers: [],
      features: opts.features ?? [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      max_presences: null,
      max_members: 500000,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: opts.preferredLocale ?? 'en-US',
      public_updates_channel_id: null,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
      nsfw: false,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      safety_alerts_channel_id: null,
      incidents_data: null,
      hub_type: null,
      latest_onboarding_question_id: null,
      joined_at: nowIso(),
      members: [],
      _botRoleId: botRole.id,
    };
    guilds.set(id, guild);
    for (const r of opts.roles ?? []) guild.roles.push(buildRole(id, { position: guild.roles.length, ...r }));
    guild.members.push(buildMember({ user: botUser, roles: [botRole.id], joined_at: nowIso() }));
    guild.members.push(buildMember({ user: users.get(ownerId) ?? makeUser({ id: ownerId }), roles: [] }));
    for (const m of opts.members ?? []) {
      const member = buildMember(m);
      if (!(guild.members as Json[]).some((x) => x.user.id === member.user.id)) guild.members.push(member);
    }
    const chans = opts.channels ?? [{ name: 'general', type: 0 }];
    for (const c of chans) {
      const ch = buildChannel(id, c);
      channels.set(ch.id as string, ch);
      messages.set(ch.id as string, []);
    }
    const firstText = [...channels.values()].find((c) => c.guild_id === id && c.type === 0);
    if (firstText) guild.system_channel_id = firstText.id;
    const conn = connForGuild(id);
    if (conn) dispatchTo(conn, 'GUILD_CREATE', guildForGateway(guild));
    return guild;
  };

  const memberOf = (guildId: string, userId: string): Json | undefined =>
    (guilds.get(guildId)?.members as Json[] | undefined)?.find((m) => m.user.id === userId);

  const permissionsFor = (channelId: string, userId: string = botUser.id as string): bigint => {
    let ch = getChannel(channelId);
    if (!ch.guild_id) return ALL_PERMISSIONS;
    if (THREAD_TYPES.has(ch.type as number) && ch.parent_id && channels.has(ch.parent_id as string)) {
      ch = channels.get(ch.parent_id as string)!;
    }
    const g = getGuild(ch.guild_id as string);
    if (g.owner_id === userId) return ALL_PERMISSIONS;
    const member = memberOf(g.id as string, userId);
    const roleIds: string[] = member ? (member.roles as string[]) : [];
    const roles = g.roles as Json[];
    let perms = BigInt(roles.find((r) => r.id === g.id)?.permissions ?? '0');
    for (const rid of roleIds) perms |= BigInt(roles.find((r) => r.id === rid)?.permissions ?? '0');
    if (perms & Perm.Administrator) return ALL_PERMISSIONS;
    const ows = (ch.permission_overwrites ?? []) as Json[];
    const ev = ows.find((o) => o.id === g.id);
    if (ev) perms = (perms & ~BigInt(ev.deny)) | BigInt(ev.allow);
    let allow = 0n;
    let deny = 0n;
    for (const o of ows) {
      if (o.type === 0 && o.id !== g.id && roleIds.includes(o.id as string)) {
        allow |= BigInt(o.allow);
        deny |= BigInt(o.deny);
      }
    }
    perms = (perms & ~deny) | allow;
    const mo = ows.find((o) => o.type === 1 && o.id === userId);
    if (mo) perms = (perms & ~BigInt(mo.deny)) | BigInt(mo.allow);
    return perms;
  };

  const requirePerms = (channelId: string, needed: bigint[]): void => {
    const ch = getChannel(channelId);
    if (!enforcePermissions || !ch.guild_id) return;
    const p = permissionsFor(channelId);
    if (!(p & Perm.ViewChannel)) throw new HttpError(403, 50001);
    for (const n of needed) if (!(p & n)) throw new HttpError(403, 50013);
  };

  // ---- messages -----------------------------------------------------------
  const buildAttachments = (body: Json, files: RecordedFile[], channelId: string): Json[] => {
    const declared = Array.isArray(body.attachments) ? (body.attachments as Json[]) : [];
    const out: Json[] = [];
    for (const a of declared) {
      if (typeof a.id === 'string' && /^\d{15,}$/.test(a.id)) {
        out.push(a); // existing attachment kept
        continue;
      }
      const f = files.find((x) => x.field === `files[${a.id}]`);
      const id = snowflake();
      const filename = (a.filename as string | undefined) ?? f?.name ?? 'file';
      out.push({
        id,
        filename,
        size: f?.size ?? 0,
        url: `https://cdn.discordapp.com/attachments/${channelId}/${id}/${filename}`,
        proxy_url: `https://media.discordapp.net/attachments/${channelId}/${id}/${filename}`,
        content_type: f?.contentType,
        ...(a.description ? { description: a.description } : {}),
      });
    }
    // files not declared in attachments
    for (const f of files) {
      if (declared.some((a) => `files[${a.id}]` === f.field)) continue;
      const id = snowflake();
      out.push({
        id,
        filename: f.name,
        size: f.size,
        url: `https://cdn.discordapp.com/attachments/${channelId}/${id}/${f.name}`,
        proxy_url: `https://media.discordapp.net/attachments/${channelId}/${id}/${f.name}`,
        content_type: f.contentType,
      });
    }
    return out;
  };

  const normalizeEmbeds = (embeds: unknown): Json[] =>
    Array.isArray(embeds) ? (embeds as Json[]).map((e) => ({ type: 'rich', ...clone(e) })) : [];

  const buildMessage = (channelId: string, body: Json, files: RecordedFile[], extra: Partial<Json> = {}): Json => {
    const ch = channels.get(channelId);
    const content = typeof body.content === 'string' ? body.content : '';
    const msg: Json = {
      id: snowflake(),
      type: 0,
      channel_id: channelId,
      ...(ch?.guild_id ? { guild_id: ch.guild_id } : {}),
      author: clone(botUser),
      content,
      timestamp: nowIso(),
      edited_timestamp: null,
      tts: Boolean(body.tts),
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      mention_channels: [],
      attachments: buildAttachments(body, files, channelId),
      embeds: normalizeEmbeds(body.embeds),
      components: clone((body.components as Json[] | undefined) ?? []),
      pinned: false,
      flags: Number(body.flags ?? 0) & ~0, // keep flags given
      ...(body.nonce !== undefined ? { nonce: body.nonce } : {}),
      ...(body.message_reference ? { message_reference: { type: 0, channel_id: channelId, ...body.message_reference } } : {}),
      ...(body.poll ? { poll: body.poll } : {}),
      ...(body.sticker_ids ? { sticker_items: [] } : {}),
      ...(ch?.guild_id && memberOf(ch.guild_id as string, botUser.id as string)
        ? { member: (({ user, ...m }) => (void user, clone(m)))(memberOf(ch.guild_id as string, botUser.id as string)!) }
        : {}),
      ...extra,
    };
    return msg;
  };

  const applyEdit = (msg: Json, body: Json, files: RecordedFile[]): Json => {
    if ('content' in body) msg.content = body.content ?? '';
    if ('embeds' in body) msg.embeds = normalizeEmbeds(body.embeds ?? []);
    if ('components' in body) msg.components = clone(body.components ?? []);
    if ('attachments' in body || files.length) msg.attachments = buildAttachments(body, files, msg.channel_id as string);
    if ('flags' in body && body.flags !== undefined && body.flags !== null) {
      // only SUPPRESS_EMBEDS (4) & IS_COMPONENTS_V2 (32768) are editable; keep ephemeral
      msg.flags = (Number(msg.flags) & 64) | (Number(body.flags) & ~128);
    }
    msg.flags = Number(msg.flags ?? 0) & ~128; // loading flag cleared
    if ('poll' in body) msg.poll = body.poll;
    return msg;
  };

  const storeMessage = (channelId: string, msg: Json, viaInteraction: boolean): void => {
    let list = messages.get(channelId);
    if (!list) {
      list = [];
      messages.set(channelId, list);
    }
    list.push({ msg, viaInteraction });
    const ch = channels.get(channelId);
    if (ch) {
      ch.last_message_id = msg.id;
      if (THREAD_TYPES.has(ch.type as number)) {
        ch.message_count = Number(ch.message_count ?? 0) + 1;
        ch.total_message_sent = Number(ch.total_message_sent ?? 0) + 1;
      }
    }
  };

  const findStored = (channelId: string, messageId: string): StoredMessage | undefined =>
    messages.get(channelId)?.find((s) => s.msg.id === messageId);

  const addMessage = (channelId: string, partial: Partial<Json> = {}): Json => {
    getChannel(channelId);
    const msg = buildMessage(channelId, { content: partial.content ?? '' }, [], partial);
    if (partial.author === undefined) msg.author = clone(testUser);
    if (msg.author.id !== botUser.id) delete msg.member;
    storeMessage(channelId, msg, false);
    return msg;
  };

  // ---- interactions ---------------------------------------------------------
  const getInteractionByToken = (appIdParam: string, token: string): InteractionRecord => {
    const rec = interactionsByToken.get(token);
    if (!rec || appIdParam !== appId) throw new HttpError(404, 10015);
    return rec;
  };

  const interactionMessageExtra = (rec: InteractionRecord): Json => {
    const p = rec.payload;
    const u = p.member?.user ?? p.user;
    return {
      webhook_id: appId,
      application_id: appId,
      interaction_metadata: {
        id: rec.id,
        type: p.type,
        user: u,
        authorizing_integration_owners: p.authorizing_integration_owners ?? {},
        ...(p.type === 2 ? { name: p.data?.name, command_type: p.data?.type ?? 1 } : {}),
        ...(p.type === 3 && p.message ? { interacted_message_id: p.message.id } : {}),
      },
      ...(p.type === 2 ? { type: 20, interaction: { id: rec.id, type: p.type, name: p.data?.name, user: u } } : {}),
    };
  };

  const interactionChannelId = (rec: InteractionRecord): string =>
    (rec.payload.channel_id as string | undefined) ?? (rec.payload.channel?.id as string | undefined) ?? '0';

  const handleCallback = (id: string, token: string, body: Json, files: RecordedFile[], query: Record<string, string>): { status: number; json?: unknown } => {
    const rec = interactions.get(id);
    if (!rec || rec.token !== token) throw new HttpError(404, 10062);
    if (rec.callback) throw new HttpError(400, 40060);
    const type = Number(body.type);
    const data = body.data as Json | undefined;
    rec.callback = { type, data: clone(data), at: performance.now() };
    const channelId = interactionChannelId(rec);
    const ephemeral = (Number(data?.flags ?? 0) & 64) !== 0;
    let resourceMessage: Json | undefined;
    if (type === 4) {
      const msg = buildMessage(channelId, data ?? {}, files, interactionMessageExtra(rec));
      msg.flags = Number(data?.flags ?? 0);
      rec.original = msg;
      if (!ephemeral) storeMessage(channelId, msg, true);
      resourceMessage = msg;
    } else if (type === 5) {
      const msg = buildMessage(channelId, {}, [], interactionMessageExtra(rec));
      msg.flags = 128 | (ephemeral ? 64 : 0);
      rec.original = msg;
      if (!ephemeral) storeMessage(channelId, msg, true);
      resourceMessage = msg;
    } else if (type === 6 || type === 7) {
      const src = rec.payload.message as Json | undefined;
      if (src) {
        const stored = findStored(src.channel_id as string, src.id as string);
        const msg = stored ? stored.msg : clone(src);
        if (type === 7) {
          applyEdit(msg, data ?? {}, files);
          msg.edited_timestamp = nowIso();
        }
        rec.original = msg;
        resourceMessage = msg;
      }
    }
    emitter.emit('interaction', rec);
    if (query.with_response === 'true') {
      return {
        status: 200,
        json: {
          interaction: {
            id: rec.id,
            type: rec.payload.type,
            ...(resourceMessage
              ? {
                  response_message_id: resourceMessage.id,
                  response_message_loading: type === 5,
                  response_message_ephemeral: (Number(resourceMessage.flags) & 64) !== 0,
                }
              : {}),
          },
          ...(type === 1 || type === 6 || type === 8
            ? {}
            : { resource: { type, ...(resourceMessage ? { message: clone(resourceMessage) } : {}) } }),
        },
      };
    }
    return { status: 204 };
  };

  // ---- routing ------------------------------------------------------------
  type Ctx = {
    method: string;
    path: string;
    params: string[];
    query: Record<string, string>;
    body: Json;
    files: RecordedFile[];
  };
  type Handler = (ctx: Ctx) => { status: number; json?: unknown };
  const routes: { method: string; re: RegExp; handler: Handler }[] = [];
  const route = (method: string, pattern: string, handler: Handler): void => {
    const re = new RegExp('^' + pattern.replace(/:[a-zA-Z_]+/g, '([^/]+)') + '/?$');
    routes.push({ method, re, handler });
  };
  const noContent = { status: 204 };
  const ok = (json: unknown, status = 200): { status: number; json: unknown } => ({ status, json });

  // gateway
  route('GET', '/gateway/bot', () =>
    ok({
      url: `ws://127.0.0.1:${port}`,
      shards: shardRecommendation,
      session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
    }),
  );
  route('GET', '/gateway', () => ok({ url: `ws://127.0.0.1:${port}` }));

  // users
  route('GET', '/users/@me', () => ok(clone(botUser)));
  route('GET', '/users/:user', ({ params }) => {
    const u = users.get(params[0]!);
    if (!u) throw new HttpError(404, 10013);
    return ok(clone(u));
  });
  route('POST', '/users/@me/channels', ({ body }) => {
    const recipient = users.get(String(body.recipient_id)) ?? makeUser({ id: String(body.recipient_id) });
    let dm = [...channels.values()].find((c) => c.type === 1 && c.recipients?.[0]?.id === recipient.id);
    if (!dm) {
      dm = { id: snowflake(), type: 1, last_message_id: null, flags: 0, recipients: [clone(recipient)] };
      channels.set(dm.id as string, dm);
      messages.set(dm.id as string, []);
    }
    return ok(clone(dm));
  });
  route('GET', '/users/@me/guilds', () =>
    ok([...guilds.values()].map((g) => ({ id: g.id, name: g.name, icon: null, banner: null, owner: false, permissions: '0', features: g.features }))),
  );

  // applications
  const appInfo = (): Json => ({
    id: appId,
    name: botUser.username,
    icon: null,
    description: '',
    summary: '',
    type: null,
    bot: clone(botUser),
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: '0'.repeat(64),
    flags: 0,
    owner: clone(testUser),
    team: null,
    tags: [],
    approximate_guild_count: guilds.size,
    integration_types_config: { '0': {} },
  });
  route('GET', '/applications/@me', () => ok(appInfo()));
  route('GET', '/oauth2/applications/@me', () => ok(appInfo()));

  const checkApp = (id: string): void => {
    if (id !== appId) throw new HttpError(403, 50001);
  };
  const normalizeCommand = (cmd: Json, scope: string, existing?: Json): Json => ({
    type: 1,
    description: '',
    options: [],
    default_member_permissions: null,
    dm_permission: true,
    nsfw: false,
    integration_types: [0],
    contexts: null,
    ...(scope === 'global' ? {} : { guild_id: scope }),
    ...clone(cmd),
    id: existing?.id ?? snowflake(),
    application_id: appId,
    version: snowflake(),
  });
  const putCommands = (scope: string, body: unknown): Json[] => {
    const list = Array.isArray(body) ? (body as Json[]) : [];
    const prev = commands.get(scope) ?? [];
    const next = list.map((c) =>
      normalizeCommand(c, scope, prev.find((p) => p.name === c.name && (p.type ?? 1) === (c.type ?? 1))),
    );
    commands.set(scope, next);
    return next;
  };
  const commandRoutes = (prefix: string, scopeOf: (p: string[]) => string): void => {
    route('GET', prefix, ({ params }) => (checkApp(params[0]!), ok(clone(commands.get(scopeOf(params)) ?? []))));
    route('PUT', prefix, ({ params, body }) => (checkApp(params[0]!), ok(clone(putCommands(scopeOf(params), body)))));
    route('POST', prefix, ({ params, body }) => {
      checkApp(params[0]!);
      const scope = scopeOf(params);
      const list = commands.get(scope) ?? [];
      const idx = list.findIndex((c) => c.name === body.name && (c.type ?? 1) === (body.type ?? 1));
      const cmd = normalizeCommand(body, scope, idx >= 0 ? list[idx] : undefined);
      if (idx >= 0) list[idx] = cmd;
      else list.push(cmd);
      commands.set(scope, list);
      return ok(clone(cmd), idx >= 0 ? 200 : 201);
    });
    route('GET', prefix + '/:cmd', ({ params }) => {
      const cmd = (commands.get(scopeOf(params)) ?? []).find((c) => c.id === params[params.length - 1]);
      if (!cmd) throw new HttpError(404, 10063);
      return ok(clone(cmd));
    });
    route('PATCH', prefix + '/:cmd', ({ params, body }) => {
      const list = commands.get(scopeOf(params)) ?? [];
      const idx = list.findIndex((c) => c.id === params[params.length - 1]);
      if (idx < 0) throw new HttpError(404, 10063);
      list[idx] = { ...list[idx], ...clone(body), version: snowflake() };
      return ok(clone(list[idx]));
    });
    route('DELETE', prefix + '/:cmd', ({ params }) => {
      const list = commands.get(scopeOf(params)) ?? [];
      const idx = list.findIndex((c) => c.id === params[params.length - 1]);
      if (idx < 0) throw new HttpError(404, 10063);
      list.splice(idx, 1);
      return noContent;
    });
  };
  commandRoutes('/applications/:app/commands', () => 'global');
  commandRoutes('/applications/:app/guilds/:guild/commands', (p) => {
    getGuild(p[1]!);
    return p[1]!;
  });

  // interactions
  route('POST', '/interactions/:id/:token/callback', ({ params, body, files, query }) =>
    handleCallback(params[0]!, params[1]!, body, files, query),
  );
  route('GET', '/webhooks/:app/:token/messages/@original', ({ params }) => {
    const rec = getInteractionByToken(params[0]!, params[1]!);
    if (!rec.original || rec.originalDeleted) throw new HttpError(404, 10008);
    return ok(clone(rec.original));
  });
  route('PATCH', '/webhooks/:app/:token/messages/@original', ({ params, body, files }) => {
    const rec = getInteractionByToken(params[0]!, params[1]!);
    if (!rec.callback || rec.originalDeleted) throw new HttpError(404, 10008);
    if (!rec.original) {
      // e.g. deferUpdate without message, or autocomplete: nothing to edit
      throw new HttpError(404, 10008);
    }
    applyEdit(rec.original, body, files);
    if (!(rec.callback.type === 5 && !rec.edits.some((e) => e.messageId === '@original'))) {
      rec.original.edited_timestamp = nowIso();
    }
    rec.edits.push({ messageId: '@original', body: clone(body), at: Date.now() });
    emitter.emit('interaction', rec);
    return ok(clone(rec.original));
  });
  route('DELETE', '/webhooks/:app/:token/messages/@original', ({ params }) => {
    const rec = getInteractionByToken(params[0]!, params[1]!);
    if (!rec.original || rec.originalDeleted) throw new HttpError(404, 10008);
    rec.originalDeleted = true;
    const list = messages.get(rec.original.channel_id as string);
    if (list) {
      const i = list.findIndex((s) => s.msg.id === rec.original!.id);
      if (i >= 0) list.splice(i, 1);
    }
    emitter.emit('interaction', rec);
    return noContent;
  });
  route('POST', '/webhooks/:app/:token', ({ params, body, files }) => {
    const rec = getInteractionByToken(params[0]!, params[1]!);
    if (!rec.callback) throw new HttpError(404, 10015);
    const channelId = interactionChannelId(rec);
    const msg = buildMessage(channelId, body, files, interactionMessageExtra(rec));
    delete msg.interaction;
    if (msg.type === 20) msg.type = 0;
    rec.followups.push(msg);
    if (!(Number(msg.flags) & 64)) storeMessage(channelId, msg, true);
    emitter.emit('interaction', rec);
    return ok(clone(msg));
  });
  const followup = (rec: InteractionRecord, id: string): Json => {
    if (rec.original && rec.original.id === id && !rec.originalDeleted) return rec.original;
    const m = rec.followups.find((f) => f.id === id);
    if (!m) throw new HttpError(404, 10008);
    return m;
  };
  route('GET', '/webhooks/:app/:token/messages/:mid', ({ params }) =>
    ok(clone(followup(getInteractionByToken(params[0]!, params[1]!), params[2]!))),
  );
  route('PATCH', '/webhooks/:app/:token/messages/:mid', ({ params, body, files }) => {
    const rec = getInteractionByToken(params[0]!, params[1]!);
    const msg = followup(rec, params[2]!);
    applyEdit(msg, body, files);
    msg.edited_timestamp = nowIso();
    rec.edits.push({ messageId: params[2]!, body: clone(body), at: Date.now() });
    emitter.emit('interaction', rec);
    return ok(clone(msg));
  });
  route('DELETE', '/webhooks/:app/:token/messages/:mid', ({ params }) => {
    const rec = getInteractionByToken(params[0]!, params[1]!);
    const msg = followup(rec, params[2]!);
    if (msg === rec.original) rec.originalDeleted = true;
    else rec.followups = rec.followups.filter((f) => f !== msg);
    const list = messages.get(msg.channel_id as string);
    if (list) {
      const i = list.findIndex((s) => s.msg.id === msg.id);
      if (i >= 0) list.splice(i, 1);
    }
    emitter.emit('interaction', rec);
    return noContent;
  });

  // channels
  route('GET', '/channels/:id', ({ params }) => {
    const ch = getChannel(params[0]!);
    if (ch.guild_id) requirePerms(ch.id as string, []);
    return ok(clone(ch));
  });
  route('POST', '/channels/:id/messages', ({ params, body, files }) => {
    const ch = getChannel(params[0]!);
    const isThread = THREAD_TYPES.has(ch.type as number);
    const needed = [isThread ? Perm.SendMessagesInThreads : Perm.SendMessages];
    if (files.length) needed.push(Perm.AttachFiles);
    requirePerms(ch.id as string, needed);
    if (isThread && ch.thread_metadata?.locked) throw new HttpError(403, 50013);
    const hasContent =
      (typeof body.content === 'string' && body.content.length > 0) ||
      (Array.isArray(body.embeds) && body.embeds.length > 0) ||
      (Array.isArray(body.components) && body.components.length > 0) ||
      files.length > 0 ||
      body.poll ||
      (Array.isArray(body.sticker_ids) && body.sticker_ids.length > 0);
    if (!hasContent) throw new HttpError(400, 50006);
    const msg = buildMessage(ch.id as string, body, files);
    storeMessage(ch.id as string, msg, false);
    return ok(clone(msg));
  });
  route('GET', '/channels/:id/messages', ({ params, query }) => {
    const ch = getChannel(params[0]!);
    requirePerms(ch.id as string, [Perm.ReadMessageHistory]);
    const limit = Math.min(Number(query.limit ?? 50), 100);
    let list = (messages.get(ch.id as string) ?? []).map((s) => s.msg);
    if (query.before) list = list.filter((m) => BigInt(m.id) < BigInt(query.before!));
    if (query.after) list = list.filter((m) => BigInt(m.id) > BigInt(query.after!));
    list = [...list].reverse().slice(0, limit); // newest first like Discord
    return ok(clone(list));
  });
  route('GET', '/channels/:id/messages/:mid', ({ params }) => {
    const ch = getChannel(params[0]!);
    requirePerms(ch.id as string, [Perm.ReadMessageHistory]);
    const s = findStored(ch.id as string, params[1]!);
    if (!s) throw new HttpError(404, 10008);
    return ok(clone(s.msg));
  });
  route('PATCH', '/channels/:id/messages/:mid', ({ params, body, files }) => {
    const ch = getChannel(params[0]!);
    requirePerms(ch.id as string, []);
    const s = findStored(ch.id as string, params[1]!);
    if (!s) throw new HttpError(404, 10008);
    if (s.msg.author?.id !== botUser.id) throw new HttpError(403, 50005);
    applyEdit(s.msg, body, files);
    s.msg.edited_timestamp = nowIso();
    return ok(clone(s.msg));
  });
  route('DELETE', '/channels/:id/messages/:mid', ({ params }) => {
    const ch = getChannel(params[0]!);
    const list = messages.get(ch.id as string) ?? [];
    const i = list.findIndex((s) => s.msg.id === params[1]);
    if (i < 0) throw new HttpError(404, 10008);
    if (list[i]!.msg.author?.id !== botUser.id) requirePerms(ch.id as string, [Perm.ManageMessages]);
    list.splice(i, 1);
    return noContent;
  });
  const createThread = (parent: Json, body: Json, starter?: Json): Json => {
    const type = starter ? (parent.type === 5 ? 10 : 11) : Number(body.type ?? 12);
    const id = starter ? (starter.id as string) : snowflake();
    if (channels.has(id)) throw new HttpError(400, 160004, 'A thread has already been created for this message');
    const thread = buildChannel(parent.guild_id as string, {
      id,
      type,
      name: body.name ?? 'thread',
      parent_id: parent.id,
      rate_limit_per_user: body.rate_limit_per_user ?? 0,
      thread_metadata: {
        archived: false,
        auto_archive_duration: body.auto_archive_duration ?? 4320,
        archive_timestamp: nowIso(),
        locked: false,
        create_timestamp: nowIso(),
        ...(type === 12 ? { invitable: body.invitable ?? true } : {}),
      },
      member: { id, user_id: botUser.id, join_timestamp: nowIso(), flags: 0 },
    });
    channels.set(id, thread);
    messages.set(id, []);
    if (starter) {
      starter.thread = clone(thread);
      starter.flags = Number(starter.flags ?? 0) | 32; // HAS_THREAD
    }
    if (connForGuild(parent.guild_id as string)) {
      dispatch('THREAD_CREATE', { ...clone(thread), newly_created: true }, parent.guild_id as string);
    }
    return thread;
  };
  route('POST', '/channels/:id/messages/:mid/threads', ({ params, body }) => {
    const ch = getChannel(params[0]!);
    requirePerms(ch.id as string, [Perm.CreatePublicThreads, Perm.ReadMessageHistory]);
    const s = findStored(ch.id as string, params[1]!);
    if (!s) throw new HttpError(404, 10008);
    return ok(clone(createThread(ch, body, s.msg)), 201);
  });
  route('POST', '/channels/:id/threads', ({ params, body }) => {
    const ch = getChannel(params[0]!);
    const type = Number(body.type ?? 12);
    requirePerms(ch.id as string, [type === 12 ? Perm.CreatePrivateThreads : Perm.CreatePublicThreads]);
    const thread = createThread(ch, { ...body, type });
    if (ch.type === 15 && body.message) {
      const msg = buildMessage(thread.id as string, body.message as Json, []);
      msg.id = thread.id;
      storeMessage(thread.id as string, msg, false);
      return ok({ ...clone(thread), message: clone(msg) }, 201);
    }
    return ok(clone(thread), 201);
  });
  route('PATCH', '/channels/:id', ({ params, body }) => {
    const ch = getChannel(params[0]!);
    if (THREAD_TYPES.has(ch.type as number)) {
      const { archived, locked, auto_archive_duration, invitable, ...rest } = body;
      Object.assign(ch, clone(rest));
      ch.thread_metadata = {
        ...ch.thread_metadata,
        ...(archived !== undefined ? { archived, archive_timestamp: nowIso() } : {}),
        ...(locked !== undefined ? { locked } : {}),
        ...(auto_archive_duration !== undefined ? { auto_archive_duration } : {}),
        ...(invitable !== undefined ? { invitable } : {}),
      };
    } else {
      requirePerms(ch.id as string, [Perm.ManageChannels]);
      Object.assign(ch, clone(body));
    }
    return ok(clone(ch));
  });
  route('PUT', '/channels/:id/thread-members/:user', ({ params }) => (getChannel(params[0]!), noContent));
  route('DELETE', '/channels/:id/thread-members/:user', ({ params }) => (getChannel(params[0]!), noContent));
  route('PUT', '/channels/:id/messages/:mid/reactions/:emoji/@me', ({ params }) => {
    const ch = getChannel(params[0]!);
    requirePerms(ch.id as string, [Perm.ReadMessageHistory, Perm.AddReactions]);
    if (!findStored(ch.id as string, params[1]!)) throw new HttpError(404, 10008);
    return noContent;
  });
  route('POST', '/channels/:id/typing', ({ params }) => (getChannel(params[0]!), noContent));

  // guilds
  route('GET', '/guilds/:id', ({ params }) => ok(guildForRest(getGuild(params[0]!))));
  route('GET', '/guilds/:id/channels', ({ params }) => {
    getGuild(params[0]!);
    return ok(clone([...channels.values()].filter((c) => c.guild_id === params[0] && !THREAD_TYPES.has(c.type as number))));
  });
  route('GET', '/guilds/:id/roles', ({ params }) => ok(clone(getGuild(params[0]!).roles)));
  route('GET', '/guilds/:id/members', ({ params, query }) => {
    const g = getGuild(params[0]!);
    return ok(clone((g.members as Json[]).slice(0, Number(query.limit ?? 1))));
  });
  route('GET', '/guilds/:id/members/:user', ({ params }) => {
    getGuild(params[0]!);
    const m = memberOf(params[0]!, params[1]!);
    if (!m) throw new HttpError(404, 10007);
    return ok(clone(m));
  });
  route('PUT', '/guilds/:id/members/:user/roles/:role', ({ params }) => {
    const m = memberOf(params[0]!, params[1]!);
    if (!m) throw new HttpError(404, 10007);
    if (!(m.roles as string[]).includes(params[2]!)) m.roles.push(params[2]!);
    return noContent;
  });
  route('DELETE', '/guilds/:id/members/:user/roles/:role', ({ params }) => {
    const m = memberOf(params[0]!, params[1]!);
    if (!m) throw new HttpError(404, 10007);
    m.roles = (m.roles as string[]).filter((r) => r !== params[2]);
    return noContent;
  });

  // ---- HTTP plumbing ------------------------------------------------------
  const readBody = (req: IncomingMessage): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });

  const parseBody = async (req: IncomingMessage, raw: Buffer): Promise<{ body: unknown; files: RecordedFile[] }> => {
    const ct = String(req.headers['content-type'] ?? '');
    if (raw.length === 0) return { body: undefined, files: [] };
    if (ct.startsWith('multipart/form-data')) {
      const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': ct } }).formData();
      let body: unknown = undefined;
      const files: RecordedFile[] = [];
      for (const [field, value] of form.entries()) {
        if (typeof value === 'string') {
          if (field === 'payload_json') body = JSON.parse(value);
          continue;
        }
        const blob = value as Blob & { name?: string };
        const bytes = Buffer.from(await blob.arrayBuffer());
        files.push({ field, name: blob.name ?? field, contentType: blob.type, size: bytes.length, bytes });
      }
      return { body, files };
    }
    const text = raw.toString('utf8');
    try {
      return { body: JSON.parse(text), files: [] };
    } catch {
      return { body: text, files: [] };
    }
  };

  const rateLimitHeaders = (path: string): Record<string, string> => {
    const resetAfter = 1;
    return {
      'x-ratelimit-limit': '1000',
      'x-ratelimit-remaining': '999',
      'x-ratelimit-reset': ((Date.now() + resetAfter * 1000) / 1000).toFixed(3),
      'x-ratelimit-reset-after': resetAfter.toFixed(3),
      'x-ratelimit-bucket': Buffer.from(path.replace(/\d{15,}/g, ':id')).toString('hex').slice(0, 32),
    };
  };

  const send = (res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void => {
    if (status === 204 || json === undefined) {
      res.writeHead(status, headers); // no content-type on empty responses
      res.end();
      return;
    }
    const text = JSON.stringify(json);
    res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (query[k] = v));
    let path = url.pathname.replace(/^\/api(\/v\d+)?/, '');
    path = path
      .split('/')
      .map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return s;
        }
      })
      .join('/');
    if (path.length > 1) path = path.replace(/\/$/, '');
    stats.requests++;

    // global rate limit (before anything is recorded: the request never "reached" Discord)
    if (options.rateLimitPerSecond && !rateLimitExempt.test(path)) {
      const now = Date.now();
      while (rateWindow.length && rateWindow[0]! <= now - 1000) rateWindow.shift();
      if (rateWindow.length >= options.rateLimitPerSecond) {
        stats.rateLimited++;
        const retryAfter = Math.max(0.001, (rateWindow[0]! + 1000 - now) / 1000);
        send(
          res,
          429,
          { message: 'You are being rate limited.', retry_after: Number(retryAfter.toFixed(3)), global: true },
          { 'retry-after': retryAfter.toFixed(3), 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' },
        );
        return;
      }
      rateWindow.push(now);
    }

    let parsed: { body: unknown; files: RecordedFile[] };
    try {
      parsed = await parseBody(req, raw);
    } catch (e) {
      send(res, 400, { message: `fake-discord: cannot parse body: ${String(e)}`, code: 50109 });
      return;
    }
    const record: RecordedRequest = {
      method,
      path,
      rawPath: req.url ?? '',
      query,
      body: parsed.body,
      files: parsed.files,
      headers: req.headers,
      status: 0,
      at: Date.now(),
    };

    if (parsed.body !== undefined && !path.startsWith('/gateway')) {
      const problems = validateDiscordRequest(method, path, parsed.body);
      if (problems.length) violations.push({ method, path, problems });
    }

    let status = 500;
    let json: unknown;
    const headers = rateLimitHeaders(path);
    try {
      const needsAuth = !/^\/(interactions|webhooks)\//.test(path) && path !== '/gateway';
      if (needsAuth && !String(req.headers.authorization ?? '').startsWith('Bot ')) {
        throw new HttpError(401, 0, '401: Unauthorized');
      }
      const rule = failRules.find((r) => (!r.method || r.method.toUpperCase() === method) && r.path.test(path) && r.remaining > 0);
      if (rule) {
        rule.remaining--;
        stats.injectedFailures++;
        throw new HttpError(rule.status ?? defaultStatusFor(rule.code), rule.code, rule.message);
      }
      const r = routes.find((x) => x.method === method && x.re.test(path));
      if (!r) throw new HttpError(404, 0, '404: Not Found');
      const params = (r.re.exec(path) ?? []).slice(1);
      const body = (parsed.body && typeof parsed.body === 'object' ? parsed.body : {}) as Json;
      const out = r.handler({ method, path, params, query, body, files: parsed.files });
      status = out.status;
      json = out.json;
    } catch (e) {
      if (e instanceof HttpError) {
        status = e.status;
        json = { message: e.message, code: e.code };
      } else {
        status = 500;
        json = { message: `fake-discord internal error: ${(e as Error).stack ?? String(e)}`, code: 0 };
      }
    }
    record.status = status;
    requests.push(record);
    send(res, status, json, headers);
    emitter.emit('request', record);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { message: String(e), code: 0 });
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  // ---- gateway ------------------------------------------------------------
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws: WebSocket) => {
    stats.gatewayConnections++;
    let conn: ShardConn | undefined;
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41250, _trace: ['fake-discord'] }, s: null, t: null }));
    ws.on('message', (data: Buffer) => {
      let msg: Json;
      try {
        msg = JSON.parse(data.toString()) as Json;
      } catch {
        ws.close(4002, 'Error while decoding payload.');
        return;
      }
      switch (msg.op) {
        case 1: // heartbeat
          ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
          break;
        case 2: {
          // identify
          stats.identifies++;
          const [shardId, shardCount] = (msg.d?.shard as [number, number] | undefined) ?? [0, 1];
          const old = shardConns.get(shardId);
          if (old && old.ws !== ws) old.ws.terminate();
          conn = { ws, shardId, shardCount, seq: 0, sessionId: randomBytes(16).toString('hex'), identified: true };
          shardConns.set(shardId, conn);
          const myGuilds = [...guilds.values()].filter((g) => shardOf(g.id as string, shardCount) === shardId);
          dispatchTo(conn, 'READY', {
            v: 10,
            user: clone(botUser),
            user_settings: {},
            guilds: myGuilds.map((g) => ({ id: g.id, unavailable: true })),
            session_id: conn.sessionId,
            session_type: 'normal',
            resume_gateway_url: `ws://127.0.0.1:${port}`,
            application: { id: appId, flags: 0 },
            shard: [shardId, shardCount],
            private_channels: [],
            relationships: [],
            presences: [],
            guild_join_requests: [],
            geo_ordered_rtc_regions: [],
            auth: {},
            _trace: ['fake-discord'],
          });
          for (const g of myGuilds) dispatchTo(conn, 'GUILD_CREATE', guildForGateway(g));
          emitter.emit('identify', conn);
          break;
        }
        case 6: {
          // resume
          stats.resumes++;
          const d = msg.d as Json;
          const existing = [...shardConns.values()].find((c) => c.sessionId === d.session_id);
          if (!existing) {
            ws.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
            break;
          }
          if (existing.ws !== ws && existing.ws.readyState === 1) existing.ws.terminate();
          existing.ws = ws;
          existing.identified = true;
          conn = existing;
          dispatchTo(existing, 'RESUMED', {});
          break;
        }
        default:
          // op 3 presence, op 4 voice, op 8 request members, ... ignored
          break;
      }
    });
    ws.on('close', () => {
      if (conn && conn.ws === ws) conn.identified = false;
    });
    ws.on('error', () => {});
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  // ---- public API ---------------------------------------------------------
  const waitFor = (predicate: (r: RecordedRequest) => boolean, timeoutMs = 5000): Promise<RecordedRequest> => {
    const hit = requests.find(predicate);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const onReq = (r: RecordedRequest): void => {
        if (predicate(r)) {
          clearTimeout(timer);
          emitter.off('request', onReq);
          resolve(r);
        }
      };
      const timer = setTimeout(() => {
        emitter.off('request', onReq);
        const recent = requests.slice(-15).map((r) => `  ${r.method} ${r.path} -> ${r.status}`).join('\n');
        reject(new Error(`fake.waitFor timed out after ${timeoutMs}ms. Last requests:\n${recent || '  (none)'}`));
      }, timeoutMs);
      emitter.on('request', onReq);
    });
  };

  const interactionRec = (id: string): InteractionRecord => {
    const rec = interactions.get(id);
    if (!rec) throw new Error(`fake-discord: unknown interaction ${id}`);
    return rec;
  };

  const replyDone = (rec: InteractionRecord): boolean => {
    if (!rec.callback) return false;
    if (rec.callback.type === 5 || rec.callback.type === 6) return rec.edits.some((e) => e.messageId === '@original');
    return true;
  };

  const waitForInteractionReply = (id: string, timeoutMs = 5000): Promise<InteractionRecord> => {
    const rec = interactionRec(id);
    if (replyDone(rec)) return Promise.resolve(rec);
    return new Promise((resolve, reject) => {
      const on = (r: InteractionRecord): void => {
        if (r.id === id && replyDone(r)) {
          clearTimeout(timer);
          emitter.off('interaction', on);
          resolve(r);
        }
      };
      const timer = setTimeout(() => {
        emitter.off('interaction', on);
        reject(
          new Error(
            `fake.waitForInteractionReply(${id}) timed out after ${timeoutMs}ms; callback=${JSON.stringify(rec.callback)} edits=${rec.edits.length}`,
          ),
        );
      }, timeoutMs);
      emitter.on('interaction', on);
    });
  };

  const waitForGateway = (count = 1, timeoutMs = 5000): Promise<void> => {
    const n = (): number => [...shardConns.values()].filter((c) => c.identified).length;
    if (n() >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const on = (): void => {
        if (n() >= count) {
          clearTimeout(timer);
          emitter.off('identify', on);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        emitter.off('identify', on);
        reject(new Error(`fake.waitForGateway(${count}) timed out`));
      }, timeoutMs);
      emitter.on('identify', on);
    });
  };

  const sendInteraction = (payload: Json): string => {
    const p: Json = { ...payload };
    p.id ??= snowflake();
    p.token ??= `fake-itoken-${p.id}-${randomBytes(24).toString('base64url')}`;
    p.application_id ??= appId;
    p.version ??= 1;
    p.entitlements ??= [];
    const rec: InteractionRecord = {
      id: p.id as string,
      token: p.token as string,
      payload: p,
      callback: undefined,
      original: undefined,
      originalDeleted: false,
      followups: [],
      edits: [],
    };
    interactions.set(rec.id, rec);
    interactionsByToken.set(rec.token, rec);
    const conn = connForGuild(p.guild_id as string | undefined);
    if (!conn) throw new Error(`fake-discord: no identified gateway shard for guild ${String(p.guild_id)}; is the client logged in?`);
    dispatchTo(conn, 'INTERACTION_CREATE', p);
    return rec.id;
  };

  const close = async (): Promise<void> => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    server.closeAllConnections?.();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    emitter.removeAllListeners();
  };

  const fake: FakeDiscord = {
    port,
    apiUrl: `http://127.0.0.1:${port}/api`,
    gatewayUrl: `ws://127.0.0.1:${port}`,
    appId,
    botUser,
    testUser,
    requests,
    violations,
    stats,
    guilds,
    channels,
    users,
    commands,
    interactions,
    snowflake,
    makeUser,
    addGuild,
    addChannel,
    addMember,
    addRole,
    guild: (id) => guilds.get(id),
    channel: (id) => channels.get(id),
    defaultChannelId: (guildId) => {
      const c = [...channels.values()].find((x) => x.guild_id === guildId && x.type === 0);
      if (!c) throw new Error(`fake-discord: guild ${guildId} has no text channel`);
      return c.id as string;
    },
    permissionsFor,
    globalCommands: () => commands.get('global') ?? [],
    guildCommands: (guildId) => commands.get(guildId) ?? [],
    channelMessages: (channelId, opts = {}) =>
      (messages.get(channelId) ?? []).filter((s) => opts.includeInteractionResponses || !s.viaInteraction).map((s) => s.msg),
    addMessage,
    interaction: interactionRec,
    waitFor,
    waitForInteractionReply,
    waitForGateway,
    failWith: (rule) => failRules.push({ ...rule, remaining: rule.times ?? Number.POSITIVE_INFINITY }),
    clearFailures: () => void failRules.splice(0),
    dispatch,
    sendInteraction,
    connectedShards: () => [...shardConns.values()].filter((c) => c.identified).map((c) => c.shardId).sort(),
    dropGatewayConnections: (code = 4000) => {
      for (const c of shardConns.values()) if (c.ws.readyState === 1) c.ws.close(code, 'fake-discord drop');
    },
    close,
  };
  return fake;
}
