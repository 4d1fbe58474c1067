/**
 * Builders for Discord interaction payloads (INTERACTION_CREATE `d`), shaped like the real
 * gateway payloads. They only BUILD the payload; dispatch with `fake.sendInteraction(payload)`
 * (returns the interaction id), or use the `send*` shorthands which do both.
 *
 *   const id = fake.sendInteraction(chatInput(fake, { guildId, name: 'join', subcommand: 'track', options: { track: 'ml' } }));
 *   const rec = await fake.waitForInteractionReply(id);
 */
import type { Channel, Guild, Member, Obj, User } from './model.js';
import { MEMBER_DEFAULT_PERMISSIONS } from './permissions.js';
import type { FakeDiscord, Json } from './types.js';

export const OptionType = {
  Subcommand: 1,
  SubcommandGroup: 2,
  String: 3,
  Integer: 4,
  Boolean: 5,
  User: 6,
  Channel: 7,
  Role: 8,
  Mentionable: 9,
  Number: 10,
  Attachment: 11,
} as const;

/** A typed option entry. `value` for USER/CHANNEL/ROLE/MENTIONABLE/ATTACHMENT is the snowflake. */
export interface RawOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  focused?: boolean;
  options?: RawOption[];
}

/** Shorthand value: JS primitive (STRING / INTEGER|NUMBER / BOOLEAN inferred) or an explicit `{ type, value }`. */
export type OptionShorthand = string | number | boolean | { type: number; value: string | number | boolean };
export type OptionsInput = Record<string, OptionShorthand> | RawOption[];

export interface BaseInteractionOptions {
  /** omit for a DM interaction (context 1, `user` instead of `member`) */
  guildId?: string;
  /** defaults to the guild's first text channel */
  channelId?: string;
  /** user object or user id; default fake.testUser */
  user?: Json | string;
  /** member permissions bitfield (as string/bigint); default MEMBER_DEFAULT_PERMISSIONS (no ManageMessages/Administrator) */
  memberPermissions?: string | bigint;
  /** role ids of the member (default: the member's stored roles, else []) */
  roles?: string[];
  /** user locale, default 'en-US' */
  locale?: string;
  /** override/extend any top-level payload field */
  extra?: Json;
}

export interface ChatInputOptions extends BaseInteractionOptions {
  name: string;
  subcommand?: string;
  subcommandGroup?: string;
  options?: OptionsInput;
  /** command id; default: id of the registered command with this name (guild, then global) or a new snowflake */
  commandId?: string;
}

export interface AutocompleteOptions extends ChatInputOptions {
  /** name of the focused option */
  focused: string;
  /** what the user typed so far */
  value: string | number;
  /** type of the focused option (default STRING, or INTEGER/NUMBER when value is a number) */
  focusedType?: number;
}

export interface ButtonOptions extends BaseInteractionOptions {
  customId: string;
  /** the message the component is on; default: a new bot message stored in the channel containing this button */
  message?: Json;
}

export interface SelectOptions extends ButtonOptions {
  values: string[];
  /** 3 string select (default), 5 user, 6 role, 7 mentionable, 8 channel */
  componentType?: number;
}

export interface ModalSubmitOptions extends BaseInteractionOptions {
  customId: string;
  /** text input custom_id -> value */
  fields: Record<string, string>;
  /** message the modal was opened from (component-originated modals) */
  message?: Json;
}

/** The fake's state as the builders read it (the public API hands it out as loose Json). */
interface World {
  users: Map<string, User>;
  channels: Map<string, Channel>;
  guilds: Map<string, Guild>;
  testUser: User;
}
const world = (fake: FakeDiscord): World => fake as unknown as World;

function resolveUser(fake: FakeDiscord, given: Json | string | undefined): User {
  const { users, testUser } = world(fake);
  if (given === undefined) return testUser;
  if (typeof given === 'string') return users.get(given) ?? (fake.makeUser({ id: given }) as User);
  const user: Obj = given;
  const id = user.id as string | undefined;
  if (id && users.has(id) && !user.username) return users.get(id)!;
  const u = fake.makeUser({ id, username: user.username as string | undefined }) as User;
  Object.assign(u, user);
  return u;
}

