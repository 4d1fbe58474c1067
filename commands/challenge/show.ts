import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { participantsOf, submissionsOf } from '../../src/db/queries/challenges.js';
import { showView } from '../../src/discord/views/challenges.js';
import { currentRun, memberZone, type ChallengeSubcommand } from './shared.js';

/** `/challenge show`: this week's challenge, its deadline in the member's zone, and who joined. */
export function showSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s.setName('show').setDescription('This week’s challenge, its deadline in your time zone, and who joined');
}

export const show: ChallengeSubcommand = async (interaction, ctx, settings) => {
  const run = await currentRun(ctx, settings);
  const userId = interaction.user.id;
  const [participants, submissions, zone] = [await participantsOf(ctx.db, run.id), await submissionsOf(ctx.db, run.id), await memberZone(ctx, settings, userId)];
  const view = showView(ctx.content.challengesById.get(run.challengeId), run, {
    zone,
    participants,
    submissions: submissions.length,
    mine: submissions.find((s) => s.userId === userId),
    joined: participants.includes(userId),
    now: ctx.clock.now(),
  });
  await interaction.reply({ ...view, flags: MessageFlags.Ephemeral });
};
