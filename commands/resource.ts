import {
  DiscordAPIError,
  MessageFlags,
  RESTJSONErrorCodes,
  type SlashCommandBooleanOption,
  type SlashCommandStringOption,
} from 'discord.js';
import { LEVELS, RESOURCE_KINDS } from '../src/content/schema.js';
import type { Context } from '../src/context.js';
import {
  addResource,
  allResources,
  approvedRows,
  claimStagedPost,
  decideSuggestion,
  getServerResource,
  pendingAt,
  pendingCount,
  pendingItem,
  recentPost,
  recordPost,
  releaseStagedPost,
  removeResource,
  stagePost,
  suggestResource,
  SUGGESTIONS_PER_HOUR,
  type NewResource,
} from '../src/db/queries/resources.js';
import { findEntry, serverEntry, type ResourceEntry } from '../src/domain/catalogue.js';
import { getGuildSettings, setReviewChannelError } from '../src/db/queries/settings.js';
import type { GuildResource } from '../src/db/schema.js';
import { guessKind, MAX_URL_INPUT_LENGTH, MAX_URL_LENGTH, parseResourceUrl } from '../src/domain/urls.js';
import { type Command, guildCommand, type GuildChatInput, type GuildComponent } from '../src/discord/command.js';
import { autocompleteChoices, resolveStep, stepChoices } from '../src/discord/options.js';
import { POSTABLE_CHANNEL_TYPES, postableChannel, type PostableChannel } from '../src/discord/channels.js';
import { describeDiscordError } from '../src/discord/errors.js';
import { requireModerator } from '../src/discord/permissions.js';
import {
  decisionDm,
  duplicateMessage,
  entryTitle,
  memberText,
  NOTE_MAX,
  priceWord,
  REASON_MAX,
  rejectModal,
  repostConfirmView,
  resourceCard,
  reviewView,
  suggestionNoticeView,
  suggestionReceivedView,
  TITLE_MAX,
} from '../src/discord/views/resources.js';
import { UserError } from '../src/errors.js';

// Both optional on suggest and add: a resource nobody rated is listed as "level not rated" / "price not stated".
const levelOption = (o: SlashCommandStringOption) =>
  o
    .setName('level')
    .setDescription('The level it suits (leave out if unsure)')
    .addChoices(...LEVELS.map((l) => ({ name: l, value: l })));
const freeOption = (o: SlashCommandBooleanOption) => o.setName('free').setDescription('True if it is free to use, False if it costs money (leave out if unsure)');

/**
 * /resource mixes a member subcommand (suggest) with moderator ones (review, add, remove, post).
 * Discord sets default_member_permissions per top-level command only, so /resource stays open
 * and every moderator subcommand and button calls requireModerator.
 */
