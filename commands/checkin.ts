import { MessageFlags } from 'discord.js';
import { checkIn } from '../src/db/queries/streaks.js';
import { type Command, guildCommand } from '../src/discord/command.js';
import { checkInView } from '../src/discord/views/streaks.js';
import { applyRewards } from '../src/discord/rewards.js';

export const checkin: Command = {
  data: guildCommand('checkin', 'Check in for today: keeps your study streak going')
    .addStringOption((o) => o.setName('note').setDescription('What you studied (optional, only you see it)').setMaxLength(200))
    .toJSON(),
  // The hot path reads no content (milestone roles read the server's content themselves).

  async execute(interaction, ctx) {
    const note = interaction.options.getString('note')?.trim() || null;
    const result = await checkIn(ctx, { guildId: interaction.guildId, userId: interaction.user.id }, note);
    await interaction.reply({ ...checkInView(result), flags: MessageFlags.Ephemeral });
    await applyRewards(ctx, interaction.client, interaction.guildId, interaction.user.id);
  },
};
