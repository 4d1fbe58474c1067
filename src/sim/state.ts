/**
 * The fake's world: users, guilds (roles, members), channels (threads, DMs), messages, application
 * commands and interactions, with the builders that give each the shape Discord sends. State changes
 * a connected bot would hear of are dispatched through `gateway` (set by gateway.ts).
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { HttpError } from './errors.js';
import {
  THREAD_TYPES,
  clone,
  nowIso,
  type Channel,
  type Command,
  type Guild,
  type Interaction,
  type Member,
  type Message,
  type Obj,
  type Role,
  type User,
} from './model.js';
import { BOT_DEFAULT_PERMISSIONS, MEMBER_DEFAULT_PERMISSIONS } from './permissions.js';
import type { AddGuildOptions, RecordedFile } from './types.js';
import { ThreadMembers } from './threads.js';
import { realClock } from './clock.js';

export const DISCORD_EPOCH = 1420070400000n;

/** How state reaches the bot: events for the shard of a guild, once a shard has identified. */
export interface GatewayLink {
  /** whether the shard of this guild (without one: any shard) is identified */
  connected(guildId: string | undefined): boolean;
  /** dispatch an event (op 0) to the shard of guildId, or to all shards when omitted */
  dispatch(t: string, d: unknown, guildId?: string): void;
  /**
   * dispatch to the session of guildId's shard even while it is disconnected: the event waits in
   * the session's backlog and is replayed on RESUME (as Discord does), lost if the bot re-identifies
   */
  dispatchToSession(t: string, d: unknown, guildId: string): void;
}

export interface StoredMessage {
  msg: Message;
  /** created via interaction callback/follow-up rather than channel POST */
  viaInteraction: boolean;
}

export interface VoiceStateOptions {
  /** the voice or stage channel, or null to leave voice */
  channelId: string | null;
  /** server-deafened / server-muted by a moderator */
  deaf?: boolean;
  mute?: boolean;
  selfDeaf?: boolean;
  selfMute?: boolean;
}

export interface StateOptions {
  appId?: string;
  botUsername?: string;
  /** milliseconds on the clock Discord's own deadlines run on (see FakeDiscordOptions.clock) */
  now?: () => number;
}

/** A first answer to an interaction must arrive within this long of it (else 404 10062). */
export const INTERACTION_ACK_MS = 3_000;
/** The interaction token serves follow-ups and edits this long (then 401 50027 Invalid Webhook Token). */
export const INTERACTION_TOKEN_MS = 15 * 60_000;
/** A message with `enforce_nonce` and a nonce its author used this recently returns that message. */
export const NONCE_WINDOW_MS = 2 * 60_000;

export interface UserOptions {
  id?: string;
  username?: string;
  bot?: boolean;
  globalName?: string;
}

const toBig = (v: bigint | string | number | undefined, d: bigint): bigint => (v === undefined ? d : BigInt(v));

export class SimState {
  /** 'request' (RecordedRequest), 'interaction' (Interaction), 'identify' */
  readonly events = new EventEmitter();
  readonly users = new Map<string, User>();
  readonly guilds = new Map<string, Guild>();
  /** voice states per guild, by user id (members in a voice or stage channel) */
  readonly voiceStates = new Map<string, Map<string, Obj>>();
  /** all channels incl. threads and DMs */
  readonly channels = new Map<string, Channel>();
  /** by channel id */
  readonly messages = new Map<string, StoredMessage[]>();
  /** application commands: key 'global' or guild id */
  readonly commands = new Map<string, Command[]>();
  readonly interactions = new Map<string, Interaction>();
  readonly interactionsByToken = new Map<string, Interaction>();
  readonly appId: string;
  readonly botUser: User;
  /** A default human user used by interaction builders when no user is given. */
  readonly testUser: User;
  /** counters the REST server and the gateway keep */
  readonly stats = { requests: 0, rateLimited: 0, injectedFailures: 0, identifies: 0, resumes: 0, gatewayConnections: 0 };
  gateway: GatewayLink = { connected: () => false, dispatch: () => {}, dispatchToSession: () => {} };
  /** Private threads (study pods): who is in each thread (threads.ts). */
  readonly threadMembers: ThreadMembers = new ThreadMembers(this);

  // ---- DMs (weekly digest) ---------------------------------------------------------
  /** Users whose DMs are closed to the bot: POST /channels/{dm}/messages answers 403 50007. */
  readonly dmsClosed = new Set<string>();
  /** Files users attach to a command (an attachment option), served at /attachments/… as Discord's CDN serves them. */
  readonly uploads = new Map<string, { filename: string; data: Buffer; contentType: string }>();
  /** The DM channel with a user, if the bot (or an interaction) opened one. */
  dmChannelOf(userId: string): Channel | undefined {
    return [...this.channels.values()].find((c) => c.type === 1 && c.recipients?.[0]?.id === userId);
  }
  // ---- end DMs -----------------------------------------------------------------------

