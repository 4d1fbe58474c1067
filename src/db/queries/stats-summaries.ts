/**
 * /stats from summaries. A year of a big server is ~660,000 activities: counting them afresh for
 * every /stats took seconds (docs/performance.md). Instead each finished local day of a server (in
 * its zone) is summarised once into stats_days (members active, check-ins, prompt check-ins, steps,
 * study time), which members were active in which week into stats_member_weeks, and each member's
 * first active week into stats_members; /stats reads those (a row per day or member week) and counts
 * only today, the unfinished day, from the raw rows. The direct queries over the raw rows stay in
 * stats.ts as the reference: the property test holds these figures equal to them.
 *
 * Summaries are made by makeStatsSummaries, from the raw rows, idempotently (each day's row upserted,
 * each touched week's member rows deleted and inserted again, in one transaction per chunk of days,
 * under a per-server advisory lock, so concurrent makers of one server take turns and the second finds
 * nothing left to do). A day is made again until it is settled: a day after it ended, with no study
 * session open that started before its end (a session closing later, or a focus round stored when it
 * ends, can still land in a recent day). A change of the server's zone makes every day again.
 * The daily job (src/jobs/stats-summaries.ts) summarises yesterday; /stats itself first makes what is
 * missing or unsettled, so it answers correctly on a fresh upgrade or without the job.
 */
import { sql } from 'drizzle-orm';
import { addDays, localDateOf, startOfLocalDay } from '../../domain/dates.js';
import { mondayOf, RETENTION_OFFSETS, retentionKnown } from '../../domain/stats.js';
import { rowsOf, type Db, type Tx } from '../client.js';
import { activities, guildSettings, scheduledPosts, statsDays, statsMembers, statsMemberWeeks, studySessions } from '../schema.js';
import { challengeParticipation, streakDistribution, type RetentionRow, type ServerStats, type StatsScope } from './stats.js';

/** Days made per transaction: each statement stays well within the bot's statement deadline on a big server. */
export const STATS_CHUNK_DAYS = 28;

/**
 * How far back a session can reach into a day: STUDY_SESSION_CAP is at most 7 days, so a session
 * that started earlier than this ended before the day began (an hour more for clock changes).
 */
const STUDY_REACH = sql`interval '7 days 1 hour'`;

const iso = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/** The advisory lock key of a server's summaries (a constant class, the server id hashed). */
const lockKey = (guildId: string) => sql`hashtextextended(${`stats:${guildId}`}, 0)`;

export interface SummaryScope {
  guildId: string;
  zone: string;
  now: Date;
}

export interface MakeOptions {
  /** `wait` (default) queues behind another maker of the server; `try` gives up at once if one is at work (the job). */
  lock?: 'wait' | 'try';
}

export interface MakeResult {
  /** Days (re)made. */
  days: number;
  /** Whether another maker held the server (with `try`): nothing was done. */
  busy: boolean;
}

interface Need {
  firstDay: string | null;
  otherZone: boolean;
  oldestOpen: Date | null;
}

async function needOf(db: Tx, s: SummaryScope): Promise<Need> {
  const [row] = await rowsOf<{ firstAt: Date | string | null; firstSession: Date | string | null; otherZone: boolean; oldestOpen: Date | string | null }>(
    db,
    sql`select (select min(at) from ${activities} where guild_id = ${s.guildId}) as "firstAt",
      (select min(started_at) from ${studySessions} where guild_id = ${s.guildId}) as "firstSession",
      exists (select 1 from ${statsDays} where guild_id = ${s.guildId} and zone <> ${s.zone}) as "otherZone",
      (select min(started_at) from ${studySessions} where guild_id = ${s.guildId} and ended_at is null) as "oldestOpen"`,
  );
  const instants = [row!.firstAt, row!.firstSession].filter((x) => x !== null).map((x) => new Date(x));
  const first = instants.length ? new Date(Math.min(...instants.map((d) => d.getTime()))) : null;
  return { firstDay: first ? localDateOf(first, s.zone) : null, otherZone: row!.otherZone, oldestOpen: row!.oldestOpen === null ? null : new Date(row!.oldestOpen) };
}

/**
 * The finished days from `firstDay` to yesterday that have no settled summary in the server's zone
 * (a summary made at `now` or later, by a maker running at the same time, counts as made).
 */
