import { MessageFlags, type SlashCommandSubcommandGroupBuilder } from 'discord.js';
import { firstActivityDay } from '../../src/db/queries/admin.js';
import { fixStreakDay, memberToday } from '../../src/db/queries/streaks.js';
import type { Subcommand } from '../../src/discord/command.js';
import { applyRewards } from '../../src/discord/rewards.js';
import { userText } from '../../src/discord/views/theme.js';
import { FIX_MAX_DAYS_BACK, fixableDays } from '../../src/domain/corrections.js';
import { parseDay } from '../../src/domain/dates.js';
import { UserError } from '../../src/errors.js';

/** `/admin streak fix member date reason`. */
export function streakGroup(g: SlashCommandSubcommandGroupBuilder): SlashCommandSubcommandGroupBuilder {
  return g
    .setName('streak')
    .setDescription('Streak corrections')
    .addSubcommand((s) =>
      s
        .setName('fix')
        .setDescription('Count a day for a member (e.g. the bot was down); shown in /streak as a moderator fix')
        .addUserOption((o) => o.setName('member').setDescription('Whose streak').setRequired(true))
        .addStringOption((o) =>
          o.setName('date').setDescription('The member’s local day, YYYY-MM-DD (since their first activity, at most a year back)').setRequired(true).setMinLength(10).setMaxLength(10),
        )
        .addStringOption((o) => o.setName('reason').setDescription('Why (the member sees it)').setRequired(true).setMaxLength(200)),
    );
}

/** Counts a day for a member as a moderator fix (logged with the reason). */
export const streakFix: Subcommand = async (interaction, ctx) => {
  const guildId = interaction.guildId;
  const actorId = interaction.user.id;
  const target = interaction.options.getUser('member', true);
  const at = ctx.clock.now();
  const member = { guildId, userId: target.id };
  const typed = interaction.options.getString('date', true);
  const day = parseDay(typed);
  if (!day) throw new UserError(`“${userText(typed, 20)}” is not a date. Use YYYY-MM-DD, e.g. 2026-03-01.`);
  const today = await memberToday(ctx.db, member, at);
  if (day > today) throw new UserError(`${day} has not happened yet for <@${target.id}> (their today is ${today}).`);
  const range = fixableDays(today, await firstActivityDay(ctx.db, member));
  if (!range) throw new UserError(`<@${target.id}> has no activity in this server yet, so there is no streak to fix. A day counts once they check in, finish a step or submit.`);
  if (day < range.from)
    throw new UserError(
      range.limit === 'first-activity'
        ? `${day} is before <@${target.id}>’s first activity in this server (${range.from}). A fix can count days from ${range.from} to ${range.to}.`
        : `${day} is more than ${FIX_MAX_DAYS_BACK} days back. A fix can count days from ${range.from} to ${range.to} for <@${target.id}>.`,
    );
  const reason = interaction.options.getString('reason', true).trim();
  if (!reason) throw new UserError('Give a reason: the member sees it in /streak.');
  const outcome = await fixStreakDay(ctx.db, { guildId, userId: target.id, day, actorId, reason, at });
  ctx.logger.info({ guildId, actorId, targetUserId: target.id, day, status: outcome.status }, 'streak fix');
  const content =
    outcome.status === 'already'
      ? `${day} already counts for <@${target.id}> (${outcome.reason}). Nothing changed.`
      : `✅ ${day} now counts for <@${target.id}> as a moderator fix (logged). Streak: ${outcome.streak.current} · longest ${outcome.streak.longest} · freezes ${outcome.streak.freezes}.`;
  await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  // A fixed day can lengthen the streak past a milestone.
  if (outcome.status !== 'already') await applyRewards(ctx, interaction.client, guildId, target.id);
};
