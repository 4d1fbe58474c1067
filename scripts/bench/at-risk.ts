/**
 * `npm run bench at-risk`: what /members at-risk costs on a big server. Seeds one server on a fresh
 * Postgres database with BENCH_AT_RISK_MEMBERS members (default 10,000), each with streak figures
 * and BENCH_AT_RISK_DAYS days of check-ins (default 120), and a running cohort with a fifth of them;
 * then times each list (median of 7 runs, after a warm-up), counts its round trips, and prints the
 * plan Postgres picks for the streak lists. Prints figures; not a test.
 */
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../src/db/client.js';
import { behindInCohorts, breakingTonight, inactiveMembers, lastActive } from '../../src/db/queries/members.js';
import { addDays } from '../../src/domain/dates.js';
import { MAX_FREEZE_CAP } from '../../src/domain/streaks.js';
import { freshPostgres, round, table } from './common.js';

const MEMBERS = Number(process.env.BENCH_AT_RISK_MEMBERS ?? 10_000);
const DAYS = Number(process.env.BENCH_AT_RISK_DAYS ?? 120);
const RUNS = 7;
const GUILD = '470000000000000001';
const TODAY = '2026-03-10';
const NOW = new Date(`${TODAY}T12:00:00Z`);

export async function benchAtRisk() {
  const database = await freshPostgres(4);
  const { db } = database;
  try {
    const seedStarted = performance.now();
    // One transaction without the bot's statement deadline: the seed is a few big statements.
    await db.transaction(async (tx) => {
      await tx.execute(sql`set local statement_timeout = 0`);
      // Member i was last active (i % 60) days ago, with a streak of (i % 30) days and (i / 60 % 3) freezes.
      await tx.execute(sql`
        insert into member_streaks (guild_id, user_id, current, longest, freezes, last_day, updated_at)
        select ${GUILD}, (480000000000000000 + i)::text, i % 30, i % 30 + 5, (i / 60) % 3, ${TODAY}::date - (i % 60), now()
        from generate_series(1, ${MEMBERS}::int) as i`);
      for (let from = 1; from <= MEMBERS; from += 500) {
        await tx.execute(sql`
          insert into activities (guild_id, user_id, kind, day, at)
          select ${GUILD}, (480000000000000000 + i)::text, 'checkin', d, d + time '12:00'
          from generate_series(${from}::int, ${Math.min(MEMBERS, from + 499)}::int) as i,
            lateral (select ${TODAY}::date - (i % 60) - k as d from generate_series(0, ${DAYS - 1}::int) as k) as days`);
      }
      await tx.execute(sql`
        insert into member_settings (guild_id, user_id, reminder_enabled, updated_at)
        select ${GUILD}, (480000000000000000 + i)::text, true, now() from generate_series(1, ${MEMBERS}::int, 10) as i`);
      const [cohort] = await rowsOf<{ id: number }>(
        tx,
        sql`
        insert into cohorts (guild_id, name, track_id, weeks, challenges, timezone, start_day, open_time, deadline_weekday, deadline_time, channel_id, join_until, secret, created_by, created_at, updated_at)
        values (${GUILD}, 'Spring', 't', '[["a"],["b"],["c"],["d"]]', '[null,null,null,null]', 'UTC', '2026-02-23', '09:00', 0, '23:59', '470000000000000002', now(), 'ab', '470000000000000003', now(), now())
        returning id`,
      );
      await tx.execute(sql`
        insert into cohort_members (cohort_id, user_id, joined_at)
        select ${cohort!.id}, (480000000000000000 + i)::text, now() from generate_series(1, ${MEMBERS}::int, 5) as i`);
      await tx.execute(sql`
        insert into cohort_units_done (cohort_id, user_id, week, done_at, on_time, via)
        select ${cohort!.id}, (480000000000000000 + i)::text, w, now(), true, 'steps'
        from generate_series(1, ${MEMBERS}::int, 5) as i, generate_series(1, 2) as w where w <= 1 + (i % 3)`);
      await tx.execute(sql`analyze`);
    });
    const seedMs = performance.now() - seedStarted;

    const page = Array.from({ length: 10 }, (_, i) => String(480000000000000000n + BigInt(i * 7 + 1)));
    const lists = {
      'breaking tonight': () => breakingTonight(db, GUILD, NOW),
      'inactive 7+ days': () => inactiveMembers(db, GUILD, NOW, 7),
      'behind in a cohort': () => behindInCohorts(db, GUILD, NOW),
      'last active (a page of 10)': () => lastActive(db, GUILD, page),
    };
    const rows: Record<string, string | number>[] = [];
    for (const [name, run] of Object.entries(lists)) {
      const found = await run(); // warm-up
      const size = found instanceof Map ? found.size : found.length;
      const before = database.queries();
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const started = performance.now();
        await run();
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      rows.push({ list: name, members: size, 'round trips': (database.queries() - before) / RUNS, 'median ms': round(times[RUNS >> 1]!), 'max ms': round(times.at(-1)!) });
    }
    table(`/members at-risk on one server of ${MEMBERS} members, ${DAYS} days of check-ins each (seeded in ${round(seedMs / 1000)} s)`, rows);

    const plan = await rowsOf<{ 'QUERY PLAN': string }>(
      db,
      sql`
      explain select user_id from member_streaks
      where guild_id = ${GUILD} and current > 0 and last_day >= ${addDays(TODAY, -3 - MAX_FREEZE_CAP)}::date`,
    );
    const planText = plan.map((r) => r['QUERY PLAN']).join('\n');
    console.log(`\nPlan of the streak range (breaking tonight):\n${planText}`);
    return { members: MEMBERS, days: DAYS, seedMs: round(seedMs), rows, plan: planText };
  } finally {
    await database.close();
  }
}
