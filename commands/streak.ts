import { SlashCommandBuilder } from 'discord.js';
import { streakDetails } from '../src/db/queries/streaks.js';
import type { Command } from '../src/discord/command.js';
import { replyInTime } from '../src/discord/reply-in-time.js';
import { streakView } from '../src/discord/views/streaks.js';

const PNG_WEEKS = 16;

export const streak: Command = {
  data: new SlashCommandBuilder()
    .setName('streak')
    .setDescription('Your streak (or a member’s): figures and a calendar of why each day counted')
    .addUserOption((o) => o.setName('member').setDescription('Whose streak (default: yours)'))
    .setContexts(0)
    .toJSON(),

  async execute(interaction, ctx) {
    const user = interaction.options.getUser('member') ?? interaction.user;
    const member = { guildId: interaction.guildId!, userId: user.id };
    const self = user.id === interaction.user.id;
    // The PNG is drawn on a shared thread pool: when many members ask at once, defer rather than miss Discord's 3 s.
    const view = streakDetails(ctx.db, member, ctx.clock.now(), PNG_WEEKS * 7 + 7).then((details) => streakView({ userId: user.id, self, ...details, pngWeeks: PNG_WEEKS }, ctx.images));
    await replyInTime(interaction, view, { ephemeral: true });
  },
};
