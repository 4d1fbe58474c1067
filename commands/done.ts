import { MessageFlags } from 'discord.js';
import { syncMemberUnits } from '../src/db/queries/cohorts.js';
import { completeStepWithProgress, finishedStepIds, memberRoadmap } from '../src/db/queries/progress.js';
import { type Command, guildCommand } from '../src/discord/command.js';
import { resolveStep, stepChoices } from '../src/discord/options.js';
import { nextStepView } from '../src/discord/views/progress.js';
import { applyRewards } from '../src/discord/rewards.js';

export const done: Command = {
  content: true,
  data: guildCommand('done', 'Mark a roadmap step as done')
    .addStringOption((o) => o.setName('step').setDescription('The step you finished').setRequired(true).setAutocomplete(true).setMaxLength(100))
    .toJSON(),

  async execute(interaction, ctx) {
    const entry = resolveStep(ctx.content, interaction.options.getString('step', true));
    const member = { guildId: interaction.guildId, userId: interaction.user.id };
    // A step several tracks share (content `use:`) answers with the track the member follows, when
    // it is one of them; any other step with its own track, without a read.
    const sharing = ctx.content.tracks.filter((t) => t.steps.some((s) => s.id === entry.step.id));
    const followed = sharing.length > 1 ? (await memberRoadmap(ctx.db, member)).track : undefined;
    const track = sharing.find((t) => t.id === followed) ?? entry.track;
    const { recorded, progress, inCohort } = await completeStepWithProgress(ctx, member, entry, track);
    const notice = recorded ? `✅ Marked **${entry.step.title}** done.` : `**${entry.step.title}** was already done; nothing changed.`;
    await interaction.reply({ ...nextStepView(ctx.content, progress, notice), flags: MessageFlags.Ephemeral });
    await applyRewards(ctx, interaction.client, member.guildId, member.userId);
    // A cohort unit is done once its steps are: recorded with when each step was marked done.
    if (recorded && inCohort) await syncMemberUnits(ctx, member);
  },

  async autocomplete(interaction, ctx) {
    const finished = await finishedStepIds(ctx.db, ctx.content, { guildId: interaction.guildId, userId: interaction.user.id });
    await interaction.respond(stepChoices(ctx.content, interaction.options.getFocused(), (id) => !finished.has(id)));
  },
};
