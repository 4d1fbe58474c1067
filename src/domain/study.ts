import { addDays, localDay, weekday } from './dates.js';

/**
 * Study time, pure: which voice spots count, how sessions are capped, how time is split into the
 * member's own days, and how open sessions are reconciled with who is really in voice.
 *
 * The one rule behind all of it: time counts only while the bot knew the member was there. A
 * session is closed at the last moment the bot was sure (its heartbeat, or the last event it saw),
 * never at "now" after a gap, so a crash, a restart or a gateway outage can lose a few minutes but
 * never add any.
 */

/** A stretch of study time, as UTC milliseconds, `start` ≤ `end`. */
export interface Interval {
  start: number;
  end: number;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
/** A local day is at most 27 h long (25 h on a DST day, plus a zone change of the day boundary). */
const LONGEST_DAY_MS = 27 * HOUR_MS;

/** Where a member is in voice, as far as study time cares. */
export interface VoicePlace {
  channelId: string | null;
  /** The channel's category, if any. */
  parentId?: string | null;
  /** Deafened by the server (not self-deafened): such a member never counts. */
  serverDeaf?: boolean;
}

/** The server's study rooms: channels that count, and categories whose every channel counts. */
export interface StudyRooms {
  channelIds: ReadonlySet<string> | readonly string[];
  categoryIds: ReadonlySet<string> | readonly string[];
  /** The server's AFK channel never counts, even inside a study category. */
  afkChannelId?: string | null;
}

const has = (set: ReadonlySet<string> | readonly string[], id: string) =>
  Array.isArray(set) ? set.includes(id) : (set as ReadonlySet<string>).has(id);

/** The channel whose time counts for this member now, or null when none does. */
export function countedChannel(place: VoicePlace, rooms: StudyRooms): string | null {
  const { channelId } = place;
  if (!channelId || place.serverDeaf) return null;
  if (rooms.afkChannelId && channelId === rooms.afkChannelId) return null;
  if (has(rooms.channelIds, channelId)) return channelId;
  if (place.parentId && has(rooms.categoryIds, place.parentId)) return channelId;
  return null;
}

/**
 * What a voice event does to a member's open session: keep it, close it, and/or open one.
 * Moving from one study room to another closes the first session and opens a second.
 */
export function voiceTransition(open: { channelId: string } | null, counted: string | null): { close: boolean; open: string | null } {
  if (open && open.channelId === counted) return { close: false, open: null };
  return { close: open !== null, open: counted };
}

/** A session's counted end: at most `capMs` after its start. `cutMs` is what the cap removed. */
export function capSession(session: Interval, capMs: number): Interval & { cutMs: number } {
  const end = Math.max(session.start, Math.min(session.end, session.start + capMs));
  return { start: session.start, end, cutMs: Math.max(0, session.end - end) };
}

/** The union of intervals, sorted and non-overlapping: overlapping sessions never count twice. */
export function mergeIntervals(intervals: Iterable<Interval>): Interval[] {
  const sorted = [...intervals].filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const { start, end } of sorted) {
    const last = out.at(-1);
    if (last && start <= last.end) last.end = Math.max(last.end, end);
    else out.push({ start, end });
  }
  return out;
}

/**
 * The first instant after `t` that belongs to a later member day than `t` does: the pure rule,
 * searched with Intl over whole seconds (wall clocks and so day boundaries change on whole seconds;
 * a local day is constant within one), so every instant of a day gets the same boundary.
 */
