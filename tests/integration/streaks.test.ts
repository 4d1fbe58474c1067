import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ManualClock } from '../../src/clock.js';
import { findStep, loadContent } from '../../src/content/loader.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { DATABASE_DEADLINES } from '../../src/db/deadlines.js';
import { resetProgress } from '../../src/db/queries/admin.js';
import { boardScores } from '../../src/db/queries/leaderboard.js';
import { eraseMemberData, exportMemberData } from '../../src/db/queries/privacy.js';
import { completeStep, memberTrackProgress } from '../../src/db/queries/progress.js';
import { setMemberTimezone, updateGuildSettings } from '../../src/db/queries/settings.js';
import { checkIn, countedDays, fixStreakDay, getStreakSummary, ledger, recordActivity, streakDetails } from '../../src/db/queries/streaks.js';
import { activities, auditLog, memberStreaks, streakDays } from '../../src/db/schema.js';
import { dayRange } from '../../src/domain/dates.js';
import { foldStreak } from '../../src/domain/streaks.js';
import { openTestDatabase, uniqueGuildId } from '../support/db.js';

let database: Database & { url?: string };

/**
 * These tests queue hundreds of statements at once on a pool of 10 connections to test the lock
 * discipline. The bot answers statements that wait more than 1.5 s for a connection with "nothing
 * was saved, try again" (tests/faults/postgres.test.ts); here the wait is given room instead, so
 * that what is checked is the figures, not the machine's speed.
 */
const BURST_DEADLINES = { ...DATABASE_DEADLINES, poolWaitMs: 120_000, statementMs: 120_000 };

beforeAll(async () => {
  database = await openTestDatabase({ deadlines: BURST_DEADLINES });
});
afterAll(async () => {
  await database?.close();
});

const noon = (day: string) => new Date(`${day}T12:00:00Z`);

async function rows(guildId: string, userId: string) {
  const db = database.db;
  const where = <T extends typeof activities | typeof streakDays>(t: T) => and(eq(t.guildId, guildId), eq(t.userId, userId));
  return {
    activities: await db.select().from(activities).where(where(activities)),
    ledger: await db.select().from(streakDays).where(where(streakDays)),
    streak: await getStreakSummary(db, { guildId, userId }),
  };
}

describe('recordActivity', () => {
  it('counts a local day once, whatever the activities that day', async () => {
    const m = { guildId: uniqueGuildId(), userId: '1' };
    const first = await recordActivity(database.db, { ...m, kind: 'checkin', at: noon('2026-03-02') });
    const again = await recordActivity(database.db, { ...m, kind: 'checkin', at: new Date('2026-03-02T20:00:00Z') });
    const step = await recordActivity(database.db, { ...m, kind: 'step', at: new Date('2026-03-02T21:00:00Z'), ref: 'x' });
    expect(first).toMatchObject({ counted: true, recorded: true, day: '2026-03-02', streak: { current: 1, longest: 1, lastDay: '2026-03-02' } });
    expect(again).toMatchObject({ counted: false, recorded: false });
    expect(step).toMatchObject({ counted: false, recorded: true, streak: { current: 1 } });
    const r = await rows(m.guildId, m.userId);
    expect(r.activities).toHaveLength(2);
    expect(r.ledger.map((l) => [l.day, l.reason])).toEqual([['2026-03-02', 'checkin']]);
  });

  it('uses the member’s zone, else the server’s, and the rollover hour', async () => {
    const guildId = uniqueGuildId();
    const now = noon('2026-03-01');
    await updateGuildSettings(database.db, guildId, { timezone: 'America/New_York', rolloverHour: 4 }, now);
    await setMemberTimezone(database.db, guildId, 'tokyo', 'Asia/Tokyo', now);
    const at = new Date('2026-03-02T06:30:00Z'); // 01:30 in New York (before rollover), 15:30 in Tokyo
    expect((await recordActivity(database.db, { guildId, userId: 'ny', kind: 'checkin', at })).day).toBe('2026-03-01');
    expect((await recordActivity(database.db, { guildId, userId: 'tokyo', kind: 'checkin', at })).day).toBe('2026-03-02');
  });

  it('joins the caller’s transaction: when the caller rolls back, nothing was counted', async () => {
    const m = { guildId: uniqueGuildId(), userId: '1' };
    await expect(
      database.db.transaction(async (tx) => {
        const inner = await recordActivity(tx, { ...m, kind: 'challenge', at: noon('2026-03-02') });
        expect(inner.counted).toBe(true);
        throw new Error('caller failed');
      }),
    ).rejects.toThrow('caller failed');
    const r = await rows(m.guildId, m.userId);
    expect(r.activities).toHaveLength(0);
    expect(r.ledger).toHaveLength(0);
    expect(r.streak.current).toBe(0);
  });

  it('writes freeze days to the ledger and keeps member_streaks equal to a fold of the ledger', async () => {
    const m = { guildId: uniqueGuildId(), userId: '1' };
    for (const day of [...dayRange('2026-03-01', '2026-03-07'), '2026-03-09', '2026-03-12']) {
      await recordActivity(database.db, { ...m, kind: 'checkin', at: noon(day) });
    }
    const r = await rows(m.guildId, m.userId);
    const byDay = new Map(r.ledger.map((l) => [l.day, l.reason]));
    expect(byDay.get('2026-03-08')).toBe('freeze');
    expect(byDay.has('2026-03-10')).toBe(false); // broke: no freeze left
    expect(r.streak).toEqual({ current: 1, longest: 8, freezes: 0, lastDay: '2026-03-12' });
    const fold = foldStreak(await countedDays(database.db, m), { freezeCap: 2 });
    expect({ current: fold.current, longest: fold.longest, freezes: fold.freezes }).toEqual({ current: 1, longest: 8, freezes: 0 });
  });
});

