import { MessageFlags, TimestampStyles, time, type SlashCommandSubcommandBuilder } from 'discord.js';
import { joinRun, runById } from '../../src/db/queries/challenges.js';
import { effectiveEnd } from '../../src/domain/weeks.js';
import type { ComponentHandler } from '../../src/discord/command.js';
import { UserError } from '../../src/errors.js';
import { currentRun, titleOf, type ChallengeSubcommand } from './shared.js';

/** `/challenge join`: join this week's challenge (the member gets the reminders). */
export function joinSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s.setName('join').setDescription('Join this week’s challenge (you get the reminders)');
}

export const join: ChallengeSubcommand = async (interaction, ctx, settings) => {
  const run = await currentRun(ctx, settings);
  const fresh = await joinRun(ctx.db, run, interaction.user.id, ctx.clock.now());
  await interaction.reply({ content: joinedText(fresh, titleOf(ctx, run.challengeId), effectiveEnd(run)), flags: MessageFlags.Ephemeral });
};

/** challenge:join:<run id>, the Join button of an announcement or of /challenge show. */
export const joinButton: ComponentHandler = async (interaction, ctx, [id = '']) => {
  const run = Number.isSafeInteger(Number(id)) ? await runById(ctx.db, interaction.guildId, Number(id)) : undefined;
  if (!run) throw new UserError('This challenge no longer exists. Run `/challenge show` for the current one.');
  const title = ctx.content.challengesById.get(run.challengeId)?.title ?? run.challengeId;
  const fresh = await joinRun(ctx.db, run, interaction.user.id, ctx.clock.now());
  await interaction.reply({ content: joinedText(fresh, title, effectiveEnd(run)), flags: MessageFlags.Ephemeral });
};

function joinedText(fresh: boolean, title: string, deadline: Date): string {
  return fresh
    ? `🙋 You joined **${title}**. You’ll be reminded midweek and 24 hours before the deadline, ${time(deadline, TimestampStyles.LongDateTime)}. Submit with \`/challenge submit\`.`
    : `You already joined **${title}**. Submit with \`/challenge submit\`.`;
}
