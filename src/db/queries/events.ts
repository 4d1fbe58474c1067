import { and, asc, eq, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db, Tx } from '../client.js';
import { logModeratorAction, type ModeratorAction } from './moderator-log.js';
import { studyEventAttendance, studyEventRsvps, studyEvents, studySessions, type StudyEvent } from '../schema.js';

export type NewStudyEvent = typeof studyEvents.$inferInsert;
export type RsvpAnswer = 'going' | 'maybe';

/** Schedules an event, with its moderator log entry in the same transaction. */
export async function createStudyEvent(db: Db, values: NewStudyEvent): Promise<StudyEvent> {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(studyEvents).values(values).returning();
    await logModeratorAction(tx, { guildId: values.guildId, actorId: values.createdBy, action: 'event.create', details: { eventId: row!.id, title: values.title }, at: values.createdAt });
    return row!;
  });
}

/**
 * A moderator's change (an edit, a cancellation), logged in the same transaction; undefined when
 * someone else changed the event meanwhile (nothing written).
 */
export async function changeStudyEvent(
  db: Db,
  event: Pick<StudyEvent, 'id' | 'guildId' | 'updatedAt'>,
  changes: Partial<NewStudyEvent>,
  by: { actorId: string; action: ModeratorAction; details: Record<string, unknown> },
  now: Date,
): Promise<StudyEvent | undefined> {
  return db.transaction(async (tx) => {
    const row = await updateStudyEvent(tx, event, changes, now);
    if (row) await logModeratorAction(tx, { guildId: event.guildId, actorId: by.actorId, action: by.action, details: { eventId: event.id, ...by.details }, at: now });
    return row;
  });
}

export async function studyEventById(db: Tx, guildId: string, id: number): Promise<StudyEvent | undefined> {
  const [row] = await db
    .select()
    .from(studyEvents)
    .where(and(eq(studyEvents.guildId, guildId), eq(studyEvents.id, id)));
  return row;
}

/** A server's events, newest first; `live` leaves out cancelled ones. */
export async function studyEventsOf(db: Tx, guildId: string, options: { live?: boolean } = {}): Promise<StudyEvent[]> {
  const where = options.live ? and(eq(studyEvents.guildId, guildId), isNull(studyEvents.cancelledAt)) : eq(studyEvents.guildId, guildId);
  return db.select().from(studyEvents).where(where).orderBy(sql`${studyEvents.id} desc`);
}

/** Events not cancelled, of any server (the events job filters to its own servers). */
export async function liveStudyEvents(db: Tx): Promise<StudyEvent[]> {
  return db.select().from(studyEvents).where(isNull(studyEvents.cancelledAt)).orderBy(asc(studyEvents.id));
}

/** A cohort's events (its calendar feed). */
export async function cohortStudyEvents(db: Tx, cohortId: number): Promise<StudyEvent[]> {
  return db
    .select()
    .from(studyEvents)
    .where(and(eq(studyEvents.cohortId, cohortId), isNull(studyEvents.cancelledAt)))
    .orderBy(asc(studyEvents.id));
}

/**
 * Changes an event; `expect` guards against two moderators (or a moderator and the job) writing at
 * once: the change applies only if the row is still as read. Returns the new row, or undefined.
 */
export async function updateStudyEvent(db: Tx, event: Pick<StudyEvent, 'id' | 'updatedAt'>, changes: Partial<NewStudyEvent>, now: Date): Promise<StudyEvent | undefined> {
  const [row] = await db
    .update(studyEvents)
    .set({ ...changes, updatedAt: now })
    .where(and(eq(studyEvents.id, event.id), eq(studyEvents.updatedAt, event.updatedAt)))
    .returning();
  return row;
}

/** Records what the Discord side is now (no guard: the job and a command agree on what Discord holds). */
export async function setDiscordState(db: Tx, id: number, state: { discordEventId?: string | null; discordOccurrence?: number | null; discordProblem?: string | null }): Promise<void> {
  await db.update(studyEvents).set(state).where(eq(studyEvents.id, id));
}