describe('moderator fixes', () => {
  it('a fix fills a gap, replaces a freeze (the freeze comes back), is logged, and shows in the ledger', async () => {
    const m = { guildId: uniqueGuildId(), userId: '1' };
    for (const day of [...dayRange('2026-03-01', '2026-03-07'), '2026-03-09', '2026-03-11']) {
      await recordActivity(database.db, { ...m, kind: 'checkin', at: noon(day) });
    }
    expect(await getStreakSummary(database.db, m)).toMatchObject({ current: 1, longest: 8 });

    const fixed = await fixStreakDay(database.db, { ...m, day: '2026-03-10', actorId: 'mod', reason: 'bot was down', at: noon('2026-03-11') });
    expect(fixed).toMatchObject({ status: 'fixed', streak: { current: 10, longest: 10, freezes: 0 } });
    const freezeFix = await fixStreakDay(database.db, { ...m, day: '2026-03-08', actorId: 'mod', reason: 'travel', at: noon('2026-03-11') });
    expect(freezeFix).toMatchObject({ status: 'fixed', streak: { current: 11, freezes: 1 } });
    const dup = await fixStreakDay(database.db, { ...m, day: '2026-03-09', actorId: 'mod', reason: 'again', at: noon('2026-03-11') });
    expect(dup).toMatchObject({ status: 'already', reason: 'checkin' });

    const days = await ledger(database.db, m);
    expect(days.find((d) => d.day === '2026-03-10')).toMatchObject({ reason: 'fix', actorId: 'mod', note: 'bot was down' });
    expect(days.filter((d) => d.reason === 'freeze')).toEqual([]);
    const audit = await database.db.select().from(auditLog).where(eq(auditLog.guildId, m.guildId));
    expect(audit.map((a) => [a.action, a.actorId, a.targetUserId, a.details.day])).toEqual([
      ['streak.fix', 'mod', '1', '2026-03-10'],
      ['streak.fix', 'mod', '1', '2026-03-08'],
    ]);
    const details = await streakDetails(database.db, m, noon('2026-03-12'), 14);
    expect(details.statuses.get('2026-03-10')).toBe('fix');
    expect(details.view.current).toBe(11);
  });
});

