import { and, eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { setMemberTimezone, updateGuildSettings } from '../../src/db/queries/settings.js';
import { closeVoiceSession, openVoiceSession, recordFinishedStudy, studyCuts, studyIntervals } from '../../src/db/queries/study.js';
import { getStreakSummary, ledger } from '../../src/db/queries/streaks.js';
import { studySessions } from '../../src/db/schema.js';
import { localDay } from '../../src/domain/dates.js';
import { HOUR_MS, MINUTE_MS, studyByDay } from '../../src/domain/study.js';
import { openTestDatabase, uniqueGuildId } from '../support/db.js';

/** The study query path on a real (embedded) database: sessions, caps and the streak they earn. */

let database: Database & { url?: string };
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const cap = { capMs: 12 * HOUR_MS };
const at = (iso: string) => new Date(iso);

describe('recordFinishedStudy', () => {
  it('stores a closed session and counts the day once study_minutes is reached, with the reason', async () => {
    const guildId = uniqueGuildId();
    const member = { guildId, userId: '100000000000000001' };
    const first = await recordFinishedStudy(
      database.db,
      { ...member, channelId: '200000000000000001', source: 'focus', startedAt: at('2026-03-02T10:00:00Z'), endedAt: at('2026-03-02T10:20:00Z') },
      cap,
    );
    expect(first.days).toEqual([{ day: '2026-03-02', totalMs: 20 * MINUTE_MS, counted: false }]);
    expect((await getStreakSummary(database.db, member)).current).toBe(0);

    const second = await recordFinishedStudy(
      database.db,
      { ...member, channelId: '200000000000000002', source: 'voice', startedAt: at('2026-03-02T11:00:00Z'), endedAt: at('2026-03-02T12:00:00Z') },
      cap,
    );
    expect(second.days[0]).toMatchObject({ day: '2026-03-02', totalMs: 80 * MINUTE_MS, counted: true });
    expect(await getStreakSummary(database.db, member)).toMatchObject({ current: 1, lastDay: '2026-03-02' });
    expect(await ledger(database.db, member)).toEqual([{ day: '2026-03-02', reason: 'study', actorId: null, note: 'studied 1 h 20 m in <#200000000000000002>' }]);

    // More study the same day keeps one ledger day and brings its note up to date.
    await recordFinishedStudy(
      database.db,
      { ...member, channelId: '200000000000000002', source: 'voice', startedAt: at('2026-03-02T13:00:00Z'), endedAt: at('2026-03-02T13:30:00Z') },
      cap,
    );
    expect(await ledger(database.db, member)).toEqual([{ day: '2026-03-02', reason: 'study', actorId: null, note: 'studied 1 h 50 m in <#200000000000000002>' }]);
  });

  it('follows the server threshold, the member zone and the rollover hour', async () => {
    const guildId = uniqueGuildId();
    const member = { guildId, userId: '100000000000000002' };
    await updateGuildSettings(database.db, guildId, { studyMinutes: 60, rolloverHour: 4 }, at('2026-01-01T00:00:00Z'));
    await setMemberTimezone(database.db, guildId, member.userId, 'America/New_York', at('2026-01-01T00:00:00Z'));
    // 02:30–04:00 local (EST, UTC−5) on 3 March still belongs to 2 March (rollover 04:00): 90 minutes on the 2nd.
    const result = await recordFinishedStudy(
      database.db,
      { ...member, channelId: '200000000000000001', source: 'voice', startedAt: at('2026-03-03T07:30:00Z'), endedAt: at('2026-03-03T09:30:00Z') },
      cap,
    );
    expect(result.days.map((d) => [d.day, d.totalMs / MINUTE_MS, d.counted])).toEqual([
      ['2026-03-02', 90, true],
      ['2026-03-03', 30, false],
    ]);
  });

  it('caps one session at the cap and keeps what was cut', async () => {
    const guildId = uniqueGuildId();
    const member = { guildId, userId: '100000000000000003' };
    const result = await recordFinishedStudy(
      database.db,
      { ...member, channelId: '200000000000000001', source: 'voice', startedAt: at('2026-03-02T00:00:00Z'), endedAt: at('2026-03-02T15:00:00Z') },
      cap,
    );
    expect(result.cutMs).toBe(3 * HOUR_MS);
    expect(result.endedAt).toEqual(at('2026-03-02T12:00:00Z'));
    expect(await studyCuts(database.db, guildId)).toMatchObject({ sessions: 1, cutMs: 3 * HOUR_MS });
  });
});

describe('voice sessions', () => {
  it('opens one session per member and server, closes it once, capped in SQL', async () => {
    const guildId = uniqueGuildId();
    const member = { guildId, userId: '100000000000000004' };
    const id = await openVoiceSession(database.db, { ...member, channelId: '200000000000000001', startedAt: at('2026-03-02T08:00:00Z') });
    expect(id).not.toBeNull();
    expect(await openVoiceSession(database.db, { ...member, channelId: '200000000000000002', startedAt: at('2026-03-02T08:01:00Z') })).toBeNull();
    // The same member in another server has a session of their own.
    expect(await openVoiceSession(database.db, { guildId: uniqueGuildId(), userId: member.userId, channelId: '200000000000000003', startedAt: at('2026-03-02T08:00:00Z') })).not.toBeNull();

    const closed = await closeVoiceSession(database.db, id!, at('2026-03-02T21:00:00Z'), cap);
    expect(closed).toMatchObject({ cutMs: HOUR_MS, endedAt: at('2026-03-02T20:00:00Z') });
    expect(await closeVoiceSession(database.db, id!, at('2026-03-02T22:00:00Z'), cap)).toBeNull();
    expect(await studyIntervals(database.db, member)).toEqual([{ start: at('2026-03-02T08:00:00Z').getTime(), end: at('2026-03-02T20:00:00Z').getTime() }]);
    const rows = await database.db.select().from(studySessions).where(and(eq(studySessions.guildId, guildId), eq(studySessions.userId, member.userId)));
    expect(rows).toHaveLength(1);
  });

  it('never closes a session before it began', async () => {
    const guildId = uniqueGuildId();
    const member = { guildId, userId: '100000000000000005' };
    const id = await openVoiceSession(database.db, { ...member, channelId: '200000000000000001', startedAt: at('2026-03-02T08:00:00Z') });
    const closed = await closeVoiceSession(database.db, id!, at('2026-03-02T07:00:00Z'), cap);
    expect(closed).toMatchObject({ cutMs: 0, endedAt: at('2026-03-02T08:00:00Z'), days: [] });
  });
});

describe('study days on the query path (property)', () => {
  const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham'] as const;
  // Minute-aligned sessions around the Berlin and New York DST changes of March 2026.
  const base = Date.UTC(2026, 2, 27);
  const session = fc.tuple(fc.integer({ min: 0, max: 6 * 24 * 60 }), fc.integer({ min: 1, max: 10 * 60 })).map(([m, len]) => ({ start: base + m * MINUTE_MS, end: base + (m + len) * MINUTE_MS }));

  it('for any sessions in any order and any zone: stored time per member day equals the covered minutes, and exactly the days reaching study_minutes count', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(session, { minLength: 1, maxLength: 6 }), fc.constantFrom(...ZONES), fc.constantFrom(0, 4), fc.integer({ min: 10, max: 120 }), async (sessions, zone, rolloverHour, studyMinutes) => {
        const guildId = uniqueGuildId();
        const member = { guildId, userId: '100000000000000009' };
        await updateGuildSettings(database.db, guildId, { timezone: zone, rolloverHour, studyMinutes }, new Date(0));
        for (const s of sessions) {
          await recordFinishedStudy(database.db, { ...member, channelId: '200000000000000001', source: 'focus', startedAt: new Date(s.start), endedAt: new Date(s.end) }, cap);
        }
        const stored = studyByDay(await studyIntervals(database.db, member), zone, rolloverHour);
        // The oracle: every covered minute once, on the member day it begins in.
        const minutes = new Set<number>();
        for (const s of sessions) for (let t = s.start; t < s.end; t += MINUTE_MS) minutes.add(t);
        const oracle = new Map<string, number>();
        for (const t of minutes) {
          const day = localDay(new Date(t), zone, rolloverHour);
          oracle.set(day, (oracle.get(day) ?? 0) + MINUTE_MS);
        }
        expect(stored).toEqual(oracle);
        const counted = (await ledger(database.db, member)).filter((d) => d.reason === 'study').map((d) => d.day);
        const expected = [...oracle].filter(([, ms]) => ms >= studyMinutes * MINUTE_MS).map(([day]) => day).sort();
        expect(counted).toEqual(expected);
      }),
      { numRuns: 12 },
    );
  }, 300_000); // a dozen runs of a few dozen statements each; slow on a loaded machine, never timed
});
