import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { startChallenge } from '../../src/db/queries/challenges.js';
import { effectiveEnd, formatInZone, parseDeadline } from '../../src/domain/weeks.js';
import { userText } from '../../src/discord/views/theme.js';
import { UserError } from '../../src/errors.js';
import { announce, deadlineText, titleOf, type ChallengeSubcommand } from './shared.js';

const MAX_CUSTOM_DAYS = 120;

/** `/challenge start challenge [ends]`: moderators set this week's challenge, optionally with their own deadline. */
export function startSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('start')
    .setDescription('Moderators: set this week’s challenge (optionally with a custom deadline)')
    .addStringOption((o) => o.setName('challenge').setDescription('Which challenge').setRequired(true).setAutocomplete(true).setMaxLength(100))
    .addStringOption((o) =>
      o.setName('ends').setDescription('Deadline in the server’s time zone: YYYY-MM-DD (end of that day) or YYYY-MM-DD HH:MM').setMaxLength(16),
    );
}

export const start: ChallengeSubcommand = async (interaction, ctx, settings) => {
  const options = interaction.options;
  const input = options.getString('challenge', true);
  const picked = ctx.content.challengesById.get(input) ?? ctx.content.challenges.find((c) => c.title.toLowerCase() === input.trim().toLowerCase());
  if (!picked) throw new UserError(`There is no challenge called “${userText(input, 80)}”. Start typing and pick one from the list.`);
  const now = ctx.clock.now();
  const endsRaw = options.getString('ends');
  let endsAt: Date | undefined;
  if (endsRaw !== null) {
    endsAt = parseDeadline(endsRaw, settings.timezone);
    if (!endsAt)
      throw new UserError(`“${userText(endsRaw, 20)}” is not a deadline I understand. Use YYYY-MM-DD (the end of that day) or YYYY-MM-DD HH:MM, in the server’s time zone (${settings.timezone}).`);
    if (endsAt <= now) throw new UserError(`The deadline ${formatInZone(endsAt, settings.timezone)} has already passed. Pick a later one.`);
    if (endsAt.getTime() - now.getTime() > MAX_CUSTOM_DAYS * 86_400_000) throw new UserError(`A challenge can run for at most ${MAX_CUSTOM_DAYS} days.`);
  }
  const change = await startChallenge(ctx.db, settings, { challengeId: picked.id, endsAt, by: interaction.user.id, now });
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const posted = await announce(interaction, ctx, settings, change);
  const what = change.replaced ? `**${picked.title}** replaces **${titleOf(ctx, change.previousChallengeId ?? '')}** as this week’s challenge` : `**${picked.title}** has started`;
  await interaction.editReply({ content: `✅ ${what}, until ${deadlineText(effectiveEnd(change.run), settings.timezone)}. ${posted}` });
  ctx.logger.info({ guildId: settings.guildId, userId: interaction.user.id, challengeId: picked.id, endsAt: change.run.endsAt }, 'challenge started by a moderator');
};
