/**
 * Permissions as Discord computes them: @everyone, then the member's roles, Administrator, then the
 * channel's overwrites (@everyone, roles, member). Threads use their parent channel's permissions.
 */
import { HttpError } from './errors.js';
import { THREAD_TYPES, type Channel, type Guild, type Member, type User } from './model.js';

/** The part of the state that permissions read. */
export interface PermissionState {
  readonly botUser: User;
  readonly channels: ReadonlyMap<string, Channel>;
  getChannel(id: string): Channel;
  getGuild(id: string): Guild;
  memberOf(guildId: string, userId: string): Member | undefined;
}

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
  MuteMembers: 1n << 22n,
  MoveMembers: 1n << 24n,
  ChangeNickname: 1n << 26n,
  ManageRoles: 1n << 28n,
  UseApplicationCommands: 1n << 31n,
  ManageEvents: 1n << 33n,
  ManageThreads: 1n << 34n,
  CreatePublicThreads: 1n << 35n,
  CreatePrivateThreads: 1n << 36n,
  UseExternalStickers: 1n << 37n,
  SendMessagesInThreads: 1n << 38n,
  ModerateMembers: 1n << 40n,
  CreateEvents: 1n << 44n,
} as const;

/**
 * Bot role default, the invite link's permissions: SendMessages|ViewChannel|EmbedLinks|AttachFiles|
 * CreatePublicThreads|SendMessagesInThreads|ReadMessageHistory|ManageRoles (milestone roles)|
 * CreateEvents and Connect (scheduled study sessions in Discord's events list, in a voice channel).
 */
export const BOT_DEFAULT_PERMISSIONS =
  Perm.ManageRoles |
  Perm.CreateEvents |
  Perm.Connect |
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

export const ALL_PERMISSIONS = (1n << 53n) - 1n;

/** Computed permissions of `userId` (default: the bot) in a channel. */
export function permissionsFor(state: PermissionState, channelId: string, userId: string = state.botUser.id): bigint {
  let ch = state.getChannel(channelId);
  if (!ch.guild_id) return ALL_PERMISSIONS;
  if (THREAD_TYPES.has(ch.type) && ch.parent_id && state.channels.has(ch.parent_id)) {
    ch = state.channels.get(ch.parent_id)!;
  }
  const g = state.getGuild(ch.guild_id ?? ''); // a thread's parent is in the same guild
  if (g.owner_id === userId) return ALL_PERMISSIONS;
  const member = state.memberOf(g.id, userId);
  const roleIds: string[] = member ? member.roles : [];
  const roles = g.roles;
  let perms = BigInt(roles.find((r) => r.id === g.id)?.permissions ?? '0');
  for (const rid of roleIds) perms |= BigInt(roles.find((r) => r.id === rid)?.permissions ?? '0');
  if (perms & Perm.Administrator) return ALL_PERMISSIONS;
  const ows = ch.permission_overwrites ?? [];
  const ev = ows.find((o) => o.id === g.id);
  if (ev) perms = (perms & ~BigInt(ev.deny)) | BigInt(ev.allow);
  let allow = 0n;
  let deny = 0n;
  for (const o of ows) {
    if (o.type === 0 && o.id !== g.id && roleIds.includes(o.id)) {
      allow |= BigInt(o.allow);
      deny |= BigInt(o.deny);
    }
  }
  perms = (perms & ~deny) | allow;
  const mo = ows.find((o) => o.type === 1 && o.id === userId);
  if (mo) perms = (perms & ~BigInt(mo.deny)) | BigInt(mo.allow);
  return perms;
}

/**
 * Throws Discord's error when the bot lacks a permission in a guild channel: 50001 Missing Access
 * without View Channel, else 50013 Missing Permissions. DMs and `enforce: false` pass.
 */
export function requirePermissions(state: PermissionState, enforce: boolean, channelId: string, needed: bigint[]): void {
  const ch = state.getChannel(channelId);
  if (!enforce || !ch.guild_id) return;
  const p = permissionsFor(state, channelId);
  if (!(p & Perm.ViewChannel)) throw new HttpError(403, 50001);
  for (const n of needed) if (!(p & n)) throw new HttpError(403, 50013);
}

// ---- roles: guild-wide permissions and the role hierarchy ------------------------

/** Guild-wide permissions of a member (no channel overwrites): what Manage Roles is checked against. */
export function guildPermissionsFor(state: PermissionState, guildId: string, userId: string = state.botUser.id): bigint {
  const g = state.getGuild(guildId);
  if (g.owner_id === userId) return ALL_PERMISSIONS;
  const roleIds = state.memberOf(guildId, userId)?.roles ?? [];
  let perms = BigInt(g.roles.find((r) => r.id === g.id)?.permissions ?? '0');
  for (const rid of roleIds) perms |= BigInt(g.roles.find((r) => r.id === rid)?.permissions ?? '0');
  return perms & Perm.Administrator ? ALL_PERMISSIONS : perms;
}

/** Discord's role order: by position, then the older (smaller) id is higher. Positive when a is above b. */
export function compareRoles(a: { id: string; position: number }, b: { id: string; position: number }): number {
  if (a.position !== b.position) return a.position - b.position;
  return BigInt(a.id) < BigInt(b.id) ? 1 : BigInt(a.id) > BigInt(b.id) ? -1 : 0;
}

/**
 * Throws 403 50013 unless the bot may give or take `roleId` in the guild, as Discord checks it:
 * Manage Roles, a role strictly below the bot's highest role (the owner may change any), and not a
 * managed role or @everyone. `enforce: false` passes.
 */
export function requireRoleManageable(state: PermissionState, enforce: boolean, guildId: string, roleId: string): void {
  const g = state.getGuild(guildId);
  const role = g.roles.find((r) => r.id === roleId);
  if (!role) throw new HttpError(404, 10011);
  if (!enforce) return;
  if (role.managed || role.id === g.id) throw new HttpError(403, 50013);
  if (g.owner_id === state.botUser.id) return;
  if (!(guildPermissionsFor(state, guildId) & Perm.ManageRoles)) throw new HttpError(403, 50013);
  const mine = (state.memberOf(guildId, state.botUser.id)?.roles ?? []).map((id) => g.roles.find((r) => r.id === id)).filter((r) => r !== undefined);
  const highest = mine.reduce<(typeof mine)[number] | undefined>((top, r) => (!top || compareRoles(r, top) > 0 ? r : top), undefined);
  if (!highest || compareRoles(highest, role) <= 0) throw new HttpError(403, 50013);
}
