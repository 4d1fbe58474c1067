import { Routes } from 'discord.js';
import type { Context } from '../../src/context.js';
import type { GuildChatInput, GuildComponent } from '../../src/discord/command.js';
import { describeRoleRefusal } from '../../src/discord/cohort-roles.js';

/** Gives a cohort role to the member of an interaction; a note for the reply when Discord refused. */
export async function giveRole(interaction: GuildChatInput | GuildComponent, ctx: Context, roleId: string | null, reason: string): Promise<string> {
  if (!roleId) return '';
  try {
    await interaction.client.rest.put(Routes.guildMemberRole(interaction.guildId, interaction.user.id, roleId), { reason });
    return ` You got <@&${roleId}>.`;
  } catch (error) {
    const refusal = describeRoleRefusal(error, roleId);
    if (!refusal) throw error;
    ctx.logger.warn({ err: error, guildId: interaction.guildId, roleId }, 'cohort role not given');
    return ` (I could not give you <@&${roleId}>: ${refusal} Tell a moderator.)`;
  }
}

export async function takeRole(interaction: GuildChatInput | GuildComponent, ctx: Context, roleId: string | null, reason: string): Promise<string> {
  if (!roleId) return '';
  try {
    await interaction.client.rest.delete(Routes.guildMemberRole(interaction.guildId, interaction.user.id, roleId), { reason });
    return '';
  } catch (error) {
    const refusal = describeRoleRefusal(error, roleId);
    if (!refusal) throw error;
    ctx.logger.warn({ err: error, guildId: interaction.guildId, roleId }, 'cohort role not taken back');
    return ` (I could not take <@&${roleId}> back: ${refusal} Tell a moderator.)`;
  }
}
