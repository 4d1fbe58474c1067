import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createCohort, unitsOf } from '../../src/db/queries/cohorts.js';
import { cohortMembers, scheduledPosts, stepProgress } from '../../src/db/schema.js';
import { useTestBot } from '../support/bot.js';

/**
 * A cohort reminder too long for one message (50 mentions each) whose send fails part way: the
 * retry sends the rest of the same list. Worked out again, a member who finished in between would
 * shift the split, so that someone was pinged twice or not at all.
 */
const { bot, database } = useTestBot({ now: '2026-03-01T12:00:00Z' });
const STEP = 'python-programming';

describe('a split cohort reminder retried part way', () => {
  it('pings every member who had the unit open exactly once, although one finished between the attempts', async () => {
    const created = bot.clock.now();
    const cohort = await createCohort(database.db, {
      guildId: bot.guildId,
      name: 'Split',
      trackId: 'ml-engineer',
      weeks: [[STEP], ['statistics-probability']],
      challenges: [null, null],
      timezone: 'UTC',
      startDay: '2026-03-02',
      openTime: '09:00',
      deadlineWeekday: 1,
      deadlineTime: '23:59',
      channelId: bot.channelId,
      joinUntil: new Date('2026-03-09T00:00:00Z'),
      secret: 'cd'.repeat(32),
      createdBy: '1',
      createdAt: created,
      updatedAt: created,
    });
    const members = Array.from({ length: 70 }, (_, i) => String(920_000_000_000_000_000n + BigInt(i)));
    await database.db.insert(cohortMembers).values(members.map((userId) => ({ cohortId: cohort.id, userId, joinedAt: created })));
    const [unit] = unitsOf(cohort);
    bot.clock.set(new Date(unit!.opensAt.getTime() + 60_000));
    await bot.app.scheduler.runDue(); // the announcement

    // Discord takes each reminder message, but its answer is lost (502), every time: the first
    // message is in the channel, and the bot, not knowing, gives the claim back to retry.
    const messagesPath = new RegExp(`^/channels/${bot.channelId}/messages$`);
    bot.fake.failWith({ method: 'POST', path: messagesPath, status: 502, applied: true });
    bot.clock.set(new Date(unit!.reminderAt!.getTime() + 60_000));
    await bot.app.scheduler.runDue();
    bot.fake.clearFailures();
    const [claim] = await database.db
      .select()
      .from(scheduledPosts)
      .where(and(eq(scheduledPosts.guildId, bot.guildId), eq(scheduledPosts.kind, 'cohort_reminder')));
    expect(claim?.status).not.toBe('posted');

    // A member of the first message finishes before the retry.
    await database.db.insert(stepProgress).values({ guildId: bot.guildId, userId: members[3]!, stepId: STEP, trackId: 'ml-engineer', completedAt: bot.clock.now() });
    bot.clock.set(new Date(unit!.reminderAt!.getTime() + 120_000));
    await bot.app.scheduler.runDue();

    const pinged = new Map<string, number>();
    for (const message of bot.fake.channelMessages(bot.channelId)) {
      if (!String(message.content).includes('<@')) continue;
      for (const mention of String(message.content).match(/<@(\d+)>/g) ?? []) pinged.set(mention.slice(2, -1), (pinged.get(mention.slice(2, -1)) ?? 0) + 1);
    }
    expect([...pinged.keys()].sort()).toEqual([...members].sort());
    expect([...pinged.values()].every((n) => n === 1)).toBe(true);
    const [after] = await database.db.select().from(scheduledPosts).where(eq(scheduledPosts.id, claim!.id));
    expect(after?.status).toBe('posted');
  });
});
