import { MessageFlags } from 'discord.js';
import { progressResets } from '../src/db/queries/admin.js';
import { challengesJoined } from '../src/db/queries/leaderboard.js';
import { memberProgressAll } from '../src/db/queries/progress.js';
import { streakDetails } from '../src/db/queries/streaks.js';
import { studySummary } from '../src/db/queries/study.js';
import { type Command, guildCommand } from '../src/discord/command.js';
import { progressView } from '../src/discord/views/streaks.js';

export const progress: Command = {
  content: true,
  data: guildCommand('progress', 'Roadmap completion, streak and challenges, yours or a member’s')
    .addUserOption((o) => o.setName('member').setDescription('Whose progress (default: yours)'))
    .toJSON(),

  async execute(interaction, ctx) {
    const user = interaction.options.getUser('member') ?? interaction.user;
    const member = { guildId: interaction.guildId, userId: user.id };
    const tracks = await memberProgressAll(ctx.db, ctx.content, member);
    const { view } = await streakDetails(ctx.db, member, ctx.clock.now(), 0);
    const challenges = await challengesJoined(ctx.db, member.guildId, member.userId);
    const resets = (await progressResets(ctx.db, member)).map((r) => ({ ...r, trackTitle: r.trackId ? (ctx.content.tracksById.get(r.trackId)?.title ?? r.trackId) : null }));
    const { totals } = await studySummary(ctx.db, member, ctx.clock.now(), ctx.config.STUDY_SESSION_CAP);
    const self = user.id === interaction.user.id;
    const study = { week: totals.week, all: totals.all };
    await interaction.reply({ ...progressView({ userId: user.id, self, tracks, view, challenges, resets, study }), flags: MessageFlags.Ephemeral });
  },
};
