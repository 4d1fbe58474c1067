import { MessageFlags } from 'discord.js';
import { finishedStepIds, memberTrackProgress, undoStep } from '../src/db/queries/progress.js';
import { type Command, guildCommand } from '../src/discord/command.js';
import { resolveStep, stepChoices } from '../src/discord/options.js';
import { applyRewards } from '../src/discord/rewards.js';
import { nextStepView } from '../src/discord/views/progress.js';

export const undo: Command = {
  content: true,
  data: guildCommand('undo', 'Mark a finished roadmap step as not done again')
    .addStringOption((o) => o.setName('step').setDescription('The step to reopen').setRequired(true).setAutocomplete(true).setMaxLength(100))
    .toJSON(),

  async execute(interaction, ctx) {
    const entry = resolveStep(ctx.content, interaction.options.getString('step', true));
    const member = { guildId: interaction.guildId, userId: interaction.user.id };
    const removed = await undoStep(ctx, member, entry);
    const progress = await memberTrackProgress(ctx.db, ctx.content, member, entry.track);
    const notice = removed ? `↩️ **${entry.step.title}** is open again.` : `**${entry.step.title}** was not marked done; nothing changed.`;
    await interaction.reply({ ...nextStepView(ctx.content, progress, notice), flags: MessageFlags.Ephemeral });
    // A step milestone set to be removed below it goes with the step.
    if (removed) await applyRewards(ctx, interaction.client, member.guildId, member.userId);
  },

  async autocomplete(interaction, ctx) {
    const finished = await finishedStepIds(ctx.db, ctx.content, { guildId: interaction.guildId, userId: interaction.user.id });
    await interaction.respond(stepChoices(ctx.content, interaction.options.getFocused(), (id) => finished.has(id)));
  },
};
