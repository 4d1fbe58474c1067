import { MessageFlags } from 'discord.js';
import { studyEventById, toggleRsvp } from '../../src/db/queries/events.js';
import type { ComponentHandler } from '../../src/discord/command.js';
import { currentCard } from '../../src/discord/event-cards.js';
import { currentOccurrence } from '../../src/domain/events.js';
import { UserError } from '../../src/errors.js';

/**
 * event:rsvp:<event id>:<occurrence>:<going|maybe>, the card's buttons: sets the answer, or takes it
 * back when pressed again, and shows the new counts on the card.
 */
export const rsvpButton: ComponentHandler = async (interaction, ctx, [id = '', occurrenceRaw = '', answerRaw = '']) => {
  const now = ctx.clock.now();
  const event = /^\d{1,15}$/.test(id) ? await studyEventById(ctx.db, interaction.guildId, Number(id)) : undefined;
  if (!event) throw new UserError('This event no longer exists. `/event list` shows the server’s events.');
  const answer = answerRaw === 'maybe' ? 'maybe' : answerRaw === 'going' ? 'going' : undefined;
  if (!answer) throw new UserError('Unknown answer.');
  if (event.cancelledAt) throw new UserError('This event was cancelled.');
  const current = currentOccurrence(event, now);
  if (!current || String(current.index) !== occurrenceRaw) {
    // A card left from a session that ended: show the current one and say so.
    if (interaction.isMessageComponent() && interaction.message.id === event.messageId) {
      await interaction.update({ ...(await currentCard(ctx.db, event, now)), allowedMentions: { parse: [] } });
      await interaction.followUp({ content: current ? 'That session has ended; the card now shows the next one. Press again to answer for it.' : 'This session has taken place.', flags: MessageFlags.Ephemeral });
      return;
    }
    throw new UserError(current ? 'That session has ended. Answer on the event’s card for the next one.' : 'This session has taken place.');
  }
  const answerNow = await toggleRsvp(ctx.db, { eventId: event.id, occurrence: current.index, userId: interaction.user.id }, answer, now);
  const told =
    answerNow === 'going'
      ? `✅ You are going. I will remind you 15 minutes before <t:${Math.floor(current.start.getTime() / 1000)}:t>.`
      : answerNow === 'maybe'
        ? '🤔 Marked as maybe (no reminder). Press **Going** to get one.'
        : 'Answer taken back.';
  if (interaction.isMessageComponent() && interaction.message.id === event.messageId) {
    await interaction.update({ ...(await currentCard(ctx.db, event, now)), allowedMentions: { parse: [] } });
    await interaction.followUp({ content: told, flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.reply({ content: told, flags: MessageFlags.Ephemeral });
};
