/**
 * The figures of /stats counted straight from the raw rows (the reference; /stats itself reads the
 * summaries of stats-summaries.ts, which are held equal to these): each statistic is one query over
 * indexed tables, bounded by the period.
 * Weeks and days are the server's (guild_settings.timezone), weeks start on Monday; an activity,
 * session, prompt or challenge belongs to the day or week its instant falls in there.
 *
 * Indexes: activities_guild_at (guild_id, at, user_id) for who was active when, read from the
 * index alone; activities_guild_kind_at for counts of one kind; activities_member (guild_id,
 * user_id, day) for "active before the period"; study_sessions_guild_started; challenge_weeks_once;
 * scheduled_posts_guild_kind; member_streaks' primary key. `npm run bench stats` times each query
 * on 10,000 members and a year of activity (docs/performance.md).
 */
import { sql } from 'drizzle-orm';
import { addDays, localDay } from '../../domain/dates.js';
import { RETENTION_OFFSETS, STREAK_BUCKETS, retentionKnown } from '../../domain/stats.js';
import { viewAt } from '../../domain/streaks.js';
import { rowsOf, type Tx } from '../client.js';
import { activities, challengeParticipants, challengeSubmissions, challengeWeeks, guildSettings, memberSettings, memberStreaks, scheduledPosts, studySessions } from '../schema.js';
import { defaultGuildSettings } from './settings.js';

/** What every statistic is asked for: a server, its zone, and the period [from, to). */
export interface StatsScope {
  guildId: string;
  zone: string;
  /** The first instant of the period (Monday 00:00 of its first week, in `zone`). */
  from: Date;
  /** Now: the period ends here. */
  to: Date;
  /** The first day of the period (`from`'s local date). */
  firstDay: string;
  /** Today in `zone`. */
  today: string;
}

const from = (s: StatsScope) => sql`${s.from.toISOString()}::timestamptz`;
const to = (s: StatsScope) => sql`${s.to.toISOString()}::timestamptz`;
const weekOf = (instant: unknown, zone: string) => sql`to_char(date_trunc('week', ${instant} at time zone ${zone}), 'YYYY-MM-DD')`;

/** Members with any activity (check-in, step, challenge, a studied day) on each day of the period; days without any are left out. */
export async function activeMembersByDay(db: Tx, s: StatsScope): Promise<{ day: string; members: number }[]> {
  return rowsOf(
    db,
    sql`select to_char(day, 'YYYY-MM-DD') as day, count(*)::int as members from (
        select distinct (at at time zone ${s.zone})::date as day, user_id
        from ${activities} where guild_id = ${s.guildId} and at >= ${from(s)} and at < ${to(s)}
      ) x group by x.day order by x.day`,
  );
}

/** Check-ins and roadmap steps done per week (each step done counts, also one done again after /undo). */
export async function weeklyActivity(db: Tx, s: StatsScope): Promise<{ week: string; checkins: number; steps: number }[]> {
  return rowsOf(
    db,
    sql`select to_char(week, 'YYYY-MM-DD') as week,
        count(*) filter (where kind = 'checkin')::int as checkins, count(*) filter (where kind = 'step')::int as steps
      from (
        select date_trunc('week', at at time zone ${s.zone}) as week, kind
        from ${activities} where guild_id = ${s.guildId} and kind in ('checkin', 'step') and at >= ${from(s)} and at < ${to(s)}
      ) x group by x.week order by x.week`,
  );
}

/**
 * Study hours per week: the members' finished study sessions (voice rooms and focus rounds, as
 * capped when they closed) that started in the period, each in the week it started and counted for
 * the time no earlier session of the same member (by start, also one before the period) already
 * covered: overlapping sessions count once, as /study counts them.
 */
export async function weeklyStudyHours(db: Tx, s: StatsScope): Promise<{ week: string; hours: number }[]> {
  const rows = await rowsOf<{ week: string; ms: string | number }>(
    db,
    sql`with sessions as (
        select user_id, started_at, ended_at,
          max(ended_at) over (partition by user_id order by started_at, ended_at rows between unbounded preceding and 1 preceding) as reached
        from ${studySessions}
        where guild_id = ${s.guildId} and ended_at is not null and started_at < ${to(s)}
      )
      select ${weekOf(sql`started_at`, s.zone)} as week, sum(greatest(0, extract(epoch from ended_at - greatest(started_at, reached)) * 1000))::float8 as ms
      from sessions where started_at >= ${from(s)}
      group by 1 having sum(greatest(0, extract(epoch from ended_at - greatest(started_at, reached)))) > 0 order by 1`,
  );
  return rows.map((r) => ({ week: r.week, hours: Number(r.ms) / 3_600_000 }));
}

