/**
 * Builders for Discord interaction payloads (INTERACTION_CREATE `d`), shaped like the real
 * gateway payloads. They only BUILD the payload; dispatch with `fake.sendInteraction(payload)`
 * (returns the interaction id), or use the `send*` shorthands which do both.
 *
 * Slash commands and autocomplete are built from the command's registered definition: shorthand
 * values take the declared type (`{ hours: 2 }` is a NUMBER if so declared), and options Discord's
 * client would not send (out of range, too long, not a choice, wrong type, unknown channel or role,
 * a required one missing; see options.ts) throw OptionsRefusedError: such a test is a test bug.
 * A command that is not registered cannot be sent either, unless the test names its `commandId`
 * (a command deleted after the member's client loaded it).
 *
 *   const id = fake.sendInteraction(chatInput(fake, { guildId, name: 'join', subcommand: 'track', options: { track: 'ml' } }));
 *   const rec = await fake.waitForInteractionReply(id);
 */
import type { Channel, Guild, Member, Obj, User } from './model.js';
import { OptionType, OptionsRefusedError, optionProblems, type CommandDefinition, type OptionDefinition } from './options.js';
import { MEMBER_DEFAULT_PERMISSIONS } from './permissions.js';
import type { FakeDiscord, Json } from './types.js';

export { OptionType, OptionsRefusedError } from './options.js';

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

function toRawOptions(input: OptionsInput | undefined, declared?: OptionDefinition[]): RawOption[] {
  if (!input) return [];
  if (Array.isArray(input)) return input.map((o) => ({ ...o }));
  return Object.entries(input).map(([name, v]) => {
    if (typeof v === 'object') return { name, type: v.type, value: v.value };
    // The declared type decides (a number for a NUMBER option, an id for a USER option); else inferred.
    const type = declared?.find((d) => d.name === name)?.type ?? inferType(v);
    return { name, type, value: v };
  });
}

/** The options declared at the level the leaf options sit (inside the subcommand, if any). */
function leafDefinitions(command: CommandDefinition | undefined, subcommand?: string, group?: string): OptionDefinition[] | undefined {
  if (!command) return undefined;
  let level = command.options ?? [];
  if (group) level = level.find((o) => o.type === OptionType.SubcommandGroup && o.name === group)?.options ?? [];
  if (subcommand) level = level.find((o) => o.type === OptionType.Subcommand && o.name === subcommand)?.options ?? [];
  return level;
}

