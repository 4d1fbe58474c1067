import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { flagSubmission } from '../../src/db/queries/challenges.js';
import { findPost } from '../../src/db/queries/claims.js';
import { applyRewards } from '../../src/discord/rewards.js';
import { userText } from '../../src/discord/views/theme.js';
import { UserError } from '../../src/errors.js';
import { tellMember, titleOf, type ChallengeSubcommand } from './shared.js';

/** `/challenge flag member reason`: moderators set aside a member's latest submission (out of the ranking and the milestone); the member is told why. */
export function flagSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('flag')
    .setDescription('Moderators: set aside a member’s latest submission (not ranked, not counted); they are told why')
    .addUserOption((o) => o.setName('member').setDescription('Whose submission').setRequired(true))
    .addStringOption((o) => o.setName('reason').setDescription('Why (the member reads it)').setRequired(true).setMaxLength(300));
}

export const flag: ChallengeSubcommand = async (interaction, ctx, settings) => {
  const target = interaction.options.getUser('member', true);
  const reason = interaction.options.getString('reason', true).trim();
  if (!reason) throw new UserError('Give a reason: the member reads it.');
  if (target.bot) throw new UserError('Bots do not submit to challenges.');
  const guildId = settings.guildId;
  const { run } = await flagSubmission(ctx.db, { guildId, userId: target.id, by: interaction.user.id, reason, now: ctx.clock.now() });
  ctx.logger.info({ guildId, actorId: interaction.user.id, targetUserId: target.id, weekId: run.id }, 'challenge submission flagged');
  const title = titleOf(ctx, run.challengeId);
  const recap = await findPost(ctx.db, { guildId, kind: 'challenge_recap', period: run.weekStart });
  const told = await tellMember(
    interaction,
    ctx,
    target.id,
    `A moderator of **${userText(interaction.guild.name, 100)}** set aside your submission to **${title}** (week of ${run.weekStart}): “${userText(reason, 300)}”. It is not ranked and does not count towards challenge milestones. If you think this is a mistake, ask the moderators.`,
  );
  const recapNote = recap?.status === 'posted' ? ' The recap of that week was already posted and stays as it is.' : ' The recap will leave it out.';
  await interaction.reply({
    content: `⚑ Set aside <@${target.id}>’s submission to **${title}** (week of ${run.weekStart}), logged: it leaves the ranking and the submissions milestone.${recapNote} ${told}`,
    flags: MessageFlags.Ephemeral,
    allowedMentions: { parse: [] },
  });
  // A submissions milestone set to be removed below it goes with the entry.
  await applyRewards(ctx, interaction.client, guildId, target.id);
};
