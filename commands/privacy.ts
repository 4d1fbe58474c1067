import { AttachmentBuilder, ButtonStyle, MessageFlags } from 'discord.js';
import { eraseMemberData, exportMemberData } from '../src/db/queries/privacy.js';
import { memberFiguresKey } from '../src/db/queries/streaks.js';
import { customId, type Command, guildCommand } from '../src/discord/command.js';
import { actionRow, button } from '../src/discord/views/parts.js';
import { UserError } from '../src/errors.js';

export const privacy: Command = {
  data: guildCommand('privacy', 'Your data in Cohort on this server')
    .addSubcommand((s) => s.setName('export').setDescription('Get everything Cohort stores about you here, as a JSON file (only you see it)'))
    .addSubcommand((s) => s.setName('delete').setDescription('Erase everything Cohort stores about you here (asks to confirm)'))
    .toJSON(),

  async execute(interaction, ctx) {
    const member = { guildId: interaction.guildId, userId: interaction.user.id };
    if (interaction.options.getSubcommand() === 'export') {
      const data = await exportMemberData(ctx.db, member, ctx.clock.now());
      const file = new AttachmentBuilder(Buffer.from(JSON.stringify(data, null, 2), 'utf8'), {
        name: `cohort-data-${member.userId}.json`,
        description: 'Your Cohort data on this server',
      });
      await interaction.reply({ content: 'Here is everything Cohort stores about you on this server.', files: [file], flags: MessageFlags.Ephemeral });
      return;
    }
    const row = actionRow(
      button({ customId: customId('privacy', 'erase', member.userId), label: 'Erase my data', style: ButtonStyle.Danger }),
      button({ customId: customId('privacy', 'cancel'), label: 'Cancel', style: ButtonStyle.Secondary }),
    );
    await interaction.reply({
      content:
        '**Erase your Cohort data on this server?** Your settings (time zone, weekly digest, streak reminder), roadmap progress, check-ins and notes, streak and its history, reminders and nudges sent to you, challenge entries, resource suggestions not approved and moderator log entries about you are deleted for good. Resources a moderator approved stay in the server’s list. Consider `/privacy export` first.',
      components: [row],
      flags: MessageFlags.Ephemeral,
    });
  },

  components: {
    /** privacy:erase:<userId>, the confirm button. Only the member it was shown to can press it. */
    async erase(interaction, ctx, [userId = '']) {
      if (!interaction.isButton()) return;
      if (userId !== interaction.user.id) throw new UserError('This button erases someone else’s data. Run `/privacy delete` yourself.');
      const counts = await eraseMemberData(ctx.db, { guildId: interaction.guildId, userId });
      // The figures this process remembers for the member's next check-in go too.
      ctx.memberFigures.delete(memberFiguresKey({ guildId: interaction.guildId, userId }));
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      ctx.logger.info({ guildId: interaction.guildId, userId, counts }, 'member data erased');
      await interaction.update({ content: `🗑️ Done: your Cohort data on this server is erased (${total} record${total === 1 ? '' : 's'}).`, components: [] });
    },
    async cancel(interaction) {
      if (!interaction.isButton()) return;
      await interaction.update({ content: 'Nothing was erased.', components: [] });
    },
  },
};
