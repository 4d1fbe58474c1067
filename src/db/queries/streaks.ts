import { and, asc, eq, inArray, ne } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import { addDays, dayRange, localDay } from '../../domain/dates.js';
import {
  explainDays,
  foldStreak,
  viewAt,
  type CountReason,
  type DayStatus,
  type StreakRules,
  type StreakSummary,
  type StreakView,
} from '../../domain/streaks.js';
import type { Db, Tx } from '../client.js';
import { activities, auditLog, memberStreaks, streakDays } from '../schema.js';
import type { MemberKey } from './progress.js';
import { getGuildSettings, getMemberTimezone } from './settings.js';

export type { StreakSummary } from '../../domain/streaks.js';

export type { MemberKey };

export type ActivityKind = 'checkin' | 'step' | 'challenge';

export interface ActivityInput extends MemberKey {
  kind: ActivityKind;
  at: Date;
  /** What the activity was about (step id, challenge week id …). */
  ref?: string;
  note?: string;
}

export interface ActivityResult {
  /** This activity made the member's local day count for the first time. */
  counted: boolean;
  /** The member's local day the activity belongs to ('YYYY-MM-DD'). */
  day: string;
  /** The member's streak after the activity. */
  streak: StreakSummary;
  /** The activity was stored (false only for a second check-in on the same day). */
  recorded: boolean;
}

/** Runs `fn` in a transaction, or in a savepoint when `db` already is a transaction. */
function inTransaction<T>(db: Tx, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return (db as Db).transaction((tx) => fn(tx));
}

/** The member's zone (their own, else the server's) and the server's streak rules. */
export async function memberDayRules(db: Tx, member: MemberKey): Promise<{ zone: string; rolloverHour: number; rules: StreakRules }> {
  const settings = await getGuildSettings(db, member.guildId);
  const own = await getMemberTimezone(db, member.guildId, member.userId);
  return { zone: own ?? settings.timezone, rolloverHour: settings.rolloverHour, rules: { freezeCap: settings.freezeCap } };
}

/** The member's local day for an instant. */
export async function memberToday(db: Tx, member: MemberKey, at: Date): Promise<string> {
  const { zone, rolloverHour } = await memberDayRules(db, member);
  return localDay(at, zone, rolloverHour);
}

/**
 * Creates the member's streak row if needed and locks it (SELECT … FOR UPDATE) until the end of the
 * transaction, so that concurrent activities of one member run one after the other.
 */
async function lockMember(tx: Tx, member: MemberKey, at: Date): Promise<StreakSummary> {
  await tx.insert(memberStreaks).values({ ...member, updatedAt: at }).onConflictDoNothing();
  const [row] = await tx
    .select({ current: memberStreaks.current, longest: memberStreaks.longest, freezes: memberStreaks.freezes, lastDay: memberStreaks.lastDay })
    .from(memberStreaks)
    .where(and(eq(memberStreaks.guildId, member.guildId), eq(memberStreaks.userId, member.userId)))
    .for('update');
  return row!;
}

/**
 * Folds the member's ledger into the streak figures and writes them back in the same transaction:
 * freeze days in the ledger are made to match what the engine spent, and member_streaks is updated.
 * Call with the member's row locked.
 */
