import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Database } from '../../src/db/client.js';
import { eraseMemberData, exportMemberData } from '../../src/db/queries/privacy.js';
import { cohortCertificates, cohortMembers, cohorts, cohortUnitsDone, focusParticipants, focusSessions, scheduledPosts } from '../../src/db/schema.js';
import { openTestDatabase, uniqueGuildId } from '../support/db.js';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe('privacy: focus sessions', () => {
  it('the export lists the focus sessions a member joined; erasing removes their memberships, not other members’', async () => {
    const guildId = uniqueGuildId();
    const [me, other] = ['491000000000000001', '491000000000000002'];
    const [session] = await database.db
      .insert(focusSessions)
      .values({ guildId, channelId: '491000000000000010', startedBy: other, focusMinutes: 25, breakMinutes: 5, rounds: 4, startedAt: new Date('2026-06-01T10:00:00Z') })
      .returning();
    await database.db.insert(focusParticipants).values([
      { sessionId: session!.id, userId: me, joinedAt: new Date('2026-06-01T10:01:00Z'), leftAt: new Date('2026-06-01T11:00:00Z') },
      { sessionId: session!.id, userId: other, joinedAt: new Date('2026-06-01T10:00:00Z') },
    ]);
    const exported = await exportMemberData(database.db, { guildId, userId: me }, new Date('2026-06-02T00:00:00Z'));
    expect(exported.focusSessions).toEqual([
      { channelId: '491000000000000010', startedByThem: false, sessionStartedAt: new Date('2026-06-01T10:00:00Z'), joinedAt: new Date('2026-06-01T10:01:00Z'), leftAt: new Date('2026-06-01T11:00:00Z') },
    ]);
    // Another server's member with the same id is not touched.
    expect((await exportMemberData(database.db, { guildId: uniqueGuildId(), userId: me }, new Date())).focusSessions).toEqual([]);

    expect(await eraseMemberData(database.db, { guildId, userId: me })).toMatchObject({ focusSessions: 1 });
    expect((await exportMemberData(database.db, { guildId, userId: me }, new Date())).focusSessions).toEqual([]);
    expect((await exportMemberData(database.db, { guildId, userId: other }, new Date())).focusSessions).toHaveLength(1);
  });
});

describe('privacy: cohorts', () => {
  it('the export lists cohorts, finished units and certificates; erasing removes them (and the certificate claim), not other members’', async () => {
    const guildId = uniqueGuildId();
    const [me, other] = ['492000000000000001', '492000000000000002'];
    const at = new Date('2026-04-13T22:00:00Z');
    const [cohort] = await database.db
      .insert(cohorts)
      .values({
        guildId,
        name: 'Spring',
        trackId: 't',
        weeks: [['a']],
        challenges: [null],
        timezone: 'UTC',
        startDay: '2026-04-06',
        openTime: '09:00',
        deadlineWeekday: 1,
        deadlineTime: '23:59',
        channelId: '492000000000000010',
        joinUntil: at,
        secret: 'ab',
        createdBy: other,
        createdAt: at,
        updatedAt: at,
      })
      .returning();
    const id = cohort!.id;
    for (const userId of [me, other]) {
      await database.db.insert(cohortMembers).values({ cohortId: id, userId, joinedAt: at });
      await database.db.insert(cohortUnitsDone).values({ cohortId: id, userId, week: 1, doneAt: at, onTime: true, via: 'steps' });
      await database.db.insert(cohortCertificates).values({ cohortId: id, userId, code: `AAAAA-${userId.slice(-5)}`, displayName: 'X', units: 1, unitsDone: 1, unitsOnTime: 1, issuedAt: at });
      await database.db.insert(scheduledPosts).values({ guildId, kind: 'cohort_certificate', period: `${id}:${userId}`, status: 'posted', claimedAt: at });
    }
    const exported = await exportMemberData(database.db, { guildId, userId: me }, at);
    expect(exported.cohorts).toEqual([{ cohort: 'Spring', joinedAt: at, hiddenFromBoard: false, nudgedAt: null }]);
    expect(exported.cohortUnits).toEqual([{ cohort: 'Spring', week: 1, doneAt: at, onTime: true, via: 'steps' }]);
    expect(exported.cohortCertificates).toMatchObject([{ cohort: 'Spring', code: 'AAAAA-00001' }]);
    expect((await exportMemberData(database.db, { guildId: uniqueGuildId(), userId: me }, at)).cohorts).toEqual([]);

    expect(await eraseMemberData(database.db, { guildId, userId: me })).toMatchObject({ cohorts: 1, cohortUnits: 1, cohortCertificates: 1 });
    const after = await exportMemberData(database.db, { guildId, userId: me }, at);
    expect([after.cohorts, after.cohortUnits, after.cohortCertificates]).toEqual([[], [], []]);
    const theirs = await exportMemberData(database.db, { guildId, userId: other }, at);
    expect([theirs.cohorts.length, theirs.cohortUnits.length, theirs.cohortCertificates.length]).toEqual([1, 1, 1]);
    const claims = await database.db.select().from(scheduledPosts).where(eq(scheduledPosts.guildId, guildId));
    expect(claims.map((c) => c.period)).toEqual([`${id}:${other}`]);
  });
});
