/**
 * The REST routes the fake answers, as a table of (method, path pattern, handler). Handlers read
 * and change the state and throw HttpError for Discord's errors; rest.ts records, validates and
 * answers. Paths are normalised (no /api/v10, no query string, URL-decoded).
 */
import { HttpError } from './errors.js';
import { THREAD_TYPES, clone, nowIso, type Channel, type Command, type Interaction, type Message, type Obj } from './model.js';
import { Perm, requirePermissions, requireRoleManageable } from './permissions.js';
import { scheduledEventRoutes } from './scheduled-events.js';
import { INTERACTION_ACK_MS, INTERACTION_TOKEN_MS, NONCE_WINDOW_MS, type SimState } from './state.js';
import type { RecordedFile } from './types.js';

export interface RouteContext {
  method: string;
  path: string;
  /** the `:name` segments of the pattern, in order */
  params: string[];
  query: Record<string, string>;
  /** the JSON body (or multipart payload_json); {} when there is none */
  body: Obj;
  files: RecordedFile[];
}
export interface RouteResult {
  status: number;
  json?: unknown;
}
export type Handler = (ctx: RouteContext) => RouteResult;
export interface Route {
  method: string;
  re: RegExp;
  handler: Handler;
}

export interface RouteOptions {
  /** enforce channel permissions of the bot on channel routes */
  enforcePermissions: boolean;
  /** recommended shard count returned by /gateway/bot */
  shards: number;
  /** the gateway's ws:// URL */
  gatewayUrl: () => string;
}

const noContent: RouteResult = { status: 204 };
const ok = (json: unknown, status = 200): RouteResult => ({ status, json });
/** a route parameter (always present: the pattern matched) */
const at = (params: string[], i: number): string => params[i] ?? '';
const sameType = (a: { type?: unknown }, b: { type?: unknown }): boolean => (a.type ?? 1) === (b.type ?? 1);

