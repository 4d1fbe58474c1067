/**
 * /stats on seeded data: every figure of the query module (src/db/queries/stats.ts) against a count
 * made here from the seed itself (days and weeks worked out with Intl, not SQL), then the command
 * through the real discord.js client: a PNG and the same figures in words, moderators only, and a
 * server with nothing yet told so.
 */
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { directStats, type StatsScope } from '../../src/db/queries/stats.js';
import { serverStats } from '../../src/db/queries/stats-summaries.js';
import {
  activities,
  challengeParticipants,
  challengeSubmissions,
  challengeWeeks,
  guildSettings,
  memberStreaks,
  scheduledPosts,
  statsDays,
  studySessions,
} from '../../src/db/schema.js';
import { addDays, localDateOf, startOfLocalDay } from '../../src/domain/dates.js';
import { mondayOf, periodWeeks, STREAK_BUCKETS } from '../../src/domain/stats.js';
import type { Json } from '../../src/sim/index.js';
import { MODERATOR, shown, textOf, useTestBot } from '../support/bot.js';

const ZONE = 'Europe/Berlin';
// A Wednesday; twelve weeks back cross the end of summer time (2026-10-25).
const NOW = '2026-11-11T10:00:00Z';
const MOD = '490000000000000001';
const { bot, database } = useTestBot({ now: NOW });

