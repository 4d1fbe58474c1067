import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { unflagSubmission } from '../../src/db/queries/challenges.js';
import { applyRewards } from '../../src/discord/rewards.js';
import { userText } from '../../src/discord/views/theme.js';
import { tellMember, titleOf, type ChallengeSubcommand } from './shared.js';

/** `/challenge unflag member [reason]`: moderators undo /challenge flag on the member's latest flagged submission; the member is told. */
export function unflagSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('unflag')
    .setDescription('Moderators: count a flagged submission again; the member is told')
    .addUserOption((o) => o.setName('member').setDescription('Whose submission').setRequired(true))
    .addStringOption((o) => o.setName('reason').setDescription('Why (logged)').setMaxLength(300));
}

export const unflag: ChallengeSubcommand = async (interaction, ctx, settings) => {
  const target = interaction.options.getUser('member', true);
  const reason = interaction.options.getString('reason')?.trim() || null;
  const guildId = settings.guildId;
  const { run } = await unflagSubmission(ctx.db, { guildId, userId: target.id, by: interaction.user.id, reason, now: ctx.clock.now() });
  ctx.logger.info({ guildId, actorId: interaction.user.id, targetUserId: target.id, weekId: run.id }, 'challenge submission unflagged');
  const title = titleOf(ctx, run.challengeId);
  const told = await tellMember(
    interaction,
    ctx,
    target.id,
    `Good news: a moderator of **${userText(interaction.guild.name, 100)}** counts your submission to **${title}** (week of ${run.weekStart}) again. It is ranked and counts towards challenge milestones.`,
  );
  await interaction.reply({
    content: `✅ <@${target.id}>’s submission to **${title}** (week of ${run.weekStart}) counts again (logged). ${told}`,
    flags: MessageFlags.Ephemeral,
    allowedMentions: { parse: [] },
  });
  await applyRewards(ctx, interaction.client, guildId, target.id);
};
