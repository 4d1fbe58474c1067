import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import type { ContentContext } from '../../src/context.js';
import { allResources, removeResource } from '../../src/db/queries/resources.js';
import { findEntry } from '../../src/domain/catalogue.js';
import { MAX_URL_LENGTH } from '../../src/domain/urls.js';
import type { GuildChatInput } from '../../src/discord/command.js';
import { entryTitle, memberText, TITLE_MAX } from '../../src/discord/views/resources.js';
import { UserError } from '../../src/errors.js';

/** `/resource remove resource`: moderators, for resources this server added. */
export function removeSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('remove')
    .setDescription('Moderators: remove a resource this server added')
    .addStringOption((o) => o.setName('resource').setDescription('The resource').setRequired(true).setAutocomplete(true).setMaxLength(MAX_URL_LENGTH));
}

export async function remove(interaction: GuildChatInput, ctx: ContentContext): Promise<void> {
  const guildId = interaction.guildId;
  const input = interaction.options.getString('resource', true);
  const entry = findEntry(await allResources(ctx.db, ctx.content, guildId), input);
  if (!entry) throw new UserError(`There is no resource “${memberText(input, 80)}” in this server’s list. Start typing and pick one.`);
  if (entry.source === 'catalogue') {
    throw new UserError(`**${entryTitle(entry)}** comes from Cohort’s catalogue (content/resources), not from this server, so it cannot be removed here.`);
  }
  const removed = await removeResource(ctx.db, { guildId, id: Number.parseInt(entry.ref.slice(2), 10), moderatorId: interaction.user.id }, ctx.clock.now());
  if (!removed) throw new UserError('That resource was already removed.');
  await interaction.reply({ content: `🗑️ Removed **${memberText(removed.title, TITLE_MAX)}** from this server’s resources.`, flags: MessageFlags.Ephemeral });
}