export function buildRoutes(state: SimState, options: RouteOptions): Route[] {
  const routes: Route[] = [];
  const route = (method: string, pattern: string, handler: Handler): void => {
    const re = new RegExp('^' + pattern.replace(/:[a-zA-Z_]+/g, '([^/]+)') + '/?$');
    routes.push({ method, re, handler });
  };
  const { appId, botUser, testUser, channels, guilds, commands, messages, events } = state;
  const requirePerms = (channelId: string, needed: bigint[]): void =>
    requirePermissions(state, options.enforcePermissions, channelId, needed);
  // ---- private threads (study pods): thread membership, see threads.ts --------------
  const threadMembers = state.threadMembers;

  // ---- gateway --------------------------------------------------------------
  route('GET', '/gateway/bot', () =>
    ok({
      url: options.gatewayUrl(),
      shards: options.shards,
      session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
    }),
  );
  route('GET', '/gateway', () => ok({ url: options.gatewayUrl() }));

  // ---- users ----------------------------------------------------------------
  route('GET', '/users/@me', () => ok(clone(botUser)));
  route('GET', '/users/:user', ({ params }) => {
    const u = state.users.get(at(params, 0));
    if (!u) throw new HttpError(404, 10013);
    return ok(clone(u));
  });
  route('POST', '/users/@me/channels', ({ body }) => {
    const recipientId = String(body.recipient_id);
    const recipient = state.users.get(recipientId) ?? state.makeUser({ id: recipientId });
    let dm = [...channels.values()].find((c) => c.type === 1 && c.recipients?.[0]?.id === recipient.id);
    if (!dm) {
      dm = { id: state.snowflake(), type: 1, last_message_id: null, flags: 0, recipients: [clone(recipient)] };
      channels.set(dm.id, dm);
      messages.set(dm.id, []);
    }
    return ok(clone(dm));
  });
  route('GET', '/users/@me/guilds', () =>
    ok([...guilds.values()].map((g) => ({ id: g.id, name: g.name, icon: null, banner: null, owner: false, permissions: '0', features: g.features }))),
  );

  // ---- applications and commands ---------------------------------------------
  const appInfo = (): Obj => ({
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
  const normalizeCommand = (cmd: Obj, scope: string, existing?: Command): Command => {
    const normalized: Obj = {
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
      id: existing?.id ?? state.snowflake(),
      application_id: appId,
      version: state.snowflake(),
    };
    return normalized as Command;
  };
  const putCommands = (scope: string, body: unknown): Command[] => {
    const list = Array.isArray(body) ? (body as Obj[]) : [];
    const prev = commands.get(scope) ?? [];
    const next = list.map((c) => normalizeCommand(c, scope, prev.find((p) => p.name === c.name && sameType(p, c))));
    commands.set(scope, next);
    return next;
  };
  const commandRoutes = (prefix: string, scopeOf: (p: string[]) => string): void => {
    const last = (p: string[]): string => at(p, p.length - 1);
    route('GET', prefix, ({ params }) => (checkApp(at(params, 0)), ok(clone(commands.get(scopeOf(params)) ?? []))));
    // PUT sends an array of commands (the server passes any JSON object or array as `body`).
    route('PUT', prefix, ({ params, body }) => (checkApp(at(params, 0)), ok(clone(putCommands(scopeOf(params), body)))));
    route('POST', prefix, ({ params, body }) => {
      checkApp(at(params, 0));
      const scope = scopeOf(params);
      const list = commands.get(scope) ?? [];
      const idx = list.findIndex((c) => c.name === body.name && sameType(c, body));
      const cmd = normalizeCommand(body, scope, idx >= 0 ? list[idx] : undefined);
      if (idx >= 0) list[idx] = cmd;
      else list.push(cmd);
      commands.set(scope, list);
      return ok(clone(cmd), idx >= 0 ? 200 : 201);
    });
    route('GET', prefix + '/:cmd', ({ params }) => {
      const cmd = (commands.get(scopeOf(params)) ?? []).find((c) => c.id === last(params));
      if (!cmd) throw new HttpError(404, 10063);
      return ok(clone(cmd));
    });
    route('PATCH', prefix + '/:cmd', ({ params, body }) => {
      const list = commands.get(scopeOf(params)) ?? [];
      const idx = list.findIndex((c) => c.id === last(params));
      if (idx < 0) throw new HttpError(404, 10063);
      list[idx] = { ...list[idx]!, ...clone(body), version: state.snowflake() };
      return ok(clone(list[idx]));
    });
    route('DELETE', prefix + '/:cmd', ({ params }) => {
      const list = commands.get(scopeOf(params)) ?? [];
      const idx = list.findIndex((c) => c.id === last(params));
      if (idx < 0) throw new HttpError(404, 10063);
      list.splice(idx, 1);
      return noContent;
    });
  };
  commandRoutes('/applications/:app/commands', () => 'global');
  commandRoutes('/applications/:app/guilds/:guild/commands', (p) => {
    state.getGuild(at(p, 1));
    return at(p, 1);
  });

  // ---- interactions -----------------------------------------------------------
  /** Refuses (and notes on the interaction) an answer Discord would refuse. */
  const refuse = (rec: Interaction, status: number, code: number): never => {
    rec.refused.push({ code, afterMs: state.now() - rec.sentAt });
    events.emit('interaction', rec);
    throw new HttpError(status, code);
  };
  const getInteractionByToken = (appIdParam: string, token: string): Interaction => {
    const rec = state.interactionsByToken.get(token);
    if (!rec || appIdParam !== appId) throw new HttpError(404, 10015);
    // The token serves follow-ups and edits for 15 minutes; then Discord answers 401 Invalid Webhook Token.
    if (state.now() - rec.sentAt > INTERACTION_TOKEN_MS) refuse(rec, 401, 50027);
    return rec;
  };

  const interactionMessageExtra = (rec: Interaction): Obj => {
    const p = rec.payload as Obj & { member?: { user?: unknown }; user?: unknown; data?: Obj; message?: Obj };
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

  const interactionChannelId = (rec: Interaction): string =>
    (rec.payload.channel_id as string | undefined) ?? ((rec.payload.channel as Obj | undefined)?.id as string | undefined) ?? '0';

  const handleCallback = (id: string, token: string, body: Obj, files: RecordedFile[], query: Record<string, string>): RouteResult => {
    const rec = state.interactions.get(id);
    if (!rec || rec.token !== token) throw new HttpError(404, 10062);
    // The first answer must come within 3 s of the interaction; there is only one first answer.
    if (state.now() - rec.sentAt > INTERACTION_ACK_MS) refuse(rec, 404, 10062);
    if (rec.callback) refuse(rec, 400, 40060);
    const type = Number(body.type);
    const data = body.data as Obj | undefined;
    rec.callback = { type, data: clone(data), at: performance.now() };
    const channelId = interactionChannelId(rec);
    const ephemeral = (Number(data?.flags ?? 0) & 64) !== 0;
    let resourceMessage: Message | undefined;
    if (type === 4) {
      const msg = state.buildMessage(channelId, data ?? {}, files, interactionMessageExtra(rec));
      msg.flags = Number(data?.flags ?? 0);
      rec.original = msg;
      if (!ephemeral) state.storeMessage(channelId, msg, true);
      resourceMessage = msg;
    } else if (type === 5) {
      const msg = state.buildMessage(channelId, {}, [], interactionMessageExtra(rec));
      msg.flags = 128 | (ephemeral ? 64 : 0);
      rec.original = msg;
      if (!ephemeral) state.storeMessage(channelId, msg, true);
      resourceMessage = msg;
    } else if (type === 6 || type === 7) {
      const src = rec.payload.message as Message | undefined;
      if (src) {
        const stored = state.findStored(src.channel_id, src.id);
        const msg = stored ? stored.msg : clone(src);
        if (type === 7) {
          state.applyEdit(msg, data ?? {}, files);
          msg.edited_timestamp = nowIso();
        }
        rec.original = msg;
        resourceMessage = msg;
      }
    }
    events.emit('interaction', rec);
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
    return noContent;
  };

  route('POST', '/interactions/:id/:token/callback', ({ params, body, files, query }) =>
    handleCallback(at(params, 0), at(params, 1), body, files, query),
  );
  route('GET', '/webhooks/:app/:token/messages/@original', ({ params }) => {
    const rec = getInteractionByToken(at(params, 0), at(params, 1));
    if (!rec.original || rec.originalDeleted) throw new HttpError(404, 10008);
    return ok(clone(rec.original));
  });
  route('PATCH', '/webhooks/:app/:token/messages/@original', ({ params, body, files }) => {
    const rec = getInteractionByToken(at(params, 0), at(params, 1));
    if (!rec.callback || rec.originalDeleted) throw new HttpError(404, 10008);
    if (!rec.original) {
      // e.g. deferUpdate without message, or autocomplete: nothing to edit
      throw new HttpError(404, 10008);
    }
    state.applyEdit(rec.original, body, files);
    if (!(rec.callback.type === 5 && !rec.edits.some((e) => e.messageId === '@original'))) {
      rec.original.edited_timestamp = nowIso();
    }
    rec.edits.push({ messageId: '@original', body: clone(body), at: Date.now() });
    events.emit('interaction', rec);
    return ok(clone(rec.original));
  });
  route('DELETE', '/webhooks/:app/:token/messages/@original', ({ params }) => {
    const rec = getInteractionByToken(at(params, 0), at(params, 1));
    if (!rec.original || rec.originalDeleted) throw new HttpError(404, 10008);
    rec.originalDeleted = true;
    state.unstore(rec.original.channel_id, rec.original.id);
    events.emit('interaction', rec);
    return noContent;
  });
  route('POST', '/webhooks/:app/:token', ({ params, body, files }) => {
    const rec = getInteractionByToken(at(params, 0), at(params, 1));
    if (!rec.callback) throw new HttpError(404, 10015);
    const channelId = interactionChannelId(rec);
    const msg = state.buildMessage(channelId, body, files, interactionMessageExtra(rec));
    delete msg.interaction;
    if (msg.type === 20) msg.type = 0;
    rec.followups.push(msg);
    if (!(Number(msg.flags) & 64)) state.storeMessage(channelId, msg, true);
    events.emit('interaction', rec);
    return ok(clone(msg));
  });
  const followup = (rec: Interaction, id: string): Message => {
    if (rec.original && rec.original.id === id && !rec.originalDeleted) return rec.original;
    const m = rec.followups.find((f) => f.id === id);
    if (!m) throw new HttpError(404, 10008);
    return m;
  };
  route('GET', '/webhooks/:app/:token/messages/:mid', ({ params }) =>
    ok(clone(followup(getInteractionByToken(at(params, 0), at(params, 1)), at(params, 2)))),
  );
  route('PATCH', '/webhooks/:app/:token/messages/:mid', ({ params, body, files }) => {
    const rec = getInteractionByToken(at(params, 0), at(params, 1));
    const msg = followup(rec, at(params, 2));
    state.applyEdit(msg, body, files);
    msg.edited_timestamp = nowIso();
    rec.edits.push({ messageId: at(params, 2), body: clone(body), at: Date.now() });
    events.emit('interaction', rec);
    return ok(clone(msg));
  });
  route('DELETE', '/webhooks/:app/:token/messages/:mid', ({ params }) => {
    const rec = getInteractionByToken(at(params, 0), at(params, 1));
    const msg = followup(rec, at(params, 2));
    if (msg === rec.original) rec.originalDeleted = true;
    else rec.followups = rec.followups.filter((f) => f !== msg);
    state.unstore(msg.channel_id, msg.id);
    events.emit('interaction', rec);
    return noContent;
  });

  // ---- channels and messages --------------------------------------------------
  route('GET', '/channels/:id', ({ params }) => {
    const ch = state.getChannel(at(params, 0));
    if (ch.guild_id) requirePerms(ch.id, []);
    return ok(clone(ch));
  });
  route('POST', '/channels/:id/messages', ({ params, body, files }) => {
    const ch = state.getChannel(at(params, 0));
    const isThread = THREAD_TYPES.has(ch.type);
    const needed = [isThread ? Perm.SendMessagesInThreads : Perm.SendMessages];
    if (files.length) needed.push(Perm.AttachFiles);
    requirePerms(ch.id, needed);
    if (isThread && ch.thread_metadata?.locked) throw new HttpError(403, 50013);
    // DMs (weekly digest): a user who closed their DMs to the bot refuses its messages.
    if (ch.type === 1 && state.dmsClosed.has(String(ch.recipients?.[0]?.id))) throw new HttpError(403, 50007);
    const hasContent =
      (typeof body.content === 'string' && body.content.length > 0) ||
      (Array.isArray(body.embeds) && body.embeds.length > 0) ||
      (Array.isArray(body.components) && body.components.length > 0) ||
      files.length > 0 ||
      Boolean(body.poll) ||
      (Array.isArray(body.sticker_ids) && body.sticker_ids.length > 0);
    if (!hasContent) throw new HttpError(400, 50006);
    // enforce_nonce: a nonce the same author used in the last few minutes returns that message.
    const nonceKey = body.enforce_nonce === true && (typeof body.nonce === 'string' || typeof body.nonce === 'number') ? `${botUser.id}:${String(body.nonce)}` : undefined;
    const seen = nonceKey ? state.nonces.get(nonceKey) : undefined;
    if (seen && state.now() - seen.at <= NONCE_WINDOW_MS) return ok(clone(seen.msg));
    const msg = state.buildMessage(ch.id, body, files);
    state.storeMessage(ch.id, msg, false);
    if (nonceKey) {
      const now = state.now();
      if (state.nonces.size >= 10_000) for (const [k, v] of state.nonces) if (now - v.at > NONCE_WINDOW_MS) state.nonces.delete(k);
      state.nonces.set(nonceKey, { msg, at: now });
    }
    threadMembers.mentioned(ch, body); // private threads: mentioned members join
    return ok(clone(msg));
  });
  route('GET', '/channels/:id/messages', ({ params, query }) => {
    const ch = state.getChannel(at(params, 0));
    requirePerms(ch.id, [Perm.ReadMessageHistory]);
    const limit = Math.min(Number(query.limit ?? 50), 100);
    let list = (messages.get(ch.id) ?? []).map((s) => s.msg);
    const { before, after } = query;
    if (before) list = list.filter((m) => BigInt(m.id) < BigInt(before));
    if (after) list = list.filter((m) => BigInt(m.id) > BigInt(after));
    list = [...list].reverse().slice(0, limit); // newest first like Discord
    return ok(clone(list));
  });
  route('GET', '/channels/:id/messages/:mid', ({ params }) => {
    const ch = state.getChannel(at(params, 0));
    requirePerms(ch.id, [Perm.ReadMessageHistory]);
    const s = state.findStored(ch.id, at(params, 1));
    if (!s) throw new HttpError(404, 10008);
    return ok(clone(s.msg));
  });
  route('PATCH', '/channels/:id/messages/:mid', ({ params, body, files }) => {
    const ch = state.getChannel(at(params, 0));
    requirePerms(ch.id, []);
    const s = state.findStored(ch.id, at(params, 1));
    if (!s) throw new HttpError(404, 10008);
    if (s.msg.author?.id !== botUser.id) throw new HttpError(403, 50005);
    state.applyEdit(s.msg, body, files);
    s.msg.edited_timestamp = nowIso();
    return ok(clone(s.msg));
  });
  route('DELETE', '/channels/:id/messages/:mid', ({ params }) => {
    const ch = state.getChannel(at(params, 0));
    const list = messages.get(ch.id) ?? [];
    const i = list.findIndex((s) => s.msg.id === params[1]);
    if (i < 0) throw new HttpError(404, 10008);
    if (list[i]!.msg.author?.id !== botUser.id) requirePerms(ch.id, [Perm.ManageMessages]);
    list.splice(i, 1);
    return noContent;
  });
  const createThread = (parent: Channel, body: Obj, starter?: Message): Channel => {
    const type = starter ? (parent.type === 5 ? 10 : 11) : Number(body.type ?? 12);
    const id = starter ? starter.id : state.snowflake();
    if (channels.has(id)) throw new HttpError(400, 160004, 'A thread has already been created for this message');
    const thread = state.buildChannel(parent.guild_id, {
      id,
      type,
      name: body.name ?? 'thread',
      parent_id: parent.id,
      owner_id: botUser.id,
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
    threadMembers.created(thread, botUser.id);
    if (starter) {
      starter.thread = clone(thread);
      starter.flags = Number(starter.flags ?? 0) | 32; // HAS_THREAD
    }
    if (state.gateway.connected(parent.guild_id)) {
      state.gateway.dispatch('THREAD_CREATE', { ...clone(thread), newly_created: true }, parent.guild_id);
    }
    return thread;
  };
  route('GET', '/guilds/:id/threads/active', ({ params }) => {
    const guildId = at(params, 0);
    state.getGuild(guildId);
    const threads = [...channels.values()].filter((c) => c.guild_id === guildId && THREAD_TYPES.has(c.type) && !c.thread_metadata?.archived);
    return ok({ threads: clone(threads), members: [] });
  });
  route('POST', '/channels/:id/messages/:mid/threads', ({ params, body }) => {
    const ch = state.getChannel(at(params, 0));
    requirePerms(ch.id, [Perm.CreatePublicThreads, Perm.ReadMessageHistory]);
    const s = state.findStored(ch.id, at(params, 1));
    if (!s) throw new HttpError(404, 10008);
    return ok(clone(createThread(ch, body, s.msg)), 201);
  });
  route('POST', '/channels/:id/threads', ({ params, body }) => {
    const ch = state.getChannel(at(params, 0));
    const type = Number(body.type ?? 12);
    requirePerms(ch.id, [type === 12 ? Perm.CreatePrivateThreads : Perm.CreatePublicThreads]);
    const thread = createThread(ch, { ...body, type });
    if (ch.type === 15 && body.message) {
      const msg = state.buildMessage(thread.id, body.message as Obj, []);
      msg.id = thread.id;
      state.storeMessage(thread.id, msg, false);
      return ok({ ...clone(thread), message: clone(msg) }, 201);
    }
    return ok(clone(thread), 201);
  });
  route('PATCH', '/channels/:id', ({ params, body }) => {
    const ch = state.getChannel(at(params, 0));
    if (THREAD_TYPES.has(ch.type)) {
      const { archived, locked, auto_archive_duration, invitable, ...rest } = body;
      Object.assign(ch, clone(rest));
      ch.thread_metadata = {
        ...ch.thread_metadata,
        ...(archived !== undefined ? { archived, archive_timestamp: nowIso() } : {}),
        ...(locked !== undefined ? { locked: locked as boolean } : {}),
        ...(auto_archive_duration !== undefined ? { auto_archive_duration } : {}),
        ...(invitable !== undefined ? { invitable } : {}),
      };
    } else {
      requirePerms(ch.id, [Perm.ManageChannels]);
      Object.assign(ch, clone(body));
    }
    return ok(clone(ch));
  });
  // ---- private threads (study pods): adding and removing thread members ----------------
  route('PUT', '/channels/:id/thread-members/:user', ({ params }) => {
    const thread = state.getChannel(at(params, 0));
    requirePerms(thread.id, [Perm.SendMessagesInThreads]);
    threadMembers.add(thread, at(params, 1));
    return noContent;
  });
  route('DELETE', '/channels/:id/thread-members/:user', ({ params }) => {
    const thread = state.getChannel(at(params, 0));
    if (at(params, 1) !== botUser.id) requirePerms(thread.id, [Perm.ManageThreads]);
    threadMembers.remove(thread, at(params, 1));
    return noContent;
  });
  // ---- end of private threads -----------------------------------------------------------
  route('PUT', '/channels/:id/messages/:mid/reactions/:emoji/@me', ({ params }) => {
    const ch = state.getChannel(at(params, 0));
    requirePerms(ch.id, [Perm.ReadMessageHistory, Perm.AddReactions]);
    if (!state.findStored(ch.id, at(params, 1))) throw new HttpError(404, 10008);
    return noContent;
  });
  route('POST', '/channels/:id/typing', ({ params }) => (state.getChannel(at(params, 0)), noContent));

  // ---- guilds -----------------------------------------------------------------
  route('GET', '/guilds/:id', ({ params }) => ok(state.guildForRest(state.getGuild(at(params, 0)))));
  route('GET', '/guilds/:id/channels', ({ params }) => {
    state.getGuild(at(params, 0));
    return ok(clone([...channels.values()].filter((c) => c.guild_id === params[0] && !THREAD_TYPES.has(c.type))));
  });
  route('GET', '/guilds/:id/roles', ({ params }) => ok(clone(state.getGuild(at(params, 0)).roles)));
  route('GET', '/guilds/:id/members', ({ params, query }) => {
    const g = state.getGuild(at(params, 0));
    return ok(clone(g.members.slice(0, Number(query.limit ?? 1))));
  });
  route('GET', '/guilds/:id/members/:user', ({ params }) => {
    state.getGuild(at(params, 0));
    const m = state.memberOf(at(params, 0), at(params, 1));
    if (!m) throw new HttpError(404, 10007);
    return ok(clone(m));
  });
  // ---- member roles (milestone roles): hierarchy-checked, GUILD_MEMBER_UPDATE on a change ----
  const changeMemberRole = (params: string[], add: boolean): RouteResult => {
    const [guildId, userId, roleId] = [at(params, 0), at(params, 1), at(params, 2)];
    state.getGuild(guildId);
    const m = state.memberOf(guildId, userId);
    if (!m) throw new HttpError(404, 10007);
    requireRoleManageable(state, options.enforcePermissions, guildId, roleId);
    state.setMemberRole(guildId, userId, roleId, add);
    return noContent;
  };
  route('PUT', '/guilds/:id/members/:user/roles/:role', ({ params }) => changeMemberRole(params, true));
  route('DELETE', '/guilds/:id/members/:user/roles/:role', ({ params }) => changeMemberRole(params, false));
  // ---- guild scheduled events (/event): scheduled-events.ts ----
  scheduledEventRoutes(state, route, { enforcePermissions: options.enforcePermissions });

  return routes;
}
