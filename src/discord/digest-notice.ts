import { MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import type { Context } from '../context.js';
import { takeDmClosedNotice } from '../db/queries/digest.js';
import { DM_CLOSED_NOTICE } from './views/digest.js';
import { REMINDER_DM_CLOSED_NOTICE } from './views/reminders.js';

/**
 * After a member's command was answered: if Discord refused their weekly digest DM or their streak
 * reminder (50007) since they were last told, say so once, privately. Never fails the command it follows.
 */
export async function tellDigestDmClosedOnce(interaction: ChatInputCommandInteraction<'cached'>, ctx: Context): Promise<void> {
  const member = { guildId: interaction.guildId, userId: interaction.user.id };
  if (!ctx.notices.has(member) || !(interaction.replied || interaction.deferred)) return;
  try {
    ctx.notices.delete(member);
    const refused = await takeDmClosedNotice(ctx.db, member, ctx.clock.now());
    if (refused.length === 0) return;
    const content = refused.map((kind) => (kind === 'digest' ? DM_CLOSED_NOTICE : REMINDER_DM_CLOSED_NOTICE)).join('\n');
    await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  } catch (error) {
    ctx.logger.warn({ err: error, guildId: interaction.guildId, userId: interaction.user.id, command: interaction.commandName }, 'could not tell the member their DM was refused');
  }
}
