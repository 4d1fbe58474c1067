import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { cohortsOf, membersOf, unitsOf } from '../../src/db/queries/cohorts.js';
import { listEmbed } from '../../src/discord/views/cohorts.js';
import type { CohortSubcommand } from './shared.js';

/** `/cohort list`: the server's cohorts, running, upcoming and finished (finished ones stay readable). */
export function listSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s.setName('list').setDescription('This server’s cohorts: upcoming, running and finished');
}

export const list: CohortSubcommand = async (interaction, ctx) => {
  const all = (await cohortsOf(ctx.db, interaction.guildId)).slice(0, 30);
  const rows = [];
  for (const cohort of all) rows.push({ cohort, units: unitsOf(cohort), members: (await membersOf(ctx.db, cohort.id)).length });
  await interaction.reply({ embeds: [listEmbed(rows, ctx.clock.now())], flags: MessageFlags.Ephemeral });
};