async function daysToMake(db: Tx, s: SummaryScope, firstDay: string, lastDay: string): Promise<string[]> {
  if (firstDay > lastDay) return [];
  const rows = await rowsOf<{ day: string }>(
    db,
    sql`select to_char(d, 'YYYY-MM-DD') as day from generate_series(${firstDay}::date, ${lastDay}::date, interval '1 day') d
      where not exists (select 1 from ${statsDays} x where x.guild_id = ${s.guildId} and x.day = d::date and x.zone = ${s.zone} and (x.settled or x.made_at >= ${iso(s.now)}))
      order by d`,
  );
  return rows.map((r) => r.day);
}

/** Runs of consecutive days, each at most STATS_CHUNK_DAYS long. */
function chunksOf(days: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const day of days) {
    const last = out.at(-1);
    if (last && addDays(last[1], 1) === day && addDays(last[0], STATS_CHUNK_DAYS - 1) >= day) last[1] = day;
    else out.push([day, day]);
  }
  return out;
}

/**
 * Makes whatever summaries of the server's finished days are missing or not yet settled (all of
 * them after a change of zone), from the raw rows. Safe to run anywhere, any number of times, from
 * several processes at once.
 */
export async function makeStatsSummaries(db: Db, s: SummaryScope, options: MakeOptions = {}): Promise<MakeResult> {
  const today = localDateOf(s.now, s.zone);
  const lastDay = addDays(today, -1);
  const need = await needOf(db, s);
  if (need.otherZone) {
    const wiped = await db.transaction(async (tx) => {
      if (!(await locked(tx, s.guildId, options.lock ?? 'wait'))) return false;
      // Weeks and first weeks were of the old zone's days: all of them go, and every day is made again.
      await tx.execute(sql`delete from ${statsDays} where guild_id = ${s.guildId}`);
      await tx.execute(sql`delete from ${statsMemberWeeks} where guild_id = ${s.guildId}`);
      await tx.execute(sql`delete from ${statsMembers} where guild_id = ${s.guildId}`);
      return true;
    });
    if (!wiped) return { days: 0, busy: true };
  }
  if (need.firstDay === null) return { days: 0, busy: false };
  const days = await daysToMake(db, s, need.firstDay, lastDay);
  let made = 0;
  for (const [from, to] of chunksOf(days)) {
    const result = await db.transaction(async (tx) => {
      if (!(await locked(tx, s.guildId, options.lock ?? 'wait'))) return null;
      // Another maker may have made these days while this one waited.
      const still = await daysToMake(tx, s, from, to);
      if (still.length === 0) return 0;
      const oldestOpen = (await needOf(tx, s)).oldestOpen;
      await makeDays(tx, s, still[0]!, still.at(-1)!, today, oldestOpen);
      return daysBetweenInclusive(still[0]!, still.at(-1)!);
    });
    if (result === null) return { days: made, busy: true };
    made += result;
  }
  return { days: made, busy: false };
}

function daysBetweenInclusive(a: string, b: string): number {
  let n = 0;
  for (let d = a; d <= b; d = addDays(d, 1)) n++;
  return n;
}

async function locked(tx: Tx, guildId: string, mode: 'wait' | 'try'): Promise<boolean> {
  if (mode === 'wait') {
    await tx.execute(sql`select pg_advisory_xact_lock(${lockKey(guildId)})`);
    return true;
  }
  const [row] = await rowsOf<{ ok: boolean }>(tx, sql`select pg_try_advisory_xact_lock(${lockKey(guildId)}) as ok`);
  return row!.ok;
}

/**
 * Each member's study sessions, each counted for the time no earlier session of theirs (by start)
 * already covered, in the local day it started: summed over a member's sessions this is the time
 * they studied with overlaps once. Sessions that started in [from, to) count; earlier ones only for
 * what they covered, looked for as far back as a session can reach when `bounded` (else all).
 */
function studyContributions(s: { guildId: string; zone: string }, from: Date, to: Date, bounded: boolean) {
  return sql`select (started_at at time zone ${s.zone})::date as day,
      sum(greatest(0, extract(epoch from ended_at - greatest(started_at, reached)) * 1000))::float8 as ms
    from (
      select started_at, ended_at,
        max(ended_at) over (partition by user_id order by started_at, ended_at rows between unbounded preceding and 1 preceding) as reached
      from ${studySessions}
      where guild_id = ${s.guildId} and ended_at is not null and started_at < ${iso(to)}${bounded ? sql` and started_at >= ${iso(from)} - ${STUDY_REACH}` : sql``}
    ) x
    where started_at >= ${iso(from)}
    group by 1`;
}