function base(fake: FakeDiscord, type: number, o: BaseInteractionOptions): { payload: Obj; resolvedMember: (u: User) => Obj; channelId: string } {
  const user = resolveUser(fake, o.user);
  const perms = String(o.memberPermissions ?? MEMBER_DEFAULT_PERMISSIONS);
  const locale = o.locale ?? 'en-US';
  const id = fake.snowflake();
  const token = `fake-itoken-${id}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const common = {
    id,
    application_id: fake.appId,
    type,
    token,
    version: 1,
    locale,
    entitlements: [] as Obj[],
    attachment_size_limit: 10485760,
  };

  if (!o.guildId) {
    // DM with the bot
    const { channels } = world(fake);
    let dm = [...channels.values()].find((c) => c.type === 1 && c.recipients?.[0]?.id === user.id);
    if (!dm) {
      dm = { id: o.channelId ?? fake.snowflake(), type: 1, last_message_id: null, flags: 0, recipients: [user] };
      channels.set(dm.id, dm);
    }
    const payload: Obj = {
      ...common,
      user,
      channel: { id: dm.id, type: 1, last_message_id: null, flags: 0, recipients: [user] },
      channel_id: dm.id,
      app_permissions: '2248473465835073',
      authorizing_integration_owners: { '0': '', '1': user.id },
      context: 1,
      ...o.extra,
    };
    return { payload, resolvedMember: () => ({}), channelId: dm.id };
  }

  const guildId = o.guildId;
  const guild = world(fake).guilds.get(guildId);
  if (!guild) throw new Error(`interactions: unknown guild ${guildId} (use fake.addGuild first)`);
  const channelId = o.channelId ?? fake.defaultChannelId(guildId);
  const channel = world(fake).channels.get(channelId);
  if (!channel) throw new Error(`interactions: unknown channel ${channelId}`);

  // make sure the user is a member of the guild model (so GET /guilds/:id/members/:user works)
  let stored = guild.members.find((m) => m.user.id === user.id);
  stored ??= fake.addMember(guildId, { user, roles: o.roles ?? [] }) as Member;
  const roles = o.roles ?? stored.roles;

  const memberNoUser = (m: Obj): Obj => ({
    avatar: m.avatar ?? null,
    banner: m.banner ?? null,
    communication_disabled_until: m.communication_disabled_until ?? null,
    flags: m.flags ?? 0,
    joined_at: m.joined_at,
    nick: m.nick ?? null,
    pending: false,
    premium_since: null,
    roles: m.roles,
    unusual_dm_activity_until: null,
    permissions: perms,
  });

  const payloadChannel: Obj = {
    id: channel.id,
    type: channel.type,
    guild_id: guildId,
    name: channel.name,
    parent_id: channel.parent_id ?? null,
    position: channel.position ?? 0,
    nsfw: channel.nsfw ?? false,
    flags: channel.flags ?? 0,
    topic: channel.topic ?? null,
    last_message_id: channel.last_message_id ?? null,
    rate_limit_per_user: channel.rate_limit_per_user ?? 0,
    permissions: perms,
    ...(channel.thread_metadata ? { thread_metadata: channel.thread_metadata, owner_id: channel.owner_id } : {}),
  };

  const payload: Obj = {
    ...common,
    guild_id: guildId,
    guild: { id: guildId, locale: guild.preferred_locale ?? 'en-US', features: guild.features ?? [] },
    guild_locale: guild.preferred_locale ?? 'en-US',
    channel: payloadChannel,
    channel_id: channelId,
    member: {
      ...memberNoUser({ ...stored, roles }),
      user,
      deaf: false,
      mute: false,
    },
    app_permissions: fake.permissionsFor(channelId).toString(),
    authorizing_integration_owners: { '0': guildId },
    context: 0,
    ...o.extra,
  };
  const resolvedMember = (u: User): Obj => {
    const m = guild.members.find((x) => x.user.id === u.id) ?? (fake.addMember(guildId, { user: u }) as Member);
    return memberNoUser(m);
  };
  return { payload, resolvedMember, channelId };
}

function inferType(v: string | number | boolean): number {
  if (typeof v === 'boolean') return OptionType.Boolean;
  if (typeof v === 'number') return Number.isInteger(v) ? OptionType.Integer : OptionType.Number;
  return OptionType.String;
}

function toRawOptions(input: OptionsInput | undefined): RawOption[] {
  if (!input) return [];
  if (Array.isArray(input)) return input.map((o) => ({ ...o }));
  return Object.entries(input).map(([name, v]) =>
    typeof v === 'object' ? { name, type: v.type, value: v.value } : { name, type: inferType(v), value: v },
  );
}

function buildResolved(fake: FakeDiscord, opts: RawOption[], resolvedMember: (u: User) => Obj, inGuild: boolean): Obj | undefined {
  const { users, guilds, channels } = world(fake);
  const resolved: Record<string, Obj> = {};
  const add = (key: string, id: string, obj: Obj): void => {
    (resolved[key] ??= {})[id] = obj;
  };
  const visit = (list: RawOption[]): void => {
    for (const o of list) {
      if (o.options) visit(o.options);
      if (o.value === undefined || o.focused) continue;
      const id = String(o.value);
      const asUser = (): boolean => {
        const u = users.get(id);
        if (!u) return false;
        add('users', id, u);
        if (inGuild) add('members', id, resolvedMember(u));
        return true;
      };
      const asRole = (): boolean => {
        for (const g of guilds.values()) {
          const r = g.roles.find((x) => x.id === id);
          if (r) {
            add('roles', id, r);
            return true;
          }
        }
        return false;
      };
      switch (o.type) {
        case OptionType.User:
          if (!asUser()) {
            fake.makeUser({ id });
            asUser();
          }
          break;
        case OptionType.Role:
          if (!asRole()) add('roles', id, { id, name: 'role', color: 0, hoist: false, position: 1, permissions: '0', managed: false, mentionable: false, flags: 0, icon: null, unicode_emoji: null });
          break;
        case OptionType.Mentionable:
          if (!asUser() && !asRole()) {
            fake.makeUser({ id });
            asUser();
          }
          break;
        case OptionType.Channel: {
          const c = channels.get(id);
          add('channels', id, {
            id,
            name: c?.name ?? 'channel',
            type: c?.type ?? 0,
            parent_id: c?.parent_id ?? null,
            permissions: String(MEMBER_DEFAULT_PERMISSIONS),
            flags: c?.flags ?? 0,
            ...(c?.thread_metadata ? { thread_metadata: c.thread_metadata } : {}),
          });
          break;
        }
        case OptionType.Attachment:
          add('attachments', id, {
            id,
            filename: 'upload.txt',
            size: 0,
            url: `https://cdn.discordapp.com/attachments/0/${id}/upload.txt`,
            proxy_url: `https://media.discordapp.net/attachments/0/${id}/upload.txt`,
            content_type: 'text/plain; charset=utf-8',
          });
          break;
        default:
          break;
      }
    }
  };
  visit(opts);
  return Object.keys(resolved).length ? resolved : undefined;
}

