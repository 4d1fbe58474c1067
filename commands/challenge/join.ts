import type { ContentContext } from '../../src/context.js';
import { MessageFlags, TimestampStyles, time, type SlashCommandSubcommandBuilder } from 'discord.js';
import { joinRun, runById, type Run } from '../../src/db/queries/challenges.js';
import { getGuildSettings } from '../../src/db/queries/settings.js';
import type { GuildSettings } from '../../src/db/schema.js';
import { effectiveEnd, remindersToCome } from '../../src/domain/weeks.js';
import type { ComponentHandler } from '../../src/discord/command.js';
import { UserError } from '../../src/errors.js';
import { postsOf } from '../../src/jobs/challenges.js';
import { currentRun, titleOf, type ChallengeSubcommand } from './shared.js';

/** `/challenge join`: join this week's challenge (the member gets the reminders still to come). */
export function joinSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s.setName('join').setDescription('Join this week’s challenge (you get the reminders)');
}

export const join: ChallengeSubcommand = async (interaction, ctx, settings) => {
  const run = await currentRun(ctx, settings);
  const fresh = await joinRun(ctx.db, run, interaction.user.id, ctx.clock.now());
  await interaction.reply({ content: await joinedText(ctx, settings, run, fresh), flags: MessageFlags.Ephemeral });
};

/** challenge:join:<run id>, the Join button of an announcement or of /challenge show. */
export const joinButton: ComponentHandler<ContentContext> = async (interaction, ctx, [id = '']) => {
  const run = Number.isSafeInteger(Number(id)) ? await runById(ctx.db, interaction.guildId, Number(id)) : undefined;
  if (!run) throw new UserError('This challenge no longer exists. Run `/challenge show` for the current one.');
  const fresh = await joinRun(ctx.db, run, interaction.user.id, ctx.clock.now());
  const settings = await getGuildSettings(ctx.db, interaction.guildId);
  await interaction.reply({ content: await joinedText(ctx, settings, run, fresh), flags: MessageFlags.Ephemeral });
};

/** The join reply: it promises only the reminders still to come, by the challenge job's own rules. */
async function joinedText(ctx: ContentContext, settings: GuildSettings, run: Run, fresh: boolean): Promise<string> {
  const title = titleOf(ctx, run.challengeId);
  if (!fresh) return `You already joined **${title}**. Submit with \`/challenge submit\`.`;
  const deadline = time(effectiveEnd(run), TimestampStyles.LongDateTime);
  const { settled, announcedAt } = await postsOf(ctx, settings.guildId, run.weekStart, settings);
  const toCome = remindersToCome(run, settings.timezone, ctx.clock.now(), { settled, ...(announcedAt ? { announcedAt } : {}) });
  const midweek = toCome.find((r) => r.kind === 'challenge_midweek');
  const final = toCome.some((r) => r.kind === 'challenge_final');
  const reminders =
    midweek && final
      ? `You’ll get a reminder on ${time(midweek.dueAt, TimestampStyles.ShortDateTime)} and another 24 hours before the deadline, ${deadline}.`
      : midweek
        ? `You’ll get a reminder on ${time(midweek.dueAt, TimestampStyles.ShortDateTime)}. The deadline is ${deadline}.`
        : final
          ? `You’ll get a reminder 24 hours before the deadline, ${deadline}.`
          : `No reminders are left before the deadline, ${deadline}.`;
  return `🙋 You joined **${title}**. ${reminders} Submit with \`/challenge submit\`.`;
}
