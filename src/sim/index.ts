/**
 * A fake Discord (REST + Gateway) that a REAL discord.js Client can log into. The console, the
 * benchmarks and the tests run the bot against it; see docs/architecture.md (The fake Discord).
 *
 *   const fake = await startFakeDiscord();
 *   const guild = fake.addGuild({ name: 'Test' });
 *   const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
 *   await client.login(FAKE_TOKEN);
 *
 * Paths recorded in `fake.requests`, `fake.violations` and matched by `failWith` are
 * normalised: no `/api/v10` prefix, no query string, URL-decoded (`@original`).
 *
 * The rules of real Discord it enforces (a test that breaks one is a test bug, or found a bot bug):
 * - Every payload the bot sends is checked against Discord's OpenAPI spec and length limits (spec.ts;
 *   `close()` fails on a violation).
 * - The first answer to an interaction (reply, defer, update, modal, autocomplete) must arrive
 *   within 3 s of INTERACTION_CREATE, else 404 10062 Unknown interaction; a second first answer is
 *   400 40060. Edits and follow-ups work with the token for 15 minutes, then 401 50027 Invalid
 *   Webhook Token. Refusals are noted in `interaction(id).refused`, and `waitForInteractionReply`
 *   rejects at once for a late first answer. These run on `options.clock`: by default the real
 *   clock less the time the thread waited for a CPU (clock.ts), so that eight sessions sharing two
 *   cores do not make a prompt bot late while a slow handler or a blocked event loop still is;
 *   tests of the deadlines pass a clock they move by hand.
 * - Interactions are built (interactions.ts) only as Discord's client sends them: options of a
 *   registered command, of their declared types, within their limits, with `resolved` data
 *   (options.ts is the one validator; the console shows its problems to the person typing).
 * - POST /channels/:id/messages with `enforce_nonce` and a nonce its author used within 2 minutes
 *   returns that first message instead of posting again.
 * - Sessions: every IDENTIFY is a new session; two sessions on one shard both receive every event
 *   of it (so both processes get each interaction); a dropped session can RESUME with its backlog;
 *   a client that closes with 1000/1001 ends its session.
 * - Guild scheduled events with Discord's checks (fields by entity type, a start in the future on
 *   the wall clock `setWallClock` sets, Manage/Create Events), and their gateway events (scheduled-events.ts).
 * - The global rate limit (`rateLimitPerSecond`), from which interaction callbacks and webhooks are
 *   exempt; bot channel permissions (`enforcePermissions`).
 * Faults on demand (`failWith`): Discord errors, 5xx once / N times / forever on a route pattern,
 * a hang (no answer), a reset connection, each before or after the request took effect (`applied`).
 */
import type { AddressInfo } from 'node:net';
import { ownTimeClock } from './clock.js';
import { Gateway } from './gateway.js';
import { RestServer } from './rest.js';
import { buildRoutes } from './routes.js';
import { SimState } from './state.js';
import { permissionsFor } from './permissions.js';
import { restoreWorld, snapshotWorld } from './snapshot.js';
import { expectNoViolations } from './spec.js';
import type { FakeDiscord, FakeDiscordOptions } from './types.js';

export type * from './types.js';
export type { WorldSnapshot } from './model.js';
export { BOT_DEFAULT_PERMISSIONS, MEMBER_DEFAULT_PERMISSIONS, Perm } from './permissions.js';
export { ownTimeClock, realClock, type SimClock } from './clock.js';
export { DISCORD_EPOCH, INTERACTION_ACK_MS, INTERACTION_TOKEN_MS, NONCE_WINDOW_MS } from './state.js';
export { expectNoViolations, validateDiscordRequest } from './spec.js';