function buildResolved(fake: FakeDiscord, opts: RawOption[], resolvedMember: (u: User) => Obj, guildId: string | undefined): Obj | undefined {
  const inGuild = guildId !== undefined;
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
        const r = guildId !== undefined ? guilds.get(guildId)?.roles.find((x) => x.id === id) : undefined;
        if (!r) return false;
        add('roles', id, r);
        return true;
      };
      switch (o.type) {
        case OptionType.User:
          if (!asUser()) {
            fake.makeUser({ id });
            asUser();
          }
          break;
        case OptionType.Role:
          asRole(); // an unknown role is not resolved: Discord's client offers only the server's roles
          break;
        case OptionType.Mentionable:
          if (!asUser() && !asRole()) {
            fake.makeUser({ id });
            asUser();
          }
          break;
        case OptionType.Channel: {
          // only a channel of this server (or the DM itself) is resolved: the client offers no other
          const c = channels.get(id);
          if (!c || (guildId !== undefined && c.guild_id !== guildId)) break;
          add('channels', id, {
            id,
            name: c.name ?? 'channel',
            type: c.type,
            parent_id: c.parent_id ?? null,
            permissions: String(MEMBER_DEFAULT_PERMISSIONS),
            flags: c.flags ?? 0,
            ...(c.thread_metadata ? { thread_metadata: c.thread_metadata } : {}),
          });
          break;
        }
        case OptionType.Attachment: {
          const upload = fake.uploads.get(id);
          if (upload) {
            const name = encodeURIComponent(upload.filename);
            add('attachments', id, {
              id,
              filename: upload.filename,
              size: upload.data.length,
              url: `${new URL(fake.apiUrl).origin}/attachments/0/${id}/${name}`,
              proxy_url: `${new URL(fake.apiUrl).origin}/attachments/0/${id}/${name}`,
              content_type: upload.contentType,
            });
            break;
          }
          add('attachments', id, {
            id,
            filename: 'upload.txt',
            size: 0,
            url: `https://cdn.discordapp.com/attachments/0/${id}/upload.txt`,
            proxy_url: `https://media.discordapp.net/attachments/0/${id}/upload.txt`,
            content_type: 'text/plain; charset=utf-8',
          });
          break;
        }
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

/** The registered chat-input command a member would pick (the server's, else the global one). */
function registered(fake: FakeDiscord, name: string, guildId?: string): (CommandDefinition & { id?: string }) | undefined {
  const isIt = (c: Json): boolean => c.name === name && (c.type ?? 1) === 1;
  return ((guildId ? fake.guildCommands(guildId).find(isIt) : undefined) ?? fake.globalCommands().find(isIt)) as (CommandDefinition & { id?: string }) | undefined;
}

/** The definition to check against; throws for a command no client could pick. */
function definitionFor(fake: FakeDiscord, o: ChatInputOptions): (CommandDefinition & { id?: string }) | undefined {
  const command = registered(fake, o.name, o.guildId);
  if (!command && o.commandId === undefined) {
    throw new OptionsRefusedError(o.name, [`/${o.name} is not registered (globally or in this server), so no member can pick it; register the commands first, or pass commandId for a command deleted meanwhile`]);
  }
  return command;
}

function refuseProblems(command: CommandDefinition | undefined, options: RawOption[], resolved: Obj | undefined, kind: 'command' | 'autocomplete'): void {
  if (!command) return;
  const problems = optionProblems(command, options, resolved, kind);
  if (problems.length) throw new OptionsRefusedError(command.name, problems);
}

/** APPLICATION_COMMAND (type 2) chat-input interaction payload. */
export function chatInput(fake: FakeDiscord, o: ChatInputOptions): Json {
  const command = definitionFor(fake, o);
  const { payload, resolvedMember } = base(fake, 2, o);
  const leaf = toRawOptions(o.options, leafDefinitions(command, o.subcommand, o.subcommandGroup));
  const options = wrapSub(leaf, o.subcommand, o.subcommandGroup);
  const resolved = buildResolved(fake, leaf, resolvedMember, o.guildId);
  refuseProblems(command, options, resolved, 'command');
  payload.data = {
    id: o.commandId ?? command?.id ?? fake.snowflake(),
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
  const command = definitionFor(fake, o);
  const { payload, resolvedMember } = base(fake, 4, o);
  const declared = leafDefinitions(command, o.subcommand, o.subcommandGroup);
  const others = toRawOptions(o.options, declared).filter((x) => x.name !== o.focused);
  const focusedType = o.focusedType ?? declared?.find((d) => d.name === o.focused)?.type ?? (typeof o.value === 'number' ? inferType(o.value) : OptionType.String);
  const leaf: RawOption[] = [...others, { name: o.focused, type: focusedType, value: o.value, focused: true }];
  const options = wrapSub(leaf, o.subcommand, o.subcommandGroup);
  const resolved = buildResolved(fake, others, resolvedMember, o.guildId);
  refuseProblems(command, options, resolved, 'autocomplete');
  payload.data = {
    id: o.commandId ?? command?.id ?? fake.snowflake(),
    name: o.name,
    type: 1,
    ...(o.guildId && fake.guildCommands(o.guildId).some((c) => c.name === o.name) ? { guild_id: o.guildId } : {}),
    options,
    ...(resolved ? { resolved } : {}),
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
