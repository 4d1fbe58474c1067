import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { leaveRun, submissionOf } from '../../src/db/queries/challenges.js';
import { currentRun, titleOf, type ChallengeSubcommand } from './shared.js';

/** `/challenge leave`: no more reminders; a submission stays in the recap. */
export function leaveSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s.setName('leave').setDescription('Leave this week’s challenge (no more reminders)');
}

export const leave: ChallengeSubcommand = async (interaction, ctx, settings) => {
  const run = await currentRun(ctx, settings);
  const left = await leaveRun(ctx.db, run, interaction.user.id);
  const submitted = await submissionOf(ctx.db, run.id, interaction.user.id);
  const title = titleOf(ctx, run.challengeId);
  const content = !left
    ? `You had not joined **${title}**.`
    : `👋 You left **${title}**: no more reminders.${submitted ? ' Your submission stays in the recap.' : ''}`;
  await interaction.reply({ content, flags: MessageFlags.Ephemeral });
};