export const resource: Command = {
  data: guildCommand('resource', 'Suggest a resource; moderators review, add, remove and post them')
    .addSubcommand((s) =>
      s
        .setName('suggest')
        .setDescription('Suggest a link for the server’s resource list (a moderator reviews it)')
        .addStringOption((o) => o.setName('url').setDescription('The link (http or https)').setRequired(true).setMaxLength(MAX_URL_INPUT_LENGTH))
        .addStringOption((o) => o.setName('title').setDescription('What it is called').setRequired(true).setMaxLength(TITLE_MAX))
        .addStringOption((o) => o.setName('step').setDescription('The roadmap step it helps with').setAutocomplete(true).setMaxLength(100))
        .addStringOption(levelOption)
        .addBooleanOption(freeOption)
        .addStringOption((o) => o.setName('note').setDescription('Why it is good, who it is for').setMaxLength(NOTE_MAX)),
    )
    .addSubcommand((s) => s.setName('review').setDescription('Moderators: go through suggested resources'))
    .addSubcommand((s) =>
      s
        .setName('add')
        .setDescription('Moderators: add a resource to the server’s list')
        .addStringOption((o) => o.setName('url').setDescription('The link (http or https)').setRequired(true).setMaxLength(MAX_URL_INPUT_LENGTH))
        .addStringOption((o) => o.setName('title').setDescription('What it is called').setRequired(true).setMaxLength(TITLE_MAX))
        .addStringOption((o) => o.setName('step').setDescription('The roadmap step it helps with').setAutocomplete(true).setMaxLength(100))
        .addStringOption((o) =>
          o
            .setName('kind')
            .setDescription('What kind of resource (default: article, or video for video sites)')
            .addChoices(...RESOURCE_KINDS.map((k) => ({ name: k, value: k }))),
        )
        .addStringOption(levelOption)
        .addBooleanOption(freeOption)
        .addStringOption((o) => o.setName('note').setDescription('Why it is good, who it is for').setMaxLength(NOTE_MAX)),
    )
    .addSubcommand((s) =>
      s
        .setName('remove')
        .setDescription('Moderators: remove a resource this server added')
        .addStringOption((o) => o.setName('resource').setDescription('The resource').setRequired(true).setAutocomplete(true).setMaxLength(MAX_URL_LENGTH)),
    )
    .addSubcommand((s) =>
      s
        .setName('post')
        .setDescription('Moderators: post a resource card to a channel')
        .addStringOption((o) => o.setName('resource').setDescription('The resource').setRequired(true).setAutocomplete(true).setMaxLength(MAX_URL_LENGTH))
        .addChannelOption((o) => o.setName('channel').setDescription('Where (default: the resources channel from /setup)').addChannelTypes(...POSTABLE_CHANNEL_TYPES))
        .addStringOption((o) => o.setName('note').setDescription('A line from you about it').setMaxLength(NOTE_MAX)),
    )
    .toJSON(),

  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand();
    if (sub === 'suggest') return suggest(interaction, ctx);
    // Everything else is for moderators.
    await requireModerator(interaction, ctx);
    switch (sub) {
      case 'review': {
        const item = await pendingAt(ctx.db, interaction.guildId, 0);
        await interaction.reply({ ...reviewView(ctx.content, item), flags: MessageFlags.Ephemeral });
        return;
      }
      case 'add':
        return add(interaction, ctx);
      case 'remove':
        return remove(interaction, ctx);
      case 'post':
        return post(interaction, ctx);
      default:
        throw new UserError('Unknown /resource option.');
    }
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

  components: {
    /** resource:review:<id>, the Review button of a notice in the review channel: that suggestion's card, for this moderator only. */
    async review(interaction, ctx, [id = '']) {
      await requireModerator(interaction, ctx);
      if (!interaction.isButton()) return;
      const guildId = interaction.guildId;
      const item = await pendingItem(ctx.db, guildId, Number.parseInt(id, 10));
      const view = item ? reviewView(ctx.content, item) : reviewView(ctx.content, await pendingAt(ctx.db, guildId, 0), 'Someone already reviewed that suggestion.');
      await interaction.reply({ ...view, flags: MessageFlags.Ephemeral });
    },

    /** resource:queue:<index>, the review queue pager. */
    async queue(interaction, ctx, [index = '0']) {
      await requireModerator(interaction, ctx);
      if (!interaction.isButton()) return;
      await interaction.update(reviewView(ctx.content, await pendingAt(ctx.db, interaction.guildId, Number.parseInt(index, 10) || 0)));
    },

    /** resource:approve:<id>:<index> */
    async approve(interaction, ctx, [id = '', index = '0']) {
      await requireModerator(interaction, ctx);
      if (!interaction.isButton()) return;
      await interaction.deferUpdate();
      const row = await decideSuggestion(
        ctx.db,
        { guildId: interaction.guildId, id: Number.parseInt(id, 10), moderatorId: interaction.user.id, approve: true, reason: null },
        ctx.clock.now(),
      );
      const notice = row ? `✅ Approved **${memberText(row.title, TITLE_MAX)}**. ${await tellSuggester(interaction, ctx, row)}` : 'Someone already reviewed that suggestion.';
      await interaction.editReply(reviewView(ctx.content, await pendingAt(ctx.db, interaction.guildId, Number.parseInt(index, 10) || 0), notice));
    },

    /** resource:reject:<id>:<index> opens the reason form. */
    async reject(interaction, ctx, [id = '', index = '0']) {
      await requireModerator(interaction, ctx);
      if (!interaction.isButton()) return;
      const row = await getServerResource(ctx.db, interaction.guildId, Number.parseInt(id, 10));
      if (row?.status !== 'pending') {
        const item = await pendingAt(ctx.db, interaction.guildId, Number.parseInt(index, 10) || 0);
        await interaction.update(reviewView(ctx.content, item, 'Someone already reviewed that suggestion.'));
        return;
      }
      await interaction.showModal(rejectModal(row.id, Number.parseInt(index, 10) || 0));
    },

    /** resource:rejected:<id>:<index>, the reason form sent. */
    async rejected(interaction, ctx, [id = '', index = '0']) {
      await requireModerator(interaction, ctx);
      if (!interaction.isModalSubmit()) return;
      const reason = interaction.fields.getTextInputValue('reason').trim().slice(0, REASON_MAX) || null;
      if (interaction.isFromMessage()) await interaction.deferUpdate();
      else await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      const row = await decideSuggestion(
        ctx.db,
        { guildId: interaction.guildId, id: Number.parseInt(id, 10), moderatorId: interaction.user.id, approve: false, reason },
        ctx.clock.now(),
      );
      const notice = row ? `🚫 Rejected **${memberText(row.title, TITLE_MAX)}**. ${await tellSuggester(interaction, ctx, row)}` : 'Someone already reviewed that suggestion.';
      await interaction.editReply(reviewView(ctx.content, await pendingAt(ctx.db, interaction.guildId, Number.parseInt(index, 10) || 0), notice));
    },

    /** resource:repost:<staged id>, "Post again" after the this-week warning. */
    async repost(interaction, ctx, [id = '']) {
      await requireModerator(interaction, ctx);
      if (!interaction.isButton()) return;
      await interaction.deferUpdate();
      const guildId = interaction.guildId;
      const stagedId = Number.parseInt(id, 10);
      const staged = await claimStagedPost(ctx.db, guildId, stagedId, ctx.clock.now());
      if (!staged) {
        await interaction.editReply({ content: 'That post was already sent or cancelled.', components: [] });
        return;
      }
      try {
        const entry = findEntry(await allResources(ctx.db, ctx.content, guildId), staged.ref);
        if (!entry) throw new UserError('That resource is no longer in the list, so I did not post it.');
        const done = await sendCard(interaction, ctx, entry, staged.channelId, staged.note);
        await interaction.editReply({ content: done, components: [] });
      } catch (error) {
        await releaseStagedPost(ctx.db, guildId, stagedId);
        if (!(error instanceof UserError)) throw error;
        // Keep the buttons: once the channel is fixed, Post again works.
        await interaction.editReply({ content: `${error.message}\nNothing was posted; fix it and press **Post again**, or Cancel.` });
      }
    },

    /** resource:cancel:<staged id> */
    async cancel(interaction, ctx, [id = '']) {
      await requireModerator(interaction, ctx);
      if (!interaction.isButton()) return;
      await claimStagedPost(ctx.db, interaction.guildId, Number.parseInt(id, 10), ctx.clock.now());
      await interaction.update({ content: 'Not posted.', components: [] });
    },
  },
};