  /** Guild scheduled events by id (scheduled-events.ts). */
  readonly scheduledEvents = new Map<string, Obj>();
  /**
   * Discord's wall clock (ms since the epoch): what "a start in the future" of a scheduled event is
   * measured against. Default the real time; a test points it at the bot's clock (`setWallClock`).
   */
  wallNow: () => number = () => Date.now();

  /** The clock of Discord's deadlines (interaction acknowledgement, token lifetime, nonce window), in ms. */
  readonly now: () => number;
  /** `enforce_nonce` messages by author and nonce: the message and when it was created (state clock). */
  readonly nonces = new Map<string, { msg: Message; at: number }>();

  private lastTs = 0n;
  private inc = 0n;

  constructor(options: StateOptions = {}) {
    this.now = options.now ?? realClock;
    this.events.setMaxListeners(1000);
    this.appId = options.appId ?? this.snowflake();
    this.botUser = this.makeUser({ id: this.appId, username: options.botUsername ?? 'Cohort', bot: true });
    this.botUser.verified = true;
    this.botUser.mfa_enabled = false;
    this.testUser = this.makeUser({ username: 'tester' });
  }

  snowflake(): string {
    let ts = BigInt(Date.now()) - DISCORD_EPOCH;
    if (ts <= this.lastTs) {
      this.inc++;
      if (this.inc >= 4096n) {
        this.inc = 0n;
        this.lastTs++;
      }
      ts = this.lastTs;
    } else {
      this.inc = 0n;
      this.lastTs = ts;
    }
    return ((ts << 22n) | (1n << 17n) | this.inc).toString();
  }

