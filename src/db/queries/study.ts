import { and, asc, eq, gt, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { HOUR_MS, capSession, countedChannel, planVoiceEvents, type VoicePlace, formatStudyTime, memberDays, studyByDay, studyTotals, studyWithin, wholeMinutes, type Interval, type StudyTotals } from '../../domain/study.js';
import { localDay } from '../../domain/dates.js';
import { rowsOf, type Db, type Tx } from '../client.js';
import { guildSettings, memberSettings, studyHeartbeats, studySessions, streakDays } from '../schema.js';
import type { MemberKey } from './streaks.js';
import { RULE_COLUMNS, dayRulesOf, memberDayRules, recordActivity, type ActivityResult, type MemberDayRules } from './streaks.js';

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

/** A finished session whose days are to be counted for the member's streak. */
export interface CountedSession extends MemberKey, Interval {
  channelId: string;
}

/**
 * Counts the member days finished sessions touch for the streak: for each of them, the member's
 * study time that day (all closed sessions, voice and focus, overlaps once) is compared with the
 * server's study_minutes, and a day that reaches it is recorded as a 'study' activity through the
 * one activity path (recordActivity), at the last moment of the member's sessions within that day.
 * A day already counted for study gets its ledger note brought up to date ("studied 1 h 20 m in <#…>").
 *
 * Any number of sessions of any members in two statements (the members' day rules and thresholds,
 * and their closed sessions around these), plus one activity write per member day that reaches
 * the threshold. The sessions must already be stored (closed). Outcomes come back in input order.
 */
export async function countStudyDaysOf(db: Tx, sessions: readonly CountedSession[]): Promise<StudyDayOutcome[][]> {
  const real = sessions.filter((s) => s.end > s.start);
  if (real.length === 0) return sessions.map(() => []);
  /** Each member's sessions of these, and the stretch around them whose stored sessions share their days. */
  const ofMember = new Map<string, { member: MemberKey; sessions: Interval[]; reach: Interval }>();
  for (const s of real) {
    const k = memberKey(s);
    const entry = ofMember.get(k);
    if (!entry) ofMember.set(k, { member: { guildId: s.guildId, userId: s.userId }, sessions: [s], reach: { start: s.start - DAY_REACH_MS, end: s.end + DAY_REACH_MS } });
    else {
      entry.sessions.push(s);
      entry.reach = { start: Math.min(entry.reach.start, s.start - DAY_REACH_MS), end: Math.max(entry.reach.end, s.end + DAY_REACH_MS) };
    }
  }
  const members = [...ofMember.values()].map((e) => e.member);
  const [rules, stored] = await Promise.all([
    memberDayRulesOf(db, members),
    studyIntervalsOf(
      db,
      [...ofMember.values()].map((e) => ({ ...e.member, from: e.reach.start, to: e.reach.end })),
    ),
  ]);

  // Per member: the study time of each of their days, and for each day the session (of these) that ends last in it.
  const perDay = new Map<string, Map<string, number>>();
  const latest = new Map<string, { at: number; channelId: string }>();
  const days: { day: string; boundary: number }[][] = sessions.map(() => []);
  sessions.forEach((session, index) => {
    if (session.end <= session.start) return;
    const k = memberKey(session);
    const { zone, rolloverHour } = rules.get(k)!;
    if (!perDay.has(k)) perDay.set(k, studyByDay([...(stored.get(k) ?? []), ...ofMember.get(k)!.sessions], zone, rolloverHour));
    for (let t = session.start; t < session.end; ) {
      const { day, end } = memberDays.at(t, zone, rolloverHour);
      const boundary = Math.min(session.end, end);
      days[index]!.push({ day, boundary });
      const dayKey = `${k}:${day}`;
      if ((latest.get(dayKey)?.at ?? -Infinity) < boundary) latest.set(dayKey, { at: boundary, channelId: session.channelId });
      t = boundary;
    }
  });

  // One activity per member day that reaches the threshold, at the last moment studied in it.
  const activities = new Map<string, ActivityResult | null>();
  for (const member of members) {
    const k = memberKey(member);
    const { thresholdMs } = rules.get(k)!;
    for (const [day, totalMs] of perDay.get(k) ?? []) {
      const last = latest.get(`${k}:${day}`);
      if (!last || !(thresholdMs > 0 ? totalMs >= thresholdMs : totalMs > 0)) continue;
      const note = `studied ${formatStudyTime(totalMs)} in <#${last.channelId}>`;
      const activity = await recordActivity(db, { ...member, kind: 'study', at: new Date(last.at - 1), ref: last.channelId, ledgerNote: note });
      activities.set(`${k}:${day}`, activity);
      if (!activity.recorded || !activity.counted) {
        // The day already had study time counted: say how much it is now.
        await db
          .update(streakDays)
          .set({ note })
          .where(and(eq(streakDays.guildId, member.guildId), eq(streakDays.userId, member.userId), eq(streakDays.day, activity.day), eq(streakDays.reason, 'study')));
      }
    }
  }

  // Each session's days; a day's new count goes to the session that ends last in it.
  return sessions.map((session, index) => {
    const k = memberKey(session);
    return days[index]!.map(({ day, boundary }) => {
      const outcome: StudyDayOutcome = { day, totalMs: perDay.get(k)?.get(day) ?? 0, counted: false };
      const activity = activities.get(`${k}:${day}`);
      if (activity && latest.get(`${k}:${day}`)?.at === boundary) {
        outcome.activity = activity;
        outcome.counted = activity.counted;
      }
      return outcome;
    });
  });
}

/** One session's days for the streak (countStudyDaysOf for one). */
export async function countStudyDays(db: Tx, member: MemberKey, session: Interval & { channelId: string }): Promise<StudyDayOutcome[]> {
  const [outcome] = await countStudyDaysOf(db, [{ ...member, ...session }]);
  return outcome!;
}

const memberKey = (m: MemberKey) => `${m.guildId}:${m.userId}`;

/** Rows for a `json_to_recordset`: any number of values in one parameter, the same on postgres.js and PGlite. */
const recordset = (rows: readonly object[]) => JSON.stringify(rows);

/** Each member's day rules and the server's study threshold, in one statement. */
async function memberDayRulesOf(db: Tx, members: readonly MemberKey[]): Promise<Map<string, MemberDayRules & { thresholdMs: number }>> {
  const rows = await db
    .select({ guildId: sql<string>`m.g`, userId: sql<string>`m.u`, studyMinutes: guildSettings.studyMinutes, ...RULE_COLUMNS })
    .from(sql`json_to_recordset(${recordset(members.map((m) => ({ g: m.guildId, u: m.userId })))}::json) as m(g text, u text)`)
    .leftJoin(guildSettings, eq(guildSettings.guildId, sql`m.g`))
    .leftJoin(memberSettings, and(eq(memberSettings.guildId, sql`m.g`), eq(memberSettings.userId, sql`m.u`)));
  return new Map(rows.map((r) => [memberKey(r), { ...dayRulesOf(r.guildId, r), thresholdMs: (r.studyMinutes ?? 25) * 60_000 }]));
}

/** Each member's closed sessions overlapping their [from, to), in one statement. */
async function studyIntervalsOf(db: Tx, ranges: readonly (MemberKey & { from: number; to: number })[]): Promise<Map<string, Interval[]>> {
  const rows = await db
    .select({ guildId: studySessions.guildId, userId: studySessions.userId, startedAt: studySessions.startedAt, endedAt: studySessions.endedAt })
    .from(sql`json_to_recordset(${recordset(ranges.map((r) => ({ g: r.guildId, u: r.userId, f: new Date(r.from).toISOString(), t: new Date(r.to).toISOString() })))}::json) as m(g text, u text, f timestamptz, t timestamptz)`)
    .innerJoin(
      studySessions,
      and(eq(studySessions.guildId, sql`m.g`), eq(studySessions.userId, sql`m.u`), isNotNull(studySessions.endedAt), lt(studySessions.startedAt, sql`m.t`), gt(studySessions.endedAt, sql`m.f`)),
    );
  const out = new Map<string, Interval[]>();
  for (const r of rows) {
    const k = memberKey(r);
    const list = out.get(k) ?? [];
    list.push({ start: r.startedAt.getTime(), end: r.endedAt!.getTime() });
    out.set(k, list);
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

/** A voice session to store: open (`endedAt` null), or opened and closed within one batch of events. */
export interface NewVoiceSession extends MemberKey {
  channelId: string;
  startedAt: Date;
  endedAt: Date | null;
}

/**
 * Stores new voice sessions in one statement, those closed already capped. An open one is skipped
 * when the member already has one open in that server (nothing changes): its place in the result is
 * null. Closed ones come back with their days not yet counted (countStudyDaysOf).
 */
export async function insertVoiceSessions(db: Tx, sessions: readonly NewVoiceSession[], options: StudyOptions): Promise<({ id: number; cutMs: number; endedAt: Date | null } | null)[]> {
  if (sessions.length === 0) return [];
  const rows = sessions.map((s, i) => {
    const capped = s.endedAt ? capSession({ start: s.startedAt.getTime(), end: Math.max(s.startedAt.getTime(), s.endedAt.getTime()) }, options.capMs) : null;
    return { i, g: s.guildId, u: s.userId, c: s.channelId, s: s.startedAt.toISOString(), e: capped ? new Date(capped.end).toISOString() : null, x: capped?.cutMs ?? 0 };
  });
  // Rows are inserted in input order, so a member's closed sessions are stored before the open one
  // that follows them. Stored rows are matched back to their input by what they hold.
  const stored = await rowsOf<{ id: string | number; guild_id: string; user_id: string; channel_id: string; started_at: Date | string; open: boolean; cut_ms: string | number }>(
    db,
    sql`insert into ${studySessions} (guild_id, user_id, channel_id, source, started_at, ended_at, cut_ms)
      select v.g, v.u, v.c, 'voice', v.s, v.e, v.x
      from json_to_recordset(${recordset(rows)}::json) as v(i int, g text, u text, c text, s timestamptz, e timestamptz, x bigint)
      order by v.i
      on conflict (guild_id, user_id) where ended_at is null do nothing
      returning id, guild_id, user_id, channel_id, started_at, ended_at is null as open, cut_ms`,
  );
  const match = (g: string, u: string, c: string, startedAt: number, open: boolean) => `${g}|${u}|${c}|${startedAt}|${open}`;
  const byContent = new Map<string, number[]>();
  sessions.forEach((s, i) => {
    const k = match(s.guildId, s.userId, s.channelId, s.startedAt.getTime(), s.endedAt === null);
    byContent.set(k, [...(byContent.get(k) ?? []), i]);
  });
  const out: ({ id: number; cutMs: number; endedAt: Date | null } | null)[] = sessions.map(() => null);
  for (const r of stored) {
    const i = byContent.get(match(r.guild_id, r.user_id, r.channel_id, new Date(r.started_at).getTime(), r.open))?.shift();
    if (i !== undefined) out[i] = { id: Number(r.id), cutMs: Number(r.cut_ms), endedAt: rows[i]!.e === null ? null : new Date(rows[i]!.e) };
  }
  return out;
}

/** Opens a voice session; null when the member already has one open in that server (nothing changes). */
export async function openVoiceSession(db: Tx, input: MemberKey & { channelId: string; startedAt: Date }): Promise<number | null> {
  const [row] = await insertVoiceSessions(db, [{ ...input, endedAt: null }], { capMs: Number.MAX_SAFE_INTEGER });
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

/** A session closed by closeVoiceSessions, its days not yet counted. */
export type ClosedRow = Omit<ClosedStudy, 'days'>;

/**
 * Closes open sessions, each at its `endedAt` (never before it began), capped, in one statement.
 * A session already closed (by another event or process) is left as it is and missing from the result.
 */
export async function closeVoiceSessions(db: Tx, closes: readonly { id: number; endedAt: Date }[], options: StudyOptions): Promise<ClosedRow[]> {
  if (closes.length === 0) return [];
  const end = sql`greatest(${studySessions.startedAt}, v.e)`;
  const capEnd = sql`(${studySessions.startedAt} + make_interval(secs => ${options.capMs / 1000}))`;
  const rows = await db
    .update(studySessions)
    .set({
      endedAt: sql`least(${end}, ${capEnd})`,
      cutMs: sql`greatest(0, (extract(epoch from (${end} - ${capEnd})) * 1000)::bigint)`,
    })
    .from(sql`json_to_recordset(${recordset(closes.map((c) => ({ id: c.id, e: c.endedAt.toISOString() })))}::json) as v(id bigint, e timestamptz)`)
    .where(and(eq(studySessions.id, sql`v.id`), isNull(studySessions.endedAt)))
    .returning({
      id: studySessions.id,
      guildId: studySessions.guildId,
      userId: studySessions.userId,
      channelId: studySessions.channelId,
      startedAt: studySessions.startedAt,
      endedAt: studySessions.endedAt,
      cutMs: studySessions.cutMs,
    });
  return rows.map((r) => ({ ...r, endedAt: r.endedAt! }));
}

/** Closes one open session and counts its days for the streak; null when it was already closed. */
export async function closeVoiceSession(db: Db, id: number, endedAt: Date, options: StudyOptions): Promise<ClosedStudy | null> {
  const [row] = await closeVoiceSessions(db, [{ id, endedAt }], options);
  if (!row) return null;
  const [days] = await countStudyDaysOf(db, [{ ...row, start: row.startedAt.getTime(), end: row.endedAt.getTime() }]);
  return { ...row, days: days! };
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

/** What voice events of these members need, in one statement: each server's study rooms and each member's open session. */
export async function voiceSnapshots(db: Tx, members: readonly MemberKey[]): Promise<Map<string, { rooms: StudyRoomSettings; open: OpenStudySession | null }>> {
  if (members.length === 0) return new Map();
  const rows = await db
    .select({
      guildId: sql<string>`m.g`,
      userId: sql<string>`m.u`,
      ...ROOM_COLUMNS,
      id: studySessions.id,
      channelId: studySessions.channelId,
      startedAt: studySessions.startedAt,
    })
    .from(sql`json_to_recordset(${recordset(members.map((m) => ({ g: m.guildId, u: m.userId })))}::json) as m(g text, u text)`)
    .leftJoin(guildSettings, eq(guildSettings.guildId, sql`m.g`))
    .leftJoin(studySessions, and(eq(studySessions.guildId, sql`m.g`), eq(studySessions.userId, sql`m.u`), isNull(studySessions.endedAt)));
  const out = new Map<string, { rooms: StudyRoomSettings; open: OpenStudySession | null }>();
  for (const row of rows) {
    const rooms = row.channelIds ? { channelIds: row.channelIds, categoryIds: row.categoryIds ?? [], studyMinutes: row.studyMinutes ?? 25 } : NO_ROOMS;
    const open = row.id != null && row.channelId != null && row.startedAt != null ? { id: row.id, guildId: row.guildId, userId: row.userId, channelId: row.channelId, startedAt: row.startedAt } : null;
    out.set(memberKey(row), { rooms, open });
  }
  return out;
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

/** What one batch of voice writes did. */
export interface VoiceWritesDone {
  /** Every session the batch closed (stored ones and ones it opened and closed), days counted. */
  closed: ClosedStudy[];
  /** New open sessions stored (an open one the member already had is not counted). */
  opened: number;
}

/**
 * Writes a batch of voice changes: closes stored sessions, stores new ones, and counts the days of
 * every session closed for the streak. With any session closed it is one transaction (the close and
 * its days count together or not at all); new open sessions alone are one statement.
 */
export async function writeVoiceChanges(
  db: Db,
  changes: { close: readonly { id: number; endedAt: Date }[]; insert: readonly NewVoiceSession[] },
  options: StudyOptions,
): Promise<VoiceWritesDone> {
  if (changes.close.length === 0 && changes.insert.every((s) => s.endedAt === null)) {
    const stored = await insertVoiceSessions(db, changes.insert, options);
    return { closed: [], opened: stored.filter((s) => s !== null).length };
  }
  return db.transaction(async (tx) => {
    const closedRows = await closeVoiceSessions(tx, changes.close, options);
    const stored = await insertVoiceSessions(tx, changes.insert, options);
    const closed: ClosedRow[] = [...closedRows];
    let opened = 0;
    changes.insert.forEach((s, i) => {
      const row = stored[i];
      if (!row) return;
      if (row.endedAt === null) opened++;
      else closed.push({ id: row.id, guildId: s.guildId, userId: s.userId, channelId: s.channelId, startedAt: s.startedAt, endedAt: row.endedAt, cutMs: row.cutMs });
    });
    const days = await countStudyDaysOf(
      tx,
      closed.map((c) => ({ guildId: c.guildId, userId: c.userId, channelId: c.channelId, start: c.startedAt.getTime(), end: c.endedAt.getTime() })),
    );
    return { closed: closed.map((c, i) => ({ ...c, days: days[i]! })), opened };
  });
}

/** A voice event as it arrived: the member's new place, the server's AFK channel, and when. */
export interface VoiceEvent extends MemberKey {
  place: VoicePlace;
  afkChannelId: string | null;
  at: number;
}

/**
 * Applies a batch of voice events (any members, each member's in the order they came): one read
 * of the members' open sessions and their servers' rooms, `planVoiceEvents`, then the writes.
 * A batch of one event is the single-event path; there is no other.
 */
export async function applyVoiceEvents(db: Db, events: readonly VoiceEvent[], options: StudyOptions): Promise<VoiceWritesDone> {
  if (events.length === 0) return { closed: [], opened: 0 };
  const snapshot = await voiceSnapshots(db, [...new Map(events.map((e) => [memberKey(e), e])).values()]);
  const open = new Map<string, { id: number; channelId: string }>();
  for (const [k, s] of snapshot) if (s.open) open.set(k, s.open);
  const steps = events.map((e) => {
    const rooms = snapshot.get(memberKey(e))?.rooms ?? NO_ROOMS;
    return { member: { guildId: e.guildId, userId: e.userId }, counted: countedChannel(e.place, { ...rooms, afkChannelId: e.afkChannelId }), at: e.at };
  });
  const plan = planVoiceEvents(open, steps, memberKey);
  return writeVoiceChanges(
    db,
    {
      close: plan.close.map((c) => ({ id: c.id, endedAt: new Date(c.endedAt) })),
      insert: plan.open.map((o) => ({ ...o.member, channelId: o.channelId, startedAt: new Date(o.startedAt), endedAt: o.endedAt === null ? null : new Date(o.endedAt) })),
    },
    options,
  );
}
