import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import type { ContentContext } from '../../src/context.js';
import { allResources, claimStagedPost, recentPost, recordPost, releaseStagedPost, stagePost } from '../../src/db/queries/resources.js';
import { getGuildSettings } from '../../src/db/queries/settings.js';
import { findEntry, type ResourceEntry } from '../../src/domain/catalogue.js';
import { MAX_URL_LENGTH } from '../../src/domain/urls.js';
import type { ComponentHandler, GuildChatInput, GuildComponent } from '../../src/discord/command.js';
import { POSTABLE_CHANNEL_TYPES, postableChannel, type PostableChannel } from '../../src/discord/channels.js';
import { describeDiscordError } from '../../src/discord/errors.js';
import { requireModerator } from '../../src/discord/permissions.js';
import { entryTitle, memberText, NOTE_MAX, repostConfirmView, resourceCard } from '../../src/discord/views/resources.js';
import { UserError } from '../../src/errors.js';
import { cleanNote } from './shared.js';

/** `/resource post resource [channel] [note]`: moderators; a resource posted this week asks first (Post again / Cancel). */
export function postSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('post')
    .setDescription('Moderators: post a resource card to a channel')
    .addStringOption((o) => o.setName('resource').setDescription('The resource').setRequired(true).setAutocomplete(true).setMaxLength(MAX_URL_LENGTH))
    .addChannelOption((o) => o.setName('channel').setDescription('Where (default: the resources channel from /setup)').addChannelTypes(...POSTABLE_CHANNEL_TYPES))
    .addStringOption((o) => o.setName('note').setDescription('A line from you about it').setMaxLength(NOTE_MAX));
}

export async function post(interaction: GuildChatInput, ctx: ContentContext): Promise<void> {
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

/** resource:repost:<staged id>, "Post again" after the this-week warning. */
export const repost: ComponentHandler<ContentContext> = async (interaction, ctx, [id = '']) => {
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
};

/** resource:cancel:<staged id> */
export const cancel: ComponentHandler<ContentContext> = async (interaction, ctx, [id = '']) => {
  await requireModerator(interaction, ctx);
  if (!interaction.isButton()) return;
  await claimStagedPost(ctx.db, interaction.guildId, Number.parseInt(id, 10), ctx.clock.now());
  await interaction.update({ content: 'Not posted.', components: [] });
};

/** Posts the card, records who posted it, and returns the line to show the moderator. */
async function sendCard(
  interaction: GuildChatInput | GuildComponent,
  ctx: ContentContext,
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