describe('correctness under load', () => {
  it('hundreds of concurrent activities of one member on one day count once, with no lost update', async () => {
    const m = { guildId: uniqueGuildId(), userId: '1' };
    const at = noon('2026-03-02');
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        recordActivity(database.db, { ...m, kind: i % 3 === 0 ? 'checkin' : 'step', at: new Date(at.getTime() + i * 1000), ref: `s${i}` }),
      ),
    );
    expect(results.filter((r) => r.counted)).toHaveLength(1);
    expect(results.filter((r) => r.recorded)).toHaveLength(1 + 200); // one check-in, every step
    const r = await rows(m.guildId, m.userId);
    expect(r.activities.filter((a) => a.kind === 'checkin')).toHaveLength(1);
    expect(r.activities.filter((a) => a.kind === 'step')).toHaveLength(200);
    expect(r.ledger).toHaveLength(1);
    expect(r.streak).toEqual({ current: 1, longest: 1, freezes: 0, lastDay: '2026-03-02' });
  });

  it('many members, days in random order, all at once: exact figures per member', async () => {
    const guildId = uniqueGuildId();
    const members = Array.from({ length: 24 }, (_, i) => `m${i}`);
    // Member i is active on 14 consecutive days except day i % 14 (a gap of one day); every 3rd day twice.
    const plan = members.flatMap((userId, i) =>
      dayRange('2026-02-01', '2026-02-14')
        .filter((_, d) => d !== i % 14)
        .flatMap((day, d) => (d % 3 === 0 ? ['checkin', 'step'] : ['step']).map((kind) => ({ userId, day, kind: kind as 'checkin' | 'step' }))),
    );
    for (let i = plan.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [plan[i], plan[j]] = [plan[j]!, plan[i]!];
    }
    expect(plan.length).toBeGreaterThan(400);
    await Promise.all(plan.map((p) => recordActivity(database.db, { guildId, userId: p.userId, kind: p.kind, at: noon(p.day) })));

    for (const [i, userId] of members.entries()) {
      const gap = i % 14;
      const days = dayRange('2026-02-01', '2026-02-14').filter((_, d) => d !== gap);
      const expected = foldStreak(days, { freezeCap: 2 });
      const r = await rows(guildId, userId);
      expect(r.streak).toEqual({ current: expected.current, longest: expected.longest, freezes: expected.freezes, lastDay: expected.lastDay });
      expect(r.ledger.filter((l) => l.reason !== 'freeze').map((l) => l.day).sort()).toEqual(days);
      expect(r.ledger.filter((l) => l.reason === 'freeze').map((l) => l.day)).toEqual(expected.freezeDays);
      expect(r.activities).toHaveLength(plan.filter((p) => p.userId === userId).length);
    }
  });

  it.each([
    ['after a first check-in', true],
    ['from the first activity on', false],
  ])('check-ins and finished steps of one member on many days, all at once (the unlocked compare-and-set path), %s: exact figures', async (_, first) => {
    const { content } = await loadContent(resolve('content'));
    const steps = [...content.steps.values()];
    const m = { guildId: uniqueGuildId(), userId: 'cas' };
    const clock = (day: string, minute: number) => ({ now: () => new Date(noon(day).getTime() + minute * 60_000) });
    if (first) await checkIn({ db: database.db, clock: clock('2026-04-01', 0) }, m, null);
    // 25 days, a gap on the 10th and the 11th; each day a check-in and a step, sent together with every other day's.
    const days = dayRange('2026-04-01', '2026-04-27').filter((d) => d !== '2026-04-10' && d !== '2026-04-11');
    const outcomes = await Promise.all(
      days.flatMap((day, i) => [
        checkIn({ db: database.db, clock: clock(day, 1) }, m, null),
        completeStep({ db: database.db, clock: clock(day, 2) }, m, steps[i % steps.length]!),
        checkIn({ db: database.db, clock: clock(day, 3) }, m, null), // a second check-in that day: refused
      ]),
    );
    expect(outcomes.filter((o) => typeof o === 'object' && o.recorded)).toHaveLength(first ? days.length - 1 : days.length);
    const expected = foldStreak(days, { freezeCap: 2 });
    const r = await rows(m.guildId, m.userId);
    expect(r.streak).toEqual({ current: expected.current, longest: expected.longest, freezes: expected.freezes, lastDay: expected.lastDay });
    expect(r.ledger.filter((l) => l.reason !== 'freeze').map((l) => l.day).sort()).toEqual(days);
    expect(r.ledger.filter((l) => l.reason === 'freeze').map((l) => l.day).sort()).toEqual(expected.freezeDays);
    expect(r.activities.filter((a) => a.kind === 'checkin')).toHaveLength(days.length);
    expect(r.activities.filter((a) => a.kind === 'step')).toHaveLength(Math.min(days.length, steps.length));
  });

  it('a ledger without figures (rows from an older version, a partial import) is folded again on the next check-in', async () => {
    const m = { guildId: uniqueGuildId(), userId: 'orphan' };
    const at = noon('2026-05-02');
    await database.db.insert(streakDays).values(['2026-05-01', '2026-05-02'].map((day) => ({ ...m, day, reason: 'fix' as const, createdAt: at })));
    const result = await checkIn({ db: database.db, clock: { now: () => at } }, m, null);
    expect(result).toMatchObject({ recorded: true, counted: false, streak: { current: 2, longest: 2, lastDay: '2026-05-02' } });
    expect((await rows(m.guildId, m.userId)).streak).toMatchObject({ current: 2, longest: 2, lastDay: '2026-05-02' });
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('two bot processes (two connection pools) on one Postgres: same figures', async () => {
    const second = await openDatabase({ url: database.url! }, { deadlines: BURST_DEADLINES });
    try {
      const guildId = uniqueGuildId();
      const users = ['a', 'b', 'c', 'd', 'e'];
      const days = dayRange('2026-01-01', '2026-01-21');
      const calls = users.flatMap((userId) => days.flatMap((day) => [database.db, second.db, database.db, second.db].map((db, k) => ({ db, userId, day, k }))));
      const results = await Promise.all(
        calls.map((c) => recordActivity(c.db, { guildId, userId: c.userId, kind: c.k % 2 ? 'checkin' : 'step', at: new Date(noon(c.day).getTime() + c.k * 60_000) })),
      );
      expect(results.filter((r) => r.counted)).toHaveLength(users.length * days.length);
      for (const userId of users) {
        const r = await rows(guildId, userId);
        expect(r.streak).toEqual({ current: 21, longest: 21, freezes: 2, lastDay: '2026-01-21' });
        expect(r.ledger).toHaveLength(21);
        expect(r.activities.filter((a) => a.kind === 'checkin')).toHaveLength(21); // the same-day second check-in was refused
      }
      const [row] = await second.db.select().from(memberStreaks).where(and(eq(memberStreaks.guildId, guildId), eq(memberStreaks.userId, 'a')));
      expect(row?.current).toBe(21);
    } finally {
      await second.close();
    }
  });
});

