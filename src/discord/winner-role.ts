/**
 * The weekly winner role (/setup challenges winner_role): what stops the bot from handing it out,
 * in the moderator's words, before it tries and after Discord refused.
 */
import { DiscordAPIError, PermissionFlagsBits, RESTJSONErrorCodes, type Guild } from 'discord.js';

const again = 'then run `/setup challenges` again';

/** Why the bot cannot give `roleId` to the week's winners right now, or null when it can. */
export function winnerRoleProblem(guild: Guild, roleId: string): string | null {
  const me = guild.members.me;
  if (!me?.permissions.has(PermissionFlagsBits.ManageRoles))
    return `I need the Manage Roles permission to give <@&${roleId}> to the week’s winners. Give my role Manage Roles in Server Settings → Roles, ${again}.`;
  const role = guild.roles.cache.get(roleId);
  if (!role) return `The winner role <@&${roleId}> no longer exists. Pick another with \`/setup challenges winner_role\`, or stop it with \`clear_winner_role: True\`.`;
  return winnerRoleRefusal(guild, role);
}

/** Why `role` cannot be the winner role at all (@everyone, managed, at or above the bot's highest role), or null. */
export function winnerRoleRefusal(guild: Guild, role: { id: string; managed: boolean; position: number }): string | null {
  if (role.id === guild.id) return '`@everyone` cannot be the winner role: every member already has it. Create a role for the winners (e.g. @challenge-winner) and pick that.';
  if (role.managed) return `<@&${role.id}> is managed by an integration (a bot’s own role, the Server Booster role or a linked service): only Discord can hand it out. Pick a role you created.`;
  const highest = guild.members.me?.roles.highest;
  const cached = guild.roles.cache.get(role.id);
  const above = highest ? (cached ? highest.comparePositionTo(cached) <= 0 : highest.position <= role.position) : true;
  if (above)
    return `<@&${role.id}> is at or above my highest role${highest ? ` (<@&${highest.id}>)` : ''}, so Discord will not let me give it. In Server Settings → Roles, drag my role above <@&${role.id}>, ${again}.`;
  return null;
}

/** What a lasting Discord refusal of a winner-role change means; null for anything worth retrying (a 5xx, a timeout). */
export function winnerRoleFailure(error: unknown, roleId: string): string | null {
  if (!(error instanceof DiscordAPIError)) return null;
  if (error.code === RESTJSONErrorCodes.MissingPermissions)
    return `Discord refused to change <@&${roleId}> (50013 Missing Permissions): I need Manage Roles, and my highest role must be above <@&${roleId}>; ${again}.`;
  if (error.code === RESTJSONErrorCodes.MissingAccess) return `Discord refused to change <@&${roleId}> (50001 Missing Access); check my permissions, ${again}.`;
  if (error.code === RESTJSONErrorCodes.UnknownRole) return `The winner role <@&${roleId}> no longer exists (10011 Unknown Role). Pick another with \`/setup challenges winner_role\`.`;
  return null;
}

/** Whether Discord says the member or the role is gone: nothing to give or take back then. */
export function isGone(error: unknown): boolean {
  return error instanceof DiscordAPIError && (error.code === RESTJSONErrorCodes.UnknownMember || error.code === RESTJSONErrorCodes.UnknownRole);
}
