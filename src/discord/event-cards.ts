import { Routes, type Client } from 'discord.js';
import { cohortById } from '../db/queries/cohorts.js';
import { attendanceOf, rsvpsOf } from '../db/queries/events.js';
import type { Tx } from '../db/client.js';
import type { StudyEvent } from '../db/schema.js';
import { currentOccurrence, endedOccurrences } from '../domain/events.js';
import { eventCard, type CardState } from './views/events.js';

/** What an event's card shows at `now`: the current occurrence with its Going / Maybe counts, the last attendance. */
export async function cardState(db: Tx, event: StudyEvent, now: Date): Promise<CardState> {
  const occurrence = event.cancelledAt ? undefined : currentOccurrence(event, now);
  const answers = occurrence ? await rsvpsOf(db, event.id, occurrence.index) : [];
  const cohort = event.cohortId ? await cohortById(db, event.guildId, event.cohortId) : undefined;
  const last = endedOccurrences(event, now, 1)[0];
  const attended = last && event.voiceChannelId ? await attendanceOf(db, event.id, [last.index]) : [];
  return {
    occurrence,
    going: answers.filter((a) => a.answer === 'going').length,
    maybe: answers.filter((a) => a.answer === 'maybe').length,
    cohortName: cohort?.name,
    lastAttendance: last && attended.length > 0 ? { occurrence: last, attended: attended.length } : undefined,
  };
}

/** The card as it should be now. */
export async function currentCard(db: Tx, event: StudyEvent, now: Date) {
  return eventCard(event, await cardState(db, event, now));
}

/** Edits the posted card to show `now`'s state (no card posted: nothing to do). Throws Discord's errors. */
export async function editCard(client: Client, db: Tx, event: StudyEvent, now: Date): Promise<void> {
  if (!event.messageId) return;
  const card = await currentCard(db, event, now);
  await client.rest.patch(Routes.channelMessage(event.channelId, event.messageId), { body: { ...card, allowed_mentions: { parse: [] } } });
}
