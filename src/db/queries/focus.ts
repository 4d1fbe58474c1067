import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db, Tx } from '../client.js';
import { focusParticipants, focusSessions, type FocusParticipant, type FocusSession } from '../schema.js';
import { FOCUS_LIMITS, MINUTE_MS, type FocusPlan, type Stint } from '../../domain/focus.js';
import { logModeratorAction } from './moderator-log.js';
import { recordFinishedStudy } from './study.js';

/**
 * Focus sessions and their participants. One active session per channel (a partial unique index
 * decides); participants join and leave as stints, so a round's credit can tell who stayed.
 */

export function planOf(session: FocusSession): FocusPlan {
  return { startedAt: session.startedAt.getTime(), focusMinutes: session.focusMinutes, breakMinutes: session.breakMinutes, rounds: session.rounds };
}

export interface NewFocusSession {
  guildId: string;
  channelId: string;
  startedBy: string;
  focusMinutes: number;
  breakMinutes: number;
  rounds: number;
  now: Date;
}

/**
 * Starts a session and makes the starter its first participant, or returns null when the channel
 * already has an active one (whoever raced, exactly one insert wins).
 */
export async function createSession(db: Db, input: NewFocusSession): Promise<FocusSession | null> {
  return db.transaction(async (tx) => {
    const [session] = await tx
      .insert(focusSessions)
      .values({
        guildId: input.guildId,
        channelId: input.channelId,
        startedBy: input.startedBy,
        focusMinutes: input.focusMinutes,
        breakMinutes: input.breakMinutes,
        rounds: input.rounds,
        startedAt: input.now,
      })
      .onConflictDoNothing()
      .returning();
    if (!session) return null;
    await tx.insert(focusParticipants).values({ sessionId: session.id, userId: input.startedBy, joinedAt: input.now });
    return session;
  });
}

/** Forgets a session whose card could not be posted (nobody saw it, nothing was counted). */
export async function deleteSession(db: Tx, id: number): Promise<void> {
  await db.delete(focusSessions).where(eq(focusSessions.id, id));
}

export async function setCardMessage(db: Tx, id: number, messageId: string): Promise<void> {
  await db.update(focusSessions).set({ messageId }).where(eq(focusSessions.id, id));
}

export async function activeSessionIn(db: Tx, channelId: string): Promise<FocusSession | undefined> {
  const [row] = await db
    .select()
    .from(focusSessions)
    .where(and(eq(focusSessions.channelId, channelId), eq(focusSessions.status, 'active')));
  return row;
}

export async function sessionById(db: Tx, guildId: string, id: number): Promise<FocusSession | undefined> {
  const [row] = await db
    .select()
    .from(focusSessions)
    .where(and(eq(focusSessions.id, id), eq(focusSessions.guildId, guildId)));
  return row;
}

/** Active sessions of these guilds (the job's work list). */
export async function activeSessions(db: Tx, guildIds?: readonly string[]): Promise<FocusSession[]> {
  if (guildIds && guildIds.length === 0) return [];
  return db
    .select()
    .from(focusSessions)
    .where(and(eq(focusSessions.status, 'active'), guildIds ? inArray(focusSessions.guildId, [...guildIds]) : undefined))
    .orderBy(asc(focusSessions.id));
}

/** Locks an active session's row for the rest of the transaction; undefined once it has ended. */
export async function lockActiveSession(tx: Tx, id: number): Promise<FocusSession | undefined> {
  const [row] = await tx
    .select()
    .from(focusSessions)
    .where(and(eq(focusSessions.id, id), eq(focusSessions.status, 'active')))
    .for('update');
  return row;
}

/** Notes that phase change `k` is claimed (inside the claim's transaction). */
export async function notePhaseClaimed(tx: Tx, id: number, k: number): Promise<void> {
  await tx
    .update(focusSessions)
    .set({ phasesClaimed: sql`greatest(${focusSessions.phasesClaimed}, ${k})` })
    .where(eq(focusSessions.id, id));
}