/** A token discord.js accepts syntactically (it is never verified). */
export const FAKE_TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAw.GfAkE1.fake-discord-token-for-tests-only-xxxxxx';

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const ownTime = options.clock ? undefined : ownTimeClock();
  const state = new SimState({
    ...(options.appId !== undefined ? { appId: options.appId } : {}),
    ...(options.botUsername !== undefined ? { botUsername: options.botUsername } : {}),
    now: options.clock ?? ownTime!.now,
  });
  const rest = new RestServer(state, {
    rateLimitPerSecond: options.rateLimitPerSecond,
    // Interaction endpoints (the callback, and the edits and follow-ups under /webhooks/:application/:token) are not bound to the bot's global limit.
    rateLimitExempt: options.rateLimitExempt ?? /^\/(gateway|interactions|webhooks)(\/|$)/,
  });
  let port = 0;
  const gatewayUrl = (): string => `ws://127.0.0.1:${port}`;
  const gateway = new Gateway(state, rest.server, gatewayUrl);
  rest.routes = buildRoutes(state, { enforcePermissions: options.enforcePermissions ?? true, shards: options.shards ?? 1, gatewayUrl });

  await new Promise<void>((resolve) => rest.server.listen(0, '127.0.0.1', resolve));
  port = (rest.server.address() as AddressInfo).port;

  const replyDone = (rec: FakeDiscord['interactions'] extends Map<string, infer R> ? R : never): boolean => {
    if (!rec.callback) return false;
    if (rec.callback.type === 5 || rec.callback.type === 6) return rec.edits.some((e) => e.messageId === '@original');
    return true;
  };
  // Who waits for which interaction's answer: one listener for every interaction event, each event
  // handed to its own waiters only (a listener per waiter made every answer call every waiter).
  const replyWaiters = new Map<string, Set<(r: ReturnType<typeof state.interaction>) => void>>();
  state.events.on('interaction', (r: ReturnType<typeof state.interaction>) => {
    for (const waiter of [...(replyWaiters.get(r.id) ?? [])]) waiter(r);
  });

  const fake: FakeDiscord = {
    port,
    apiUrl: `http://127.0.0.1:${port}/api`,
    gatewayUrl: gatewayUrl(),
    appId: state.appId,
    botUser: state.botUser,
    testUser: state.testUser,
    requests: rest.requests,
    violations: rest.violations,
    stats: state.stats,
    guilds: state.guilds,
    channels: state.channels,
    users: state.users,
    commands: state.commands,
    interactions: state.interactions,
    snowflake: () => state.snowflake(),
    makeUser: (opts) => state.makeUser(opts),
    addGuild: (opts) => state.addGuild(opts),
    addChannel: (guildId, channel) => state.addChannel(guildId, channel),
    addMember: (guildId, member) => state.addMember(guildId, member),
    addRole: (guildId, role) => state.addRole(guildId, role),
    guild: (id) => state.guilds.get(id),
    channel: (id) => state.channels.get(id),
    threadMembers: (threadId) => state.threadMembers.of(threadId), // private threads (study pods)
    defaultChannelId: (guildId) => state.defaultChannelId(guildId),
    permissionsFor: (channelId, userId) => permissionsFor(state, channelId, userId),
    globalCommands: () => state.commands.get('global') ?? [],
    guildCommands: (guildId) => state.commands.get(guildId) ?? [],
    channelMessages: (channelId, opts) => state.channelMessages(channelId, opts),
    addMessage: (channelId, msg) => state.addMessage(channelId, msg),
    interaction: (id) => state.interaction(id),
    waitFor: (predicate, timeoutMs) => rest.waitFor(predicate, timeoutMs),
    waitForInteractionReply(id, timeoutMs = 5000) {
      const rec = state.interaction(id);
      if (replyDone(rec)) return Promise.resolve(rec);
      const late = (r: typeof rec): Error | undefined => {
        const refused = r.callback ? undefined : r.refused.find((x) => x.code === 10062);
        return refused
          ? new Error(`fake.waitForInteractionReply(${id}): the bot's first answer came ${(refused.afterMs / 1000).toFixed(1)} s after the interaction; Discord refuses it after 3 s (10062 Unknown interaction)`)
          : undefined;
      };
      const tooLate = late(rec);
      if (tooLate) return Promise.reject(tooLate);
      return new Promise((resolve, reject) => {
        const waiting = replyWaiters.get(id) ?? new Set();
        replyWaiters.set(id, waiting);
        const done = () => {
          clearTimeout(timer);
          waiting.delete(on);
          if (waiting.size === 0) replyWaiters.delete(id);
        };
        const on = (r: typeof rec): void => {
          const error = late(r);
          if (error || replyDone(r)) {
            done();
            if (error) reject(error);
            else resolve(r);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `fake.waitForInteractionReply(${id}) timed out after ${timeoutMs}ms; callback=${JSON.stringify(rec.callback)} edits=${rec.edits.length}`,
            ),
          );
        }, timeoutMs);
        waiting.add(on);
      });
    },
    waitForGateway: (count, timeoutMs) => gateway.waitForGateway(count, timeoutMs),
    uploads: state.uploads,
    uploadAttachment(file) {
      const id = state.snowflake();
      const data = typeof file.data === 'string' ? Buffer.from(file.data, 'utf8') : file.data;
      state.uploads.set(id, { filename: file.filename, data, contentType: file.contentType ?? 'application/octet-stream' });
      return id;
    },
    // ---- DMs (weekly digest) ----
    setDmsClosed: (userId, closed) => void (closed ? state.dmsClosed.add(userId) : state.dmsClosed.delete(userId)),
    dmMessages: (userId) => {
      const dm = state.dmChannelOf(userId);
      return dm ? state.channelMessages(dm.id) : [];
    },
    // ---- end DMs ----
    failWith: (rule) => rest.failWith(rule),
    beforeAnswer(listener) {
      state.events.on('answering', listener);
      return () => void state.events.off('answering', listener);
    },
    clearFailures: () => rest.clearFailures(),
    dispatch: (t, d, guildId) => gateway.dispatch(t, d, guildId),
    sendInteraction: (payload) => gateway.sendInteraction(payload),
    connectedShards: () => gateway.connectedShards(),
    gatewaySessions: () => gateway.sessionCounts(),
    dropGatewayConnections: (code) => gateway.drop(code),
    holdGateway: (code) => gateway.hold(code),
    releaseGateway: () => gateway.release(),
    setVoiceState: (guildId, userId, voice) => state.setVoiceState(guildId, userId, voice),
    voiceStates: (guildId) => [...(state.voiceStates.get(guildId)?.values() ?? [])],
    scheduledEvents: (guildId) => [...state.scheduledEvents.values()].filter((e) => e.guild_id === guildId),
    setWallClock: (now) => void (state.wallNow = now),
    // ---- world snapshots (the console keeps its server between runs) ----
    snapshot: () => snapshotWorld(state),
    restore: (snapshot) => restoreWorld(state, snapshot),
    async close() {
      await gateway.close();
      await rest.close();
      state.events.removeAllListeners();
      ownTime?.close();
      if (options.failOnViolations ?? true) expectNoViolations(rest);
    },
  };
  return fake;
}
