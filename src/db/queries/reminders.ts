import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { NUDGE_EVERY_MS } from '../../domain/reminders.js';
import type { Db, Tx } from '../client.js';
import { guildSettings, memberNudges, memberSettings, type MemberNudge } from '../schema.js';
import { logModeratorAction } from './moderator-log.js';
import type { MemberKey } from './streaks.js';

// ---- settings (/settings reminder) -------------------------------------------------------

export interface ReminderSettings {
  enabled: boolean;
  /** HH:MM in the member's zone. */
  time: string;
  /** Discord refused the last reminder or nudge DM (50007) at this instant; none is tried until they turn it on again. */
  dmClosedAt: Date | null;
  /** When a moderator last nudged them. */
  nudgedAt: Date | null;
}

const SETTINGS_COLUMNS = {
  enabled: memberSettings.reminderEnabled,
  time: memberSettings.reminderTime,
  dmClosedAt: memberSettings.reminderDmClosedAt,
  nudgedAt: memberSettings.nudgedAt,
};

export async function getReminderSettings(db: Tx, member: MemberKey): Promise<ReminderSettings | undefined> {
  const [row] = await db
    .select(SETTINGS_COLUMNS)
    .from(memberSettings)
    .where(and(eq(memberSettings.guildId, member.guildId), eq(memberSettings.userId, member.userId)));
  return row;
}

/**
 * Turns the reminder on or off and sets its time (unchanged when not given). Turning it on clears
 * the "DMs closed" mark: the member says they opened their DMs.
 */
export async function setReminder(db: Tx, member: MemberKey, change: { enabled: boolean; time?: string }, now: Date): Promise<ReminderSettings> {
  const set = {
    reminderEnabled: change.enabled,
    ...(change.time !== undefined ? { reminderTime: change.time } : {}),
    reminderUpdatedAt: now,
    ...(change.enabled ? { reminderDmClosedAt: null, reminderDmClosedToldAt: null } : {}),
  };
  const [row] = await db
    .insert(memberSettings)
    .values({ guildId: member.guildId, userId: member.userId, updatedAt: now, ...set })
    .onConflictDoUpdate({ target: [memberSettings.guildId, memberSettings.userId], set: { ...set, updatedAt: now } })
    .returning(SETTINGS_COLUMNS);
  return row!;
}

/** Members of these servers with the reminder on and DMs not known to be closed, with the zone their days follow. */
export async function reminderMembers(db: Tx, guildIds: readonly string[]) {
  if (guildIds.length === 0) return [];
  return db
    .select({
      guildId: memberSettings.guildId,
      userId: memberSettings.userId,
      time: memberSettings.reminderTime,
      zone: sql<string>`coalesce(${memberSettings.timezone}, ${guildSettings.timezone}, 'UTC')`,
      updatedAt: sql<Date>`coalesce(${memberSettings.reminderUpdatedAt}, ${memberSettings.updatedAt})`.mapWith(memberSettings.updatedAt),
    })
    .from(memberSettings)
    .leftJoin(guildSettings, eq(guildSettings.guildId, memberSettings.guildId))
    .where(and(inArray(memberSettings.guildId, [...guildIds]), eq(memberSettings.reminderEnabled, true), isNull(memberSettings.reminderDmClosedAt)));
}

/** Discord refused a reminder or nudge DM (50007): no more tries until the member turns the reminder on again. */
export async function markReminderDmClosed(db: Tx, member: MemberKey, now: Date): Promise<void> {
  await db
    .update(memberSettings)
    .set({ reminderDmClosedAt: now, reminderDmClosedToldAt: null })
    .where(and(eq(memberSettings.guildId, member.guildId), eq(memberSettings.userId, member.userId)));
}

/** Of these members, who opted in to reminders (and whose DMs are not known to be closed), and when each was last nudged. */
export async function nudgeStates(db: Tx, guildId: string, userIds: readonly string[]): Promise<Map<string, { optedIn: boolean; nudgedAt: Date | null }>> {
  if (userIds.length === 0) return new Map();
  const rows = await db
    .select({ userId: memberSettings.userId, enabled: memberSettings.reminderEnabled, closed: memberSettings.reminderDmClosedAt, nudgedAt: memberSettings.nudgedAt })
    .from(memberSettings)
    .where(and(eq(memberSettings.guildId, guildId), inArray(memberSettings.userId, [...userIds])));
  return new Map(rows.map((r) => [r.userId, { optedIn: r.enabled && r.closed === null, nudgedAt: r.nudgedAt }]));
}

// ---- nudges ----------------------------------------------------------------------------------

/**
 * A moderator's nudge, claimed: in one transaction, the weekly gate is taken by one conditional
 * update of the member's settings (opted in, DMs not known closed, not nudged in the last 7 days:
 * of two moderators pressing at once, one matches), the nudge is recorded, and the moderator log
 * gets its entry. Returns the nudge, or undefined (nothing written) when the gate is closed; the
 * caller reads why.
 */
export async function claimNudge(db: Db, member: MemberKey, actorId: string, now: Date): Promise<{ nudge: MemberNudge; previous: Date | null } | undefined> {
  return db.transaction(async (tx) => {
    const since = new Date(now.getTime() - NUDGE_EVERY_MS);
    const previous = tx.$with('previous').as(
      tx
        .select({ nudgedAt: memberSettings.nudgedAt })
        .from(memberSettings)
        .where(and(eq(memberSettings.guildId, member.guildId), eq(memberSettings.userId, member.userId))),
    );
    // The old value comes back beside the update, to give the week back should the DM not go out.
    const [taken] = await tx
      .with(previous)
      .update(memberSettings)
      .set({ nudgedAt: now })
      .where(
        and(
          eq(memberSettings.guildId, member.guildId),
          eq(memberSettings.userId, member.userId),
          eq(memberSettings.reminderEnabled, true),
          isNull(memberSettings.reminderDmClosedAt),
          sql`(${memberSettings.nudgedAt} is null or ${memberSettings.nudgedAt} <= ${since.toISOString()}::timestamptz)`,
        ),
      )
      .returning({ previous: sql<string | null>`(select nudged_at from previous)` });
    if (!taken) return undefined;
    const [nudge] = await tx.insert(memberNudges).values({ ...member, actorId, at: now, status: 'claimed' }).returning();
    await logModeratorAction(tx, { guildId: member.guildId, actorId, action: 'member.nudge', targetUserId: member.userId, details: { nudgeId: nudge!.id }, at: now });
    return { nudge: nudge!, previous: taken.previous === null ? null : new Date(taken.previous) };
  });
}

/** The nudge's DM went out. */
export async function nudgeSent(db: Tx, id: number, messageId: string): Promise<void> {
  await db.update(memberNudges).set({ status: 'sent', messageId }).where(eq(memberNudges.id, id));
}

/**
 * The nudge's DM did not go out: recorded as failed, and the week given back (the gate returns to
 * what it was, unless another nudge took it since).
 */
export async function nudgeFailed(db: Db, nudge: MemberNudge, previous: Date | null, error: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.update(memberNudges).set({ status: 'failed', error: error.slice(0, 1000) }).where(eq(memberNudges.id, nudge.id));
    await tx
      .update(memberSettings)
      .set({ nudgedAt: previous })
      .where(and(eq(memberSettings.guildId, nudge.guildId), eq(memberSettings.userId, nudge.userId), eq(memberSettings.nudgedAt, nudge.at)));
  });
}