/** Ends an active session (finished on schedule, or stopped by someone). False if it had already ended. */
export async function endSession(db: Tx, id: number, end: { status: 'finished' | 'stopped'; at: Date; by?: string }): Promise<FocusSession | undefined> {
  const [row] = await db
    .update(focusSessions)
    .set({ status: end.status, endedAt: end.at, stoppedBy: end.by ?? null })
    .where(and(eq(focusSessions.id, id), eq(focusSessions.status, 'active')))
    .returning();
  return row;
}

/**
 * A moderator stops a focus session someone else started: stopped as by its starter, and logged in
 * the moderator log (about the starter) in the same transaction. Undefined when it had already ended.
 */
export async function stopSessionAsModerator(db: Db, id: number, input: { guildId: string; moderatorId: string; at: Date }): Promise<FocusSession | undefined> {
  return db.transaction(async (tx) => {
    const row = await endSession(tx, id, { status: 'stopped', at: input.at, by: input.moderatorId });
    if (row)
      await logModeratorAction(tx, {
        guildId: input.guildId,
        actorId: input.moderatorId,
        action: 'focus.stop',
        targetUserId: row.startedBy,
        details: { sessionId: row.id, channelId: row.channelId },
        at: input.at,
      });
    return row;
  });
}

/** Joins a member (a new stint). False when they are already in. */
export async function joinSession(db: Tx, sessionId: number, userId: string, now: Date): Promise<boolean> {
  const rows = await db.insert(focusParticipants).values({ sessionId, userId, joinedAt: now }).onConflictDoNothing().returning({ id: focusParticipants.id });
  return rows.length > 0;
}

/** Ends a member's open stint. False when they were not in. */
export async function leaveSession(db: Tx, sessionId: number, userId: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(focusParticipants)
    .set({ leftAt: now })
    .where(and(eq(focusParticipants.sessionId, sessionId), eq(focusParticipants.userId, userId), isNull(focusParticipants.leftAt)))
    .returning({ id: focusParticipants.id });
  return rows.length > 0;
}

/** Who is in the session now, in join order. */
export async function currentParticipants(db: Tx, sessionId: number): Promise<string[]> {
  const rows = await db
    .select({ userId: focusParticipants.userId })
    .from(focusParticipants)
    .where(and(eq(focusParticipants.sessionId, sessionId), isNull(focusParticipants.leftAt)))
    .orderBy(asc(focusParticipants.joinedAt), asc(focusParticipants.id));
  return rows.map((r) => r.userId);
}

/** Every stint of the session, per member. */
export async function stintsOf(db: Tx, sessionId: number): Promise<Map<string, Stint[]>> {
  const rows: FocusParticipant[] = await db.select().from(focusParticipants).where(eq(focusParticipants.sessionId, sessionId)).orderBy(asc(focusParticipants.id));
  const out = new Map<string, Stint[]>();
  for (const r of rows) {
    const list = out.get(r.userId) ?? [];
    list.push({ joinedAt: r.joinedAt.getTime(), leftAt: r.leftAt?.getTime() ?? null });
    out.set(r.userId, list);
  }
  return out;
}

export interface FocusStudy {
  guildId: string;
  userId: string;
  /** The text channel of the session. */
  channelId: string;
  startedAt: Date;
  endedAt: Date;
}

/**
 * Records a finished focus round as a participant's study time (source 'focus'), which counts for
 * their streak. The one place that hands focus time to study time: called inside the transaction
 * that claims the round's end, so each round is recorded exactly once.
 */
export async function recordFocusStudy(db: Tx, study: FocusStudy): Promise<void> {
  // recordFinishedStudy's statements (and the savepoint of its streak update) run on the caller's transaction.
  await recordFinishedStudy(db, { ...study, source: 'focus' }, { capMs: FOCUS_LIMITS.focus.max * MINUTE_MS });
}
