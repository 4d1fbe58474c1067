import fc from 'fast-check';
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { eraseMemberData } from '../../src/db/queries/privacy.js';
import { directStats, type ServerStats, type StatsScope } from '../../src/db/queries/stats.js';
import { makeStatsSummaries, serverStats } from '../../src/db/queries/stats-summaries.js';
import { activities, guildSettings, scheduledPosts, statsDays, studySessions } from '../../src/db/schema.js';
import { localDateOf, startOfLocalDay } from '../../src/domain/dates.js';
import { periodWeeks } from '../../src/domain/stats.js';
import { statsSummariesJob } from '../../src/jobs/stats-summaries.js';
import { createLogger } from '../../src/logger.js';
import { openTestDatabase, uniqueGuildId } from '../support/db.js';

/**
 * /stats from summaries against the direct counts over the raw rows (the reference): for random
 * activity of a few members over twelve weeks around the clock changes of several zones (Santiago's
 * at midnight, Lord Howe's half hour), /stats at one moment and again later, with rows landing
 * in between (late study sessions closing, a member's data erased, the server's zone changed),
 * every figure is the same both ways.
 */

let database: Database & { url?: string };
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const ZONES = ['Europe/Berlin', 'America/New_York', 'America/Santiago', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'] as const;
const USERS = ['200000000000000001', '200000000000000002', '200000000000000003', '200000000000000004', '200000000000000005'];
const T0 = Date.parse('2026-08-24T00:00:00Z');
const SPAN = 84 * 86_400_000;
const MIN = 60_000;

const activityArb = fc.record({
  user: fc.integer({ min: 0, max: USERS.length - 1 }),
  kind: fc.constantFrom('checkin', 'checkin', 'step', 'challenge', 'study'),
  // Minutes, so that many fall near local midnights in some zone.
  t: fc.integer({ min: 0, max: SPAN / MIN }),
  prompt: fc.boolean(),
});
const sessionArb = fc.record({
  user: fc.integer({ min: 0, max: USERS.length - 1 }),
  t: fc.integer({ min: 0, max: SPAN / MIN }),
  minutes: fc.integer({ min: 0, max: 12 * 60 }),
  /** Still open at the first /stats, closed before the second. */
  late: fc.boolean(),
});

const caseArb = fc.record({
  zone: fc.constantFrom(...ZONES),
  laterZone: fc.option(fc.constantFrom(...ZONES), { freq: 4 }),
  activities: fc.array(activityArb, { maxLength: 120 }),
  // Clusters of sessions: overlapping ones of a member, across midnights.
  sessions: fc.array(sessionArb, { maxLength: 30 }),
  prompts: fc.array(fc.integer({ min: 0, max: SPAN / MIN }), { maxLength: 20 }),
  first: fc.integer({ min: 14 * 24 * 60, max: SPAN / MIN - 1 }),
  gap: fc.integer({ min: 1, max: 10 * 24 * 60 }),
  period: fc.constantFrom(4, 12),
  erase: fc.option(fc.integer({ min: 0, max: USERS.length - 1 }), { freq: 3 }),
});

function scopeAt(guildId: string, zone: string, now: Date, count: number): StatsScope {
  const today = localDateOf(now, zone);
  const weeks = periodWeeks(today, count);
  return { guildId, zone, from: startOfLocalDay(weeks[0]!, zone), to: now, firstDay: weeks[0]!, today };
}

/** Study hours compared to the millisecond (the two sum in different orders). */
const comparable = (s: ServerStats) => ({ ...s, studyHours: s.studyHours.map((r) => ({ week: r.week, ms: Math.round(r.hours * 3_600_000) })) });

describe('/stats summaries', () => {
  it('give the direct counts, across local midnights, clock changes, late sessions, erasures and a change of zone', { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const guildId = uniqueGuildId();
        const db = database.db;
        await db.insert(guildSettings).values({ guildId, timezone: c.zone });
        const first = new Date(T0 + c.first * MIN);
        const second = new Date(first.getTime() + c.gap * MIN);
        // Rows up to the second moment; those after the first are written between the two /stats.
        const writeActivities = async (until: Date, after: Date | null) => {
          const rows = c.activities
            .map((a) => ({ ...a, at: new Date(T0 + a.t * MIN) }))
            .filter((a) => a.at < until && (after === null || a.at >= after))
            .map((a) => ({
              guildId,
              userId: USERS[a.user]!,
              kind: a.kind,
              day: localDateOf(a.at, c.zone),
              at: a.at,
              source: a.kind === 'checkin' ? (a.prompt ? ('prompt' as const) : ('command' as const)) : null,
            }));
          for (const r of rows) await db.insert(activities).values(r).onConflictDoNothing();
        };
        await writeActivities(first, null);
        for (const x of c.sessions) {
          const startedAt = new Date(T0 + x.t * MIN);
          const endedAt = new Date(startedAt.getTime() + x.minutes * MIN);
          if (startedAt >= first) continue;
          const open = x.late || endedAt >= first;
          // One open session per member and server (the unique index): a second stays closed at once.
          const openAlready = open
            ? (await db.select({ id: studySessions.id }).from(studySessions).where(and(eq(studySessions.guildId, guildId), eq(studySessions.userId, USERS[x.user]!), isNull(studySessions.endedAt)))).length > 0
            : false;
          await db.insert(studySessions).values({ guildId, userId: USERS[x.user]!, channelId: '1', source: 'voice', startedAt, endedAt: open && !openAlready ? null : endedAt });
        }
        for (const t of c.prompts) {
          const postedAt = new Date(T0 + t * MIN);
          if (postedAt < second) await db.insert(scheduledPosts).values({ guildId, kind: 'prompt', period: String(t), status: 'posted', claimedAt: postedAt, postedAt }).onConflictDoNothing();
        }

        const check = async (zone: string, now: Date) => {
          const scope = scopeAt(guildId, zone, now, c.period);
          const direct = await directStats(db, scope);
          const summed = await serverStats(db, scope);
          expect(comparable(summed)).toEqual(comparable(direct));
        };
        await check(c.zone, first);

        // Between the two: later rows, the open sessions closed (at their end, or now if that is later), maybe an erasure and a new zone.
        await writeActivities(second, first);
        const open = await db.select({ id: studySessions.id, startedAt: studySessions.startedAt }).from(studySessions).where(and(eq(studySessions.guildId, guildId), isNull(studySessions.endedAt)));
        for (const o of open) {
          const planned = c.sessions.find((x) => T0 + x.t * MIN === o.startedAt.getTime());
          const end = Math.min(second.getTime() - MIN, Math.max(o.startedAt.getTime(), o.startedAt.getTime() + (planned?.minutes ?? 30) * MIN));
          await db.update(studySessions).set({ endedAt: new Date(end) }).where(eq(studySessions.id, o.id));
        }
        if (c.erase !== null) await eraseMemberData(db, { guildId, userId: USERS[c.erase]! });
        const zone = c.laterZone ?? c.zone;
        if (zone !== c.zone) await db.update(guildSettings).set({ timezone: zone }).where(eq(guildSettings.guildId, guildId));
        await check(zone, second);
      }),
      { numRuns: Number(process.env.STATS_PROPERTY_RUNS ?? 40) },
    );
  });

  it('makes each day once when makers run at once; later, only the unsettled day again', async () => {
    const guildId = uniqueGuildId();
    const zone = 'Europe/Berlin';
    const now = new Date('2026-11-11T10:00:00Z');
    await database.db.insert(guildSettings).values({ guildId, timezone: zone });
    const rows = Array.from({ length: 60 }, (_, i) => {
      const at = new Date(now.getTime() - (i + 1) * 86_400_000);
      return { guildId, userId: USERS[i % USERS.length]!, kind: 'step' as const, day: localDateOf(at, zone), at };
    });
    await database.db.insert(activities).values(rows);
    const scope = { guildId, zone, now };
    const results = await Promise.all([makeStatsSummaries(database.db, scope, { lock: 'try' }), makeStatsSummaries(database.db, scope, { lock: 'try' }), makeStatsSummaries(database.db, scope)]);
    // Sixty finished days from the first activity to yesterday, made once between them.
    expect(results.reduce((n, r) => n + r.days, 0)).toBe(60);
    const made = await database.db.select().from(statsDays).where(eq(statsDays.guildId, guildId));
    expect(made.length).toBe(60);
    // Days up to the day before yesterday are settled (no open session); yesterday is made again until it is.
    expect(made.filter((d) => !d.settled).map((d) => d.day)).toEqual([localDateOf(new Date(now.getTime() - 86_400_000), zone)]);
    expect((await makeStatsSummaries(database.db, scope)).days).toBe(0);
    expect((await makeStatsSummaries(database.db, { ...scope, now: new Date(now.getTime() + 60_000) })).days).toBe(1);
    expect(made.reduce((n, d) => n + d.steps, 0)).toBe(60);
  });

  it('the job summarises every server whose yesterday is missing in one run, a few at a time', async () => {
    const zone = 'Asia/Kolkata';
    const now = new Date('2026-11-20T03:00:00Z');
    const guilds = [uniqueGuildId(), uniqueGuildId(), uniqueGuildId()];
    for (const guildId of guilds) {
      await database.db.insert(guildSettings).values({ guildId, timezone: zone });
      const at = new Date(now.getTime() - 3 * 86_400_000);
      await database.db.insert(activities).values({ guildId, userId: USERS[0]!, kind: 'checkin', day: localDateOf(at, zone), at, source: 'command' });
    }
    await statsSummariesJob({ db: database.db, logger: createLogger('silent') }, { servers: 1 }).run(now, new AbortController().signal);
    for (const guildId of guilds) {
      const days = await database.db.select().from(statsDays).where(eq(statsDays.guildId, guildId));
      // From the day of the check-in to yesterday in Kolkata.
      expect(days.map((d) => [d.day, d.checkins]).sort()).toEqual([
        ['2026-11-17', 1],
        ['2026-11-18', 0],
        ['2026-11-19', 0],
      ]);
    }
  });
});
