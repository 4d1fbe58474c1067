import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { setHidden } from '../../src/db/queries/cohorts.js';
import { chosenCohort, COHORT_OPTION, type CohortSubcommand } from './shared.js';

/** `/cohort hide [hidden] [cohort]`: keep your place on the board private (you count only as a number). */
export function hideSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('hide')
    .setDescription('Keep your place on the cohort board private (or show it again)')
    .addBooleanOption((o) => o.setName('hidden').setDescription('True to hide (default), False to show again'))
    .addStringOption((o) => o.setName(COHORT_OPTION).setDescription('Which cohort').setAutocomplete(true).setMaxLength(100));
}

export const hide: CohortSubcommand = async (interaction, ctx) => {
  const cohort = await chosenCohort(interaction, ctx);
  const hidden = interaction.options.getBoolean('hidden') ?? true;
  const changed = await setHidden(ctx.db, cohort.id, interaction.user.id, hidden);
  const content = !changed
    ? `You are not in **${cohort.name}**.`
    : hidden
      ? `🙈 Your place on the **${cohort.name}** board is private: you count only as a number there.`
      : `👀 You are on the **${cohort.name}** board again.`;
  await interaction.reply({ content, flags: MessageFlags.Ephemeral });
};