describe('roadmap steps count, and renamed steps keep progress', () => {
  it('marking a step done counts the day; a content rename (replaces:) keeps the progress and does not count twice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cohort-content-'));
    try {
      await cp(resolve('content'), dir, { recursive: true });
      const before = (await loadContent(dir)).content;
      const m = { guildId: uniqueGuildId(), userId: '1' };
      const clock = new ManualClock('2026-03-02T12:00:00Z');
      const oldEntry = findStep(before, 'python-programming')!;
      expect(await completeStep({ db: database.db, clock }, m, oldEntry)).toBe(true);
      expect((await rows(m.guildId, m.userId)).ledger.map((l) => [l.day, l.reason, l.note])).toEqual([['2026-03-02', 'step', 'python-programming']]);

      // Rename the step in content: new id, `replaces: [python-programming]`.
      const file = join(dir, 'tracks', 'ml-engineer.yaml');
      const track = parse(await readFile(file, 'utf8')) as { steps: { id: string; replaces: string[] }[] };
      track.steps[0]!.id = 'python-basics';
      track.steps[0]!.replaces = ['python-programming'];
      await writeFile(file, stringify(track));
      const after = await loadContent(dir);
      // The track itself is valid (resources still naming the former id are reported by the loader separately).
      expect(after.problems.filter((p) => p.file.startsWith('tracks'))).toEqual([]);
      const renamed = findStep(after.content, 'python-basics')!;
      expect(findStep(after.content, 'python-programming')?.step.id).toBe('python-basics');

      const progress = await memberTrackProgress(database.db, after.content, m, renamed.track);
      expect(progress.done).toBe(1);
      expect(progress.steps[0]).toMatchObject({ status: 'done' });
      clock.set('2026-03-03T12:00:00Z');
      expect(await completeStep({ db: database.db, clock }, m, renamed)).toBe(false);
      expect((await rows(m.guildId, m.userId)).activities).toHaveLength(1); // no second activity for the same step
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a moderator progress reset forgets steps, keeps the streak and is logged', async () => {
    const content = (await loadContent(resolve('content'))).content;
    const m = { guildId: uniqueGuildId(), userId: '1' };
    const clock = new ManualClock('2026-03-02T12:00:00Z');
    const entries = [...content.steps.values()].slice(0, 3);
    for (const e of entries) await completeStep({ db: database.db, clock }, m, e);
    const { removed } = await resetProgress(database.db, { ...m, trackId: entries[0]!.track.id, actorId: 'mod', at: clock.now() });
    expect(removed.sort()).toEqual(entries.map((e) => e.step.id).sort());
    expect((await memberTrackProgress(database.db, content, m, entries[0]!.track)).done).toBe(0);
    expect((await getStreakSummary(database.db, m)).current).toBe(1);
    const audit = await database.db.select().from(auditLog).where(eq(auditLog.guildId, m.guildId));
    expect(audit).toMatchObject([{ action: 'progress.reset', actorId: 'mod', targetUserId: '1' }]);
  });
});

