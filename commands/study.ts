import { MessageFlags } from 'discord.js';
import { getGuildSettings } from '../src/db/queries/settings.js';
import { countedReason } from '../src/db/queries/streaks.js';
import { studySummary } from '../src/db/queries/study.js';
import { type Command, guildCommand } from '../src/discord/command.js';
import { studyView } from '../src/discord/views/study.js';

export const study: Command = {
  data: guildCommand('study', 'Study time in voice and focus sessions: today, this week, this month, all time')
    .addUserOption((o) => o.setName('member').setDescription('Whose study time (default: yours)'))
    .toJSON(),

  async execute(interaction, ctx) {
    const user = interaction.options.getUser('member') ?? interaction.user;
    const member = { guildId: interaction.guildId, userId: user.id };
    const [summary, settings] = await Promise.all([studySummary(ctx.db, member, ctx.clock.now(), ctx.config.STUDY_SESSION_CAP), getGuildSettings(ctx.db, member.guildId)]);
    const hasRooms = settings.studyChannelIds.length + settings.studyCategoryIds.length > 0;
    const self = user.id === interaction.user.id;
    // A day that already counts (a check-in, a step, a submission …) needs no more study for the streak.
    const counted = self ? await countedReason(ctx.db, member, summary.today) : undefined;
    const view = studyView({ userId: user.id, self, summary, studyMinutes: settings.studyMinutes, hasRooms, counted });
    await interaction.reply({ ...view, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
};
