import { and, asc, eq, gt, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { HOUR_MS, capSession, formatStudyTime, nextDayBoundary, studyByDay, studyTotals, studyWithin, wholeMinutes, type Interval, type StudyTotals } from '../../domain/study.js';
import { localDay } from '../../domain/dates.js';
import type { Db, Tx } from '../client.js';
import { guildSettings, studyHeartbeats, studySessions, streakDays } from '../schema.js';
import type { MemberKey } from './streaks.js';
import { memberDayRules, recordActivity, type ActivityResult } from './streaks.js';

/**
 * Study time in the database: voice sessions opened and closed as members move, focus rounds
 * recorded when they finish, and the streak days study time earns.
 *
 * Every closed session is stored already capped (STUDY_SESSION_CAP); what the cap removed is kept
 * in cut_ms, logged by the caller and shown in /setup show.
 */

export type StudySource = 'voice' | 'focus';

export interface FinishedStudy extends MemberKey {
  channelId: string;
  source: StudySource;
  startedAt: Date;
  endedAt: Date;
}

export interface StudyOptions {
  /** STUDY_SESSION_CAP in ms: one session never counts more. */
  capMs: number;
}

export interface StudyDayOutcome {
  day: string;
  /** The member's study time that day, all sessions together. */
  totalMs: number;
  /** The day newly counted for the streak because of this session. */
  counted: boolean;
  activity?: ActivityResult;
}

export interface ClosedStudy {
  id: number;
  guildId: string;
  userId: string;
  channelId: string;
  startedAt: Date;
  endedAt: Date;
  /** What the cap removed (0 mostly). */
  cutMs: number;
  days: StudyDayOutcome[];
}

/** Whole days around a session that can share a member day with it (a local day is at most 27 h). */
const DAY_REACH_MS = 27 * HOUR_MS;

/**
 * Counts the member days a finished session touches for the streak: for each of them, the member's
 * study time that day (all closed sessions, voice and focus, overlaps once) is compared with the
 * server's study_minutes, and a day that reaches it is recorded as a 'study' activity through the
 * one activity path (recordActivity), at the last moment of the session within that day. A day
 * already counted for study gets its ledger note brought up to date ("studied 1 h 20 m in <#…>").
 */
export async function countStudyDays(db: Db, member: MemberKey, session: Interval & { channelId: string }): Promise<StudyDayOutcome[]> {
  if (session.end <= session.start) return [];
  const [rules, [settings], intervals] = await Promise.all([
    memberDayRules(db, member),
    db.select({ studyMinutes: guildSettings.studyMinutes }).from(guildSettings).where(eq(guildSettings.guildId, member.guildId)),
    // The closed sessions that can share a member day with this one.
    studyIntervals(db, member, new Date(session.start - DAY_REACH_MS), new Date(session.end + DAY_REACH_MS)),
  ]);
  const thresholdMs = (settings?.studyMinutes ?? 25) * 60_000;
  const { zone, rolloverHour } = rules;
  intervals.push({ start: session.start, end: session.end });
  const perDay = studyByDay(intervals, zone, rolloverHour);

  const out: StudyDayOutcome[] = [];
  // The session's own days, each with the last moment of the session inside it.
  for (let t = session.start; t < session.end; ) {
    const boundary = Math.min(session.end, nextDayBoundary(t, zone, rolloverHour));
    const day = localDay(new Date(t), zone, rolloverHour);
    const totalMs = perDay.get(day) ?? 0;
    const outcome: StudyDayOutcome = { day, totalMs, counted: false };
    if (thresholdMs > 0 ? totalMs >= thresholdMs : totalMs > 0) {
      const note = `studied ${formatStudyTime(totalMs)} in <#${session.channelId}>`;
      const activity = await recordActivity(db, { ...member, kind: 'study', at: new Date(boundary - 1), ref: session.channelId, ledgerNote: note });
      outcome.activity = activity;
      outcome.counted = activity.counted;
      if (!activity.recorded || !activity.counted) {
        // The day already had study time counted: say how much it is now.
        await db
          .update(streakDays)
          .set({ note })
          .where(and(eq(streakDays.guildId, member.guildId), eq(streakDays.userId, member.userId), eq(streakDays.day, activity.day), eq(streakDays.reason, 'study')));
      }
    }
    out.push(outcome);
    t = boundary;
  }
  return out;
}

/**
 * Stores a finished stretch of study (a focus round, or a voice session closed elsewhere), capped,
 * and counts the days it covers for the member's streak. The focus sessions call this for each
 * participant of a finished round.
 */
export async function recordFinishedStudy(db: Db, input: FinishedStudy, options: StudyOptions): Promise<ClosedStudy> {
  const capped = capSession({ start: input.startedAt.getTime(), end: Math.max(input.startedAt.getTime(), input.endedAt.getTime()) }, options.capMs);
  const [row] = await db
    .insert(studySessions)
    .values({
      guildId: input.guildId,
      userId: input.userId,
      channelId: input.channelId,
      source: input.source,
      startedAt: input.startedAt,
      endedAt: new Date(capped.end),
      cutMs: capped.cutMs,
    })
    .returning({ id: studySessions.id });
  const member = { guildId: input.guildId, userId: input.userId };
  const days = await countStudyDays(db, member, { ...capped, channelId: input.channelId });
  return { id: row!.id, ...member, channelId: input.channelId, startedAt: input.startedAt, endedAt: new Date(capped.end), cutMs: capped.cutMs, days };
}

export interface OpenStudySession {
  id: number;
  guildId: string;
  userId: string;
  channelId: string;
  startedAt: Date;
}

/** Opens a voice session; null when the member already has one open in that server (nothing changes). */
export async function openVoiceSession(db: Tx, input: MemberKey & { channelId: string; startedAt: Date }): Promise<number | null> {
  const [row] = await db
    .insert(studySessions)
    .values({ ...input, source: 'voice' })
    .onConflictDoNothing({ target: [studySessions.guildId, studySessions.userId], where: isNull(studySessions.endedAt) })
    .returning({ id: studySessions.id });
  return row?.id ?? null;
}

/** The member's open voice session in that server, if any. */
export async function openSessionOf(db: Tx, member: MemberKey): Promise<OpenStudySession | null> {
  const [row] = await db
    .select({ id: studySessions.id, guildId: studySessions.guildId, userId: studySessions.userId, channelId: studySessions.channelId, startedAt: studySessions.startedAt })
    .from(studySessions)
    .where(and(eq(studySessions.guildId, member.guildId), eq(studySessions.userId, member.userId), isNull(studySessions.endedAt)));
  return row ?? null;
}

/** Every open session in these servers (reconciliation). */
export async function openSessionsIn(db: Tx, guildIds: readonly string[]): Promise<OpenStudySession[]> {
  if (guildIds.length === 0) return [];
  return db
    .select({ id: studySessions.id, guildId: studySessions.guildId, userId: studySessions.userId, channelId: studySessions.channelId, startedAt: studySessions.startedAt })
    .from(studySessions)
    .where(and(inArray(studySessions.guildId, [...guildIds]), isNull(studySessions.endedAt)))
    .orderBy(asc(studySessions.startedAt));
}

/**
 * Closes an open session at `endedAt` (never before it began), capped, in one statement; then counts
 * its days for the streak. Null when it was already closed (by another event or process).
 */
export async function closeVoiceSession(db: Db, id: number, endedAt: Date, options: StudyOptions): Promise<ClosedStudy | null> {
  const end = sql`greatest(${studySessions.startedAt}, ${endedAt.toISOString()}::timestamptz)`;
  const capEnd = sql`(${studySessions.startedAt} + make_interval(secs => ${options.capMs / 1000}))`;
  const [row] = await db
    .update(studySessions)
    .set({
      endedAt: sql`least(${end}, ${capEnd})`,
      cutMs: sql`greatest(0, (extract(epoch from (${end} - ${capEnd})) * 1000)::bigint)`,
    })
    .where(and(eq(studySessions.id, id), isNull(studySessions.endedAt)))
    .returning({
      id: studySessions.id,
      guildId: studySessions.guildId,
      userId: studySessions.userId,
      channelId: studySessions.channelId,
      startedAt: studySessions.startedAt,
      endedAt: studySessions.endedAt,
      cutMs: studySessions.cutMs,
    });
  if (!row) return null;
  const member = { guildId: row.guildId, userId: row.userId };
  const days = await countStudyDays(db, member, { start: row.startedAt.getTime(), end: row.endedAt!.getTime(), channelId: row.channelId });
  return { ...row, endedAt: row.endedAt!, days };
}

/** Records that the bot knew who was in voice in these servers at `at` (the heartbeat). */
export async function beatStudyHeartbeat(db: Tx, guildIds: readonly string[], at: Date): Promise<void> {
  if (guildIds.length === 0) return;
  await db.execute(sql`
    insert into ${studyHeartbeats} (guild_id, at)
    select g.id, ${at.toISOString()}::timestamptz from (values ${sql.join(guildIds.map((id) => sql`(${id})`), sql`, `)}) as g(id)
    on conflict (guild_id) do update set at = greatest(${studyHeartbeats.at}, excluded.at)`);
}

/** The last heartbeat of each of these servers (absent: never beat). */
export async function lastHeartbeats(db: Tx, guildIds: readonly string[]): Promise<Map<string, Date>> {
  if (guildIds.length === 0) return new Map();
  const rows = await db.select().from(studyHeartbeats).where(inArray(studyHeartbeats.guildId, [...guildIds]));
  return new Map(rows.map((r) => [r.guildId, r.at]));
}

/** A member's closed sessions overlapping [from, to) as intervals (for /study and tests). */
export async function studyIntervals(db: Tx, member: MemberKey, from?: Date, to?: Date): Promise<Interval[]> {
  const rows = await db
    .select({ startedAt: studySessions.startedAt, endedAt: studySessions.endedAt })
    .from(studySessions)
    .where(
      and(
        eq(studySessions.guildId, member.guildId),
        eq(studySessions.userId, member.userId),
        isNotNull(studySessions.endedAt),
        ...(to ? [lt(studySessions.startedAt, to)] : []),
        ...(from ? [gt(studySessions.endedAt, from)] : []),
      ),
    );
  return rows.map((r) => ({ start: r.startedAt.getTime(), end: r.endedAt!.getTime() }));
}

export interface StudyCuts {
  sessions: number;
  cutMs: number;
  latest: Date | null;
}

/** Time cut by the cap in a server: how much and how many sessions, and the latest (for /setup show). */
export async function studyCuts(db: Tx, guildId: string): Promise<StudyCuts> {
  const [row] = await db
    .select({
      sessions: sql<number>`count(*)::int`,
      cutMs: sql<string>`coalesce(sum(${studySessions.cutMs}), 0)::bigint`,
      latest: sql<Date | null>`max(${studySessions.endedAt})`,
    })
    .from(studySessions)
    .where(and(eq(studySessions.guildId, guildId), gt(studySessions.cutMs, 0)));
  const latest = row?.latest ? new Date(row.latest) : null;
  return { sessions: row?.sessions ?? 0, cutMs: Number(row?.cutMs ?? 0), latest };
}

/** Members' sessions for the privacy export. */
export async function memberSessions(db: Tx, member: MemberKey) {
  return db
    .select()
    .from(studySessions)
    .where(and(eq(studySessions.guildId, member.guildId), eq(studySessions.userId, member.userId)))
    .orderBy(asc(studySessions.startedAt));
}

export interface StudyRoomSettings {
  channelIds: string[];
  categoryIds: string[];
  studyMinutes: number;
}

const ROOM_COLUMNS = { channelIds: guildSettings.studyChannelIds, categoryIds: guildSettings.studyCategoryIds, studyMinutes: guildSettings.studyMinutes };
const NO_ROOMS: StudyRoomSettings = { channelIds: [], categoryIds: [], studyMinutes: 25 };

/** The study rooms of these servers (servers that never ran /setup study have none). */
export async function studyRoomsOf(db: Tx, guildIds: readonly string[]): Promise<Map<string, StudyRoomSettings>> {
  if (guildIds.length === 0) return new Map();
  const rows = await db
    .select({ guildId: guildSettings.guildId, ...ROOM_COLUMNS })
    .from(guildSettings)
    .where(inArray(guildSettings.guildId, [...guildIds]));
  const out = new Map(guildIds.map((id) => [id, NO_ROOMS]));
  for (const { guildId, ...rooms } of rows) out.set(guildId, rooms);
  return out;
}

/** What a voice event of a member needs, in one query: the server's study rooms and the member's open session. */
export async function voiceSnapshot(db: Tx, member: MemberKey): Promise<{ rooms: StudyRoomSettings; open: OpenStudySession | null }> {
  const [row] = await db
    .select({
      ...ROOM_COLUMNS,
      id: studySessions.id,
      channelId: studySessions.channelId,
      startedAt: studySessions.startedAt,
    })
    .from(sql`(select 1) as "one"`)
    .leftJoin(guildSettings, eq(guildSettings.guildId, member.guildId))
    .leftJoin(studySessions, and(eq(studySessions.guildId, member.guildId), eq(studySessions.userId, member.userId), isNull(studySessions.endedAt)));
  const rooms = row?.channelIds ? { channelIds: row.channelIds, categoryIds: row.categoryIds ?? [], studyMinutes: row.studyMinutes ?? 25 } : NO_ROOMS;
  const open = row?.id != null && row.channelId != null && row.startedAt != null ? { id: row.id, ...member, channelId: row.channelId, startedAt: row.startedAt } : null;
  return { rooms, open };
}

export interface StudySummary {
  zone: string;
  today: string;
  totals: StudyTotals;
  /** The member's open voice session, counted up to now (capped) in the totals. */
  open: { channelId: string; ms: number } | null;
}

/** /study: the member's study time today, this week, this month and all time, in their own days. */
export async function studySummary(db: Tx, member: MemberKey, now: Date, capMs: number): Promise<StudySummary> {
  const [rules, intervals, open] = await Promise.all([memberDayRules(db, member), studyIntervals(db, member), openSessionOf(db, member)]);
  const live = open ? capSession({ start: open.startedAt.getTime(), end: Math.max(open.startedAt.getTime(), now.getTime()) }, capMs) : null;
  if (live) intervals.push(live);
  const today = localDay(now, rules.zone, rules.rolloverHour);
  const totals = studyTotals(studyByDay(intervals, rules.zone, rules.rolloverHour), today);
  return { zone: rules.zone, today, totals, open: open && live ? { channelId: open.channelId, ms: live.end - live.start } : null };
}

/** Study minutes per member of a server since `since` (null: all time), closed sessions plus open ones up to now, overlaps once. */
export async function studyBoard(db: Tx, guildId: string, since: Date | null, now: Date, capMs: number): Promise<{ userId: string; score: number }[]> {
  const rows = await db
    .select({ userId: studySessions.userId, startedAt: studySessions.startedAt, endedAt: studySessions.endedAt })
    .from(studySessions)
    .where(and(eq(studySessions.guildId, guildId), ...(since ? [or(isNull(studySessions.endedAt), gt(studySessions.endedAt, since))] : [])));
  const perMember = new Map<string, Interval[]>();
  for (const r of rows) {
    const start = r.startedAt.getTime();
    const interval = r.endedAt ? { start, end: r.endedAt.getTime() } : capSession({ start, end: Math.max(start, now.getTime()) }, capMs);
    const list = perMember.get(r.userId) ?? [];
    list.push(interval);
    perMember.set(r.userId, list);
  }
  const from = since?.getTime() ?? Number.NEGATIVE_INFINITY;
  return [...perMember].map(([userId, intervals]) => ({ userId, score: wholeMinutes(studyWithin(intervals, from, now.getTime())) }));
}

/** Whole study minutes per member day since `from` (open sessions up to now), for the heatmap shaded by study. */
export async function studyMinutesByDay(db: Tx, member: MemberKey, from: Date, now: Date, capMs: number): Promise<Map<string, number>> {
  const [rules, intervals, open] = await Promise.all([memberDayRules(db, member), studyIntervals(db, member, from, now), openSessionOf(db, member)]);
  if (open) intervals.push(capSession({ start: open.startedAt.getTime(), end: Math.max(open.startedAt.getTime(), now.getTime()) }, capMs));
  const clipped = intervals.map((i) => ({ start: Math.max(i.start, from.getTime()), end: Math.min(i.end, now.getTime()) }));
  return new Map([...studyByDay(clipped, rules.zone, rules.rolloverHour)].map(([day, ms]) => [day, wholeMinutes(ms)]));
}
