import { MessageFlags } from 'discord.js';
import { statementCancelled } from '../src/db/faults.js';
import { serverStats } from '../src/db/queries/stats-summaries.js';
import { getGuildSettings } from '../src/db/queries/settings.js';
import { localDateOf, startOfLocalDay } from '../src/domain/dates.js';
import { periodWeeks, STATS_PERIODS, type StatsPeriod } from '../src/domain/stats.js';
import { type Command, guildCommand } from '../src/discord/command.js';
import { MODERATOR_PERMISSIONS, requireModerator } from '../src/discord/permissions.js';
import { STATS_ZOOM, statsEmpty, statsView } from '../src/discord/views/stats.js';
import { UserError } from '../src/errors.js';

export const stats: Command = {
  data: guildCommand('stats', 'Moderators: the server’s numbers as charts (activity, streaks, challenges, prompts, retention)')
    .setDefaultMemberPermissions(MODERATOR_PERMISSIONS)
    .addIntegerOption((o) =>
      o
        .setName('period')
        .setDescription('How many weeks, ending with this one (default: 12)')
        .addChoices(...STATS_PERIODS.map((weeks) => ({ name: `${weeks} weeks`, value: weeks }))),
    )
    .toJSON(),

  async execute(interaction, ctx) {
    await requireModerator(interaction, ctx);
    const count = (interaction.options.getInteger('period') ?? 12) as StatsPeriod;
    const settings = await getGuildSettings(ctx.db, interaction.guildId);
    const zone = settings.timezone;
    const now = ctx.clock.now();
    const today = localDateOf(now, zone);
    const weeks = periodWeeks(today, count);
    // The days not yet summarised are summarised first (all of them after an upgrade), then one query
    // per statistic and a large PNG: the router defers the reply if this takes a while.
    const figures = await serverStats(ctx.db, { guildId: interaction.guildId, zone, from: startOfLocalDay(weeks[0]!, zone), to: now, firstDay: weeks[0]!, today }).catch((error: unknown) => {
      // Each query has the bot's statement deadline (src/db/deadlines.ts): on a busy database, summarising a big
      // server's history (the first /stats after the upgrade) or a long period may not fit. Days summarised are kept.
      if (statementCancelled(error))
        throw new UserError(`Counting ${count} weeks took longer than the database allows for one question. What was counted so far is kept: try again in a moment, or a shorter period.`);
      throw error;
    });
    if (statsEmpty(figures)) {
      await interaction.reply({
        content: `No numbers yet: nobody checked in, finished a step, studied or took part in a challenge here in the last ${count} weeks, and nobody has a streak. The charts fill in as members use Cohort.`,
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    const view = statsView({ stats: figures, weeks, today, zone });
    const png = await ctx.images.renderPng(view.svg, { zoom: STATS_ZOOM });
    await interaction.reply({
      content: view.summary,
      files: [{ attachment: png, name: 'stats.png', description: view.description }],
      allowedMentions: { parse: [] },
      flags: MessageFlags.Ephemeral,
    });
  },
};
