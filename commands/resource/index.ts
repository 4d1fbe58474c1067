import type { ContentContext } from '../../src/context.js';
import { allResources, approvedRows } from '../../src/db/queries/resources.js';
import { serverEntry } from '../../src/domain/catalogue.js';
import { type Command, guildCommand, runSubcommand, type Subcommand } from '../../src/discord/command.js';
import { autocompleteChoices, stepChoices } from '../../src/discord/options.js';
import { add, addSubcommand } from './add.js';
import { cancel, post, postSubcommand, repost } from './post.js';
import { remove, removeSubcommand } from './remove.js';
import { approve, openSuggestion, queue, reject, rejected, review, reviewSubcommand } from './review.js';
import { suggest, suggestSubcommand } from './suggest.js';

/**
 * /resource mixes a member subcommand (suggest) with moderator ones (review, add, remove, post).
 * Discord sets default_member_permissions per top-level command only, so /resource stays open
 * and every moderator subcommand and button calls requireModerator.
 */
const forMembers: Record<string, Subcommand<[], ContentContext>> = { suggest };
const forModerators: Record<string, Subcommand<[], ContentContext>> = { review, add, remove, post };

export const resource: Command = {
  content: true,
  data: guildCommand('resource', 'Suggest a resource; moderators review, add, remove and post them')
    .addSubcommand(suggestSubcommand)
    .addSubcommand(reviewSubcommand)
    .addSubcommand(addSubcommand)
    .addSubcommand(removeSubcommand)
    .addSubcommand(postSubcommand)
    .toJSON(),

  async execute(interaction, ctx) {
    return runSubcommand(interaction, ctx, { members: forMembers, moderators: forModerators });
  },

  async autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true);
    const guildId = interaction.guildId;
    if (focused.name === 'step') {
      await interaction.respond(stepChoices(ctx.content, focused.value, () => true));
      return;
    }
    const sub = interaction.options.getSubcommand();
    const entries =
      sub === 'remove' ? (await approvedRows(ctx.db, guildId)).map((row) => serverEntry(ctx.content, row)) : await allResources(ctx.db, ctx.content, guildId);
    await interaction.respond(
      autocompleteChoices(entries, focused.value, (e) => ({
        name: `${e.title} · ${e.kind}${e.source === 'server' ? ' · server' : ''}`,
        value: e.ref,
        keywords: `${e.url} ${e.topics.join(' ')}`,
      })),
    );
  },

  // The review queue (review.ts), then the this-week warning of /resource post (post.ts).
  components: { review: openSuggestion, queue, approve, reject, rejected, repost, cancel },
};
