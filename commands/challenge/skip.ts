import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { skipChallenge } from '../../src/db/queries/challenges.js';
import { announce, titleOf, type ChallengeSubcommand } from './shared.js';

/** `/challenge skip`: moderators replace this week's challenge with the next one in the rotation. */
export function skipSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s.setName('skip').setDescription('Moderators: replace this week’s challenge with the next one in the rotation');
}

export const skip: ChallengeSubcommand = async (interaction, ctx, settings) => {
  const change = await skipChallenge(ctx.db, ctx.content, settings, { by: interaction.user.id, now: ctx.clock.now() });
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const posted = await announce(interaction, ctx, settings, change);
  await interaction.editReply({
    content: `⏭️ Skipped **${titleOf(ctx, change.previousChallengeId ?? '')}**. This week’s challenge is now **${titleOf(ctx, change.run.challengeId)}**. ${posted}`,
  });
};
