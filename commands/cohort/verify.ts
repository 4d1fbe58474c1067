import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { certificateByCode, unitsOf } from '../../src/db/queries/cohorts.js';
import { normaliseCode } from '../../src/domain/cohorts.js';
import { certificateDate } from '../../src/discord/views/certificate.js';
import { userText } from '../../src/discord/views/theme.js';
import { UserError } from '../../src/errors.js';
import type { CohortSubcommand } from './shared.js';

/** `/cohort verify code`: whether a certificate code is real, and whose it is. */
export function verifySubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('verify')
    .setDescription('Check a certificate’s verification code')
    .addStringOption((o) => o.setName('code').setDescription('The code on the certificate, e.g. 7K2QD-M9XWA').setRequired(true).setMinLength(10).setMaxLength(20));
}

export const verify: CohortSubcommand = async (interaction, ctx) => {
  const raw = interaction.options.getString('code', true);
  const code = normaliseCode(raw);
  if (!code) throw new UserError(`“${userText(raw, 20)}” is not a certificate code. Codes look like \`7K2QD-M9XWA\`: ten letters and digits.`);
  const found = await certificateByCode(ctx.db, code);
  if (!found) {
    await interaction.reply({ content: `❌ No certificate has the code \`${code}\`. Check it letter by letter.`, flags: MessageFlags.Ephemeral });
    return;
  }
  const { certificate: c, cohort } = found;
  const units = unitsOf(cohort);
  const here = cohort.guildId === interaction.guildId ? '' : ' (in another server)';
  await interaction.reply({
    content: `✅ \`${code}\` is a real certificate: **${userText(c.displayName, 100)}**${cohort.guildId === interaction.guildId ? ` (<@${c.userId}>)` : ''} completed **${userText(cohort.name, 100)}**${here}, ${certificateDate(units[0]!.opensAt, cohort.timezone)} – ${certificateDate(units.at(-1)!.deadline, cohort.timezone)}: ${c.unitsDone} of ${c.units} units, ${c.unitsOnTime} on time.`,
    allowedMentions: { parse: [] },
    flags: MessageFlags.Ephemeral,
  });
};
