import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import type { ContentContext } from '../../src/context.js';
import { openRun, pickNext, requireChallengesOn, startChallenge } from '../../src/db/queries/challenges.js';
import { getGuildSettings } from '../../src/db/queries/settings.js';
import type { GuildSettings } from '../../src/db/schema.js';
import { effectiveEnd, parseDeadline } from '../../src/domain/weeks.js';
import type { ComponentHandler, GuildChatInput, GuildComponent } from '../../src/discord/command.js';
import { requireModerator } from '../../src/discord/permissions.js';
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
    const typed = userText(endsRaw.trim(), 20);
    endsAt = parseDeadline(endsRaw, settings.timezone);
    if (!endsAt)
      throw new UserError(`“${typed}” is not a deadline I understand. Use YYYY-MM-DD (the end of that day) or YYYY-MM-DD HH:MM, in the server’s time zone (${settings.timezone}).`);
    // Echo what was typed: a bare date means the end of that day, which reads as the next day's 00:00.
    const dateOnly = !/[T ]/.test(endsRaw.trim());
    if (endsAt <= now)
      throw new UserError(
        `The deadline ${typed}${dateOnly ? ' (the end of that day)' : ''} in ${settings.timezone} has already passed. A deadline must be in the future: pick a later date.`,
      );
    if (endsAt.getTime() - now.getTime() > MAX_CUSTOM_DAYS * 86_400_000)
      throw new UserError(`The deadline ${typed} is too far away: a challenge can run for at most ${MAX_CUSTOM_DAYS} days.`);
  }
  // The challenge already running, with its deadline as it is: say so and change nothing.
  const open = await openRun(ctx.db, settings.guildId, now);
  if (open && open.challengeId === picked.id && (endsAt === undefined || endsAt.getTime() === open.endsAt.getTime())) {
    await interaction.reply({
      content: `**${picked.title}** is already running, until ${deadlineText(effectiveEnd(open), settings.timezone)}. Nothing changed and nothing was announced.`,
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  await startAndAnnounce(interaction, ctx, settings, picked.id, endsAt);
};

/**
 * challenge:start-now, the "Start this week anyway" button of /setup challenges when this week was
 * left out: the next challenge of the rotation starts now, until the end of this week.
 */
export const startNowButton: ComponentHandler<ContentContext> = async (interaction, ctx) => {
  await requireModerator(interaction, ctx);
  const settings = await getGuildSettings(ctx.db, interaction.guildId);
  requireChallengesOn(settings);
  const open = await openRun(ctx.db, settings.guildId, ctx.clock.now());
  if (open) {
    await interaction.reply({
      content: `**${titleOf(ctx, open.challengeId)}** is already running, until ${deadlineText(effectiveEnd(open), settings.timezone)}. Nothing changed.`,
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  const next = await pickNext(ctx.db, ctx.content, settings.guildId);
  await startAndAnnounce(interaction, ctx, settings, next.id, undefined);
};

async function startAndAnnounce(interaction: GuildChatInput | GuildComponent, ctx: ContentContext, settings: GuildSettings, challengeId: string, endsAt: Date | undefined) {
  const change = await startChallenge(ctx.db, settings, { challengeId, endsAt, by: interaction.user.id, now: ctx.clock.now() });
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const posted = await announce(interaction, ctx, settings, change);
  const title = titleOf(ctx, challengeId);
  const previous = change.previousChallengeId;
  const what = !change.replaced
    ? `**${title}** has started`
    : previous === challengeId
      ? `**${title}** gets a new deadline`
      : `**${title}** replaces **${titleOf(ctx, previous ?? '')}** as this week’s challenge`;
  await interaction.editReply({ content: `✅ ${what}, until ${deadlineText(effectiveEnd(change.run), settings.timezone)}. ${posted}` });
  ctx.logger.info({ guildId: settings.guildId, userId: interaction.user.id, challengeId, endsAt: change.run.endsAt }, 'challenge started by a moderator');
}

