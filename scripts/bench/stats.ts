/**
 * `npm run bench stats [postgres://…]`: what /stats costs on a big server. Seeds one server with
 * 10,000 members and a year of activity (bulk inserts from generate_series, in the database), then
 * times what the command does: cold (the first /stats after the upgrade: every finished day of the
 * year summarised first), then warm (yesterday made again, the summaries and today's raw rows read,
 * the queries at once on PostgreSQL's pool, one after another on PGlite), the charts' SVG and text
 * (on the event loop) and the PNG (resvg and deflate on the thread pool). BENCH_STATS_DIRECT=1 also
 * times the direct queries over the raw rows (the reference, seconds each). On embedded PGlite
 * and on PostgreSQL (the URL argument, else TEST_DATABASE_URL, BENCH_DATABASE_URL, DATABASE_URL or
 * the local server; a scratch database is made and dropped). Prints figures; no assertions.
 * BENCH_STATS_MEMBERS (10,000), BENCH_STATS_ROUNDS (3, the median is shown), BENCH_STATS_ON
 * (`pglite,postgres`) change the run; BENCH_STATS_KEEP=1 keeps the PostgreSQL database to explore.
 */
import { sql } from 'drizzle-orm';
import { openDatabase, rowsOf, type Database, type Db } from '../../src/db/client.js';
import { DATABASE_DEADLINES } from '../../src/db/deadlines.js';
import {
  activeMembersByDay,
  challengeParticipation,
  promptEngagement,
  retention,
  streakDistribution,
  weeklyActivity,
  weeklyStudyHours,
  type StatsScope,
} from '../../src/db/queries/stats.js';
import { serverStats } from '../../src/db/queries/stats-summaries.js';
import { createImageRenderer } from '../../src/discord/views/heatmap.js';
import { STATS_ZOOM, statsView } from '../../src/discord/views/stats.js';
import { localDateOf, startOfLocalDay } from '../../src/domain/dates.js';
import { periodWeeks } from '../../src/domain/stats.js';
import { scratchPostgres } from '../../src/sim/postgres.js';
import { round, SERVER_URL, table } from './common.js';

const MEMBERS = Number(process.env.BENCH_STATS_MEMBERS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_STATS_ROUNDS ?? 3);
const GUILD = '900000000000000001';
const ZONE = 'Europe/Berlin';
const NOW = new Date('2026-12-06T12:00:00Z');

/**
 * One server's year: each member starts on a day of the year (some before it), stays for a while
 * (four in ten for good) and is active on a share of those days (skewed: most rarely, a few nearly
 * every day). On an active day: a check-in (three in ten from the prompt's button), sometimes a step,
 * sometimes a study session and the day it counted. Weekly challenges with ~5% joining, a prompt a
 * day, and streak figures for everyone.
 */
async function seed(db: Db): Promise<Record<string, number>> {
  // One connection (a transaction), so that setseed makes the same data on every run.
  await db.transaction((tx) => seedRows(tx as unknown as Db));
  // What autovacuum does on a live server: statistics for the planner and a visibility map for index-only scans.
  await db.execute(sql`vacuum analyze`);
  const counts = await rowsOf<Record<string, number>>(
    db,
    sql`select (select count(*) from activities)::int as activities, (select count(*) from study_sessions)::int as "study sessions",
      (select count(*) from challenge_participants)::int as "challenge participants", (select count(*) from member_streaks)::int as "member streaks"`,
  );
  return counts[0]!;
}

