import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { changeStudyEvent, setDiscordState } from '../../src/db/queries/events.js';
import { describeDiscordError } from '../../src/discord/errors.js';
import { editCard } from '../../src/discord/event-cards.js';
import { deleteDiscordEvent } from '../../src/discord/scheduled-events.js';
import { userText } from '../../src/discord/views/theme.js';
import { UserError } from '../../src/errors.js';
import { chosenEvent, EVENT_OPTION, type EventSubcommand } from './shared.js';

/** `/event cancel event` (moderators): no more sessions, reminders or attendance; the card says so and Discord's event goes. */
export function cancelSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('cancel')
    .setDescription('Moderators: cancel an event (a weekly one: every session to come)')
    .addStringOption((o) => o.setName(EVENT_OPTION).setDescription('Which event').setRequired(true).setAutocomplete(true).setMaxLength(100));
}

export const cancel: EventSubcommand = async (interaction, ctx) => {
  const now = ctx.clock.now();
  const event = await chosenEvent(interaction, ctx);
  if (event.cancelledAt) throw new UserError(`**${userText(event.title, 100)}** is already cancelled.`);
  const cancelled = await changeStudyEvent(ctx.db, event, { cancelledAt: now }, { actorId: interaction.user.id, action: 'event.cancel', details: { title: event.title } }, now);
  if (!cancelled) throw new UserError('Someone changed this event at the same time. Look at it again with `/event list` and retry.');
  const notes: string[] = [];
  try {
    await editCard(interaction.client, ctx.db, cancelled, now);
  } catch (error) {
    const described = describeDiscordError(error, { channelId: cancelled.channelId, resume: 'retry' });
    if (!described) throw error;
    notes.push(`⚠️ The card still shows it: ${described.sentence}`);
  }
  if (cancelled.discordEventId) {
    const problem = await deleteDiscordEvent(interaction.client, cancelled.guildId, cancelled.discordEventId);
    if (problem) notes.push(`⚠️ It may still be in the server’s events list: ${problem}`);
    else await setDiscordState(ctx.db, cancelled.id, { discordEventId: null });
  }
  await interaction.reply({
    content: [`❌ Cancelled **${userText(cancelled.title, 100)}**: no more reminders${cancelled.weekly ? ' or sessions' : ''}.`, ...notes].join('\n').slice(0, 2000),
    flags: MessageFlags.Ephemeral,
    allowedMentions: { parse: [] },
  });
};
