import { and, eq, gte, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { mergeIntervals, wholeMinutes } from '../../domain/study.js';
import { studyIntervals } from './study.js';
import type { Content } from '../../content/loader.js';
import type { Resource } from '../../content/schema.js';
import { digestWeek } from '../../domain/digest.js';
import type { StepState, TrackProgress } from '../../domain/progress.js';
import { viewAt, type StreakView } from '../../domain/streaks.js';
import type { Tx } from '../client.js';
import { digestSends, guildSettings, memberSettings, stepProgress, type DigestSend } from '../schema.js';
import { openRun, participantsOf, type Run } from './challenges.js';
import { memberProgressAll } from './progress.js';
import { getStreakSummary, memberToday, type MemberKey } from './streaks.js';

// ---- settings ------------------------------------------------------------------

export interface DigestSettings {
  enabled: boolean;
  /** 0 = Sunday … 6 = Saturday */
  day: number;
  /** HH:MM */
  time: string;
  /** Discord refused the last digest DM (50007) at this instant; none is tried until they turn it on again. */
  dmClosedAt: Date | null;
}

const DEFAULTS: DigestSettings = { enabled: false, day: 1, time: '09:00', dmClosedAt: null };

export async function getDigestSettings(db: Tx, member: MemberKey): Promise<DigestSettings> {
  const [row] = await db
    .select({ enabled: memberSettings.digestEnabled, day: memberSettings.digestDay, time: memberSettings.digestTime, dmClosedAt: memberSettings.digestDmClosedAt })
    .from(memberSettings)
    .where(and(eq(memberSettings.guildId, member.guildId), eq(memberSettings.userId, member.userId)));
  return row ?? DEFAULTS;
}

/**
 * Turns the digest on or off and sets its day and time (unchanged when not given). Turning it on
 * clears the "DMs closed" mark: the member says they opened their DMs, the next week is tried.
 */
export async function setDigest(db: Tx, member: MemberKey, change: { enabled: boolean; day?: number; time?: string }, now: Date): Promise<DigestSettings> {
  const set = {
    digestEnabled: change.enabled,
    ...(change.day !== undefined ? { digestDay: change.day } : {}),
    ...(change.time !== undefined ? { digestTime: change.time } : {}),
    digestUpdatedAt: now,
    ...(change.enabled ? { digestDmClosedAt: null, digestDmClosedToldAt: null } : {}),
  };
  const [row] = await db
    .insert(memberSettings)
    .values({ guildId: member.guildId, userId: member.userId, updatedAt: now, ...set })
    .onConflictDoUpdate({ target: [memberSettings.guildId, memberSettings.userId], set: { ...set, updatedAt: now } })
    .returning({ enabled: memberSettings.digestEnabled, day: memberSettings.digestDay, time: memberSettings.digestTime, dmClosedAt: memberSettings.digestDmClosedAt });
  return row!;
}

/** Members of these guilds with the digest on and DMs not known to be closed, with the zone their days follow. */
export async function digestMembers(db: Tx, guildIds: readonly string[]) {
  if (guildIds.length === 0) return [];
  return db
    .select({
      guildId: memberSettings.guildId,
      userId: memberSettings.userId,
      day: memberSettings.digestDay,
      time: memberSettings.digestTime,
      zone: sql<string>`coalesce(${memberSettings.timezone}, ${guildSettings.timezone}, 'UTC')`,
      updatedAt: sql<Date>`coalesce(${memberSettings.digestUpdatedAt}, ${memberSettings.updatedAt})`.mapWith(memberSettings.updatedAt),
    })
    .from(memberSettings)
    .leftJoin(guildSettings, eq(guildSettings.guildId, memberSettings.guildId))
    .where(and(inArray(memberSettings.guildId, [...guildIds]), eq(memberSettings.digestEnabled, true), isNull(memberSettings.digestDmClosedAt)));
}

// ---- DMs closed ---------------------------------------------------------------------

/** Discord refused the digest DM (50007): no more tries until the member turns the digest on again. */
export async function markDmClosed(db: Tx, member: MemberKey, now: Date): Promise<void> {
  await db
    .update(memberSettings)
    .set({ digestDmClosedAt: now, digestDmClosedToldAt: null })
    .where(and(eq(memberSettings.guildId, member.guildId), eq(memberSettings.userId, member.userId)));
}

/** A digest refusal not told yet, or a streak reminder's (reminders.ts markReminderDmClosed). */
const digestUntold = and(isNotNull(memberSettings.digestDmClosedAt), isNull(memberSettings.digestDmClosedToldAt));
const reminderUntold = and(isNotNull(memberSettings.reminderDmClosedAt), isNull(memberSettings.reminderDmClosedToldAt));

/** The members of these servers whose digest or reminder DM was refused and who have not been told yet. */
export async function pendingDmClosedNotices(db: Tx, guildIds: readonly string[]): Promise<MemberKey[]> {
  return db
    .select({ guildId: memberSettings.guildId, userId: memberSettings.userId })
    .from(memberSettings)
    .where(and(inArray(memberSettings.guildId, [...guildIds]), or(digestUntold, reminderUntold)));
}

export type RefusedDm = 'digest' | 'reminder';

/** What was refused and not told yet, exactly once after a DM was refused (empty otherwise): the caller tells the member then. */
export async function takeDmClosedNotice(db: Tx, member: MemberKey, now: Date): Promise<RefusedDm[]> {
  const rows = await db
    .update(memberSettings)
    .set({
      digestDmClosedToldAt: sql`case when ${digestUntold} then ${now.toISOString()}::timestamptz else ${memberSettings.digestDmClosedToldAt} end`,
      reminderDmClosedToldAt: sql`case when ${reminderUntold} then ${now.toISOString()}::timestamptz else ${memberSettings.reminderDmClosedToldAt} end`,
    })
    .where(and(eq(memberSettings.guildId, member.guildId), eq(memberSettings.userId, member.userId), or(digestUntold, reminderUntold)))
    // RETURNING gives the new values: a told-at equal to `now` is one this statement set.
    .returning({ digest: memberSettings.digestDmClosedToldAt, reminder: memberSettings.reminderDmClosedToldAt });
  const row = rows[0];
  if (!row) return [];
  const told: RefusedDm[] = [];
  if (row.digest?.getTime() === now.getTime()) told.push('digest');
  if (row.reminder?.getTime() === now.getTime()) told.push('reminder');
  return told;
}

// ---- exactly-once sends (the same states as scheduled_posts, db/queries/claims.ts) ------------

export interface DigestKey extends MemberKey {
  week: string;
}

/** Takes the claim for (guild, user, week); null when another process holds a live claim or the week is settled. */
export async function claimDigest(db: Tx, key: DigestKey, owner: string, now: Date, staleAfterMs: number): Promise<DigestSend | null> {
  const [inserted] = await db
    .insert(digestSends)
    .values({ ...key, status: 'claimed', claimedBy: owner, claimedAt: now, attempts: 1 })
    .onConflictDoNothing()
    .returning();
  if (inserted) return inserted;
  const staleBefore = new Date(now.getTime() - staleAfterMs);
  const [taken] = await db
    .update(digestSends)
    .set({ claimedBy: owner, claimedAt: now, attempts: sql`${digestSends.attempts} + 1` })
    .where(
      and(
        eq(digestSends.guildId, key.guildId),
        eq(digestSends.userId, key.userId),
        eq(digestSends.week, key.week),
        eq(digestSends.status, 'claimed'),
        or(isNull(digestSends.claimedBy), lt(digestSends.claimedAt, staleBefore)),
      ),
    )
    .returning();
  return taken ?? null;
}

/** Settles a claim: sent (with the DM's id), or failed (not retried). */
export async function settleDigest(db: Tx, id: number, outcome: { status: 'sent'; messageId: string; at: Date } | { status: 'failed'; error: string }): Promise<void> {
  const set = outcome.status === 'sent' ? { status: 'sent' as const, messageId: outcome.messageId, sentAt: outcome.at, error: null } : { status: 'failed' as const, error: outcome.error.slice(0, 1000) };
  await db
    .update(digestSends)
    .set(set)
    .where(and(eq(digestSends.id, id), eq(digestSends.status, 'claimed')));
}

/** Gives a claim back after a transient failure: the next run retries it. */
export async function releaseDigest(db: Tx, id: number, error: string): Promise<void> {
  await db
    .update(digestSends)
    .set({ claimedBy: null, error: error.slice(0, 1000) })
    .where(and(eq(digestSends.id, id), eq(digestSends.status, 'claimed')));
}

/** The rows of these weeks for these guilds (a tick checks what is already settled, in one query). */
export async function digestRows(db: Tx, guildIds: readonly string[], weeks: readonly string[]): Promise<DigestSend[]> {
  if (guildIds.length === 0 || weeks.length === 0) return [];
  return db
    .select()
    .from(digestSends)
    .where(and(inArray(digestSends.guildId, [...new Set(guildIds)]), inArray(digestSends.week, [...new Set(weeks)])));
}

// ---- what the DM shows -------------------------------------------------------------------

export interface DigestData {
  /** The member-local week (its Monday) the digest covers. */
  week: string;
  /** Roadmap steps finished in the 7 days before the digest (the week it looks back on). */
  stepsThisWeek: number;
  tracks: TrackProgress[];
  /** Study time this week in minutes, once voice study time exists (undefined until then). */
  studyMinutes: number | undefined;
  streak: StreakView;
  /** The next step on the first track that has one, and one of its resources. */
  next: { track: TrackProgress; state: StepState; resource: Resource | undefined } | undefined;
  challenge: { run: Run; joined: boolean } | undefined;
}

/** Whole minutes of study time (voice and focus, overlaps once) between `since` and `now`. */
export async function studyMinutesThisWeek(db: Tx, member: MemberKey, since: Date, now: Date): Promise<number> {
  const clipped = (await studyIntervals(db, member, since, now)).map((i) => ({ start: Math.max(i.start, since.getTime()), end: Math.min(i.end, now.getTime()) }));
  return wholeMinutes(mergeIntervals(clipped).reduce((sum, i) => sum + i.end - i.start, 0));
}

/** Everything the digest DM shows, as of `now`. */
export async function digestData(db: Tx, content: Content, member: MemberKey, now: Date): Promise<DigestData> {
  const [today, summary, tracks, run] = await Promise.all([
    memberToday(db, member, now),
    getStreakSummary(db, member),
    memberProgressAll(db, content, member),
    openRun(db, member.guildId, now),
  ]);
  const week = digestWeek(today);
  const weekAgo = new Date(now.getTime() - 7 * 86_400_000);
  const [[steps], studyMinutes, participants] = await Promise.all([
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(stepProgress)
      .where(and(eq(stepProgress.guildId, member.guildId), eq(stepProgress.userId, member.userId), gte(stepProgress.completedAt, weekAgo))),
    studyMinutesThisWeek(db, member, weekAgo, now),
    run ? participantsOf(db, run.id) : Promise.resolve([]),
  ]);
  const withNext = tracks.find((t) => t.current);
  const next = withNext?.current
    ? { track: withNext, state: withNext.current, resource: withNext.current.step.resources.map((id) => content.resources.get(id)).find((r) => r !== undefined) }
    : undefined;
  return {
    week,
    stepsThisWeek: steps?.n ?? 0,
    tracks,
    studyMinutes,
    streak: viewAt(summary, today),
    next,
    challenge: run ? { run, joined: participants.includes(member.userId) } : undefined,
  };
}
