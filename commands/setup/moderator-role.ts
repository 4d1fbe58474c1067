import type { SlashCommandSubcommandBuilder } from 'discord.js';
import { UserError } from '../../src/errors.js';
import type { SettingChange } from './change.js';

/** `/setup moderator-role [role]`: members of the role may use the moderator commands (leave it out to clear). */
export function moderatorRoleSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('moderator-role')
    .setDescription('A role whose members may use moderator commands')
    .addRoleOption((o) => o.setName('role').setDescription('Moderator role (leave empty to clear)'));
}

export const moderatorRole: SettingChange = {
  patch(interaction) {
    const role = interaction.options.getRole('role');
    if (!role) return { moderatorRoleId: null };
    if (role.id === interaction.guildId)
      throw new UserError(
        '`@everyone` cannot be the moderator role: every member of the server would get the moderator commands (`/challenge start`, `/resource review`, `/admin`, `/setup`). Pick a role only your moderators have.',
      );
    if (role.managed)
      throw new UserError(
        `<@&${role.id}> is managed by an integration (a bot’s own role, the Server Booster role or a linked service): Discord gives it out, not your moderators. Pick a role you hand out yourselves.`,
      );
    return { moderatorRoleId: role.id };
  },

  nowSet: (s) =>
    s.moderatorRoleId ? `Moderators: members with Manage Messages, and members of <@&${s.moderatorRoleId}>.` : 'Moderators: members with Manage Messages (no moderator role).',
};