/** Makes the summaries of the finished days [a, b] (a ≤ b < today) in one transaction the caller holds the server's lock in. */
async function makeDays(tx: Tx, s: SummaryScope, a: string, b: string, today: string, oldestOpen: Date | null): Promise<void> {
  const from = startOfLocalDay(a, s.zone);
  const to = startOfLocalDay(addDays(b, 1), s.zone);
  // Settled: a day after its end, and no open session that started before its end.
  let settledThrough = addDays(today, -2);
  if (oldestOpen) {
    const lastBeforeOpen = addDays(localDateOf(oldestOpen, s.zone), -1);
    if (lastBeforeOpen < settledThrough) settledThrough = lastBeforeOpen;
  }
  await tx.execute(sql`insert into ${statsDays} (guild_id, day, zone, active_members, checkins, prompt_checkins, steps, study_ms, settled, made_at)
    select ${s.guildId}, d::date, ${s.zone}, coalesce(a.active, 0), coalesce(a.checkins, 0), coalesce(a.prompt, 0), coalesce(a.steps, 0),
      coalesce(round(st.ms), 0)::bigint, d::date <= ${settledThrough}::date, ${iso(s.now)}
    from generate_series(${a}::date, ${b}::date, interval '1 day') d
      left join (
        select (at at time zone ${s.zone})::date as day, count(distinct user_id)::int as active,
          count(*) filter (where kind = 'checkin')::int as checkins,
          count(*) filter (where kind = 'checkin' and source = 'prompt')::int as prompt,
          count(*) filter (where kind = 'step')::int as steps
        from ${activities} where guild_id = ${s.guildId} and at >= ${iso(from)} and at < ${iso(to)}
        group by 1
      ) a on a.day = d::date
      left join (${studyContributions(s, from, to, true)}) st on st.day = d::date
    on conflict (guild_id, day) do update set zone = excluded.zone, active_members = excluded.active_members, checkins = excluded.checkins,
      prompt_checkins = excluded.prompt_checkins, steps = excluded.steps, study_ms = excluded.study_ms, settled = excluded.settled, made_at = excluded.made_at`);
  // The weeks these days are in, each made whole again from its finished days.
  const firstWeek = mondayOf(a);
  const lastWeek = mondayOf(b);
  const weeksFrom = startOfLocalDay(firstWeek, s.zone);
  const weeksEnd = addDays(lastWeek, 7) < today ? addDays(lastWeek, 7) : today;
  const weeksTo = startOfLocalDay(weeksEnd, s.zone);
  await tx.execute(sql`delete from ${statsMemberWeeks} where guild_id = ${s.guildId} and week between ${firstWeek}::date and ${lastWeek}::date`);
  await tx.execute(sql`insert into ${statsMemberWeeks} (guild_id, week, user_id)
    select distinct ${s.guildId}, date_trunc('week', at at time zone ${s.zone})::date, user_id
    from ${activities} where guild_id = ${s.guildId} and at >= ${iso(weeksFrom)} and at < ${iso(weeksTo)}`);
  await tx.execute(sql`insert into ${statsMembers} (guild_id, user_id, first_week)
    select guild_id, user_id, min(week) from ${statsMemberWeeks}
    where guild_id = ${s.guildId} and week between ${firstWeek}::date and ${lastWeek}::date
    group by guild_id, user_id
    on conflict (guild_id, user_id) do update set first_week = least(${statsMembers.firstWeek}, excluded.first_week)`);
}

/**
 * A member's data is erased (/privacy delete): their rows go, and the days their activities or
 * study sessions were counted in are made again (without them) when next needed. Call in the
 * erasing transaction before their activities and sessions are deleted.
 */
