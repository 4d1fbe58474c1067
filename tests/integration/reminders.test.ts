import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { markDmClosed, pendingDmClosedNotices, takeDmClosedNotice } from '../../src/db/queries/digest.js';
import { eraseMemberData, exportMemberData } from '../../src/db/queries/privacy.js';
import { claimNudge, markReminderDmClosed, nudgeFailed, setReminder } from '../../src/db/queries/reminders.js';
import { setMemberTimezone } from '../../src/db/queries/settings.js';
import { memberStreakStates, memberToday, recordActivity, streakDetails } from '../../src/db/queries/streaks.js';
import { auditLog, memberNudges, memberSettings, scheduledPosts } from '../../src/db/schema.js';
import { openTestDatabase, uniqueGuildId } from '../support/db.js';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const NOW = new Date('2026-03-10T12:00:00Z');

describe('nudges in the database', () => {
  it('of many claims at once for one member, exactly one wins, with one nudge row and one log entry', async () => {
    const guildId = uniqueGuildId();
    const member = { guildId, userId: '485000000000000001' };
    await setReminder(database.db, member, { enabled: true }, NOW);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => claimNudge(database.db, member, `48500000000000010${i}`, NOW)));
    const won = results.filter((r) => r !== undefined);
    expect(won).toHaveLength(1);
    expect(won[0]!.previous).toBeNull();
    const log = await database.db.select().from(auditLog).where(and(eq(auditLog.guildId, guildId), eq(auditLog.action, 'member.nudge')));
    expect(log.map((l) => [l.actorId, l.targetUserId, l.details])).toEqual([[won[0]!.nudge.actorId, member.userId, { nudgeId: won[0]!.nudge.id }]]);
    expect(await database.db.select().from(memberNudges).where(eq(memberNudges.guildId, guildId))).toHaveLength(1);

    // Exactly seven days later it opens again; a failed DM gives the week back.
    expect(await claimNudge(database.db, member, '485000000000000100', new Date(NOW.getTime() + 7 * 86_400_000 - 1))).toBeUndefined();
    const later = new Date(NOW.getTime() + 7 * 86_400_000);
    const again = await claimNudge(database.db, member, '485000000000000100', later);
    expect(again?.previous).toEqual(NOW);
    await nudgeFailed(database.db, again!.nudge, again!.previous, 'DMs closed');
    const [row] = await database.db.select().from(memberSettings).where(and(eq(memberSettings.guildId, guildId), eq(memberSettings.userId, member.userId)));
    expect(row!.nudgedAt).toEqual(NOW);
    expect((await database.db.select().from(auditLog).where(eq(auditLog.guildId, guildId))).length).toBe(2); // the attempt stays in the log
  });

  it('writes nothing for a member who did not opt in, or whose DMs are closed', async () => {
    const guildId = uniqueGuildId();
    const never = { guildId, userId: '485000000000000002' };
    const closed = { guildId, userId: '485000000000000003' };
    expect(await claimNudge(database.db, never, '485000000000000100', NOW)).toBeUndefined();
    await setReminder(database.db, closed, { enabled: true }, NOW);
    await markReminderDmClosed(database.db, closed, NOW);
    expect(await claimNudge(database.db, closed, '485000000000000100', NOW)).toBeUndefined();
    expect(await database.db.select().from(auditLog).where(eq(auditLog.guildId, guildId))).toHaveLength(0);
    expect(await database.db.select().from(memberNudges).where(eq(memberNudges.guildId, guildId))).toHaveLength(0);
  });
});

describe('closed DMs', () => {
  it('a refused digest and a refused reminder are each told once', async () => {
    const guildId = uniqueGuildId();
    const member = { guildId, userId: '485000000000000004' };
    await setReminder(database.db, member, { enabled: true }, NOW);
    await markReminderDmClosed(database.db, member, NOW);
    expect(await pendingDmClosedNotices(database.db, [guildId])).toEqual([member]);
    expect(await takeDmClosedNotice(database.db, member, new Date('2026-03-10T13:00:00Z'))).toEqual(['reminder']);
    expect(await takeDmClosedNotice(database.db, member, new Date('2026-03-10T13:01:00Z'))).toEqual([]);
    await markDmClosed(database.db, member, NOW);
    expect(await takeDmClosedNotice(database.db, member, new Date('2026-03-10T13:02:00Z'))).toEqual(['digest']);
    expect(await pendingDmClosedNotices(database.db, [guildId])).toEqual([]);
  });
});

describe('memberStreakStates', () => {
  it('gives each member the day and figures /streak gives them', async () => {
    const guildId = uniqueGuildId();
    const zones = ['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Europe/Berlin', null];
    const users = zones.map((_, i) => `48500000000000010${i}`);
    for (const [i, userId] of users.entries()) {
      if (zones[i]) await setMemberTimezone(database.db, guildId, userId, zones[i], NOW);
      for (const day of ['2026-03-07', '2026-03-08']) await recordActivity(database.db, { guildId, userId, kind: 'checkin', at: new Date(`${day}T12:00:00Z`) });
    }
    for (const at of [new Date('2026-03-09T03:00:00Z'), new Date('2026-03-09T11:00:00Z'), new Date('2026-03-10T23:30:00Z')]) {
      const states = await memberStreakStates(database.db, guildId, at);
      expect(states).toHaveLength(users.length);
      for (const s of states) {
        const member = { guildId, userId: s.userId };
        expect(s.today).toBe(await memberToday(database.db, member, at));
        const details = await streakDetails(database.db, member, at, 1);
        expect(s.view).toEqual(details.view);
      }
    }
  });
});

describe('privacy', () => {
  it('the export includes the reminder settings, the reminders and the nudges; erasing removes them, not other members’', async () => {
    const guildId = uniqueGuildId();
    const me = { guildId, userId: '485000000000000005' };
    const other = { guildId, userId: '485000000000000006' };
    for (const m of [me, other]) {
      await setReminder(database.db, m, { enabled: true, time: '19:15' }, NOW);
      await claimNudge(database.db, m, '485000000000000100', NOW);
      await database.db.insert(scheduledPosts).values({ guildId, kind: 'streak_reminder', period: `${m.userId}:2026-03-09`, status: 'posted', claimedAt: NOW, postedAt: NOW });
    }
    const exported = await exportMemberData(database.db, me, NOW);
    expect(exported.settings).toMatchObject({ reminderEnabled: true, reminderTime: '19:15', nudgedAt: NOW });
    expect(exported.streakReminders).toEqual([{ day: '2026-03-09', status: 'posted', postedAt: NOW, error: null }]);
    expect(exported.nudges).toEqual([{ at: NOW, actorId: '485000000000000100', status: 'claimed', error: null }]);
    expect(exported.moderatorLog.map((l) => l.action)).toEqual(['member.nudge']);

    expect(await eraseMemberData(database.db, me)).toMatchObject({ settings: 1, streakReminders: 1, nudges: 1, moderatorLogAboutThem: 1 });
    const after = await exportMemberData(database.db, me, NOW);
    expect([after.settings, after.streakReminders, after.nudges, after.moderatorLog]).toEqual([null, [], [], []]);
    const theirs = await exportMemberData(database.db, other, NOW);
    expect([theirs.streakReminders.length, theirs.nudges.length]).toEqual([1, 1]);
  });
});