async function seedRows(db: Db): Promise<void> {
  const yearStart = localDateOf(new Date(NOW.getTime() - 365 * 86_400_000), ZONE);
  const lastDay = localDateOf(NOW, ZONE);
  const run = async (query: ReturnType<typeof sql>) => {
    const t = performance.now();
    await db.execute(query);
    if (process.env.BENCH_STATS_TRACE) console.log(`  ${round(performance.now() - t)} ms: ${JSON.stringify(query.queryChunks[0]).slice(0, 60)}`);
  };
  await run(sql`select setseed(0.24)`);
  await run(sql`insert into guild_settings (guild_id, timezone) values (${GUILD}, ${ZONE})`);
  await run(sql`create table bench_members as
    select u, (1000000000 + u)::text as user_id, floor(random() * 425)::int - 60 as start_offset,
      case when random() < 0.4 then 400 else 7 + floor(random() * 150)::int end as span, 0.03 + power(random(), 2) * 0.9 as rate
    from generate_series(1, ${MEMBERS}) u`);
  // Every active day of every member, with a few random draws for what happened that day.
  await run(sql`create table bench_days as
    select m.user_id, d.day, random() as r1, random() as r2, random() as r3, random() as r4
    from bench_members m
      cross join lateral (select ${yearStart}::date + i as day from generate_series(greatest(0, m.start_offset), least(365, m.start_offset + m.span)) i) d
    where random() < m.rate and d.day <= ${lastDay}::date`);
  // Bulk inserts into tables without their secondary indexes, which are then built once from their
  // own definitions (pg_indexes): far faster than keeping them up to date row by row.
  const indexes = await rowsOf<{ name: string; definition: string }>(
    db,
    sql`select indexname as name, indexdef as definition from pg_indexes
      where schemaname = 'public' and tablename in ('activities', 'study_sessions') and indexname not like '%_pkey'`,
  );
  for (const index of indexes) await run(sql.raw(`drop index "${index.name}"`));
  const at = (r: ReturnType<typeof sql>) => sql`least((day::timestamp + (${r}) * interval '86399 seconds') at time zone ${ZONE}, ${NOW.toISOString()}::timestamptz - interval '1 minute')`;
  await run(sql`insert into activities (guild_id, user_id, kind, day, at, source)
    select ${GUILD}, user_id, 'checkin', day, ${at(sql`r1`)}, case when r2 < 0.3 then 'prompt' else 'command' end from bench_days`);
  await run(sql`insert into activities (guild_id, user_id, kind, day, at, ref)
    select ${GUILD}, user_id, 'step', day, ${at(sql`r2`)}, 'python-programming' from bench_days where r3 < 0.25`);
  await run(sql`insert into study_sessions (guild_id, user_id, channel_id, source, started_at, ended_at)
    select ${GUILD}, user_id, '1', 'voice', s, s + (20 + r1 * 160) * interval '1 minute'
    from (select user_id, r1, r4, ${at(sql`r4 * 0.8`)} as s from bench_days where r4 < 0.35) x`);
  await run(sql`insert into activities (guild_id, user_id, kind, day, at)
    select ${GUILD}, user_id, 'study', day, ${at(sql`r4 * 0.8 + 0.1`)} from bench_days where r4 < 0.35`);
  await run(sql`insert into challenge_weeks (guild_id, week_start, challenge_id, starts_at, ends_at)
    select ${GUILD}, w, 'c' || i, (w::timestamp + interval '9 hours') at time zone ${ZONE}, (w::timestamp + interval '7 days 9 hours') at time zone ${ZONE}
    from (select i, date_trunc('week', ${yearStart}::date + i * 7)::date as w from generate_series(0, 51) i) x`);
  await run(sql`insert into challenge_participants (week_id, user_id, joined_at)
    select w.id, m.user_id, w.starts_at from challenge_weeks w cross join bench_members m where w.guild_id = ${GUILD} and random() < 0.05`);
  await run(sql`insert into challenge_submissions (week_id, user_id, link, submitted_at, updated_at)
    select week_id, user_id, 'https://www.kaggle.com/x', joined_at, joined_at from challenge_participants where random() < 0.5`);
  await run(sql`insert into scheduled_posts (guild_id, kind, period, status, claimed_at, posted_at)
    select ${GUILD}, 'prompt', (${yearStart}::date + i)::text, 'posted', p, p
    from (select i, ((${yearStart}::date + i)::timestamp + interval '18 hours') at time zone ${ZONE} as p from generate_series(0, 364) i) x where p < ${NOW.toISOString()}::timestamptz`);
  await run(sql`insert into member_streaks (guild_id, user_id, current, longest, freezes, last_day)
    select ${GUILD}, user_id, c, c + floor(random() * 20)::int, floor(random() * 3)::int, ${lastDay}::date - floor(power(random(), 3) * 60)::int
    from (select user_id, 1 + floor(power(random(), 3) * 200)::int as c from bench_members) x`);
  for (const index of indexes) await run(sql.raw(index.definition));
  await run(sql`drop table bench_days`);
  await run(sql`drop table bench_members`);
}