function wrapSub(opts: RawOption[], subcommand?: string, group?: string): RawOption[] {
  if (!subcommand && !group) return opts;
  if (group) {
    if (!subcommand) throw new Error('interactions: subcommandGroup requires subcommand');
    return [{ name: group, type: OptionType.SubcommandGroup, options: [{ name: subcommand, type: OptionType.Subcommand, options: opts }] }];
  }
  return [{ name: subcommand!, type: OptionType.Subcommand, options: opts }];
}

function commandIdFor(fake: FakeDiscord, name: string, guildId?: string): string {
  const found =
    (guildId ? fake.guildCommands(guildId).find((c) => c.name === name && (c.type ?? 1) === 1) : undefined) ??
    fake.globalCommands().find((c) => c.name === name && (c.type ?? 1) === 1);
  return (found?.id as string | undefined) ?? fake.snowflake();
}

/** APPLICATION_COMMAND (type 2) chat-input interaction payload. */
export function chatInput(fake: FakeDiscord, o: ChatInputOptions): Json {
  const { payload, resolvedMember } = base(fake, 2, o);
  const leaf = toRawOptions(o.options);
  const options = wrapSub(leaf, o.subcommand, o.subcommandGroup);
  const resolved = buildResolved(fake, leaf, resolvedMember, Boolean(o.guildId));
  payload.data = {
    id: o.commandId ?? commandIdFor(fake, o.name, o.guildId),
    name: o.name,
    type: 1,
    ...(o.guildId && fake.guildCommands(o.guildId).some((c) => c.name === o.name) ? { guild_id: o.guildId } : {}),
    ...(options.length ? { options } : {}),
    ...(resolved ? { resolved } : {}),
  };
  return payload;
}

