import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { eraseMemberData, exportMemberData } from '../../src/db/queries/privacy.js';
import { focusParticipants, focusSessions } from '../../src/db/schema.js';
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