  makeUser(opts: UserOptions = {}): User {
    const id = opts.id ?? this.snowflake();
    const existing = this.users.get(id);
    if (existing && !opts.username) return existing;
    const username = opts.username ?? `user${id.slice(-6)}`;
    const user: User = {
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
    this.users.set(id, user);
    return user;
  }

  getGuild(id: string): Guild {
    const g = this.guilds.get(id);
    if (!g) throw new HttpError(404, 10004);
    return g;
  }

  getChannel(id: string): Channel {
    const c = this.channels.get(id);
    if (!c) throw new HttpError(404, 10003);
    return c;
  }

  memberOf(guildId: string, userId: string): Member | undefined {
    return this.guilds.get(guildId)?.members.find((m) => m.user.id === userId);
  }

  /** default text channel id of a guild (first text channel) */
  defaultChannelId(guildId: string): string {
    const c = [...this.channels.values()].find((x) => x.guild_id === guildId && x.type === 0);
    if (!c) throw new Error(`fake-discord: guild ${guildId} has no text channel`);
    return c.id;
  }

  // ---- builders -------------------------------------------------------------

  buildRole(guildId: string, partial: Obj = {}): Role {
    return {
      id: (partial.id as string | undefined) ?? this.snowflake(),
      name: (partial.name as string | undefined) ?? 'role',
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
      permissions: String((partial.permissions as string | number | bigint | undefined) ?? '0'),
      ...(partial.id === guildId ? { position: 0 } : {}),
    };
  }

  buildMember(userOrMember: Obj): Member {
    const isMember = 'user' in userOrMember && typeof userOrMember.user === 'object';
    const userPartial = (isMember ? userOrMember.user : userOrMember) as Obj & { id?: string; username?: string; bot?: boolean };
    const user: User =
      userPartial.id && this.users.has(userPartial.id) && !userPartial.username
        ? this.users.get(userPartial.id)!
        : { ...this.makeUser({ id: userPartial.id, username: userPartial.username, bot: userPartial.bot }), ...userPartial };
    this.users.set(user.id, user);
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
  }

  buildChannel(guildId: string | undefined, partial: Obj = {}): Channel {
    const type = (partial.type as number | undefined) ?? 0;
    const base: Channel = {
      id: (partial.id as string | undefined) ?? this.snowflake(),
      type,
      name: (partial.name as string | undefined) ?? (type === 4 ? 'category' : 'general'),
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
      if (type === 2 || type === 13) {
        Object.assign(base, { bitrate: 64000, user_limit: 0, rtc_region: null, last_message_id: null, rate_limit_per_user: 0 });
      }
      if (type === 0 || type === 5 || type === 15) {
        Object.assign(base, { topic: null, last_message_id: null, rate_limit_per_user: 0, default_thread_rate_limit_per_user: 0 });
      }
      if (THREAD_TYPES.has(type)) {
        delete base.permission_overwrites;
        delete base.position;
        Object.assign(base, {
          owner_id: this.botUser.id,
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
  }

  /** A guild as GUILD_CREATE carries it: with members, channels and threads. */
  guildForGateway(g: Guild): Obj {
    const { _botRoleId, ...rest } = g;
    void _botRoleId;
    const chans = [...this.channels.values()].filter((c) => c.guild_id === g.id);
    return {
      ...clone(rest),
      joined_at: g.joined_at,
      large: false,
      unavailable: false,
      member_count: g.members.length,
      // As in GUILD_CREATE: without guild_id (and member, which the members list carries).
      voice_states: [...(this.voiceStates.get(g.id)?.values() ?? [])].map((v) => {
        const copy = clone(v);
        delete copy.guild_id;
        delete copy.member;
        return copy;
      }),
      members: clone(g.members),
      channels: clone(chans.filter((c) => !THREAD_TYPES.has(c.type))),
      threads: clone(chans.filter((c) => THREAD_TYPES.has(c.type))),
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      embedded_activities: [],
      activity_instances: [],
    };
  }

  /** A guild as GET /guilds/:id returns it. */
  guildForRest(g: Guild): Obj {
    const { _botRoleId, members, ...rest } = g;
    void _botRoleId;
    void members;
    return { ...clone(rest), approximate_member_count: g.members.length, approximate_presence_count: 0 };
  }

  // ---- guilds, channels, roles, members -------------------------------------

  addChannel(guildId: string, partial: Obj = {}): Channel {
    this.getGuild(guildId);
    const ch = this.buildChannel(guildId, partial);
    this.channels.set(ch.id, ch);
    if (!this.messages.has(ch.id)) this.messages.set(ch.id, []);
    if (this.gateway.connected(guildId)) {
      this.gateway.dispatch(THREAD_TYPES.has(ch.type) ? 'THREAD_CREATE' : 'CHANNEL_CREATE', clone(ch), guildId);
    }
    return ch;
  }

  addRole(guildId: string, partial: Obj = {}): Role {
    const g = this.getGuild(guildId);
    const role = this.buildRole(guildId, { position: g.roles.length, ...partial });
    g.roles.push(role);
    if (this.gateway.connected(guildId)) this.gateway.dispatch('GUILD_ROLE_CREATE', { guild_id: guildId, role: clone(role) }, guildId);
    return role;
  }

  addMember(guildId: string, userOrMember: Obj): Member {
    const g = this.getGuild(guildId);
    const member = this.buildMember(userOrMember);
    const idx = g.members.findIndex((m) => m.user.id === member.user.id);
    if (idx >= 0) g.members[idx] = member;
    else g.members.push(member);
    return member;
  }

  addGuild(opts: AddGuildOptions = {}): Guild {
    const id = opts.id ?? this.snowflake();
    const ownerId = opts.ownerId ?? this.makeUser({ username: 'owner' }).id;
    const everyone = this.buildRole(id, {
      id,
      name: '@everyone',
      permissions: toBig(opts.everyonePermissions, MEMBER_DEFAULT_PERMISSIONS).toString(),
      position: 0,
    });
    const botRole = this.buildRole(id, {
      name: this.botUser.username,
      permissions: toBig(opts.botPermissions, BOT_DEFAULT_PERMISSIONS).toString(),
      managed: true,
      position: 1,
      tags: { bot_id: this.botUser.id },
    });
    const guild: Guild = {
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
    this.guilds.set(id, guild);
    for (const r of opts.roles ?? []) guild.roles.push(this.buildRole(id, { position: guild.roles.length, ...r }));
    guild.members.push(this.buildMember({ user: this.botUser, roles: [botRole.id], joined_at: nowIso() }));
    guild.members.push(this.buildMember({ user: this.users.get(ownerId) ?? this.makeUser({ id: ownerId }), roles: [] }));
    for (const m of opts.members ?? []) {
      const member = this.buildMember(m);
      if (!guild.members.some((x) => x.user.id === member.user.id)) guild.members.push(member);
    }
    const chans = opts.channels ?? [{ name: 'general', type: 0 }];
    for (const c of chans) {
      const ch = this.buildChannel(id, c);
      this.channels.set(ch.id, ch);
      this.messages.set(ch.id, []);
    }
    const firstText = [...this.channels.values()].find((c) => c.guild_id === id && c.type === 0);
    if (firstText) guild.system_channel_id = firstText.id;
    if (this.gateway.connected(id)) this.gateway.dispatch('GUILD_CREATE', this.guildForGateway(guild), id);
    return guild;
  }

  // ---- member roles (milestone roles) -----------------------------------------

  /**
   * Gives (add) or takes a role from a member; on a change, dispatches GUILD_MEMBER_UPDATE as
   * Discord does (the gateway passes it on only to bots that may hear it). Returns whether it changed.
   */
  setMemberRole(guildId: string, userId: string, roleId: string, add: boolean): boolean {
    const m = this.memberOf(guildId, userId);
    if (!m) throw new HttpError(404, 10007);
    const has = m.roles.includes(roleId);
    if (has === add) return false;
    m.roles = add ? [...m.roles, roleId] : m.roles.filter((r) => r !== roleId);
    if (this.gateway.connected(guildId)) this.gateway.dispatch('GUILD_MEMBER_UPDATE', { guild_id: guildId, ...clone(m) }, guildId);
    return true;
  }

  // ---- voice ----------------------------------------------------------------

  /**
   * A member joins, moves or leaves voice (`channelId` null), or is (un)deafened: the voice state is
   * stored (GUILD_CREATE carries it) and VOICE_STATE_UPDATE goes to the guild's shard session.
   */
  setVoiceState(guildId: string, userId: string, opts: VoiceStateOptions): Obj {
    const g = this.getGuild(guildId);
    if (opts.channelId !== null) {
      const ch = this.getChannel(opts.channelId);
      if (ch.guild_id !== guildId || (ch.type !== 2 && ch.type !== 13)) throw new Error(`fake-discord: ${opts.channelId} is not a voice or stage channel of guild ${guildId}`);
    }
    let member = g.members.find((m) => m.user.id === userId);
    if (!member) member = this.addMember(guildId, this.users.get(userId) ?? this.makeUser({ id: userId }));
    const states = this.voiceStates.get(guildId) ?? new Map<string, Obj>();
    this.voiceStates.set(guildId, states);
    const previous = states.get(userId);
    const state: Obj = {
      guild_id: guildId,
      channel_id: opts.channelId,
      user_id: userId,
      member: clone(member),
      session_id: (previous?.session_id) ?? this.snowflake(),
      deaf: opts.deaf ?? (previous?.deaf) ?? false,
      mute: opts.mute ?? (previous?.mute) ?? false,
      self_deaf: opts.selfDeaf ?? (previous?.self_deaf) ?? false,
      self_mute: opts.selfMute ?? (previous?.self_mute) ?? false,
      self_video: false,
      suppress: false,
      request_to_speak_timestamp: null,
    };
    if (opts.channelId === null) states.delete(userId);
    else states.set(userId, state);
    this.gateway.dispatchToSession('VOICE_STATE_UPDATE', clone(state), guildId);
    return state;
  }

  // ---- messages -------------------------------------------------------------

  buildAttachments(body: Obj, files: RecordedFile[], channelId: string): Obj[] {
    const declared = Array.isArray(body.attachments) ? (body.attachments as Obj[]) : [];
    const out: Obj[] = [];
    for (const a of declared) {
      if (typeof a.id === 'string' && /^\d{15,}$/.test(a.id)) {
        out.push(a); // existing attachment kept
        continue;
      }
      const f = files.find((x) => x.field === `files[${String(a.id)}]`);
      const id = this.snowflake();
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
      if (declared.some((a) => `files[${String(a.id)}]` === f.field)) continue;
      const id = this.snowflake();
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
  }

  buildMessage(channelId: string, body: Obj, files: RecordedFile[], extra: Obj = {}): Message {
    const ch = this.channels.get(channelId);
    const content = typeof body.content === 'string' ? body.content : '';
    const botMember = ch?.guild_id ? this.memberOf(ch.guild_id, this.botUser.id) : undefined;
    const msg: Message = {
      id: this.snowflake(),
      type: 0,
      channel_id: channelId,
      ...(ch?.guild_id ? { guild_id: ch.guild_id } : {}),
      author: clone(this.botUser),
      content,
      timestamp: nowIso(),
      edited_timestamp: null,
      tts: Boolean(body.tts),
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      mention_channels: [],
      attachments: this.buildAttachments(body, files, channelId),
      embeds: normalizeEmbeds(body.embeds),
      components: clone((body.components as unknown[] | undefined) ?? []),
      pinned: false,
      flags: Number(body.flags ?? 0) & ~0, // keep flags given
      ...(body.nonce !== undefined ? { nonce: body.nonce } : {}),
      ...(body.message_reference ? { message_reference: { type: 0, channel_id: channelId, ...(body.message_reference as Obj) } } : {}),
      ...(body.poll ? { poll: body.poll } : {}),
      ...(body.sticker_ids ? { sticker_items: [] } : {}),
      ...(botMember ? { member: withoutUser(botMember) } : {}),
      ...extra,
    };
    return msg;
  }

  applyEdit(msg: Message, body: Obj, files: RecordedFile[]): Message {
    if ('content' in body) msg.content = body.content ?? '';
    if ('embeds' in body) msg.embeds = normalizeEmbeds(body.embeds ?? []);
    if ('components' in body) msg.components = clone(body.components ?? []);
    if ('attachments' in body || files.length) msg.attachments = this.buildAttachments(body, files, msg.channel_id);
    if ('flags' in body && body.flags !== undefined && body.flags !== null) {
      // only SUPPRESS_EMBEDS (4) & IS_COMPONENTS_V2 (32768) are editable; keep ephemeral
      msg.flags = (Number(msg.flags) & 64) | (Number(body.flags) & ~128);
    }
    msg.flags = Number(msg.flags ?? 0) & ~128; // loading flag cleared
    if ('poll' in body) msg.poll = body.poll;
    return msg;
  }

  storeMessage(channelId: string, msg: Message, viaInteraction: boolean): void {
    let list = this.messages.get(channelId);
    if (!list) {
      list = [];
      this.messages.set(channelId, list);
    }
    list.push({ msg, viaInteraction });
    const ch = this.channels.get(channelId);
    if (ch) {
      ch.last_message_id = msg.id;
      if (THREAD_TYPES.has(ch.type)) {
        ch.message_count = Number(ch.message_count ?? 0) + 1;
        ch.total_message_sent = Number(ch.total_message_sent ?? 0) + 1;
      }
    }
  }

  findStored(channelId: string, messageId: string): StoredMessage | undefined {
    return this.messages.get(channelId)?.find((s) => s.msg.id === messageId);
  }

  /** Removes a message from its channel's list (if stored). */
  unstore(channelId: string, messageId: string): void {
    const list = this.messages.get(channelId);
    if (!list) return;
    const i = list.findIndex((s) => s.msg.id === messageId);
    if (i >= 0) list.splice(i, 1);
  }

  /** insert a message (e.g. from a user) into a channel without going through REST */
  addMessage(channelId: string, partial: Obj = {}): Message {
    this.getChannel(channelId);
    const msg = this.buildMessage(channelId, { content: partial.content ?? '' }, [], partial);
    if (partial.author === undefined) msg.author = clone(this.testUser);
    if (msg.author.id !== this.botUser.id) delete msg.member;
    this.storeMessage(channelId, msg, false);
    return msg;
  }

  /** Messages stored in a channel, oldest first (see FakeDiscord.channelMessages). */
  channelMessages(channelId: string, opts: { includeInteractionResponses?: boolean } = {}): Message[] {
    return (this.messages.get(channelId) ?? []).filter((s) => opts.includeInteractionResponses || !s.viaInteraction).map((s) => s.msg);
  }

  // ---- interactions ---------------------------------------------------------

  /** Records a new interaction from its INTERACTION_CREATE payload (ids, token and defaults filled in). */
  addInteraction(payload: Obj): Interaction {
    const p: Obj = { ...payload };
    p.id ??= this.snowflake();
    p.token ??= `fake-itoken-${String(p.id)}-${randomToken()}`;
    p.application_id ??= this.appId;
    p.version ??= 1;
    p.entitlements ??= [];
    const rec: Interaction = {
      id: p.id as string,
      token: p.token as string,
      payload: p,
      sentAt: this.now(),
      refused: [],
      callback: undefined,
      original: undefined,
      originalDeleted: false,
      followups: [],
      edits: [],
    };
    this.interactions.set(rec.id, rec);
    this.interactionsByToken.set(rec.token, rec);
    return rec;
  }

  interaction(id: string): Interaction {
    const rec = this.interactions.get(id);
    if (!rec) throw new Error(`fake-discord: unknown interaction ${id}`);
    return rec;
  }
}

function normalizeEmbeds(embeds: unknown): Obj[] {
  return Array.isArray(embeds) ? (embeds as Obj[]).map((e) => ({ type: 'rich', ...clone(e) })) : [];
}

function withoutUser(member: Member): Obj {
  const { user, ...rest } = member;
  void user;
  return clone(rest);
}

function randomToken(): string {
  return randomBytes(24).toString('base64url');
}