export async function setCardMessage(db: Tx, id: number, messageId: string): Promise<void> {
  await db.update(studyEvents).set({ messageId }).where(eq(studyEvents.id, id));
}

/**
 * A press of Going or Maybe: sets that answer, or removes it when it was already the member's answer
 * (a second press toggles off). Returns the member's answer now.
 */
export async function toggleRsvp(db: Tx, key: { eventId: number; occurrence: number; userId: string }, answer: RsvpAnswer, now: Date): Promise<RsvpAnswer | null> {
  const removed = await db
    .delete(studyEventRsvps)
    .where(and(eq(studyEventRsvps.eventId, key.eventId), eq(studyEventRsvps.occurrence, key.occurrence), eq(studyEventRsvps.userId, key.userId), eq(studyEventRsvps.answer, answer)))
    .returning({ userId: studyEventRsvps.userId });
  if (removed.length > 0) return null;
  await db
    .insert(studyEventRsvps)
    .values({ ...key, answer, at: now })
    .onConflictDoUpdate({ target: [studyEventRsvps.eventId, studyEventRsvps.occurrence, studyEventRsvps.userId], set: { answer, at: now } });
  return answer;
}

export async function rsvpsOf(db: Tx, eventId: number, occurrence: number): Promise<{ userId: string; answer: RsvpAnswer }[]> {
  return db
    .select({ userId: studyEventRsvps.userId, answer: studyEventRsvps.answer })
    .from(studyEventRsvps)
    .where(and(eq(studyEventRsvps.eventId, eventId), eq(studyEventRsvps.occurrence, occurrence)))
    .orderBy(asc(studyEventRsvps.at), asc(studyEventRsvps.userId));
}

/** Events (of a server) a member answered Going or Maybe to, with the occurrence: their calendar feed. */
export async function rsvpdEvents(db: Tx, guildId: string, userId: string): Promise<{ event: StudyEvent; occurrence: number; answer: RsvpAnswer }[]> {
  return db
    .select({ event: studyEvents, occurrence: studyEventRsvps.occurrence, answer: studyEventRsvps.answer })
    .from(studyEventRsvps)
    .innerJoin(studyEvents, eq(studyEvents.id, studyEventRsvps.eventId))
    .where(and(eq(studyEvents.guildId, guildId), eq(studyEventRsvps.userId, userId), isNull(studyEvents.cancelledAt)));
}

/** Voice sessions in a channel that overlap [from, to) (an open one counts). */
export async function voiceSessionsIn(db: Tx, guildId: string, channelId: string, from: Date, to: Date) {
  return db
    .select({ userId: studySessions.userId, startedAt: studySessions.startedAt, endedAt: studySessions.endedAt })
    .from(studySessions)
    .where(
      and(
        eq(studySessions.guildId, guildId),
        eq(studySessions.channelId, channelId),
        eq(studySessions.source, 'voice'),
        lt(studySessions.startedAt, to),
        or(isNull(studySessions.endedAt), gt(studySessions.endedAt, from)),
      ),
    );
}

/** Stores an occurrence's attendance (once: a second write of the same occurrence changes nothing). */
export async function recordAttendance(db: Tx, eventId: number, occurrence: number, rows: readonly { userId: string; minutes: number }[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insert(studyEventAttendance)
    .values(rows.map((r) => ({ eventId, occurrence, userId: r.userId, minutes: r.minutes })))
    .onConflictDoNothing();
}

export async function attendanceOf(db: Tx, eventId: number, occurrences?: readonly number[]): Promise<{ occurrence: number; userId: string; minutes: number }[]> {
  const where = occurrences
    ? and(eq(studyEventAttendance.eventId, eventId), inArray(studyEventAttendance.occurrence, [...occurrences]))
    : eq(studyEventAttendance.eventId, eventId);
  if (occurrences && occurrences.length === 0) return [];
  return db
    .select({ occurrence: studyEventAttendance.occurrence, userId: studyEventAttendance.userId, minutes: studyEventAttendance.minutes })
    .from(studyEventAttendance)
    .where(where)
    .orderBy(asc(studyEventAttendance.occurrence), sql`${studyEventAttendance.minutes} desc`);
}