async function recompute(tx: Tx, member: MemberKey, rules: StreakRules, at: Date): Promise<StreakSummary> {
  const rows = await tx
    .select({ day: streakDays.day, reason: streakDays.reason })
    .from(streakDays)
    .where(and(eq(streakDays.guildId, member.guildId), eq(streakDays.userId, member.userId)));
  const counted = rows.filter((r) => r.reason !== 'freeze').map((r) => r.day);
  const state = foldStreak(counted, rules);

  const wanted = new Set(state.freezeDays);
  const existing = new Set(rows.filter((r) => r.reason === 'freeze').map((r) => r.day));
  const stale = [...existing].filter((d) => !wanted.has(d));
  const missing = [...wanted].filter((d) => !existing.has(d));
  if (stale.length > 0) {
    await tx
      .delete(streakDays)
      .where(and(eq(streakDays.guildId, member.guildId), eq(streakDays.userId, member.userId), eq(streakDays.reason, 'freeze'), inArray(streakDays.day, stale)));
  }
  if (missing.length > 0) {
    await tx
      .insert(streakDays)
      .values(missing.map((day) => ({ ...member, day, reason: 'freeze' as const, createdAt: at })))
      .onConflictDoNothing();
  }
  const summary: StreakSummary = { current: state.current, longest: state.longest, freezes: state.freezes, lastDay: state.lastDay };
  await tx
    .update(memberStreaks)
    .set({ ...summary, updatedAt: at })
    .where(and(eq(memberStreaks.guildId, member.guildId), eq(memberStreaks.userId, member.userId)));
  return summary;
}

/**
 * The one entry point for qualifying activities (check-in, roadmap step done, challenge submission).
 * Stores the activity, counts the member's local day once in the ledger, and keeps the streak figures
 * in step, all in one transaction (a savepoint when called inside the caller's transaction).
 */
export async function recordActivity(db: Db | Tx, input: ActivityInput): Promise<ActivityResult> {
  const member = { guildId: input.guildId, userId: input.userId };
  const { zone, rolloverHour, rules } = await memberDayRules(db, member);
  const day = localDay(input.at, zone, rolloverHour);
  return inTransaction(db, async (tx) => {
    const before = await lockMember(tx, member, input.at);
    const stored = await tx
      .insert(activities)
      .values({ ...member, kind: input.kind, day, at: input.at, ref: input.ref ?? null, note: input.note ?? null })
      .onConflictDoNothing()
      .returning({ id: activities.id });
    if (stored.length === 0) return { counted: false, day, streak: before, recorded: false };

    const ledger = await tx
      .insert(streakDays)
      .values({ ...member, day, reason: input.kind, note: input.ref ?? null, createdAt: input.at })
      .onConflictDoUpdate({
        target: [streakDays.guildId, streakDays.userId, streakDays.day],
        set: { reason: input.kind, actorId: null, note: input.ref ?? null, createdAt: input.at },
        // A day a freeze covered becomes a real day (possible after a time zone change); real days stay as they are.
        setWhere: eq(streakDays.reason, 'freeze'),
      })
      .returning({ day: streakDays.day });
    if (ledger.length === 0) return { counted: false, day, streak: before, recorded: true };
    return { counted: true, day, streak: await recompute(tx, member, rules, input.at), recorded: true };
  });
}

export interface CheckInResult extends ActivityResult {
  /** The member had already checked in that day. */
  already: boolean;
  /** Freezes the member had before this check-in (to say when one was earned). */
  freezesBefore: number;
}

/** /checkin and the daily prompt's Check in button: counts the member's day and returns the streak. */
export async function checkIn(ctx: { db: Db; clock: Clock }, member: MemberKey, note: string | null): Promise<CheckInResult> {
  const at = ctx.clock.now();
  const before = await getStreakSummary(ctx.db, member);
  const result = await recordActivity(ctx.db, { ...member, kind: 'checkin', at, ...(note ? { note } : {}) });
  return { ...result, already: !result.recorded, freezesBefore: before.freezes };
}

/** The stored streak figures (as of the member's last counted day). */
export async function getStreakSummary(db: Tx, member: MemberKey): Promise<StreakSummary> {
  const [row] = await db
    .select({ current: memberStreaks.current, longest: memberStreaks.longest, freezes: memberStreaks.freezes, lastDay: memberStreaks.lastDay })
    .from(memberStreaks)
    .where(and(eq(memberStreaks.guildId, member.guildId), eq(memberStreaks.userId, member.userId)));
  return row ?? { current: 0, longest: 0, freezes: 0, lastDay: null };
}