describe('leaderboards and privacy', () => {
  it('boards count what they say over the period', async () => {
    const guildId = uniqueGuildId();
    const now = noon('2026-03-20');
    for (const day of dayRange('2026-03-01', '2026-03-20')) await recordActivity(database.db, { guildId, userId: 'a', kind: 'checkin', at: noon(day) });
    for (const day of dayRange('2026-03-18', '2026-03-20')) await recordActivity(database.db, { guildId, userId: 'b', kind: 'checkin', at: noon(day) });
    for (const day of dayRange('2026-02-01', '2026-02-15')) await recordActivity(database.db, { guildId, userId: 'c', kind: 'checkin', at: noon(day) });
    const streak = await boardScores(database.db, guildId, 'streak', 'week', now);
    expect(new Map(streak.map((r) => [r.userId, r.score]))).toEqual(new Map([['a', 20], ['b', 3]])); // c's streak broke
    const longest = await boardScores(database.db, guildId, 'streak', 'all', now);
    expect(new Map(longest.map((r) => [r.userId, r.score]))).toEqual(new Map([['a', 20], ['b', 3], ['c', 15]]));
    const week = await boardScores(database.db, guildId, 'checkins', 'week', now);
    expect(new Map(week.map((r) => [r.userId, r.score]))).toEqual(new Map([['a', 7], ['b', 3]]));
    const all = await boardScores(database.db, guildId, 'checkins', 'all', now);
    expect(new Map(all.map((r) => [r.userId, r.score]))).toEqual(new Map([['a', 20], ['b', 3], ['c', 15]]));
  });

  it('export holds the member’s data; erase removes it all and leaves others alone', async () => {
    const guildId = uniqueGuildId();
    const clock = new ManualClock('2026-03-02T12:00:00Z');
    await setMemberTimezone(database.db, guildId, 'me', 'Europe/Berlin', clock.now());
    await checkIn({ db: database.db, clock }, { guildId, userId: 'me' }, 'linear algebra');
    await checkIn({ db: database.db, clock }, { guildId, userId: 'other' }, null);
    await fixStreakDay(database.db, { guildId, userId: 'me', day: '2026-03-01', actorId: 'mod', reason: 'outage', at: clock.now() });

    const data = await exportMemberData(database.db, { guildId, userId: 'me' }, clock.now());
    expect(data.settings?.timezone).toBe('Europe/Berlin');
    expect(data.activities).toMatchObject([{ kind: 'checkin', note: 'linear algebra', day: '2026-03-02' }]);
    expect(data.streakLedger.map((d) => d.reason)).toEqual(['fix', 'checkin']);
    expect(data.streak).toMatchObject({ current: 2 });
    expect(data.moderatorLog).toMatchObject([{ action: 'streak.fix' }]);
    // The export survives JSON (what the member downloads) with every part and value in it.
    const json = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(Object.keys(data).sort());
    expect(json).toMatchObject({
      settings: { timezone: 'Europe/Berlin' },
      activities: [{ kind: 'checkin', note: 'linear algebra', day: '2026-03-02' }],
      streakLedger: [{ reason: 'fix' }, { reason: 'checkin' }],
      streak: { current: 2 },
      moderatorLog: [{ action: 'streak.fix' }],
    });

    const counts = await eraseMemberData(database.db, { guildId, userId: 'me' });
    expect(counts).toMatchObject({ settings: 1, activities: 1, streakLedger: 2, streak: 1, moderatorLogAboutThem: 1 });
    const empty = await exportMemberData(database.db, { guildId, userId: 'me' }, clock.now());
    expect([empty.settings, empty.streak, empty.activities.length, empty.streakLedger.length, empty.moderatorLog.length]).toEqual([null, null, 0, 0, 0]);
    expect((await getStreakSummary(database.db, { guildId, userId: 'other' })).current).toBe(1);
  });
});
