import { DiscordAPIError, MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import type { ContentContext } from '../../src/context.js';
import { pendingCount, suggestResource, SUGGESTIONS_PER_HOUR } from '../../src/db/queries/resources.js';
import { getGuildSettings, setReviewChannelError } from '../../src/db/queries/settings.js';
import type { GuildResource } from '../../src/db/schema.js';
import type { GuildChatInput } from '../../src/discord/command.js';
import { postableChannel } from '../../src/discord/channels.js';
import { describeDiscordError } from '../../src/discord/errors.js';
import { duplicateMessage, suggestionNoticeView, suggestionReceivedView } from '../../src/discord/views/resources.js';
import { nonPublicHostReason } from '../../src/domain/urls.js';
import { UserError } from '../../src/errors.js';
import { freeOption, levelOption, noteOption, readResource, stepOption, titleOption, urlOption } from './shared.js';

/** `/resource suggest url title [step] [level] [free] [note]`: for every member. */
export function suggestSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('suggest')
    .setDescription('Suggest a link for the server’s resource list (a moderator reviews it)')
    .addStringOption(urlOption)
    .addStringOption(titleOption)
    .addStringOption(stepOption)
    .addStringOption(levelOption)
    .addBooleanOption(freeOption)
    .addStringOption(noteOption);
}

export async function suggest(interaction: GuildChatInput, ctx: ContentContext): Promise<void> {
  const input = readResource(interaction, ctx);
  // Members link to public pages; a link into a private network reaches the review queue only through a moderator (/resource add).
  const notPublic = nonPublicHostReason(input.url);
  if (notPublic) throw new UserError(notPublic);
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
async function tellReviewers(interaction: GuildChatInput, ctx: ContentContext, row: GuildResource): Promise<void> {
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
async function postNotice(interaction: GuildChatInput, ctx: ContentContext, row: GuildResource, channelId: string): Promise<string | null> {
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