export async function forgetMemberStats(tx: Tx, member: { guildId: string; userId: string }): Promise<void> {
  await tx.execute(sql`delete from ${statsDays} x where x.guild_id = ${member.guildId} and (
      exists (select 1 from ${activities} a where a.guild_id = x.guild_id and a.user_id = ${member.userId}
        and a.at >= ((x.day - 1)::timestamp at time zone x.zone) and a.at < ((x.day + 2)::timestamp at time zone x.zone) and (a.at at time zone x.zone)::date = x.day)
      or exists (select 1 from ${studySessions} t where t.guild_id = x.guild_id and t.user_id = ${member.userId}
        and t.started_at >= ((x.day - 1)::timestamp at time zone x.zone) and t.started_at < ((x.day + 2)::timestamp at time zone x.zone) and (t.started_at at time zone x.zone)::date = x.day))`);
  await tx.execute(sql`delete from ${statsMemberWeeks} where guild_id = ${member.guildId} and user_id = ${member.userId}`);
  await tx.execute(sql`delete from ${statsMembers} where guild_id = ${member.guildId} and user_id = ${member.userId}`);
}

// ---- Reading: summaries for finished days, the raw rows for today ----

interface Today {
  today: string;
  monday: string;
  start: Date;
}

function todayOf(s: StatsScope): Today {
  return { today: s.today, monday: mondayOf(s.today), start: startOfLocalDay(s.today, s.zone) };
}

const weekOfDay = (day: unknown) => sql`(${day} - (extract(isodow from ${day})::int - 1))`;
const summarised = (s: StatsScope) => sql`guild_id = ${s.guildId} and zone = ${s.zone} and day >= ${s.firstDay}::date and day < ${s.today}::date`;
const todayRaw = (s: StatsScope, t: Today) => sql`guild_id = ${s.guildId} and at >= ${iso(t.start)} and at < ${iso(s.to)}`;

export async function activeMembersByDayFromSummaries(db: Tx, s: StatsScope): Promise<{ day: string; members: number }[]> {
  const t = todayOf(s);
  return rowsOf(
    db,
    sql`select to_char(day, 'YYYY-MM-DD') as day, active_members as members from ${statsDays} where ${summarised(s)} and active_members > 0
      union all
      select ${t.today}, count(distinct user_id)::int from ${activities} where ${todayRaw(s, t)} having count(*) > 0
      order by day`,
  );
}

export async function weeklyActivityFromSummaries(db: Tx, s: StatsScope): Promise<{ week: string; checkins: number; steps: number }[]> {
  const t = todayOf(s);
  return rowsOf(
    db,
    sql`select to_char(week, 'YYYY-MM-DD') as week, sum(checkins)::int as checkins, sum(steps)::int as steps from (
        select ${weekOfDay(sql`day`)} as week, checkins, steps from ${statsDays} where ${summarised(s)}
        union all
        select ${t.monday}::date, count(*) filter (where kind = 'checkin'), count(*) filter (where kind = 'step')
          from ${activities} where ${todayRaw(s, t)} and kind in ('checkin', 'step')
      ) x group by week having sum(checkins) + sum(steps) > 0 order by week`,
  );
}

export async function weeklyStudyHoursFromSummaries(db: Tx, s: StatsScope): Promise<{ week: string; hours: number }[]> {
  const t = todayOf(s);
  const rows = await rowsOf<{ week: string; ms: string | number }>(
    db,
    sql`select to_char(week, 'YYYY-MM-DD') as week, sum(ms)::float8 as ms from (
        select ${weekOfDay(sql`day`)} as week, study_ms::float8 as ms from ${statsDays} where ${summarised(s)}
        union all
        select ${t.monday}::date, ms from (${studyContributions(s, t.start, s.to, true)}) today
      ) x group by week having sum(ms) > 0 order by week`,
  );
  return rows.map((r) => ({ week: r.week, hours: Number(r.ms) / 3_600_000 }));
}

export async function promptEngagementFromSummaries(db: Tx, s: StatsScope): Promise<{ week: string; prompts: number; checkins: number }[]> {
  const t = todayOf(s);
  return rowsOf(
    db,
    sql`select to_char(week, 'YYYY-MM-DD') as week, sum(prompts)::int as prompts, sum(checkins)::int as checkins from (
        select date_trunc('week', posted_at at time zone ${s.zone})::date as week, 1 as prompts, 0 as checkins from ${scheduledPosts}
          where guild_id = ${s.guildId} and kind = 'prompt' and status = 'posted' and posted_at >= ${iso(s.from)} and posted_at < ${iso(s.to)}
        union all
        select ${weekOfDay(sql`day`)}, 0, prompt_checkins from ${statsDays} where ${summarised(s)}
        union all
        select ${t.monday}::date, 0, count(*)::int from ${activities} where ${todayRaw(s, t)} and kind = 'checkin' and source = 'prompt'
      ) x group by week having sum(prompts) + sum(checkins) > 0 order by week`,
  );
}

