import { DiscordAPIError, MessageFlags, RESTJSONErrorCodes, type SlashCommandSubcommandBuilder } from 'discord.js';
import type { ContentContext } from '../../src/context.js';
import { decideSuggestion, pendingAt, pendingItem } from '../../src/db/queries/resources.js';
import type { GuildResource } from '../../src/db/schema.js';
import type { ComponentHandler, GuildChatInput, GuildComponent } from '../../src/discord/command.js';
import { requireModerator } from '../../src/discord/permissions.js';
import { decisionDm, memberText, REASON_MAX, rejectModal, reviewView, TITLE_MAX } from '../../src/discord/views/resources.js';

/**
 * The review queue: `/resource review` and its buttons (a notice's Review, the pager, Approve,
 * Reject and its reason form). Moderators only.
 */
export function reviewSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s.setName('review').setDescription('Moderators: go through suggested resources');
}

export async function review(interaction: GuildChatInput, ctx: ContentContext): Promise<void> {
  const item = await pendingAt(ctx.db, interaction.guildId, 0);
  await interaction.reply({ ...reviewView(ctx.content, item), flags: MessageFlags.Ephemeral });
}

/** resource:review:<id>, the Review button of a notice in the review channel: that suggestion's card, for this moderator only. */
export const openSuggestion: ComponentHandler<ContentContext> = async (interaction, ctx, [id = '']) => {
  await requireModerator(interaction, ctx);
  if (!interaction.isButton()) return;
  const guildId = interaction.guildId;
  const item = await pendingItem(ctx.db, guildId, Number.parseInt(id, 10));
  const view = item ? reviewView(ctx.content, item) : reviewView(ctx.content, await pendingAt(ctx.db, guildId, 0), 'Someone already reviewed that suggestion.');
  await interaction.reply({ ...view, flags: MessageFlags.Ephemeral });
};

/** resource:queue:<index>, the review queue pager. */
export const queue: ComponentHandler<ContentContext> = async (interaction, ctx, [index = '0']) => {
  await requireModerator(interaction, ctx);
  if (!interaction.isButton()) return;
  await interaction.update(reviewView(ctx.content, await pendingAt(ctx.db, interaction.guildId, Number.parseInt(index, 10) || 0)));
};

/** resource:approve:<id>:<index> */
export const approve: ComponentHandler<ContentContext> = async (interaction, ctx, [id = '', index = '0']) => {
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
};

/**
 * resource:reject:<id>:<index> opens the reason form. A modal must be the interaction's first
 * answer and the router cannot defer one, so it opens before the suggestion is read: the form's
 * handler (rejected) checks again that the presser is a moderator and that the suggestion is still
 * pending. Only the moderator check comes first, and it reads the database only for a member
 * without the moderator permissions (the moderator role from /setup).
 */
export const reject: ComponentHandler<ContentContext> = async (interaction, ctx, [id = '', index = '0']) => {
  await requireModerator(interaction, ctx);
  if (!interaction.isButton()) return;
  await interaction.showModal(rejectModal(Number.parseInt(id, 10), Number.parseInt(index, 10) || 0));
};

/** resource:rejected:<id>:<index>, the reason form sent. */
export const rejected: ComponentHandler<ContentContext> = async (interaction, ctx, [id = '', index = '0']) => {
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
};

/** DMs the member who suggested a resource about the decision; returns what to tell the moderator. Never throws. */
async function tellSuggester(interaction: GuildComponent, ctx: ContentContext, row: GuildResource): Promise<string> {
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