/** A small deterministic generator (mulberry32), so that a failure can be replayed. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Seed {
  activities: { userId: string; kind: 'checkin' | 'step' | 'challenge' | 'study'; at: Date; source: 'command' | 'prompt' | null }[];
  sessions: { userId: string; start: number; end: number }[];
  runs: { startsAt: Date; joined: number; submitted: number }[];
  prompts: Date[];
  streaks: { userId: string; current: number; lastDay: string }[];
}

const now = new Date(NOW);
const today = localDateOf(now, ZONE);

/** Seeds the server: 40 members over 19 weeks (some active only before the period), with instants at any minute, near midnight too. */
async function seed(guildId: string): Promise<Seed> {
  const next = random(24);
  const s: Seed = { activities: [], sessions: [], runs: [], prompts: [], streaks: [] };
  const users = Array.from({ length: 40 }, (_, i) => `4900000000000001${String(i).padStart(2, '0')}`);
  const first = addDays(today, -19 * 7);
  users.forEach((userId, i) => {
    // Members start on different days (a third before the period) and some stop.
    const start = addDays(first, Math.floor(next() * 120));
    const stop = next() < 0.3 ? addDays(start, Math.floor(next() * 30)) : today;
    const rate = 0.2 + next() * 0.6;
    for (let day = start; day <= stop; day = addDays(day, 1)) {
      if (next() > rate) continue;
      const midnight = startOfLocalDay(day, ZONE).getTime();
      const at = (minutes: number) => new Date(Math.min(now.getTime() - 60_000, midnight + minutes * 60_000));
      const checkinAt = at(Math.floor(next() * 24 * 60));
      s.activities.push({ userId, kind: 'checkin', at: checkinAt, source: next() < 0.35 ? 'prompt' : 'command' });
      if (next() < 0.3) s.activities.push({ userId, kind: 'step', at: at(Math.floor(next() * 24 * 60)), source: null });
      if (next() < 0.2) {
        // A voice session, and sometimes a focus round overlapping it: counted once.
        const begin = midnight + Math.floor(next() * 20 * 60) * 60_000;
        const end = begin + (20 + Math.floor(next() * 160)) * 60_000;
        if (end < now.getTime()) {
          s.sessions.push({ userId, start: begin, end });
          if (next() < 0.5) s.sessions.push({ userId, start: begin + 10 * 60_000, end: end + 15 * 60_000 });
          s.activities.push({ userId, kind: 'study', at: new Date(end), source: null });
        }
      }
    }
    const lastDay = i % 3 === 0 ? today : i % 3 === 1 ? addDays(today, -1) : addDays(today, -10);
    s.streaks.push({ userId, current: 1 + ((i * 7) % 120), lastDay });
  });
  // Activities stored with the member's day (the server's zone here) as the streak path stores them.
  const rows = s.activities.map((a) => ({ guildId, userId: a.userId, kind: a.kind, day: localDateOf(a.at, ZONE), at: a.at, source: a.source, ref: a.kind === 'step' ? 'python-programming' : null }));
  // One check-in and one studied day per member and day (the unique indexes): keep the first.
  const seen = new Set<string>();
  const unique = rows.filter((r) => {
    if (r.kind === 'step') return true;
    const key = `${r.kind}:${r.userId}:${r.day}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  s.activities = unique.map((r) => ({ userId: r.userId, kind: r.kind, at: r.at, source: r.source }));
  for (let i = 0; i < unique.length; i += 500) await database.db.insert(activities).values(unique.slice(i, i + 500));
  await database.db.insert(studySessions).values(s.sessions.map((x) => ({ guildId, userId: x.userId, channelId: '1', source: 'voice' as const, startedAt: new Date(x.start), endedAt: new Date(x.end) })));
  await database.db.insert(memberStreaks).values(s.streaks.map((x) => ({ guildId, userId: x.userId, current: x.current, longest: x.current, freezes: 0, lastDay: x.lastDay })));
  // A challenge on most weeks (Mondays 09:00 local), and a prompt on most days (18:00 local, some at 23:30: the next day in UTC).
  for (let w = 0; w < 19; w++) {
    const monday = addDays(mondayOf(first), w * 7);
    if (w % 4 !== 3) {
      const startsAt = new Date(startOfLocalDay(monday, ZONE).getTime() + 9 * 3_600_000);
      if (startsAt < now) {
        const [run] = await database.db
          .insert(challengeWeeks)
          .values({ guildId, weekStart: monday, challengeId: `c${w}`, startsAt, endsAt: new Date(startsAt.getTime() + 7 * 86_400_000) })
          .returning({ id: challengeWeeks.id });
        const joined = users.filter(() => next() < 0.4);
        const submitted = joined.filter(() => next() < 0.5);
        if (joined.length) await database.db.insert(challengeParticipants).values(joined.map((userId) => ({ weekId: run!.id, userId, joinedAt: startsAt })));
        if (submitted.length) await database.db.insert(challengeSubmissions).values(submitted.map((userId) => ({ weekId: run!.id, userId, link: 'https://www.kaggle.com/x', submittedAt: startsAt, updatedAt: startsAt })));
        s.runs.push({ startsAt, joined: joined.length, submitted: submitted.length });
      }
    }
    for (let d = 0; d < 7; d++) {
      const day = addDays(monday, d);
      const postedAt = new Date(startOfLocalDay(day, ZONE).getTime() + (d === 6 ? 23.5 : 18) * 3_600_000);
      if (next() < 0.8 && postedAt < now) s.prompts.push(postedAt);
    }
  }
  await database.db.insert(scheduledPosts).values(
    s.prompts.map((postedAt) => ({ guildId, kind: 'prompt' as const, period: localDateOf(postedAt, ZONE), status: 'posted' as const, claimedAt: postedAt, postedAt })),
  );
  // A few rows the statistics must leave out: an open study session and a failed prompt.
  await database.db.insert(studySessions).values({ guildId, userId: users[0]!, channelId: '1', source: 'voice', startedAt: new Date(now.getTime() - 3_600_000) });
  await database.db.insert(scheduledPosts).values({ guildId, kind: 'prompt', period: today, status: 'failed', claimedAt: now });
  return s;
}

/** The figures, counted from the seed. */
function expected(s: Seed, weeks: readonly string[]) {
  const from = startOfLocalDay(weeks[0]!, ZONE).getTime();
  const inPeriod = (t: number) => t >= from && t < now.getTime();
  const weekOf = (t: number) => mondayOf(localDateOf(new Date(t), ZONE));
  const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

  const activeSets = new Map<string, Set<string>>();
  const checkins = new Map<string, number>();
  const steps = new Map<string, number>();
  const promptCheckins = new Map<string, number>();
  const weeksOf = new Map<string, Set<string>>();
  const before = new Set<string>();
  for (const a of s.activities) {
    const t = a.at.getTime();
    if (t < from) before.add(a.userId);
    if (!inPeriod(t)) continue;
    const day = localDateOf(a.at, ZONE);
    (activeSets.get(day) ?? activeSets.set(day, new Set()).get(day)!).add(a.userId);
    (weeksOf.get(a.userId) ?? weeksOf.set(a.userId, new Set()).get(a.userId)!).add(weekOf(t));
    if (a.kind === 'checkin') bump(checkins, weekOf(t));
    if (a.kind === 'step') bump(steps, weekOf(t));
    if (a.kind === 'checkin' && a.source === 'prompt') bump(promptCheckins, weekOf(t));
  }
  // Study: each session in the week it started, for the time no earlier session of the member covered (overlaps once).
  const hours = new Map<string, number>();
  const byMember = new Map<string, { start: number; end: number }[]>();
  for (const x of s.sessions) (byMember.get(x.userId) ?? byMember.set(x.userId, []).get(x.userId)!).push(x);
  for (const list of byMember.values()) {
    list.sort((a, b) => a.start - b.start || a.end - b.end);
    let reached = -Infinity;
    for (const x of list) {
      const counted = Math.max(0, x.end - Math.max(x.start, reached));
      if (inPeriod(x.start) && counted > 0) bump(hours, weekOf(x.start), counted / 3_600_000);
      reached = Math.max(reached, x.end);
    }
  }
  const prompts = new Map<string, number>();
  for (const p of s.prompts.filter((p) => inPeriod(p.getTime()))) bump(prompts, weekOf(p.getTime()));
  // Retention: members whose first activity is in the period, by their first week.
  const cohorts = new Map<string, { members: number; active: number[] }>();
  for (const [userId, set] of weeksOf) {
    if (before.has(userId)) continue;
    const first = [...set].sort()[0]!;
    const cohort = cohorts.get(first) ?? cohorts.set(first, { members: 0, active: [0, 0, 0] }).get(first)!;
    cohort.members += 1;
    [1, 2, 4].forEach((k, i) => {
      if (set.has(addDays(first, 7 * k))) cohort.active[i]! += 1;
    });
  }
  const buckets = STREAK_BUCKETS.map(() => 0);
  let none = 0;
  for (const x of s.streaks) {
    if (x.lastDay < addDays(today, -1)) none += 1;
    else buckets[STREAK_BUCKETS.findLastIndex((b) => x.current >= b.min)]! += 1;
  }
  return {
    activeByDay: [...activeSets].map(([day, set]) => ({ day, members: set.size })).sort((a, b) => (a.day < b.day ? -1 : 1)),
    checkins,
    steps,
    promptCheckins,
    hours,
    prompts,
    runs: s.runs.filter((r) => inPeriod(r.startsAt.getTime())).map((r) => ({ week: weekOf(r.startsAt.getTime()), joined: r.joined, submitted: r.submitted })),
    cohorts,
    buckets,
    none,
  };
}

const sorted = (map: Map<string, number>) => [...map].sort(([a], [b]) => (a < b ? -1 : 1));

describe('/stats', () => {
  it('tells a server with nothing yet that there are no numbers, without a chart', async () => {
    const record = await bot.command('stats', { period: 4 }, { user: MOD, ...MODERATOR });
    const reply = shown(record);
    expect(textOf(reply)).toContain('No numbers yet');
    expect(reply.attachments ?? []).toEqual([]);
  });

  it('is for moderators only', async () => {
    const reply = textOf(shown(await bot.command('stats', {}, { user: '490000000000000999' })));
    expect(reply).toContain('Only moderators');
  });

  it('stores where a check-in came from: /checkin or the prompt’s button', async () => {
    const A = '490000000000000901';
    const B = '490000000000000902';
    await bot.command('checkin', {}, { user: A });
    await bot.press('prompt:checkin', { user: B });
    const sources = await database.db.select({ userId: activities.userId, source: activities.source }).from(activities).where(and(eq(activities.guildId, bot.guildId), eq(activities.kind, 'checkin')));
    expect(Object.fromEntries(sources.map((r) => [r.userId, r.source]))).toEqual({ [A]: 'command', [B]: 'prompt' });
    await database.db.delete(activities).where(eq(activities.guildId, bot.guildId));
    await database.db.delete(memberStreaks).where(eq(memberStreaks.guildId, bot.guildId));
  });

  it('computes each figure as a direct count of the seeded data', { timeout: 60_000 }, async () => {
    const guildId = bot.guildId;
    await database.db.insert(guildSettings).values({ guildId, timezone: ZONE }).onConflictDoUpdate({ target: guildSettings.guildId, set: { timezone: ZONE } });
    const s = await seed(guildId);
    // The raw rows counted directly (the reference), then the summaries /stats reads: the first call
    // summarises every finished day since the first activity, the next ones read what it made.
    for (const [count, stats] of [[12, directStats], [26, directStats], [12, serverStats], [26, serverStats], [12, serverStats]] as const) {
      const weeks = periodWeeks(today, count);
      const scope: StatsScope = { guildId, zone: ZONE, from: startOfLocalDay(weeks[0]!, ZONE), to: now, firstDay: weeks[0]!, today };
      const got = await stats(database.db, scope);
      const want = expected(s, weeks);

      expect(got.activeByDay).toEqual(want.activeByDay);
      expect(got.weekly.map((r) => [r.week, r.checkins]).filter(([, n]) => n !== 0)).toEqual(sorted(want.checkins));
      expect(got.weekly.map((r) => [r.week, r.steps]).filter(([, n]) => n !== 0)).toEqual(sorted(want.steps));
      expect(got.studyHours.map((r) => r.week)).toEqual(sorted(want.hours).map(([w]) => w));
      got.studyHours.forEach((r) => expect(r.hours).toBeCloseTo(want.hours.get(r.week)!, 6));
      expect(got.challenges.map(({ week, joined, submitted }) => ({ week, joined, submitted }))).toEqual(want.runs);
      expect(got.prompts.map((r) => [r.week, r.prompts]).filter(([, n]) => n !== 0)).toEqual(sorted(want.prompts));
      expect(got.prompts.map((r) => [r.week, r.checkins]).filter(([, n]) => n !== 0)).toEqual(sorted(want.promptCheckins));
      expect(got.streaks).toEqual({ buckets: want.buckets, none: want.none });
      expect(got.retention.map((r) => r.week)).toEqual([...want.cohorts.keys()].sort());
      for (const r of got.retention) {
        const cohort = want.cohorts.get(r.week)!;
        expect(r.members).toBe(cohort.members);
        // W+k only once that week is over.
        [1, 2, 4].forEach((k, i) => expect(r.active[i]).toBe(addDays(r.week, 7 * (k + 1)) <= today ? cohort.active[i] : null));
      }
      // The seed reaches every chart: none of these checks passes on empty figures.
      expect(got.retention.some((r) => r.members > 0 && r.active[2]! > 0)).toBe(true);
      expect(got.studyHours.length).toBeGreaterThan(3);
      expect(want.none).toBeGreaterThan(0);
    }

    // The command: the same figures in words, and a PNG.
    const weeks = periodWeeks(today, 12);
    const want = expected(s, weeks);
    const record = await bot.command('stats', { period: 12 }, { user: MOD, ...MODERATOR });
    const reply = shown(record);
    const summary = reply.content as string;
    expect(summary.length).toBeLessThanOrEqual(2000);
    const total = (map: Map<string, number>) => [...map.values()].reduce((a, b) => a + b, 0).toLocaleString('en-US');
    expect(summary).toContain(`Server numbers: the last 12 weeks** (weeks from Monday in ${ZONE}, ${weeks[0]} to ${today}`);
    expect(summary).toContain(`Check-ins: ${total(want.checkins)} in all`);
    expect(summary).toContain(`Roadmap steps done: ${total(want.steps)} in all`);
    expect(summary).toContain(`Daily prompt: ${total(want.prompts)} posted; ${total(want.promptCheckins)} check-ins with its Check in button`);
    expect(summary).toContain(`${want.runs.length} runs`);
    const going = want.buckets.reduce((a, b) => a + b, 0);
    expect(summary).toContain(`Streaks going today: ${going} members (1–2 days: ${want.buckets[0]}`);
    expect(summary).toContain(`${want.none} members whose streak has ended`);
    const newcomers = [...want.cohorts.values()].reduce((a, c) => a + c.members, 0);
    expect(summary).toContain(`of ${newcomers} members first active in these weeks`);
    const peak = Math.max(...want.activeByDay.map((d) => d.members));
    expect(summary).toContain(`most ${peak} on ${want.activeByDay.find((d) => d.members === peak)!.day}`);

    expect((reply.attachments as Json[]).map((a) => [a.filename, a.description])).toEqual([['stats.png', expect.stringContaining('same figures in words')]]);
    const upload = bot.fake.requests.filter((r) => r.files.length > 0).at(-1)?.files[0];
    expect(upload?.contentType).toBe('image/png');
    const png = Buffer.from(upload!.bytes);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // The charts at 1.5 times their SVG's 960 pixels.
    expect(png.readUInt32BE(16)).toBe(1440);
    expect(png.readUInt32BE(20)).toBeGreaterThan(1200);
  });

  it('the daily job summarises each server’s yesterday soon after it ends, once, and settles the day before', async () => {
    const guildId = bot.guildId;
    const yesterday = today;
    const later = new Date(startOfLocalDay(addDays(today, 1), ZONE).getTime() + 30 * 60_000);
    bot.clock.set(later);
    await bot.app.scheduler.runDue();
    const days = await database.db.select().from(statsDays).where(eq(statsDays.guildId, guildId));
    const made = days.find((d) => d.day === yesterday)!;
    expect(made.madeAt).toEqual(later);
    // Every check-in of that day, counted directly.
    const checkins = await database.db.select({ at: activities.at }).from(activities).where(and(eq(activities.guildId, guildId), eq(activities.kind, 'checkin')));
    expect(made.checkins).toBe(checkins.filter((a) => localDateOf(a.at, ZONE) === yesterday).length);
    expect(made.checkins).toBeGreaterThan(0);
    // A study session is still open since that day: it is not settled. The day before is, now.
    expect(made.settled).toBe(false);
    expect(days.find((d) => d.day === addDays(yesterday, -1))?.settled).toBe(true);
    // Later runs that day find nothing to do.
    bot.clock.set(new Date(later.getTime() + 3_600_000));
    await bot.app.scheduler.runDue();
    const again = await database.db.select().from(statsDays).where(and(eq(statsDays.guildId, guildId), eq(statsDays.day, yesterday)));
    expect(again[0]!.madeAt).toEqual(later);
    // No claim rows of its own among the scheduled posts.
    const kinds = await database.db.selectDistinct({ kind: scheduledPosts.kind }).from(scheduledPosts).where(eq(scheduledPosts.guildId, guildId));
    expect(kinds.map((k) => k.kind).sort()).toEqual(['prompt']);
  });
});
