import { ButtonStyle, DiscordAPIError, MessageFlags, type ButtonInteraction, type SlashCommandSubcommandGroupBuilder } from 'discord.js';
import type { ContentContext } from '../../src/context.js';
import { finishedStepCount, resetProgress } from '../../src/db/queries/admin.js';
import { customId, type ComponentHandler, type Subcommand } from '../../src/discord/command.js';
import { resolveTrack } from '../../src/discord/options.js';
import { requireModerator } from '../../src/discord/permissions.js';
import { applyRewards } from '../../src/discord/rewards.js';
import { actionRow, button } from '../../src/discord/views/parts.js';
import { userText } from '../../src/discord/views/theme.js';
import { UserError } from '../../src/errors.js';

/** The track part of a reset's custom id when every track is reset. */
const ALL_TRACKS = '*';

/** `/admin progress reset member [track]`. */
export function progressGroup(g: SlashCommandSubcommandGroupBuilder): SlashCommandSubcommandGroupBuilder {
  return g
    .setName('progress')
    .setDescription('Roadmap progress corrections')
    .addSubcommand((s) =>
      s
        .setName('reset')
        .setDescription('Forget a member’s finished roadmap steps (one track or all); asks to confirm, tells the member')
        .addUserOption((o) => o.setName('member').setDescription('Whose progress').setRequired(true))
        .addStringOption((o) => o.setName('track').setDescription('Only this track (default: all)').setAutocomplete(true)),
    );
}

/** A reset forgets work the member did: ask first, showing how much. */
export const progressReset: Subcommand<[], ContentContext> = async (interaction, ctx) => {
  const target = interaction.options.getUser('member', true);
  const actorId = interaction.user.id;
  const member = { guildId: interaction.guildId, userId: target.id };
  const trackOption = interaction.options.getString('track');
  const track = trackOption ? resolveTrack(ctx.content, trackOption) : null;
  const scope = track ? `on ${track.title}` : 'on every track';
  const count = await finishedStepCount(ctx.db, member, track?.id ?? null);
  if (count === 0) {
    await interaction.reply({ content: `<@${target.id}> has no finished steps ${track ? scope : 'on any track'}. Nothing to reset.`, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    return;
  }
  const row = actionRow(
    button({ customId: customId('admin', 'reset', target.id, track?.id ?? ALL_TRACKS, actorId), label: 'Reset progress', style: ButtonStyle.Danger }),
    button({ customId: customId('admin', 'cancel'), label: 'Cancel', style: ButtonStyle.Secondary }),
  );
  await interaction.reply({
    content: `**Reset <@${target.id}>’s roadmap progress ${scope}?** ${count} finished step${count === 1 ? ' is' : 's are'} forgotten for good; their streak stays as it is. I will tell them by DM, and \`/progress\` shows them the reset. It is logged.`,
    components: [row],
    flags: MessageFlags.Ephemeral,
    allowedMentions: { parse: [] },
  });
};

/** admin:reset:<member>:<track id or *>:<moderator>, the confirm button. Only that moderator may press it. */
export const confirmReset: ComponentHandler<ContentContext> = async (interaction, ctx, [userId = '', trackId = ALL_TRACKS, moderatorId = '']) => {
  if (!interaction.isButton()) return;
  await requireModerator(interaction, ctx);
  if (interaction.user.id !== moderatorId) throw new UserError('This confirmation belongs to the moderator who asked for the reset. Run `/admin progress reset` yourself.');
  const guildId = interaction.guildId;
  const track = trackId === ALL_TRACKS ? null : (ctx.content.tracksById.get(trackId) ?? null);
  const scope = trackId === ALL_TRACKS ? 'on every track' : `on ${track?.title ?? trackId}`;
  await interaction.deferUpdate();
  const { removed } = await resetProgress(ctx.db, { guildId, userId, trackId: trackId === ALL_TRACKS ? null : trackId, actorId: moderatorId, at: ctx.clock.now() });
  ctx.logger.info({ guildId, actorId: moderatorId, targetUserId: userId, trackId, removed: removed.length }, 'progress reset');
  const told = await tellMember(interaction, ctx, userId, `A moderator of **${userText(interaction.guild.name, 100)}** (<@${moderatorId}>) reset your roadmap progress ${scope}: ${removed.length} finished step${removed.length === 1 ? ' is' : 's are'} no longer marked done. Your streak is unchanged. If you think this is a mistake, ask them.`);
  await interaction.editReply({
    content: `✅ Reset <@${userId}>’s roadmap progress ${scope}: ${removed.length} step${removed.length === 1 ? '' : 's'} forgotten (logged). Their streak is unchanged. ${told}`,
    components: [],
    allowedMentions: { parse: [] },
  });
  // Step milestones set to be removed below them go with the steps.
  await applyRewards(ctx, interaction.client, guildId, userId);
};

export const cancelReset: ComponentHandler<ContentContext> = async (interaction) => {
  if (!interaction.isButton()) return;
  await interaction.update({ content: 'Nothing was reset.', components: [] });
};

/** DMs the member about a correction; a DM they do not accept never undoes it. Returns a sentence for the moderator. */
async function tellMember(interaction: ButtonInteraction<'cached'>, ctx: ContentContext, userId: string, text: string): Promise<string> {
  try {
    await interaction.client.users.send(userId, { content: text, allowedMentions: { parse: [] } });
    return 'I told them by DM; `/progress` shows it to them too.';
  } catch (error) {
    const code = error instanceof DiscordAPIError ? error.code : undefined;
    ctx.logger.warn({ err: error, guildId: interaction.guildId, targetUserId: userId, code }, 'could not DM a member about a progress reset');
    return code === 50007
      ? 'I could not DM them (they do not accept DMs from me, Discord error 50007); they will see it in `/progress`.'
      : 'I could not DM them just now; they will see it in `/progress`.';
  }
}
