import { MessageFlags } from 'discord.js';
import { syncMemberUnits } from '../src/db/queries/cohorts.js';
import { completeStepWithProgress, memberProgressWithContent } from '../src/db/queries/progress.js';
import { type Command, guildCommand } from '../src/discord/command.js';
import { autocompleteChoices, resolveStep, resolveTrack } from '../src/discord/options.js';
import { nextStepView } from '../src/discord/views/progress.js';
import { applyRewards } from '../src/discord/rewards.js';

/**
 * /next declares no `content: true`: the hot path reads its server's content revision in the same
 * statement as the member's roadmap (memberProgressWithContent); its button and autocomplete ask the
 * content store themselves.
 */
export const next: Command = {
  data: guildCommand('next', 'Your next roadmap step: what to learn, why, a checklist and resources')
    .addStringOption((o) => o.setName('track').setDescription('Which roadmap (default: the one you follow, set with /roadmap track)').setAutocomplete(true))
    .toJSON(),

  async execute(interaction, ctx) {
    const named = interaction.options.getString('track');
    const member = { guildId: interaction.guildId, userId: interaction.user.id };
    const { content, progress } = await memberProgressWithContent(ctx.db, ctx.contents, member, (followed, content) => resolveTrack(content, named, followed));
    await interaction.reply({ ...nextStepView(content, progress), flags: MessageFlags.Ephemeral });
  },

  async autocomplete(interaction, ctx) {
    const content = await ctx.contents.forGuild(interaction.guildId);
    await interaction.respond(autocompleteChoices(content.tracks, interaction.options.getFocused(), (t) => ({ name: t.title, value: t.id })));
  },

  components: {
    /**
     * next:done:<step>[:<track>], the Mark done button. Pressing twice records once. The card stays on
     * the track it showed (a step two tracks share is done in both); older cards carry no track.
     */
    async done(interaction, appCtx, [stepId = '', trackId = '']) {
      if (!interaction.isButton()) return;
      const ctx = { ...appCtx, content: await appCtx.contents.forGuild(interaction.guildId) };
      const entry = resolveStep(ctx.content, stepId);
      const member = { guildId: interaction.guildId, userId: interaction.user.id };
      const shown = ctx.content.tracksById.get(trackId);
      const track = shown?.steps.some((s) => s.id === entry.step.id) ? shown : entry.track;
      const { recorded, progress, inCohort } = await completeStepWithProgress(ctx, member, entry, track);
      const notice = recorded ? `✅ Marked **${entry.step.title}** done.` : `**${entry.step.title}** was already done.`;
      await interaction.update(nextStepView(ctx.content, progress, notice));
      await applyRewards(ctx, interaction.client, member.guildId, member.userId);
      // A cohort unit is done once its steps are: recorded with when each step was marked done.
      if (recorded && inCohort) await syncMemberUnits(ctx, member);
    },
  },
};
