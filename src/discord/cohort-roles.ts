import { DiscordAPIError, RESTJSONErrorCodes } from 'discord.js';

/** What Discord's refusal to hand out or take back a cohort role means, in a sentence; undefined for other errors. */
export function describeRoleRefusal(error: unknown, roleId: string): string | undefined {
  if (!(error instanceof DiscordAPIError)) return undefined;
  if (error.code === RESTJSONErrorCodes.MissingPermissions) return `Discord refused (50013 Missing Permissions): I need Manage Roles, and my highest role must be above <@&${roleId}>.`;
  if (error.code === RESTJSONErrorCodes.UnknownRole) return `<@&${roleId}> no longer exists.`;
  if (error.code === RESTJSONErrorCodes.MissingAccess) return 'Discord refused (50001 Missing Access).';
  if (error.code === RESTJSONErrorCodes.UnknownMember) return 'you are no longer in the server.';
  return undefined;
}