/** Each challenge run that started in the period: the members who joined it and those who submitted. */
export async function challengeParticipation(db: Tx, s: StatsScope): Promise<{ week: string; challengeId: string; joined: number; submitted: number }[]> {
  return rowsOf(
    db,
    sql`select ${weekOf(sql`w.starts_at`, s.zone)} as week, w.challenge_id as "challengeId",
        (select count(*) from ${challengeParticipants} p where p.week_id = w.id)::int as joined,
        (select count(*) from ${challengeSubmissions} c where c.week_id = w.id)::int as submitted
      from ${challengeWeeks} w where w.guild_id = ${s.guildId} and w.starts_at >= ${from(s)} and w.starts_at < ${to(s)}
      order by w.starts_at`,
  );
}

/** Daily prompts posted per week, and check-ins made with the prompt's Check in button (activities.source = 'prompt'). */
export async function promptEngagement(db: Tx, s: StatsScope): Promise<{ week: string; prompts: number; checkins: number }[]> {
  return rowsOf(
    db,
    sql`select to_char(week, 'YYYY-MM-DD') as week, sum(prompts)::int as prompts, sum(checkins)::int as checkins from (
        select date_trunc('week', posted_at at time zone ${s.zone}) as week, 1 as prompts, 0 as checkins from ${scheduledPosts}
          where guild_id = ${s.guildId} and kind = 'prompt' and status = 'posted' and posted_at >= ${from(s)} and posted_at < ${to(s)}
        union all
        select date_trunc('week', at at time zone ${s.zone}), 0, 1 from ${activities}
          where guild_id = ${s.guildId} and kind = 'checkin' and source = 'prompt' and at >= ${from(s)} and at < ${to(s)}
      ) x group by x.week order by x.week`,
  );
}

export interface StreakDistribution {
  /** Members per STREAK_BUCKETS entry with a streak going today (in their own day). */
  buckets: number[];
  /** Members who have had a streak but have none going today. */
  none: number;
}

/**
 * Current streaks today, each member in their own day (their zone, else the server's), as /streak
 * and the leaderboard show them: the stored figures with the days missed since (viewAt). Members are
 * counted in groups that viewAt sees alike (zone, rollover hour, last day, freezes, length bucket):
 * a few hundred rows from the database instead of one per member.
 */
export async function streakDistribution(db: Tx, s: StatsScope): Promise<StreakDistribution> {
  const defaults = defaultGuildSettings(s.guildId);
  const bucketOf = sql.join(
    STREAK_BUCKETS.map((b, i) => ({ b, i }))
      .reverse()
      .map(({ b, i }) => sql`when s.current >= ${sql.raw(String(b.min))} then ${sql.raw(String(i))}`),
    sql` `,
  );
  const rows = await rowsOf<{ bucket: number; freezes: number; lastDay: string | null; zone: string | null; serverZone: string | null; rolloverHour: number | null; members: number }>(
    db,
    sql`select case ${bucketOf} else -1 end as bucket, s.freezes, to_char(s.last_day, 'YYYY-MM-DD') as "lastDay", m.timezone as zone,
        g.timezone as "serverZone", g.rollover_hour as "rolloverHour", count(*)::int as members
      from ${memberStreaks} s
        left join ${memberSettings} m on m.guild_id = s.guild_id and m.user_id = s.user_id
        left join ${guildSettings} g on g.guild_id = s.guild_id
      where s.guild_id = ${s.guildId}
      group by 1, 2, 3, 4, 5, 6`,
  );
  const buckets = STREAK_BUCKETS.map(() => 0);
  let none = 0;
  const todays = new Map<string, string>();
  for (const r of rows) {
    const zone = r.zone ?? r.serverZone ?? defaults.timezone;
    const rollover = r.rolloverHour ?? defaults.rolloverHour;
    const key = `${zone}|${rollover}`;
    let today = todays.get(key);
    if (today === undefined) todays.set(key, (today = localDay(s.to, zone, rollover)));
    // Any length of the bucket stands for the group: viewAt keeps or ends a streak whatever its length.
    const current = viewAt({ current: r.bucket >= 0 ? STREAK_BUCKETS[r.bucket]!.min : 0, longest: 0, freezes: r.freezes, lastDay: r.lastDay }, today).current;
    if (current > 0) buckets[r.bucket]! += r.members;
    else none += r.members;
  }
  return { buckets, none };
}

