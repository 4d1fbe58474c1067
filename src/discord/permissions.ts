import { PermissionFlagsBits, type BaseInteraction, type GuildBasedChannel } from 'discord.js';
import type { Context } from '../context.js';
import { getGuildSettings } from '../db/queries/settings.js';
import { UserError } from '../errors.js';

/** What moderator commands ask of Discord by default; checked again in the handler. */
export const MODERATOR_PERMISSIONS = PermissionFlagsBits.ManageMessages;

/**
 * Moderator means Manage Messages (or Manage Server / Administrator), or the moderator role set
 * with /setup moderator-role. Server admins can open a command to everyone in Discord's
 * settings, so every moderator command calls this too.
 */
export async function requireModerator(interaction: BaseInteraction<'cached'>, ctx: Context): Promise<void> {
  const permissions = interaction.memberPermissions;
  if (permissions.any([PermissionFlagsBits.ManageMessages, PermissionFlagsBits.ManageGuild, PermissionFlagsBits.Administrator])) return;
  const settings = await getGuildSettings(ctx.db, interaction.guildId);
  if (settings.moderatorRoleId && interaction.member.roles.cache.has(settings.moderatorRoleId)) return;
  throw new UserError('Only moderators can do that (Manage Messages permission or the moderator role set with `/setup moderator-role`).');
}

/** Permissions the bot needs to post a card in a channel. */
export const POST_PERMISSIONS = [
  PermissionFlagsBits.ViewChannel,
  PermissionFlagsBits.SendMessages,
  PermissionFlagsBits.EmbedLinks,
] as const;

const permissionNames: Record<string, string> = {
  [PermissionFlagsBits.ViewChannel.toString()]: 'View Channel',
  [PermissionFlagsBits.SendMessages.toString()]: 'Send Messages',
  [PermissionFlagsBits.EmbedLinks.toString()]: 'Embed Links',
  [PermissionFlagsBits.AttachFiles.toString()]: 'Attach Files',
  [PermissionFlagsBits.CreatePublicThreads.toString()]: 'Create Public Threads',
  [PermissionFlagsBits.SendMessagesInThreads.toString()]: 'Send Messages in Threads',
  [PermissionFlagsBits.CreatePrivateThreads.toString()]: 'Create Private Threads',
};

/** The permissions the bot lacks in `channel` among `needed`, by name; empty when it can post. */
export function missingBotPermissions(channel: GuildBasedChannel, needed: readonly bigint[] = POST_PERMISSIONS): string[] {
  const me = channel.guild.members.me;
  const have = me ? channel.permissionsFor(me) : null;
  return needed.filter((p) => !have?.has(p)).map((p) => permissionNames[p.toString()] ?? `permission ${p}`);
}
