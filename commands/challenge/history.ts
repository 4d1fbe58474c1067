import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { history as pastChallenges } from '../../src/db/queries/challenges.js';
import { historyView } from '../../src/discord/views/challenges.js';
import type { ChallengeSubcommand } from './shared.js';

/** `/challenge history`: past challenges with participants and submissions (also while challenges are off). */
export function historySubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s.setName('history').setDescription('Past challenges of this server with participants and submissions');
}

export const history: ChallengeSubcommand = async (interaction, ctx, settings) => {
  const past = await pastChallenges(ctx.db, settings.guildId, ctx.clock.now());
  await interaction.reply({ ...historyView(past, (id) => ctx.content.challengesById.get(id)), flags: MessageFlags.Ephemeral });
};
