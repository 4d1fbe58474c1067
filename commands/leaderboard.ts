import { MessageFlags } from 'discord.js';
import { boardScores, type Board, type Period } from '../src/db/queries/leaderboard.js';
import { type Command, guildCommand } from '../src/discord/command.js';
import { leaderboardView } from '../src/discord/views/streaks.js';
import { rank } from '../src/domain/leaderboard.js';

const BOARDS: readonly Board[] = ['streak', 'roadmap', 'checkins', 'challenges', 'study'];
const PERIODS: readonly Period[] = ['week', 'month', 'all'];

export const leaderboard: Command = {
  data: guildCommand('leaderboard', 'Top 10 of this server, and your own rank')
    .addStringOption((o) =>
      o
        .setName('board')
        .setDescription('What to rank (default: streak)')
        .addChoices(
          { name: 'Streak', value: 'streak' },
          { name: 'Roadmap steps', value: 'roadmap' },
          { name: 'Check-ins', value: 'checkins' },
          { name: 'Challenge submissions', value: 'challenges' },
          { name: 'Study hours', value: 'study' },
        ),
    )
    .addStringOption((o) =>
      o
        .setName('period')
        .setDescription('Over which period (default: week)')
        .addChoices({ name: 'Last 7 days', value: 'week' }, { name: 'Last 30 days', value: 'month' }, { name: 'All time', value: 'all' }),
    )
    .toJSON(),

  async execute(interaction, ctx) {
    const boardOption = interaction.options.getString('board') ?? 'streak';
    const periodOption = interaction.options.getString('period') ?? 'week';
    const board = BOARDS.find((b) => b === boardOption) ?? 'streak';
    const period = PERIODS.find((p) => p === periodOption) ?? 'week';
    const ranked = rank(await boardScores(ctx.db, interaction.guildId, board, period, ctx.clock.now(), { studyCapMs: ctx.config.STUDY_SESSION_CAP }));
    await interaction.reply({ ...leaderboardView({ board, period, ranked, callerId: interaction.user.id }), flags: MessageFlags.Ephemeral });
  },
};