export interface RetentionRow {
  /** The Monday of the week these members were first active. */
  week: string;
  members: number;
  /** Of them, how many were active in W+1, W+2, W+4 (RETENTION_OFFSETS); null while that week is not over. */
  active: (number | null)[];
}

/**
 * Retention: members first active in week W of the period (no activity of any kind before it),
 * and how many of them were active again in W+1, W+2 and W+4.
 */
export async function retention(db: Tx, s: StatsScope): Promise<RetentionRow[]> {
  // An activity before `from` has a member-local day at most two days after `from`'s local date (a
  // zone up to 26 hours ahead of the server's): the bound lets the index on (guild, user, day) find it.
  const dayBound = addDays(s.firstDay, 2);
  const [w1, w2, w4] = RETENTION_OFFSETS;
  const rows = await rowsOf<{ week: string; members: number; w1: number; w2: number; w4: number }>(
    db,
    sql`with weekly as (
        select user_id, date_trunc('week', at at time zone ${s.zone})::date as week
        from ${activities} where guild_id = ${s.guildId} and at >= ${from(s)} and at < ${to(s)}
        group by 1, 2
      ), firsts as (
        select user_id, min(week) as week from weekly group by user_id
      ), newcomers as (
        select f.user_id, f.week from firsts f
        where not exists (select 1 from ${activities} b where b.guild_id = ${s.guildId} and b.user_id = f.user_id and b.day <= ${dayBound}::date and b.at < ${from(s)})
      )
      select to_char(n.week, 'YYYY-MM-DD') as week, count(*)::int as members,
        count(a1.user_id)::int as w1, count(a2.user_id)::int as w2, count(a4.user_id)::int as w4
      from newcomers n
        left join weekly a1 on a1.user_id = n.user_id and a1.week = n.week + ${w1 * 7}::int
        left join weekly a2 on a2.user_id = n.user_id and a2.week = n.week + ${w2 * 7}::int
        left join weekly a4 on a4.user_id = n.user_id and a4.week = n.week + ${w4 * 7}::int
      group by n.week order by n.week`,
  );
  return rows.map((r) => ({
    week: r.week,
    members: r.members,
    active: [r.w1, r.w2, r.w4].map((n, i) => (retentionKnown(r.week, RETENTION_OFFSETS[i]!, s.today) ? n : null)),
  }));
}

export interface ServerStats {
  activeByDay: Awaited<ReturnType<typeof activeMembersByDay>>;
  weekly: Awaited<ReturnType<typeof weeklyActivity>>;
  studyHours: Awaited<ReturnType<typeof weeklyStudyHours>>;
  challenges: Awaited<ReturnType<typeof challengeParticipation>>;
  prompts: Awaited<ReturnType<typeof promptEngagement>>;
  streaks: StreakDistribution;
  retention: RetentionRow[];
}

/**
 * Every statistic of /stats counted straight from the raw rows, the queries run side by side (on a
 * pool, at once; on PGlite, one after another): the reference that the summaries /stats reads
 * (stats-summaries.ts) are held equal to. Seconds on a big server (docs/performance.md).
 */
export async function directStats(db: Tx, s: StatsScope, time?: (name: string, ms: number) => void): Promise<ServerStats> {
  const timed = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await run();
    time?.(name, performance.now() - started);
    return result;
  };
  const [activeByDay, weekly, studyHours, challenges, prompts, streaks, retained] = await Promise.all([
    timed('active per day', () => activeMembersByDay(db, s)),
    timed('check-ins and steps', () => weeklyActivity(db, s)),
    timed('study hours', () => weeklyStudyHours(db, s)),
    timed('challenges', () => challengeParticipation(db, s)),
    timed('prompt engagement', () => promptEngagement(db, s)),
    timed('streaks', () => streakDistribution(db, s)),
    timed('retention', () => retention(db, s)),
  ]);
  return { activeByDay, weekly, studyHours, challenges, prompts, streaks, retention: retained };
}