/** The direct queries over the raw rows (src/db/queries/stats.ts), the reference the summaries are held equal to. */
const DIRECT = {
  'active per day': activeMembersByDay,
  'check-ins and steps': weeklyActivity,
  'study hours': weeklyStudyHours,
  challenges: challengeParticipation,
  'prompt engagement': promptEngagement,
  streaks: streakDistribution,
  retention,
} as const;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Seeds with `seeding` (no deadlines: bulk inserts take longer than the bot's statement deadline
 * allows), then times /stats on `database` (the bot's own deadlines on PostgreSQL).
 */
async function measure(label: string, seeding: Database, database: Database): Promise<Record<string, string | number>[]> {
  const seeded = performance.now();
  const counts = await seed(seeding.db);
  console.log(`${label}: seeded in ${round((performance.now() - seeded) / 1000)} s: ${Object.entries(counts).map(([k, v]) => `${v.toLocaleString('en-US')} ${k}`).join(', ')}`);
  const images = createImageRenderer();
  const rows: Record<string, string | number>[] = [];
  const failures: string[] = [];
  const today = localDateOf(NOW, ZONE);
  const scopeOf = (count: number): StatsScope => {
    const weeks = periodWeeks(today, count);
    return { guildId: GUILD, zone: ZONE, from: startOfLocalDay(weeks[0]!, ZONE), to: NOW, firstDay: weeks[0]!, today };
  };
  /** /stats as the command runs it (with the bot's deadlines): summaries made, the queries, the view, the PNG. */
  const command = async (count: number, add: (name: string, ms: number) => void, round: number): Promise<boolean> => {
    const scope = scopeOf(count);
    const started = performance.now();
    let figures;
    try {
      figures = await serverStats(database.db, scope, add);
    } catch (error) {
      failures.push(`${label}, ${count} weeks: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`);
      return false;
    }
    add('all queries, as /stats runs them', performance.now() - started);
    const built = performance.now();
    const view = statsView({ stats: figures, weeks: periodWeeks(today, count), today, zone: ZONE });
    add('SVG and text (event loop)', performance.now() - built);
    const rendered = performance.now();
    // A distinct SVG each round: the renderer's cache must not answer.
    const png = await images.renderPng(view.svg.replace('</svg>', `<!-- ${round} --></svg>`), { zoom: STATS_ZOOM });
    add(`PNG (${Math.round(png.length / 1024)} KB)`, performance.now() - rendered);
    add('/stats in all', performance.now() - started);
    return true;
  };
  const push = (period: string, times: Record<string, number[]>) => {
    for (const [what, values] of Object.entries(times)) rows.push({ database: label, period, what, 'ms (median)': round(median(values)), 'ms (min–max)': `${round(Math.min(...values))}–${round(Math.max(...values))}` });
  };
  try {
    // Cold: the first /stats after the upgrade, which summarises every finished day of the year first.
    const cold: Record<string, number[]> = {};
    await command(52, (name, ms) => (cold[`cold: ${name}`] ??= []).push(ms), -1);
    push('52 weeks', cold);
    const made = await rowsOf<{ days: number; weeks: number; members: number }>(
      seeding.db,
      sql`select (select count(*) from stats_days)::int as days, (select count(*) from stats_member_weeks)::int as weeks, (select count(*) from stats_members)::int as members`,
    );
    console.log(`${label}: summaries: ${made[0]!.days} days, ${made[0]!.weeks.toLocaleString('en-US')} member weeks, ${made[0]!.members.toLocaleString('en-US')} members`);
    for (const count of [12, 52]) {
      // Warm: what each later /stats does (yesterday is made again until settled, today read raw).
      const times: Record<string, number[]> = {};
      const add = (name: string, ms: number) => (times[name] ??= []).push(ms);
      for (let r = 0; r < ROUNDS; r++) await command(count, add, r);
      // The reference: each statistic straight from the raw rows (BENCH_STATS_DIRECT=1; without the bot's deadlines).
      if (process.env.BENCH_STATS_DIRECT) {
        for (const [name, query] of Object.entries(DIRECT)) {
          const started = performance.now();
          await query(seeding.db, scopeOf(count));
          add(`direct (reference): ${name}`, performance.now() - started);
        }
      }
      push(`${count} weeks`, times);
    }
  } finally {
    await images.close();
  }
  table(`${label}: /stats on one server with ${MEMBERS.toLocaleString('en-US')} members and a year of activity (target: under 2 s, deferred)`, rows);
  for (const failure of failures) console.log(`/stats failed with the bot's deadlines: ${failure}`);
  return rows;
}

export async function benchStats(): Promise<{ rows: Record<string, string | number>[] }> {
  const rows: Record<string, string | number>[] = [];
  const on = (process.env.BENCH_STATS_ON ?? 'pglite,postgres').split(',');
  if (on.includes('pglite')) {
    const pglite = await openDatabase({ memory: true });
    try {
      rows.push(...(await measure('PGlite', pglite, pglite)));
    } finally {
      await pglite.close();
    }
  }
  if (!on.includes('postgres')) return { rows };
  const url = process.argv.slice(2).find((a) => a.startsWith('postgres')) ?? process.env.TEST_DATABASE_URL ?? SERVER_URL;
  const scratch = await scratchPostgres(url, 'cohort_bench');
  try {
    const seeding = await openDatabase({ url: scratch.url }, { deadlines: { ...DATABASE_DEADLINES, statementMs: 0, silenceMs: 3_600_000, idleInTransactionMs: 0 } });
    const bot = await openDatabase({ url: scratch.url });
    try {
      rows.push(...(await measure('PostgreSQL', seeding, bot)));
    } finally {
      await bot.close();
      await seeding.close();
    }
  } finally {
    if (process.env.BENCH_STATS_KEEP) console.log(`kept ${scratch.url}`);
    else await scratch.drop();
  }
  return { rows };
}
