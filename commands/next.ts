import { MessageFlags } from 'discord.js';
import { syncMemberUnits } from '../src/db/queries/cohorts.js';
import { completeStepWithProgress, memberProgressOn } from '../src/db/queries/progress.js';
import { type Command, guildCommand } from '../src/discord/command.js';
import { autocompleteChoices, resolveStep, resolveTrack } from '../src/discord/options.js';
import { nextStepView } from '../src/discord/views/progress.js';
import { applyRewards } from '../src/discord/rewards.js';

export const next: Command = {
  content: true,
  data: guildCommand('next', 'Your next roadmap step: what to learn, why, a checklist and resources')
    .addStringOption((o) => o.setName('track').setDescription('Which roadmap (default: the one you follow, set with /roadmap track)').setAutocomplete(true))
    .toJSON(),

  async execute(interaction, ctx) {
    const named = interaction.options.getString('track');
    const progress = await memberProgressOn(ctx.db, ctx.content, { guildId: interaction.guildId, userId: interaction.user.id }, (followed) =>
      resolveTrack(ctx.content, named, followed),
    );
    await interaction.reply({ ...nextStepView(ctx.content, progress), flags: MessageFlags.Ephemeral });
  },

  async autocomplete(interaction, ctx) {
    await interaction.respond(autocompleteChoices(ctx.content.tracks, interaction.options.getFocused(), (t) => ({ name: t.title, value: t.id })));
  },

  components: {
    /**
     * next:done:<step>[:<track>], the Mark done button. Pressing twice records once. The card stays on
     * the track it showed (a step two tracks share is done in both); older cards carry no track.
     */
    async done(interaction, ctx, [stepId = '', trackId = '']) {
      if (!interaction.isButton()) return;
      const entry = resolveStep(ctx.content, stepId);
      const member = { guildId: interaction.guildId, userId: interaction.user.id };
      const shown = ctx.content.tracksById.get(trackId);
      const track = shown?.steps.some((s) => s.id === entry.step.id) ? shown : entry.track;
      const { recorded, progress } = await completeStepWithProgress(ctx, member, entry, track);
      const notice = recorded ? `✅ Marked **${entry.step.title}** done.` : `**${entry.step.title}** was already done.`;
      await interaction.update(nextStepView(ctx.content, progress, notice));
      await applyRewards(ctx, interaction.client, member.guildId, member.userId);
      // A cohort unit is done once its steps are: recorded with when each step was marked done.
      if (recorded) await syncMemberUnits(ctx, member);
    },
  },
};
