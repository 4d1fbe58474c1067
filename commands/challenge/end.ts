import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { endChallenge } from '../../src/db/queries/challenges.js';
import { postDueChallengePosts } from '../../src/jobs/challenges.js';
import { poster, titleOf, type ChallengeSubcommand } from './shared.js';

/** `/challenge end`: moderators close the challenge now; the recap goes out. */
export function endSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s.setName('end').setDescription('Moderators: close this challenge now and post the recap');
}

export const end: ChallengeSubcommand = async (interaction, ctx, settings) => {
  const run = await endChallenge(ctx.db, settings.guildId, { by: interaction.user.id, now: ctx.clock.now() });
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const outcomes = await postDueChallengePosts(poster(interaction, ctx), settings.guildId, ctx.clock.now());
  const recap = outcomes.find((o) => o.kind === 'challenge_recap' && o.period === run.weekStart);
  const channel = `<#${settings.challengesChannelId}>`;
  const note =
    recap?.result === 'posted'
      ? `The recap is in ${channel}.`
      : recap?.result === 'failed' || recap?.result === 'retry'
        ? `⚠️ I could not post the recap in ${channel} (${recap.error ?? 'unknown error'}). Check \`/setup show\`.`
        : 'The recap is on its way.';
  await interaction.editReply({ content: `🏁 Closed **${titleOf(ctx, run.challengeId)}**. ${note}` });
};