async function suggest(interaction: GuildChatInput, ctx: Context): Promise<void> {
  const input = readResource(interaction, ctx);
  const outcome = await suggestResource(ctx.db, ctx.content, input, ctx.clock.now());
  if (!outcome.ok) {
    if (outcome.why === 'duplicate') throw new UserError(duplicateMessage(ctx.content, outcome.duplicate));
    const at = Math.ceil(outcome.retryAt.getTime() / 1000);
    throw new UserError(`You have suggested ${SUGGESTIONS_PER_HOUR} links in the last hour, which is the limit. You can suggest again <t:${at}:R>.`);
  }
  ctx.logger.info({ guildId: input.guildId, userId: input.userId, resourceId: outcome.row.id }, 'resource suggested');
  // The member's reply goes first, so the notice cannot delay it; the notice goes out even if the reply failed.
  try {
    await interaction.reply({ ...suggestionReceivedView(ctx.content, outcome.row), flags: MessageFlags.Ephemeral });
  } finally {
    await tellReviewers(interaction, ctx, outcome.row);
  }
}

/**
 * Posts the suggestion notice in the review channel, if one is set. Never throws: the suggestion
 * is saved either way. Why a notice failed is kept for /setup show until one gets through.
 */
async function tellReviewers(interaction: GuildChatInput, ctx: Context, row: GuildResource): Promise<void> {
  const guildId = row.guildId;
  let channelId: string | null = null;
  try {
    const settings = await getGuildSettings(ctx.db, guildId);
    channelId = settings.reviewChannelId;
    if (!channelId) return;
    const problem = await postNotice(interaction, ctx, row, channelId);
    if (problem) ctx.logger.warn({ guildId, channelId, resourceId: row.id, problem }, 'could not post a suggestion notice in the review channel');
    if (problem !== settings.reviewChannelError) await setReviewChannelError(ctx.db, guildId, channelId, problem, ctx.clock.now());
  } catch (error) {
    const code = error instanceof DiscordAPIError ? error.code : undefined;
    ctx.logger.warn({ err: error, code, guildId, channelId, resourceId: row.id }, 'could not post a suggestion notice in the review channel');
  }
}

