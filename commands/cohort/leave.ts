import { MessageFlags, TimestampStyles, time, type SlashCommandSubcommandBuilder } from 'discord.js';
import { leaveCohort } from '../../src/db/queries/cohorts.js';
import { UserError } from '../../src/errors.js';
import { takeRole } from './roles.js';
import { chosenCohort, COHORT_OPTION, type CohortSubcommand } from './shared.js';

/** `/cohort leave [cohort]`: until the join deadline (after it, the board and certificates are settled on those who stayed). */
export function leaveSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('leave')
    .setDescription('Leave a cohort (until its join deadline)')
    .addStringOption((o) => o.setName(COHORT_OPTION).setDescription('Which cohort').setAutocomplete(true).setMaxLength(100));
}

export const leave: CohortSubcommand = async (interaction, ctx) => {
  const cohort = await chosenCohort(interaction, ctx);
  const now = ctx.clock.now();
  if (now >= cohort.joinUntil)
    throw new UserError(
      `**${cohort.name}** can only be left until its join deadline (${time(cohort.joinUntil, TimestampStyles.LongDateTime)}). You can hide from the board with \`/cohort hide\`; \`/privacy delete\` erases everything.`,
    );
  const left = await leaveCohort(ctx.db, cohort.id, interaction.user.id);
  if (!left) {
    await interaction.reply({ content: `You are not in **${cohort.name}**.`, flags: MessageFlags.Ephemeral });
    return;
  }
  const roleNote = await takeRole(interaction, ctx, cohort.memberRoleId, `left cohort ${cohort.name}`);
  await interaction.reply({ content: `👋 You left **${cohort.name}**: no more reminders. Your roadmap progress stays.${roleNote}`, flags: MessageFlags.Ephemeral });
};
