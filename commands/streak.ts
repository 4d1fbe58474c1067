import { MessageFlags } from 'discord.js';
import { streakDetails } from '../src/db/queries/streaks.js';
import { studyMinutesByDay } from '../src/db/queries/study.js';
import { type Command, guildCommand } from '../src/discord/command.js';
import { streakView } from '../src/discord/views/streaks.js';

const PNG_WEEKS = 16;

export const streak: Command = {
  data: guildCommand('streak', 'Your streak (or a member’s): figures and a calendar of why each day counted')
    .addUserOption((o) => o.setName('member').setDescription('Whose streak (default: yours)'))
    .addStringOption((o) =>
      o
        .setName('shade')
        .setDescription('What colours the heatmap (default: why each day counted)')
        .addChoices({ name: 'Why each day counted', value: 'reason' }, { name: 'Minutes studied', value: 'study' }),
    )
    .toJSON(),

  async execute(interaction, ctx) {
    const user = interaction.options.getUser('member') ?? interaction.user;
    const member = { guildId: interaction.guildId, userId: user.id };
    const now = ctx.clock.now();
    const byStudy = interaction.options.getString('shade') === 'study';
    const self = user.id === interaction.user.id;
    // The PNG is drawn on a shared thread pool: when many members ask at once it may take a while,
    // and the router defers the reply if so (src/discord/answer.ts).
    const [details, studyMinutes] = await Promise.all([
      streakDetails(ctx.db, member, now, PNG_WEEKS * 7 + 7),
      byStudy ? studyMinutesByDay(ctx.db, member, new Date(now.getTime() - (PNG_WEEKS * 7 + 9) * 86_400_000), now, ctx.config.STUDY_SESSION_CAP) : undefined,
    ]);
    const view = await streakView({ userId: user.id, self, ...details, pngWeeks: PNG_WEEKS, ...(studyMinutes ? { studyMinutes } : {}) }, ctx.images);
    await interaction.reply({ ...view, flags: MessageFlags.Ephemeral });
  },
};