/** Posts the notice; null when posted, else why not in words for moderators. Throws on errors that say nothing about the channel. */
async function postNotice(interaction: GuildChatInput, ctx: Context, row: GuildResource, channelId: string): Promise<string | null> {
  const where = { channelId, setupCommand: '/setup resources', resume: 'automatic' } as const;
  const found = await postableChannel(interaction.client, row.guildId, where);
  if (!found.ok) return found.problem;
  const notice = suggestionNoticeView(ctx.content, row, await pendingCount(ctx.db, row.guildId));
  try {
    await found.channel.send({ ...notice, allowedMentions: { parse: [] } });
    return null;
  } catch (error) {
    const described = describeDiscordError(error, where);
    if (!described) throw error;
    return described.sentence;
  }
}

async function add(interaction: GuildChatInput, ctx: Context): Promise<void> {
  const input = readResource(interaction, ctx);
  const outcome = await addResource(ctx.db, ctx.content, input, ctx.clock.now());
  if (!outcome.ok) {
    const dup = outcome.duplicate;
    const hint = dup.where === 'server' && dup.row.status === 'pending' ? '\nApprove it with `/resource review`.' : '';
    throw new UserError(`${duplicateMessage(ctx.content, dup)}${hint}`);
  }
  const title = memberText(outcome.row.title, TITLE_MAX);
  const facts = [outcome.row.kind, outcome.row.level, priceWord(outcome.row.free)].filter(Boolean).join(' · ');
  await interaction.reply({
    content: `✅ Added **${title}** (${facts}) to this server’s resources${outcome.revived ? ' (it had been rejected or removed before)' : ''}. Share it with \`/resource post\`.`,
    flags: MessageFlags.Ephemeral,
  });
}

async function remove(interaction: GuildChatInput, ctx: Context): Promise<void> {
  const guildId = interaction.guildId;
  const input = interaction.options.getString('resource', true);
  const entry = findEntry(await allResources(ctx.db, ctx.content, guildId), input);
  if (!entry) throw new UserError(`There is no resource “${memberText(input, 80)}” in this server’s list. Start typing and pick one.`);
  if (entry.source === 'catalogue') {
    throw new UserError(`**${entryTitle(entry)}** comes from Cohort’s catalogue (content/resources), not from this server, so it cannot be removed here.`);
  }
  const removed = await removeResource(ctx.db, { guildId, id: Number.parseInt(entry.ref.slice(2), 10), moderatorId: interaction.user.id }, ctx.clock.now());
  if (!removed) throw new UserError('That resource was already removed.');
  await interaction.reply({ content: `🗑️ Removed **${memberText(removed.title, TITLE_MAX)}** from this server’s resources.`, flags: MessageFlags.Ephemeral });
}

async function post(interaction: GuildChatInput, ctx: Context): Promise<void> {
  const guildId = interaction.guildId;
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const input = interaction.options.getString('resource', true);
  const entry = findEntry(await allResources(ctx.db, ctx.content, guildId), input);
  if (!entry) throw new UserError(`There is no resource “${memberText(input, 80)}”. Start typing and pick one from the list.`);
  const channelId = interaction.options.getChannel('channel')?.id ?? (await getGuildSettings(ctx.db, guildId)).resourcesChannelId;
  if (!channelId) throw new UserError('Where to? Pick a `channel`, or set a default one with `/setup resources`.');
  const note = cleanNote(interaction.options.getString('note'));
  await channelToPost(interaction, channelId);

  const last = await recentPost(ctx.db, guildId, entry.key, ctx.clock.now());
  if (last) {
    const stagedId = await stagePost(ctx.db, guildId, interaction.user.id, { ref: entry.ref, channelId, note }, ctx.clock.now());
    await interaction.editReply(repostConfirmView(ctx.content, entry, last, stagedId, channelId));
    return;
  }
  await interaction.editReply({ content: await sendCard(interaction, ctx, entry, channelId, note) });
}

