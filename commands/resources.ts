import { MessageFlags } from 'discord.js';
import { RESOURCE_KINDS } from '../src/content/schema.js';
import type { ContentContext } from '../src/context.js';
import { allResources } from '../src/db/queries/resources.js';
import { cleanTopic, filterResources, topicCounts, type ResourceFilters } from '../src/domain/catalogue.js';
import { type Command, guildCommand, type GuildAutocomplete } from '../src/discord/command.js';
import { autocompleteChoices, resolveStep } from '../src/discord/options.js';
import { filtersFromArgs, resourceListView } from '../src/discord/views/resources.js';
import { UserError } from '../src/errors.js';

export const resources: Command = {
  content: true,
  data: guildCommand('resources', 'Find learning resources by topic, roadmap step or kind')
    .addStringOption((o) => o.setName('topic').setDescription('A topic such as python or nlp, or any words').setAutocomplete(true).setMaxLength(40))
    .addStringOption((o) => o.setName('step').setDescription('A roadmap step').setAutocomplete(true).setMaxLength(100))
    .addStringOption((o) => o.setName('kind').setDescription('Course, book, video, docs…').setAutocomplete(true).setMaxLength(20))
    .toJSON(),

  async execute(interaction, ctx) {
    const filters = readFilters(ctx, interaction.options.getString('topic'), interaction.options.getString('step'), interaction.options.getString('kind'));
    const entries = filterResources(ctx.content, await allResources(ctx.db, ctx.content, interaction.guildId), filters);
    await interaction.reply({ ...resourceListView(ctx.content, entries, filters, 0), flags: MessageFlags.Ephemeral });
  },

  async autocomplete(interaction, ctx) {
    await interaction.respond(await choices(interaction, ctx));
  },

  components: {
    /** resources:page:<topic>:<step>:<kind index>:<page>, the pager of a result list. */
    async page(interaction, ctx, args) {
      if (!interaction.isButton()) return;
      const filters = filtersFromArgs(args);
      const entries = filterResources(ctx.content, await allResources(ctx.db, ctx.content, interaction.guildId), filters);
      await interaction.update(resourceListView(ctx.content, entries, filters, Number.parseInt(args[3] ?? '0', 10) || 0));
    },
  },
};

function readFilters(ctx: ContentContext, topic: string | null, step: string | null, kind: string | null): ResourceFilters {
  const filters: ResourceFilters = { topic: null, stepId: null, kind: null };
  if (topic !== null) filters.topic = cleanTopic(topic) || null;
  if (step !== null && step.trim() !== '') filters.stepId = resolveStep(ctx.content, step).step.id;
  if (kind !== null && kind.trim() !== '') {
    const wanted = kind.trim().toLowerCase();
    const match = RESOURCE_KINDS.find((k) => k === wanted || `${k}s` === wanted);
    if (!match) throw new UserError(`“${kind.slice(0, 20)}” is not a kind of resource. Kinds: ${RESOURCE_KINDS.join(', ')}.`);
    filters.kind = match;
  }
  return filters;
}

/** Each option suggests what, combined with the options already filled in, still finds something. */
async function choices(interaction: GuildAutocomplete, ctx: ContentContext) {
  const focused = interaction.options.getFocused(true);
  const others = (name: string) => (focused.name === name ? null : interaction.options.getString(name));
  let filters: ResourceFilters;
  try {
    filters = readFilters(ctx, others('topic'), others('step'), others('kind'));
  } catch {
    filters = { topic: null, stepId: null, kind: null };
  }
  const entries = filterResources(ctx.content, await allResources(ctx.db, ctx.content, interaction.guildId), filters);
  const typed = focused.value;
  if (focused.name === 'topic') {
    return autocompleteChoices(topicCounts(entries), typed, (t) => ({ name: `${t.topic} (${t.count})`, value: t.topic }));
  }
  if (focused.name === 'kind') {
    const counts = RESOURCE_KINDS.map((kind) => ({ kind, n: entries.filter((e) => e.kind === kind).length })).filter((k) => k.n > 0);
    return autocompleteChoices(counts, typed, (k) => ({ name: `${k.kind} (${k.n})`, value: k.kind }));
  }
  const steps = [...ctx.content.steps.values()]
    .map((entry) => ({ entry, n: entries.filter((e) => e.steps.includes(entry.step.id)).length }))
    .filter((s) => s.n > 0);
  return autocompleteChoices(steps, typed, ({ entry, n }) => ({
    name: `${entry.index + 1}. ${entry.step.title} (${n})`,
    value: entry.step.id,
    keywords: entry.step.summary,
  }));
}
