import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { certificateOf, membership, unitsOf } from '../../src/db/queries/cohorts.js';
import { cohortEnd, describeCertificateRule } from '../../src/domain/cohorts.js';
import { certificateRuleOf } from '../../src/discord/views/cohorts.js';
import { UserError } from '../../src/errors.js';
import { certificateFile, certificateText, settleCertificates } from '../../src/jobs/cohorts.js';
import { chosenCohort, COHORT_OPTION, type CohortSubcommand } from './shared.js';

/** `/cohort certificate [cohort]`: your certificate again, privately. */
export function certificateSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('certificate')
    .setDescription('Your certificate of a finished cohort, with its verification code')
    .addStringOption((o) => o.setName(COHORT_OPTION).setDescription('Which cohort').setAutocomplete(true).setMaxLength(100));
}

export const certificate: CohortSubcommand = async (interaction, ctx) => {
  const cohort = await chosenCohort(interaction, ctx);
  const userId = interaction.user.id;
  const now = ctx.clock.now();
  const end = cohortEnd(unitsOf(cohort));
  if (end && end > now) throw new UserError(`**${cohort.name}** is still running. Certificates are issued when it ends, to members with ${describeCertificateRule(certificateRuleOf(cohort))}.`);
  // The job issues them at the end; asking right then must not wait for its next minute.
  const earned = (await certificateOf(ctx.db, cohort.id, userId)) ?? (await settleCertificates({ ctx, client: interaction.client }, cohort, now)).find((c) => c.userId === userId);
  if (!earned) {
    const member = await membership(ctx.db, cohort.id, userId);
    throw new UserError(
      member
        ? `You have no certificate of **${cohort.name}**: it needed ${describeCertificateRule(certificateRuleOf(cohort))}. \`/cohort status\` shows your units.`
        : `You were not in **${cohort.name}**.`,
    );
  }
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const file = await certificateFile(ctx, interaction.client, cohort, earned);
  await interaction.editReply({ content: certificateText(cohort, earned), files: [{ attachment: file.data, name: file.name, description: `Certificate of ${cohort.name}` }] });
};
