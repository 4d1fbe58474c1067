import type { WorldSnapshot } from './model.js';

/**
 * The public types of the fake Discord: what tests, the console and the benchmarks see.
 */

/**
 * Loose JSON object type: the fake hands out plain Discord-shaped objects, and tests read them
 * freely (`fake.guild(id).roles[0].name`). Only this public type is loose; inside src/sim every
 * value read from it is `unknown` until checked (see state.ts).
 */
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

/**
 * A fault the REST server injects (`fake.failWith`). By default a Discord JSON error answered
 * before the request takes effect; `fault` chooses a transport fault instead, and `applied` lets the
 * request take effect first (Discord stored the message, then the answer was lost).
 */
export interface FailRule {
  /** HTTP method (case-insensitive); omitted = any method */
  method?: string;
  /** matched against the normalised path (see file header) */
  path: RegExp;
  /**
   * 'error' (default): answer `status` with `{ code, message }`; 'hang': never answer (a timeout:
   * the client gives up); 'reset': destroy the connection without an answer.
   */
  fault?: 'error' | 'hang' | 'reset';
  /** HTTP status, default: 500 without `code`, else Discord's status for the code (403 for 50001/50013, 404 for 10xxx, 400) */
  status?: number;
  /** Discord JSON error code (e.g. 50013 Missing Permissions); default 0 */
  code?: number;
  message?: string;
  /** how many requests to fail; omitted = forever */
  times?: number;
  /** the request takes effect before the fault (e.g. a 502 after Discord posted the message) */
  applied?: boolean;
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
  /** When INTERACTION_CREATE was sent, on the fake's clock (ms; see FakeDiscordOptions.clock). */
  sentAt: number;
  /** Answers the fake refused: a late first answer (10062), a second one (40060), an expired token (50027). */
  refused: { code: number; afterMs: number }[];
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
  /**
   * `close()` rejects with the list of requests that broke Discord's spec or limits, if any are
   * still in `violations` (default true: every test that closes its fake checks them, whether or
   * not it calls expectNoViolations). The console turns it off: it shows each violation at once.
   */
  failOnViolations?: boolean;
  /** paths (normalised) never subject to the global rate limit; default: gateway + interaction callbacks */
  rateLimitExempt?: RegExp;
  botUsername?: string;
  /**
   * The clock (milliseconds) of Discord's own deadlines: the 3 s for a first answer to an
   * interaction, the 15 minutes of its token, the window of `enforce_nonce`. Default: the real
   * clock less the time this thread waited for a CPU (`ownTimeClock`, clock.ts): a loaded machine
   * does not make the bot late, its own slowness does. `realClock` is the plain monotonic clock.
   * Tests of those rules pass a clock they move by hand.
   */
  clock?: () => number;
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
  /** Private threads (study pods): the user ids in a thread (its creator, added and mentioned members). */
  threadMembers(threadId: string): string[];
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

  /**
   * A file a user attaches to a command: returns its attachment id, the value of an attachment option.
   * The interaction's `resolved` attachment then has its name, size and a URL on this fake's own HTTP
   * server (`/attachments/…`), which serves the bytes as Discord's CDN does.
   */
  uploadAttachment(file: { filename: string; data: Buffer | string; contentType?: string }): string;
  /** The files uploadAttachment registered, by attachment id. */
  readonly uploads: ReadonlyMap<string, { filename: string; data: Buffer; contentType: string }>;
  // ---- DMs (weekly digest) ----
  /** Closes (or reopens) a user's DMs to the bot: messages to their DM channel answer 403 50007. */
  setDmsClosed(userId: string, closed: boolean): void;
  /** The messages the bot sent to a user's DM channel, oldest first (none when it never opened one). */
  dmMessages(userId: string): Json[];
  // ---- end DMs ----

  /**
   * Injects a fault into matching REST requests (interaction callbacks and webhooks too):
   * `failWith({ path: /callback$/, status: 502, applied: true, times: 1 })` is a 502 after the
   * callback took effect; `fault: 'hang'` never answers; `fault: 'reset'` closes the connection.
   * Returns how often it has struck so far.
   */
  failWith(rule: FailRule): { readonly hits: number };
  /**
   * Calls `listener` for each request once it took effect, before its answer is sent (killing the
   * bot there loses the answer of a request Discord carried out). Returns a function that removes it.
   */
  beforeAnswer(listener: (request: RecordedRequest) => void): () => void;
  /** removes every rule and ends every hanging request (its connection is closed) */
  clearFailures(): void;

  /** dispatch a gateway event (op 0) to the shard of guildId (or all shards when omitted) */
  dispatch(t: string, d: unknown, guildId?: string): void;
  sendInteraction(payload: Json): string;
  /** the shards with at least one identified session, each once */
  connectedShards(): number[];
  /** identified sessions per shard id: two processes running shard 0 give `{ 0: 2 }`, and both get every event of it */
  gatewaySessions(): Record<number, number>;
  /** close all gateway sockets with a code (simulates a disconnect; discord.js will resume/reconnect) */
  dropGatewayConnections(code?: number): void;
  /**
   * A gateway outage: closes every socket and holds IDENTIFY/RESUME until `releaseGateway()`.
   * Events meanwhile (e.g. `setVoiceState`) wait in the session's backlog; a RESUME replays them.
   */
  holdGateway(code?: number): void;
  releaseGateway(): void;
  /**
   * A member joins, moves, leaves (`channelId: null`) or is (un)deafened in voice: stored (GUILD_CREATE
   * carries `voice_states`) and dispatched as VOICE_STATE_UPDATE to the guild's shard session.
   */
  setVoiceState(guildId: string, userId: string, state: { channelId: string | null; deaf?: boolean; mute?: boolean; selfDeaf?: boolean; selfMute?: boolean }): Json;
  /** current voice states of a guild (without guild_id and member) */
  voiceStates(guildId: string): Json[];
  /** The guild's scheduled events (scheduled-events.ts), as Discord stores them. */
  scheduledEvents(guildId: string): Json[];
  /** Discord's wall clock (ms since the epoch) for "a start in the future": a test points it at the bot's clock. */
  setWallClock(now: () => number): void;
  /** The world (users, servers, channels, messages, voice states) as JSON, to restore in another fake. */
  snapshot(): WorldSnapshot;
  /** Replaces the world with a snapshot's; before the bot connects, and with the same `appId`. */
  restore(snapshot: WorldSnapshot): void;
  /** Shuts the fake down; rejects afterwards if violations remain (see `failOnViolations`). */
  close(): Promise<void>;
}
