import { MessageFlags } from 'discord.js';
import type { Content } from '../src/content/loader.js';
import type { Branch, Track } from '../src/content/schema.js';
import type { ContentContext } from '../src/context.js';
import { chooseBranch, followTrack, memberProgressOn, memberRoadmap, memberTrackProgress } from '../src/db/queries/progress.js';
import type { MemberKey } from '../src/db/queries/streaks.js';
import { type Command, guildCommand } from '../src/discord/command.js';
import { autocompleteChoices, resolveTrack } from '../src/discord/options.js';
import { nextStepView, roadmapView } from '../src/discord/views/progress.js';
import { UserError } from '../src/errors.js';

const memberOf = (interaction: { guildId: string; user: { id: string } }): MemberKey => ({ guildId: interaction.guildId, userId: interaction.user.id });

/**
 * The branch a member named: `track/branch` from autocomplete, or a branch id or title typed by hand
 * (searched in every track; a name two tracks share must be picked from the list).
 */
export function resolveBranch(content: Content, input: string): { track: Track; branch: Branch } {
  const wanted = input.trim();
  const [trackId, branchId] = wanted.includes('/') ? wanted.split('/', 2) : [undefined, wanted];
  const matches = content.tracks
    .filter((t) => trackId === undefined || t.id === trackId)
    .flatMap((track) => track.branches.filter((b) => b.id === branchId || b.title.toLowerCase() === wanted.toLowerCase()).map((branch) => ({ track, branch })));
  if (matches.length === 1) return matches[0]!;
  const all = content.tracks.flatMap((t) => t.branches.map((b) => b.title));
  if (matches.length > 1) throw new UserError(`More than one track has a branch called “${wanted.slice(0, 80)}”. Start typing and pick one from the list.`);
  if (all.length === 0) throw new UserError('This roadmap has no branches to choose from yet.');
  throw new UserError(`There is no branch called “${wanted.slice(0, 80)}”. Branches: ${all.join(', ').slice(0, 1500)}.`);
}

/** Records the member's choice and shows what /next now offers, with a line on what changed. */
async function choose(ctx: ContentContext, member: MemberKey, track: Track, branch: Branch) {
  const previous = await chooseBranch(ctx.db, member, track.id, branch.id, ctx.clock.now());
  const progress = await memberTrackProgress(ctx.db, ctx.content, member, track);
  const before = previous === undefined ? undefined : track.branches.find((b) => b.id === previous)?.title ?? previous;
  const notice =
    previous === branch.id
      ? `**${branch.title}** already is your branch on ${track.title}; nothing changed.`
      : before
        ? `🌿 Your branch on ${track.title} is now **${branch.title}** (was ${before}). Steps you finished stay done.`
        : `🌿 You chose **${branch.title}** on ${track.title}. \`/next\` follows it once the core is done.`;
  return nextStepView(ctx.content, progress, notice);
}

/** Records the track a member follows and shows its roadmap, with a line on what changed. */
async function follow(ctx: ContentContext, member: MemberKey, track: Track) {
  const previous = await followTrack(ctx.db, member, track.id, ctx.clock.now());
  const progress = await memberTrackProgress(ctx.db, ctx.content, member, track);
  const before = previous === undefined ? undefined : ctx.content.tracksById.get(previous)?.title ?? previous;
  const shared = track.steps.filter((s) => ctx.content.steps.get(s.id)?.track !== track).length;
  const note = shared > 0 ? ` ${shared} of its steps are shared with another track: what you finished there is done here too.` : '';
  const notice =
    previous === track.id
      ? `You already follow **${track.title}**; nothing changed.`
      : `🧭 You now follow **${track.title}**${before ? ` (was ${before})` : ''}: \`/next\` and \`/roadmap show\` use it.${note}`;
  return { content: notice, ...roadmapView(progress, 0) };
}

