/**
 * The shapes the fake stores: plain Discord API objects (snake_case, as on the wire), with the
 * fields the fake itself reads typed and everything else `unknown`. Public signatures hand them
 * out as the loose `Json` (types.ts).
 */

/** A JSON object whose values are not known yet. */
export type Obj = Record<string, unknown>;

export interface User extends Obj {
  id: string;
  username: string;
  bot?: boolean;
}

export interface Role extends Obj {
  id: string;
  name: string;
  /** bit set as a decimal string */
  permissions: string;
  position: number;
}

export interface Member extends Obj {
  user: User;
  roles: string[];
}

export interface Overwrite {
  id: string;
  /** 0 role, 1 member */
  type: number;
  allow: string | number | bigint;
  deny: string | number | bigint;
}

export interface Channel extends Obj {
  id: string;
  type: number;
  name?: string;
  guild_id?: string;
  parent_id?: string | null;
  permission_overwrites?: Overwrite[];
  thread_metadata?: Obj & { locked?: boolean };
  recipients?: User[];
  last_message_id?: string | null;
  message_count?: number;
  total_message_sent?: number;
}

export interface Guild extends Obj {
  id: string;
  name: string;
  owner_id: string;
  roles: Role[];
  members: Member[];
  features: string[];
  joined_at: string;
  system_channel_id: string | null;
  /** the bot's managed role (not sent to the bot) */
  _botRoleId: string;
}

export interface Message extends Obj {
  id: string;
  type: number;
  channel_id: string;
  author: User;
  content: unknown;
  flags: number;
  edited_timestamp: string | null;
  member?: Obj;
}

export interface Command extends Obj {
  id: string;
  name: string;
  type?: number;
}

/** What the fake records of one interaction (the public InteractionRecord, typed for the fake). */
export interface Interaction {
  id: string;
  token: string;
  payload: Obj;
  /** when INTERACTION_CREATE was sent, on the fake's clock (ms) */
  sentAt: number;
  /** callbacks and webhook calls the fake refused (late: 10062, again: 40060, expired token: 50027) */
  refused: { code: number; afterMs: number }[];
  callback: { type: number; data: Obj | undefined; at: number } | undefined;
  original: Message | undefined;
  originalDeleted: boolean;
  followups: Message[];
  edits: { messageId: string; body: unknown; at: number }[];
}

/** The fake's world as JSON (snapshot.ts): what the console keeps between runs. */
export interface WorldSnapshot {
  version: 1;
  appId: string;
  users: User[];
  guilds: Guild[];
  channels: Channel[];
  messages: { channelId: string; msg: Message; viaInteraction: boolean }[];
  voiceStates: { guildId: string; states: Obj[] }[];
  threadMembers: { threadId: string; userIds: string[] }[];
  dmsClosed: string[];
}

/** Public and private threads (news, public, private). */
export const THREAD_TYPES = new Set([10, 11, 12]);

export const nowIso = (): string => new Date().toISOString();
export const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));
