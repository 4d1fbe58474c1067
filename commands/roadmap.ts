import { MessageFlags, SlashCommandBuilder } from 'discord.js';
import { findStep } from '../src/content/loader.js';
import { completedStepIds } from '../src/db/queries/progress.js';
import { trackProgress } from '../src/domain/progress.js';
import type { Command } from '../src/discord/command.js';
import { autocompleteChoices, resolveTrack } from '../src/discord/options.js';
import { roadmapView } from '../src/discord/views/progress.js';
import type { Context } from '../src/context.js';

async function progressFor(ctx: Context, guildId: string, userId: string, trackId: string | null) {
  const track = resolveTrack(ctx.content, trackId);
  const done = await completedStepIds(ctx.db, { guildId, userId });
  return trackProgress(track, done, (id) => findStep(ctx.content, id)?.step.id ?? id);
}

export const roadmap: Command = {
  data: new SlashCommandBuilder()
    .setName('roadmap')
    .setDescription('See the path to becoming an ML engineer and where you stand on it')
    .addStringOption((o) => o.setName('track').setDescription('Which roadmap (default: ML Engineer)').setAutocomplete(true))
    .setContexts(0)
    .toJSON(),

  async execute(interaction, ctx) {
    const progress = await progressFor(ctx, interaction.guildId!, interaction.user.id, interaction.options.getString('track'));
    await interaction.reply({ ...roadmapView(progress, 0), flags: MessageFlags.Ephemeral });
  },

  async autocomplete(interaction, ctx) {
    await interaction.respond(
      autocompleteChoices(ctx.content.tracks, interaction.options.getFocused(), (t) => ({ name: `${t.title} (${t.steps.length} steps)`, value: t.id })),
    );
  },

  components: {
    /** roadmap:page:<track>:<page>, from the roadmap's own pager: turns the page in place. */
    async page(interaction, ctx, [trackId = '', page = '0']) {
      if (!interaction.isButton()) return;
      const progress = await progressFor(ctx, interaction.guildId!, interaction.user.id, trackId);
      await interaction.update(roadmapView(progress, Number.parseInt(page, 10) || 0));
    },
    /** roadmap:open:<track>:<page>, from a /next card: opens the roadmap beside the card. */
    async open(interaction, ctx, [trackId = '', page = '0']) {
      if (!interaction.isButton()) return;
      const progress = await progressFor(ctx, interaction.guildId!, interaction.user.id, trackId);
      await interaction.reply({ ...roadmapView(progress, Number.parseInt(page, 10) || 0), flags: MessageFlags.Ephemeral });
    },
  },
};