/** APPLICATION_COMMAND_AUTOCOMPLETE (type 4) payload; the `focused` option carries `value`. */
export function autocomplete(fake: FakeDiscord, o: AutocompleteOptions): Json {
  const { payload } = base(fake, 4, o);
  const others = toRawOptions(o.options).filter((x) => x.name !== o.focused);
  const focusedType = o.focusedType ?? (typeof o.value === 'number' ? inferType(o.value) : OptionType.String);
  const leaf: RawOption[] = [...others, { name: o.focused, type: focusedType, value: o.value, focused: true }];
  const options = wrapSub(leaf, o.subcommand, o.subcommandGroup);
  payload.data = {
    id: o.commandId ?? commandIdFor(fake, o.name, o.guildId),
    name: o.name,
    type: 1,
    ...(o.guildId && fake.guildCommands(o.guildId).some((c) => c.name === o.name) ? { guild_id: o.guildId } : {}),
    options,
  };
  return payload;
}

function defaultComponentMessage(fake: FakeDiscord, channelId: string, component: Obj): Json {
  return fake.addMessage(channelId, {
    author: fake.botUser,
    content: 'component host',
    components: [{ type: 1, id: 1, components: [{ id: 2, ...component }] }],
  });
}

/** MESSAGE_COMPONENT (type 3) button click payload. */
export function button(fake: FakeDiscord, o: ButtonOptions): Json {
  const { payload, channelId } = base(fake, 3, o);
  payload.message =
    o.message ?? defaultComponentMessage(fake, channelId, { type: 2, style: 1, label: 'Button', custom_id: o.customId });
  payload.data = { custom_id: o.customId, component_type: 2, id: 2 };
  return payload;
}

/** MESSAGE_COMPONENT (type 3) select menu payload (string select by default). */
export function select(fake: FakeDiscord, o: SelectOptions): Json {
  const { payload, channelId } = base(fake, 3, o);
  const componentType = o.componentType ?? 3;
  payload.message =
    o.message ??
    defaultComponentMessage(fake, channelId, {
      type: componentType,
      custom_id: o.customId,
      ...(componentType === 3 ? { options: o.values.map((v) => ({ label: v, value: v })) } : {}),
      min_values: 1,
      max_values: Math.max(1, o.values.length),
    });
  payload.data = { custom_id: o.customId, component_type: componentType, values: o.values, id: 2 };
  return payload;
}

/** MODAL_SUBMIT (type 5) payload with text inputs in action rows. */
export function modalSubmit(fake: FakeDiscord, o: ModalSubmitOptions): Json {
  const { payload } = base(fake, 5, o);
  if (o.message) payload.message = o.message;
  payload.data = {
    custom_id: o.customId,
    components: Object.entries(o.fields).map(([customId, value], i) => ({
      type: 1,
      id: i * 2 + 1,
      components: [{ type: 4, id: i * 2 + 2, custom_id: customId, value }],
    })),
  };
  return payload;
}

/** Build + dispatch shorthands; return the interaction id. */
export const sendChatInput = (fake: FakeDiscord, o: ChatInputOptions): string => fake.sendInteraction(chatInput(fake, o));
export const sendButton = (fake: FakeDiscord, o: ButtonOptions): string => fake.sendInteraction(button(fake, o));
export const sendSelect = (fake: FakeDiscord, o: SelectOptions): string => fake.sendInteraction(select(fake, o));
export const sendAutocomplete = (fake: FakeDiscord, o: AutocompleteOptions): string => fake.sendInteraction(autocomplete(fake, o));
export const sendModalSubmit = (fake: FakeDiscord, o: ModalSubmitOptions): string => fake.sendInteraction(modalSubmit(fake, o));
