import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { studyMinutesThisWeek } from '../../src/db/queries/digest.js';
import { memberStudyHours } from '../../src/db/queries/rewards.js';
import { recordFinishedStudy } from '../../src/db/queries/study.js';
import { openTestDatabase, uniqueGuildId } from '../support/db.js';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);

describe('study totals read by the digest and the milestone roles', () => {
  it('count closed voice and focus sessions once where they overlap, and only inside the window', async () => {
    const member = { guildId: uniqueGuildId(), userId: '490000000000000001' };
    const capMs = 12 * HOUR;
    // 10:00–12:00 in voice, a focus round 11:30–12:30 overlapping it, and 90 minutes ten days earlier.
    await recordFinishedStudy(database.db, { ...member, channelId: '490000000000000010', source: 'voice', startedAt: at('2026-06-10T10:00:00Z'), endedAt: at('2026-06-10T12:00:00Z') }, { capMs });
    await recordFinishedStudy(database.db, { ...member, channelId: '490000000000000011', source: 'focus', startedAt: at('2026-06-10T11:30:00Z'), endedAt: at('2026-06-10T12:30:00Z') }, { capMs });
    await recordFinishedStudy(database.db, { ...member, channelId: '490000000000000010', source: 'voice', startedAt: at('2026-05-31T08:00:00Z'), endedAt: at('2026-05-31T09:30:00Z') }, { capMs });

    expect(await studyMinutesThisWeek(database.db, member, at('2026-06-05T00:00:00Z'), at('2026-06-12T00:00:00Z'))).toBe(150);
    // A window that starts mid-session counts only its part.
    expect(await studyMinutesThisWeek(database.db, member, at('2026-06-10T11:00:00Z'), at('2026-06-12T00:00:00Z'))).toBe(90);
    // All time: 2 h 30 m + 1 h 30 m = 4 whole hours.
    expect(await memberStudyHours(database.db, member)).toBe(4);
    expect(await memberStudyHours(database.db, { ...member, userId: '490000000000000002' })).toBe(0);
  });
});