export interface LedgerDay {
  day: string;
  reason: CountReason | 'freeze';
  actorId: string | null;
  note: string | null;
}

/** The member's ledger, oldest first (optionally from a day on). */
export async function ledger(db: Tx, member: MemberKey): Promise<LedgerDay[]> {
  return db
    .select({ day: streakDays.day, reason: streakDays.reason, actorId: streakDays.actorId, note: streakDays.note })
    .from(streakDays)
    .where(and(eq(streakDays.guildId, member.guildId), eq(streakDays.userId, member.userId)))
    .orderBy(asc(streakDays.day));
}

/** Counted (non-freeze) ledger days; used by tests and the export. */
export async function countedDays(db: Tx, member: MemberKey): Promise<string[]> {
  const rows = await db
    .select({ day: streakDays.day })
    .from(streakDays)
    .where(and(eq(streakDays.guildId, member.guildId), eq(streakDays.userId, member.userId), ne(streakDays.reason, 'freeze')))
    .orderBy(asc(streakDays.day));
  return rows.map((r) => r.day);
}

export type FixOutcome = { status: 'fixed'; streak: StreakSummary } | { status: 'already'; reason: LedgerDay['reason']; streak: StreakSummary };

/**
 * A moderator counts a day for a member (e.g. the bot was down, or the member was travelling): a
 * `fix` day in the ledger, the figures recomputed, and an audit_log entry, in one transaction.
 * A day a freeze covered becomes a fix (the freeze goes back); a day that already counted is left alone.
 */
export async function fixStreakDay(
  db: Db | Tx,
  input: MemberKey & { day: string; actorId: string; reason: string; at: Date },
): Promise<FixOutcome> {
  const member = { guildId: input.guildId, userId: input.userId };
  const { rules } = await memberDayRules(db, member);
  return inTransaction(db, async (tx) => {
    const before = await lockMember(tx, member, input.at);
    const [existing] = await tx
      .select({ reason: streakDays.reason })
      .from(streakDays)
      .where(and(eq(streakDays.guildId, member.guildId), eq(streakDays.userId, member.userId), eq(streakDays.day, input.day)));
    if (existing && existing.reason !== 'freeze') return { status: 'already', reason: existing.reason, streak: before };
    await tx
      .insert(streakDays)
      .values({ ...member, day: input.day, reason: 'fix', actorId: input.actorId, note: input.reason, createdAt: input.at })
      .onConflictDoUpdate({
        target: [streakDays.guildId, streakDays.userId, streakDays.day],
        set: { reason: 'fix', actorId: input.actorId, note: input.reason, createdAt: input.at },
      });
    const streak = await recompute(tx, member, rules, input.at);
    await tx.insert(auditLog).values({
      guildId: member.guildId,
      actorId: input.actorId,
      action: 'streak.fix',
      targetUserId: member.userId,
      details: { day: input.day, reason: input.reason, before, after: streak },
      at: input.at,
    });
    return { status: 'fixed', streak };
  });
}

export interface StreakDetails {
  today: string;
  zone: string;
  view: StreakView;
  ledger: LedgerDay[];
  /** Why each day from `from` to today counted or not. */
  statuses: Map<string, DayStatus | 'today'>;
}

/** Everything /streak shows: figures as of the member's today and the explained days since `daysBack` ago. */
export async function streakDetails(db: Tx, member: MemberKey, now: Date, daysBack: number): Promise<StreakDetails> {
  const { zone, rolloverHour } = await memberDayRules(db, member);
  const today = localDay(now, zone, rolloverHour);
  const [summary, rows] = await Promise.all([getStreakSummary(db, member), ledger(db, member)]);
  const view = viewAt(summary, today);
  const statuses = explainDays(new Map(rows.map((r) => [r.day, r.reason])), view, dayRange(addDays(today, -daysBack), today), today);
  return { today, zone, view, ledger: rows, statuses };
}