export const roadmap: Command = {
  content: true,
  data: guildCommand('roadmap', 'The roadmap: the shared core, the branches you can specialise in, and where you stand')
    .addSubcommand((s) =>
      s
        .setName('show')
        .setDescription('See the roadmap, its branches and where you stand on it')
        .addStringOption((o) => o.setName('track').setDescription('Which roadmap (default: the one you follow)').setAutocomplete(true)),
    )
    .addSubcommand((s) =>
      s
        .setName('track')
        .setDescription('Choose the roadmap you follow: /next and /roadmap show use it; shared steps count in both')
        .addStringOption((o) => o.setName('track').setDescription('The roadmap to follow').setRequired(true).setAutocomplete(true).setMaxLength(100)),
    )
    .addSubcommand((s) =>
      s
        .setName('choose')
        .setDescription('Choose or change your branch: the specialisation /next follows after the core')
        .addStringOption((o) => o.setName('branch').setDescription('The branch to follow').setRequired(true).setAutocomplete(true).setMaxLength(200)),
    )
    .toJSON(),

  async execute(interaction, ctx) {
    const member = memberOf(interaction);
    const subcommand = interaction.options.getSubcommand();
    if (subcommand === 'choose') {
      const { track, branch } = resolveBranch(ctx.content, interaction.options.getString('branch', true));
      await interaction.reply({ ...(await choose(ctx, member, track, branch)), flags: MessageFlags.Ephemeral });
      return;
    }
    if (subcommand === 'track') {
      const track = resolveTrack(ctx.content, interaction.options.getString('track', true).trim());
      await interaction.reply({ ...(await follow(ctx, member, track)), flags: MessageFlags.Ephemeral });
      return;
    }
    const named = interaction.options.getString('track');
    const progress = await memberProgressOn(ctx.db, ctx.content, member, (followed) => resolveTrack(ctx.content, named, followed));
    await interaction.reply({ ...roadmapView(progress, 0), flags: MessageFlags.Ephemeral });
  },

  async autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true);
    if (focused.name === 'track') {
      const { track: followed } = await memberRoadmap(ctx.db, memberOf(interaction));
      const mine = (followed !== undefined && ctx.content.tracksById.has(followed) ? followed : undefined) ?? ctx.content.tracks[0]?.id;
      await interaction.respond(
        autocompleteChoices(ctx.content.tracks, focused.value, (t) => ({
          name: `${t.title} (${t.steps.length} core steps${t.branches.length > 0 ? `, ${t.branches.length} branches` : ''})${t.id === mine ? ' · yours' : ''}`,
          value: t.id,
          keywords: t.summary,
        })),
      );
      return;
    }
    const { branches: chosen } = await memberRoadmap(ctx.db, memberOf(interaction));
    const several = ctx.content.tracks.length > 1;
    const all = ctx.content.tracks.flatMap((track) => track.branches.map((branch) => ({ track, branch })));
    await interaction.respond(
      autocompleteChoices(all, focused.value, ({ track, branch }) => ({
        name: `${branch.title}${several ? ` (${track.title})` : ''}${chosen.get(track.id) === branch.id ? ' · your branch' : ''}`,
        value: `${track.id}/${branch.id}`,
        keywords: branch.summary,
      })),
    );
  },

  components: {
    /** roadmap:page:<track>:<page>, from the roadmap's own pager: turns the page in place. */
    async page(interaction, ctx, [trackId = '', page = '0']) {
      if (!interaction.isButton()) return;
      const progress = await memberTrackProgress(ctx.db, ctx.content, memberOf(interaction), resolveTrack(ctx.content, trackId));
      await interaction.update(roadmapView(progress, Number.parseInt(page, 10) || 0));
    },
    /** roadmap:open:<track>:<page>, from a /next card: opens the roadmap beside the card. */
    async open(interaction, ctx, [trackId = '', page = '0']) {
      if (!interaction.isButton()) return;
      const progress = await memberTrackProgress(ctx.db, ctx.content, memberOf(interaction), resolveTrack(ctx.content, trackId));
      await interaction.reply({ ...roadmapView(progress, Number.parseInt(page, 10) || 0), flags: MessageFlags.Ephemeral });
    },
    /** roadmap:choose:<track>:<branch>, a branch button of a /next card: chooses it and updates the card. */
    async choose(interaction, ctx, [trackId = '', branchId = '']) {
      if (!interaction.isButton()) return;
      const { track, branch } = resolveBranch(ctx.content, `${trackId}/${branchId}`);
      await interaction.update(await choose(ctx, memberOf(interaction), track, branch));
    },
  },
};
