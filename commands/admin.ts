import { MessageFlags, SlashCommandBuilder } from 'discord.js';
import { resetProgress } from '../src/db/queries/admin.js';
import { fixStreakDay, memberToday } from '../src/db/queries/streaks.js';
import type { Command } from '../src/discord/command.js';
import { autocompleteChoices, resolveTrack } from '../src/discord/options.js';
import { MODERATOR_PERMISSIONS, requireModerator } from '../src/discord/permissions.js';
import { userText } from '../src/discord/views/theme.js';
import { parseDay } from '../src/domain/dates.js';
import { UserError } from '../src/errors.js';

export const admin: Command = {
  data: new SlashCommandBuilder()
    .setName('admin')
    .setDescription('Moderators: correct a member’s streak or progress (logged)')
    .setDefaultMemberPermissions(MODERATOR_PERMISSIONS)
    .setContexts(0)
    .addSubcommandGroup((g) =>
      g
        .setName('streak')
        .setDescription('Streak corrections')
        .addSubcommand((s) =>
          s
            .setName('fix')
            .setDescription('Count a day for a member (e.g. the bot was down); shown in /streak as a moderator fix')
            .addUserOption((o) => o.setName('member').setDescription('Whose streak').setRequired(true))
            .addStringOption((o) => o.setName('date').setDescription('The member’s local day, YYYY-MM-DD').setRequired(true).setMinLength(10).setMaxLength(10))
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
            .setDescription('Forget a member’s finished roadmap steps (one track or all)')
            .addUserOption((o) => o.setName('member').setDescription('Whose progress').setRequired(true))
            .addStringOption((o) => o.setName('track').setDescription('Only this track (default: all)').setAutocomplete(true)),
        ),
    )
    .toJSON(),

  async execute(interaction, ctx) {
    await requireModerator(interaction, ctx);
    const guildId = interaction.guildId!;
    const actorId = interaction.user.id;
    const target = interaction.options.getUser('member', true);
    const group = interaction.options.getSubcommandGroup();
    const at = ctx.clock.now();

    if (group === 'streak') {
      const typed = interaction.options.getString('date', true);
      const day = parseDay(typed);
      if (!day) throw new UserError(`“${userText(typed, 20)}” is not a date. Use YYYY-MM-DD, e.g. 2026-03-01.`);
      const today = await memberToday(ctx.db, { guildId, userId: target.id }, at);
      if (day > today) throw new UserError(`${day} has not happened yet for <@${target.id}> (their today is ${today}).`);
      const reason = interaction.options.getString('reason', true).trim();
      if (!reason) throw new UserError('Give a reason: the member sees it in /streak.');
      const outcome = await fixStreakDay(ctx.db, { guildId, userId: target.id, day, actorId, reason, at });
      ctx.logger.info({ guildId, actorId, targetUserId: target.id, day, status: outcome.status }, 'streak fix');
      const content =
        outcome.status === 'already'
          ? `${day} already counts for <@${target.id}> (${outcome.reason}). Nothing changed.`
          : `✅ ${day} now counts for <@${target.id}> as a moderator fix (logged). Streak: ${outcome.streak.current} · longest ${outcome.streak.longest} · freezes ${outcome.streak.freezes}.`;
      await interaction.reply({ content, flags: MessageFlags.Ephemeral });
      return;
    }

    const trackOption = interaction.options.getString('track');
    const track = trackOption ? resolveTrack(ctx.content, trackOption) : null;
    const { removed } = await resetProgress(ctx.db, { guildId, userId: target.id, trackId: track?.id ?? null, actorId, at });
    ctx.logger.info({ guildId, actorId, targetUserId: target.id, trackId: track?.id ?? null, removed: removed.length }, 'progress reset');
    const scope = track ? `on ${track.title}` : 'on every track';
    await interaction.reply({
      content: `✅ Reset <@${target.id}>’s roadmap progress ${scope}: ${removed.length} step${removed.length === 1 ? '' : 's'} forgotten (logged). Their streak is unchanged.`,
      flags: MessageFlags.Ephemeral,
    });
  },

  async autocomplete(interaction, ctx) {
    await interaction.respond(autocompleteChoices(ctx.content.tracks, interaction.options.getFocused(), (t) => ({ name: t.title, value: t.id })));
  },
};