/**
 * Retention from the summaries: the newcomers of the period (stats_members by first week, and
 * members whose first activity is today), each looked up in stats_member_weeks by primary key for
 * W+1, W+2 and W+4. Those weeks only count once they are over (retentionKnown), so always from
 * finished days; this week's newcomers need today's raw rows.
 */
export async function retentionFromSummaries(db: Tx, s: StatsScope): Promise<RetentionRow[]> {
  const t = todayOf(s);
  const [w1, w2, w4] = RETENTION_OFFSETS;
  const later = (k: number) =>
    sql`count(*) filter (where exists (select 1 from ${statsMemberWeeks} w where w.guild_id = ${s.guildId} and w.week = n.week + ${k * 7}::int and w.user_id = n.user_id))::int`;
  const rows = await rowsOf<{ week: string; members: number; w1: number; w2: number; w4: number }>(
    db,
    sql`with newcomers as (
        select user_id, first_week as week from ${statsMembers} where guild_id = ${s.guildId} and first_week >= ${s.firstDay}::date
        union all
        select t.user_id, ${t.monday}::date from (select distinct user_id from ${activities} where ${todayRaw(s, t)}) t
          where not exists (select 1 from ${statsMembers} m where m.guild_id = ${s.guildId} and m.user_id = t.user_id)
      )
      select to_char(n.week, 'YYYY-MM-DD') as week, count(*)::int as members, ${later(w1)} as w1, ${later(w2)} as w2, ${later(w4)} as w4
      from newcomers n group by n.week order by n.week`,
  );
  return rows.map((r) => ({
    week: r.week,
    members: r.members,
    active: [r.w1, r.w2, r.w4].map((n, i) => (retentionKnown(r.week, RETENTION_OFFSETS[i]!, s.today) ? n : null)),
  }));
}

/**
 * Every statistic of /stats: first the missing or unsettled summaries are made, then each statistic
 * is one query (summaries for the finished days, raw rows for today; challenges and streaks, which
 * are small, straight from their tables), run side by side.
 */
export async function serverStats(db: Db, s: StatsScope, time?: (name: string, ms: number) => void): Promise<ServerStats> {
  const timed = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await run();
    time?.(name, performance.now() - started);
    return result;
  };
  await timed('summaries made', () => makeStatsSummaries(db, { guildId: s.guildId, zone: s.zone, now: s.to }));
  const [activeByDay, weekly, studyHours, challenges, prompts, streaks, retained] = await Promise.all([
    timed('active per day', () => activeMembersByDayFromSummaries(db, s)),
    timed('check-ins and steps', () => weeklyActivityFromSummaries(db, s)),
    timed('study hours', () => weeklyStudyHoursFromSummaries(db, s)),
    timed('challenges', () => challengeParticipation(db, s)),
    timed('prompt engagement', () => promptEngagementFromSummaries(db, s)),
    timed('streaks', () => streakDistribution(db, s)),
    timed('retention', () => retentionFromSummaries(db, s)),
  ]);
  return { activeByDay, weekly, studyHours, challenges, prompts, streaks, retention: retained };
}

/**
 * Servers whose yesterday (in their zone) has no summary yet and that have anything to summarise:
 * the daily job's work list. Servers without settings (default zone) are left to /stats itself.
 */
export async function serversToSummarise(db: Tx, now: Date, limit: number): Promise<{ guildId: string; zone: string }[]> {
  return rowsOf(
    db,
    sql`select g.guild_id as "guildId", g.timezone as zone from ${guildSettings} g
      where g.timezone in (select name from pg_timezone_names)
        and not exists (select 1 from ${statsDays} d where d.guild_id = g.guild_id and d.zone = g.timezone and d.day = (${iso(now)} at time zone g.timezone)::date - 1)
        and (exists (select 1 from ${activities} a where a.guild_id = g.guild_id) or exists (select 1 from ${studySessions} t where t.guild_id = g.guild_id))
      order by g.guild_id limit ${limit}`,
  );
}