export function nextDayBoundary(t: number, zone: string, rolloverHour = 0): number {
  const day = localDay(new Date(t), zone, rolloverHour);
  let lo = Math.floor(t / 1000) * 1000;
  let hi = lo + LONGEST_DAY_MS;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (localDay(new Date(mid), zone, rolloverHour) > day) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The member day an instant belongs to, and the first instant of the next one (`nextDayBoundary`). */
export interface DaySpan {
  day: string;
  end: number;
}

/**
 * A memo of member days, answering exactly what `localDay` and `nextDayBoundary` answer, without
 * asking Intl again for an instant inside a day it already knows (a closed session's day costs
 * some 50 Intl calls; a busy voice batch closes thousands of sessions on the same few days).
 *
 * Per zone and rollover hour it keeps the last few days seen as [from, end): `from` an instant
 * found to be in the day, `end` its boundary. Local days never go backwards, so every instant in
 * between is in that day with that boundary. Its answers never depend on what it holds: only how
 * many Intl calls they cost. Bounded: at most `zones` zone and rollover pairs of `days` days each.
 */
export class MemberDays {
  private readonly spans = new Map<string, (DaySpan & { from: number })[]>();

  constructor(
    private readonly zones = 1024,
    private readonly days = 8,
  ) {}

  at(t: number, zone: string, rolloverHour = 0): Readonly<DaySpan> {
    const key = `${zone}|${rolloverHour}`;
    let spans = this.spans.get(key);
    if (spans) for (const s of spans) if (s.from <= t && t < s.end) return s;
    const day = localDay(new Date(t), zone, rolloverHour);
    const known = spans?.find((s) => s.day === day);
    if (known) {
      known.from = Math.min(known.from, t);
      return known;
    }
    const span = { day, end: nextDayBoundary(t, zone, rolloverHour), from: t };
    if (!spans) {
      if (this.spans.size >= this.zones) this.spans.delete(this.spans.keys().next().value!);
      spans = [];
      this.spans.set(key, spans);
    }
    spans.push(span);
    if (spans.length > this.days) spans.shift();
    return span;
  }
}

/** The memo the study rules share (a pure memo: it changes how fast they answer, never what). */
export const memberDays = new MemberDays();

/**
 * Study time per member day (`YYYY-MM-DD` → ms), in the member's zone and with the streak rollover
 * hour, so that study time falls on the same days as check-ins. Overlaps count once.
 */
export function studyByDay(intervals: Iterable<Interval>, zone: string, rolloverHour = 0, days: MemberDays = memberDays): Map<string, number> {
  const out = new Map<string, number>();
  for (const { start, end } of mergeIntervals(intervals)) {
    let t = start;
    while (t < end) {
      const span = days.at(t, zone, rolloverHour);
      const boundary = Math.min(end, span.end);
      out.set(span.day, (out.get(span.day) ?? 0) + (boundary - t));
      t = boundary;
    }
  }
  return out;
}

/** Whole minutes, rounded down: a member never sees more than they studied. */
export function wholeMinutes(ms: number): number {
  return Math.floor(ms / MINUTE_MS);
}

/** "1 h 20 m", "45 m", "0 m". */
export function formatStudyTime(ms: number): string {
  const minutes = wholeMinutes(ms);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} m`;
  return m === 0 ? `${h} h` : `${h} h ${m} m`;
}

export interface OpenSession {
  id: string | number;
  userId: string;
  channelId: string;
  startedAt: number;
}

export interface PresentMember {
  userId: string;
  /** The study room they are in now (already filtered by `countedChannel`). */
  channelId: string;
}

export interface Reconciliation {
  /** Sessions to close, and when. */
  close: { id: OpenSession['id']; endedAt: number }[];
  /** Sessions to open now. */
  open: { userId: string; channelId: string; startedAt: number }[];
}

/**
 * Compares the open sessions with who is really in voice now (READY, GUILD_CREATE's voice_states,
 * after a resume or a restart). `knownUntil` is the last instant the bot was sure its view was
 * complete (its own heartbeat, or the last gateway event before a drop).
 *
 * - A session whose member is gone, or in another room, is closed at `knownUntil` (never before
 *   it began): the bot did not see them after that.
 * - A member still in the same room is kept open only if there was no gap (`knownUntil` ≥ `now`).
 *   After a gap the session is closed at `knownUntil` and a new one starts now: the minutes in
 *   between were not seen, so they do not count.
 * - A member in a room with no open session gets one starting now.
 */
export function reconcile(open: readonly OpenSession[], present: readonly PresentMember[], knownUntil: number, now: number): Reconciliation {
  const here = new Map(present.map((p) => [p.userId, p.channelId]));
  const result: Reconciliation = { close: [], open: [] };
  const stillOpen = new Set<string>();
  const noGap = knownUntil >= now;
  // Newest first, so that if a member somehow has two open sessions, the newest one is the one kept.
  for (const session of [...open].sort((a, b) => b.startedAt - a.startedAt)) {
    const channel = here.get(session.userId);
    if (noGap && channel === session.channelId && !stillOpen.has(session.userId)) {
      stillOpen.add(session.userId);
      continue;
    }
    result.close.push({ id: session.id, endedAt: Math.max(session.startedAt, Math.min(knownUntil, now)) });
  }
  for (const [userId, channelId] of here) {
    if (!stillOpen.has(userId)) result.open.push({ userId, channelId, startedAt: now });
  }
  return result;
}

export interface StudyTotals {
  today: number;
  week: number;
  month: number;
  all: number;
}

/**
 * A member's study time (ms) today, this week (Monday to Sunday), this calendar month and all
 * time, from their study per member day (studyByDay) and their today.
 */
export function studyTotals(perDay: ReadonlyMap<string, number>, today: string): StudyTotals {
  const weekStart = addDays(today, -((weekday(today) + 6) % 7));
  const month = today.slice(0, 7);
  const totals: StudyTotals = { today: 0, week: 0, month: 0, all: 0 };
  for (const [day, ms] of perDay) {
    if (day > today) continue; // cannot happen for closed sessions; an open one is cut at now
    totals.all += ms;
    if (day === today) totals.today += ms;
    if (day >= weekStart) totals.week += ms;
    if (day.slice(0, 7) === month) totals.month += ms;
  }
  return totals;
}

/** The study time (ms) of intervals within [from, to), overlaps once. */
export function studyWithin(intervals: Iterable<Interval>, from: number, to: number): number {
  let total = 0;
  for (const { start, end } of mergeIntervals(intervals)) total += Math.max(0, Math.min(end, to) - Math.max(start, from));
  return total;
}

/** One voice event of a member, as the batch planner sees it: the room that counts after it (or none) and when it came. */
export interface VoiceStep<K> {
  member: K;
  /** `countedChannel` of the member's new place. */
  counted: string | null;
  at: number;
}

/** The writes a batch of voice events makes. */
export interface VoicePlan<K, Id> {
  /** Stored open sessions to close, and when (at most one per session, the first event that closes it). */
  close: { id: Id; member: K; endedAt: number }[];
  /** New sessions, in the order they began; `endedAt` is set when a later event of the batch already closed it. */
  open: { member: K; channelId: string; startedAt: number; endedAt: number | null }[];
}

/**
 * Folds a batch of voice events over the members' open sessions, each member's events in the order
 * they came: the same `voiceTransition` one event at a time would apply, written as one set of closes
 * and one set of new rows. Events of different members never affect each other, so a batch is
 * equivalent to applying its events one by one. `key` must tell members apart (guild and user).
 */
export function planVoiceEvents<K, Id>(
  open: ReadonlyMap<string, { id: Id; channelId: string }>,
  events: readonly VoiceStep<K>[],
  key: (member: K) => string,
): VoicePlan<K, Id> {
  const plan: VoicePlan<K, Id> = { close: [], open: [] };
  /** Each member's current open session: a stored one, or the index of a new row of this batch. */
  const now = new Map<string, { stored: Id; channelId: string } | { row: number; channelId: string } | null>();
  for (const event of events) {
    const k = key(event.member);
    const stored = open.get(k);
    const current = now.has(k) ? now.get(k)! : stored ? { stored: stored.id, channelId: stored.channelId } : null;
    const step = voiceTransition(current, event.counted);
    let next = current;
    if (step.close && current) {
      if ('stored' in current) plan.close.push({ id: current.stored, member: event.member, endedAt: event.at });
      else plan.open[current.row]!.endedAt = Math.max(plan.open[current.row]!.startedAt, event.at);
      next = null;
    }
    if (step.open) {
      plan.open.push({ member: event.member, channelId: step.open, startedAt: event.at, endedAt: null });
      next = { row: plan.open.length - 1, channelId: step.open };
    }
    now.set(k, next);
  }
  return plan;
}
