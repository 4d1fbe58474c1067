import { ButtonStyle, DiscordAPIError, MessageFlags, type ButtonInteraction } from 'discord.js';
import type { Context } from '../src/context.js';
import { finishedStepCount, firstActivityDay, resetProgress } from '../src/db/queries/admin.js';
import { fixStreakDay, memberToday } from '../src/db/queries/streaks.js';
import { customId, type Command, guildCommand } from '../src/discord/command.js';
import { autocompleteChoices, resolveTrack } from '../src/discord/options.js';
import { MODERATOR_PERMISSIONS, requireModerator } from '../src/discord/permissions.js';
import { actionRow, button } from '../src/discord/views/parts.js';
import { userText } from '../src/discord/views/theme.js';
import { FIX_MAX_DAYS_BACK, fixableDays } from '../src/domain/corrections.js';
import { parseDay } from '../src/domain/dates.js';
import { UserError } from '../src/errors.js';
import { applyRewards } from '../src/discord/rewards.js';

/** The track part of a reset's custom id when every track is reset. */
const ALL_TRACKS = '*';

export const admin: Command = {
  data: guildCommand('admin', 'Moderators: correct a member’s streak or progress (logged)')
    .setDefaultMemberPermissions(MODERATOR_PERMISSIONS)
    .addSubcommandGroup((g) =>
      g
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
        ),
    )
    .addSubcommandGroup((g) =>
      g
        .setName('progress')
        .setDescription('Roadmap progress corrections')
        .addSubcommand((s) =>
          s
            .setName('reset')
            .setDescription('Forget a member’s finished roadmap steps (one track or all); asks to confirm, tells the member')
            .addUserOption((o) => o.setName('member').setDescription('Whose progress').setRequired(true))
            .addStringOption((o) => o.setName('track').setDescription('Only this track (default: all)').setAutocomplete(true)),
        ),
    )
    .toJSON(),

  async execute(interaction, ctx) {
    await requireModerator(interaction, ctx);
    const guildId = interaction.guildId;
    const actorId = interaction.user.id;
    const target = interaction.options.getUser('member', true);
    const group = interaction.options.getSubcommandGroup();
    const at = ctx.clock.now();
    const member = { guildId, userId: target.id };

    if (group === 'streak') {
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
      return;
    }

    // A reset forgets work the member did: ask first, showing how much.
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
  },

  async autocomplete(interaction, ctx) {
    await interaction.respond(autocompleteChoices(ctx.content.tracks, interaction.options.getFocused(), (t) => ({ name: t.title, value: t.id })));
  },

  components: {
    /** admin:reset:<member>:<track id or *>:<moderator>, the confirm button. Only that moderator may press it. */
    async reset(interaction, ctx, [userId = '', trackId = ALL_TRACKS, moderatorId = '']) {
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
    },
    async cancel(interaction) {
      if (!interaction.isButton()) return;
      await interaction.update({ content: 'Nothing was reset.', components: [] });
    },
  },
};

/** DMs the member about a correction; a DM they do not accept never undoes it. Returns a sentence for the moderator. */
async function tellMember(interaction: ButtonInteraction<'cached'>, ctx: Context, userId: string, text: string): Promise<string> {
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
