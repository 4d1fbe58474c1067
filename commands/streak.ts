import { MessageFlags, SlashCommandBuilder } from 'discord.js';
import { streakDetails } from '../src/db/queries/streaks.js';
import type { Command } from '../src/discord/command.js';
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
    const details = await streakDetails(ctx.db, member, ctx.clock.now(), PNG_WEEKS * 7 + 7);
    const self = user.id === interaction.user.id;
    await interaction.reply({ ...(await streakView({ userId: user.id, self, ...details, pngWeeks: PNG_WEEKS }, ctx.images)), flags: MessageFlags.Ephemeral });
  },
};
