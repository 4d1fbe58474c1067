import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { certificateOf, membership, syncUnits, unitsDone, unitsOf } from '../../src/db/queries/cohorts.js';
import { statusEmbed } from '../../src/discord/views/cohorts.js';
import { chosenCohort, COHORT_OPTION, type CohortSubcommand } from './shared.js';

/** `/cohort status [cohort]`: your week, what is due, and each unit done, late or missed. */
export function statusSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('status')
    .setDescription('Your week in a cohort: what is due and when, and what you have done')
    .addStringOption((o) => o.setName(COHORT_OPTION).setDescription('Which cohort').setAutocomplete(true).setMaxLength(100));
}

export const status: CohortSubcommand = async (interaction, ctx) => {
  const cohort = await chosenCohort(interaction, ctx);
  const userId = interaction.user.id;
  const now = ctx.clock.now();
  const member = await membership(ctx.db, cohort.id, userId);
  if (member) await syncUnits(ctx.db, ctx.content, cohort, now, [userId]);
  const [done, certificate] = [await unitsDone(ctx.db, cohort.id, [userId]), await certificateOf(ctx.db, cohort.id, userId)];
  const embed = statusEmbed(ctx.content, cohort, unitsOf(cohort), { member, done, now, ...(certificate ? { certificate } : {}) });
  await interaction.reply({ embeds: [embed], flags: MessageFlags.Ephemeral });
};