/** Posts the card, records who posted it, and returns the line to show the moderator. */
async function sendCard(
  interaction: GuildChatInput | GuildComponent,
  ctx: Context,
  entry: ResourceEntry,
  channelId: string,
  note: string | null,
): Promise<string> {
  const channel = await channelToPost(interaction, channelId);
  let message;
  try {
    message = await channel.send({ embeds: [resourceCard(ctx.content, entry, interaction.user.id, note)], allowedMentions: { parse: [] } });
  } catch (error) {
    const described = describeDiscordError(error, { channelId, resume: 'retry' });
    if (described) throw new UserError(described.sentence);
    throw error;
  }
  await recordPost(ctx.db, { guildId: interaction.guildId, entry, channelId, messageId: message.id, postedBy: interaction.user.id, note }, ctx.clock.now());
  ctx.logger.info({ guildId: interaction.guildId, userId: interaction.user.id, ref: entry.ref, channelId }, 'resource posted');
  return `📚 Posted **${entryTitle(entry)}** in <#${channelId}>: ${message.url}`;
}

/** The channel, when the bot can post there; otherwise says plainly what is missing. */
async function channelToPost(interaction: GuildChatInput | GuildComponent, channelId: string): Promise<PostableChannel> {
  const found = await postableChannel(interaction.client, interaction.guildId, { channelId, resume: 'retry' });
  if (!found.ok) throw new UserError(found.problem);
  return found.channel;
}

/** Reads and checks url, title, step, kind, level, free and note of suggest/add. */
function readResource(interaction: GuildChatInput, ctx: Context): NewResource {
  const options = interaction.options;
  const parsed = parseResourceUrl(options.getString('url', true));
  if (!parsed.ok) throw new UserError(parsed.reason);
  const title = options.getString('title', true).replace(/\s+/g, ' ').trim().slice(0, TITLE_MAX);
  if (!title) throw new UserError('Give the resource a title.');
  const step = options.getString('step');
  const stepId = step && step.trim() ? resolveStep(ctx.content, step).step.id : null;
  return {
    guildId: interaction.guildId,
    userId: interaction.user.id,
    url: parsed.url,
    key: parsed.key,
    title,
    stepId,
    kind: options.getString('kind') ?? guessKind(parsed.url),
    level: LEVELS.find((l) => l === options.getString('level')) ?? null,
    free: options.getBoolean('free'),
    note: cleanNote(options.getString('note')),
  };
}

function cleanNote(note: string | null): string | null {
  const cleaned = (note ?? '').replace(/\n{3,}/g, '\n\n').trim().slice(0, NOTE_MAX);
  return cleaned || null;
}

/** DMs the member who suggested a resource about the decision; returns what to tell the moderator. Never throws. */
async function tellSuggester(interaction: GuildComponent, ctx: Context, row: GuildResource): Promise<string> {
  if (row.suggestedBy === interaction.user.id) return '';
  try {
    const dm = await interaction.client.users.createDM(row.suggestedBy);
    await dm.send({ ...decisionDm(interaction.guild.name, row), allowedMentions: { parse: [] } });
    return `I let <@${row.suggestedBy}> know by DM.`;
  } catch (error) {
    const code = error instanceof DiscordAPIError ? error.code : undefined;
    ctx.logger.warn({ err: error, code, guildId: row.guildId, userId: row.suggestedBy }, 'could not DM the suggester');
    if (code === RESTJSONErrorCodes.CannotSendMessagesToThisUser) {
      return `I could not DM <@${row.suggestedBy}> (they do not accept DMs from server members). The decision is saved; tell them yourself if you like.`;
    }
    return `I could not DM <@${row.suggestedBy}> (Discord error${code ? ` ${code}` : ''}). The decision is saved; tell them yourself if you like.`;
  }
}
