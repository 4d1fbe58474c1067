import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createStudyEvent, toggleRsvp } from '../../src/db/queries/events.js';
import { scheduledPosts } from '../../src/db/schema.js';
import { useTestBot } from '../support/bot.js';

/**
 * An event reminder too long for one message (50 mentions each) whose send fails part way: the
 * retry sends the rest of the same list, although a member took their Going back in between.
 */
const { bot, database } = useTestBot({ now: '2026-03-01T12:00:00Z' });

describe('a split event reminder retried part way', () => {
  it('pings every member who was going exactly once', async () => {
    const now = bot.clock.now();
    const event = await createStudyEvent(database.db, {
      guildId: bot.guildId,
      title: 'Study hall',
      timezone: 'UTC',
      firstDay: '2026-03-01',
      localTime: '13:00',
      durationMinutes: 60,
      channelId: bot.channelId,
      createdBy: '1',
      createdAt: now,
      updatedAt: now,
    });
    const members = Array.from({ length: 70 }, (_, i) => String(930_000_000_000_000_000n + BigInt(i)));
    for (const userId of members) await toggleRsvp(database.db, { eventId: event.id, occurrence: 0, userId }, 'going', now);

    // Discord takes each reminder message, but its answer is lost (502), every time.
    bot.fake.failWith({ method: 'POST', path: new RegExp(`^/channels/${bot.channelId}/messages$`), status: 502, applied: true });
    bot.clock.set('2026-03-01T12:46:00Z');
    await bot.app.scheduler.runDue();
    bot.fake.clearFailures();
    const [claim] = await database.db
      .select()
      .from(scheduledPosts)
      .where(and(eq(scheduledPosts.guildId, bot.guildId), eq(scheduledPosts.kind, 'event_reminder')));
    expect(claim?.status).toBe('claimed');

    // A member of the first message takes their answer back before the retry.
    expect(await toggleRsvp(database.db, { eventId: event.id, occurrence: 0, userId: members[3]! }, 'going', bot.clock.now())).toBeNull();
    bot.clock.set('2026-03-01T12:47:00Z');
    await bot.app.scheduler.runDue();

    const pinged = new Map<string, number>();
    for (const message of bot.fake.channelMessages(bot.channelId)) {
      for (const mention of String(message.content).match(/<@(\d+)>/g) ?? []) pinged.set(mention.slice(2, -1), (pinged.get(mention.slice(2, -1)) ?? 0) + 1);
    }
    expect([...pinged.keys()].sort()).toEqual([...members].sort());
    expect([...pinged.values()].every((n) => n === 1)).toBe(true);
    const [after] = await database.db.select().from(scheduledPosts).where(eq(scheduledPosts.id, claim!.id));
    expect(after?.status).toBe('posted');
  });
});
