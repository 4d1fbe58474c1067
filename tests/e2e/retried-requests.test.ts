import type { TextChannel } from 'discord.js';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createStudyEvent } from '../../src/db/queries/events.js';
import { studyEvents } from '../../src/db/schema.js';
import { useTestBot } from '../support/bot.js';

/**
 * Requests Discord carried out but answered with a 502, which discord.js sends again by itself.
 *
 * Messages: every message the bot creates carries a nonce with enforce_nonce, so the retry returns
 * the first message instead of posting a second.
 *
 * Scheduled events: Discord takes no idempotency key for them. A create that Discord did but answered
 * with a 502 is made again, by discord.js (which tries a 5xx again by itself) or by the next try of
 * the claim. Either way the server's events list ends with one event per session: the one the bot
 * keeps.
 */
const { bot, database } = useTestBot({ now: '2026-03-01T12:00:00Z' });
const CREATE = /^\/guilds\/\d+\/scheduled-events$/;

async function newEvent(title: string) {
  const now = bot.clock.now();
  return createStudyEvent(database.db, {
    guildId: bot.guildId,
    title,
    timezone: 'UTC',
    firstDay: '2026-03-08',
    localTime: '18:00',
    durationMinutes: 60,
    channelId: bot.channelId,
    createdBy: '1',
    createdAt: now,
    updatedAt: now,
  });
}
const listed = (title: string) => bot.fake.scheduledEvents(bot.guildId).filter((e) => e.name === title);
const stored = async (id: number) => (await database.db.select().from(studyEvents).where(eq(studyEvents.id, id)))[0]!;

describe('a Discord scheduled event whose create answer was lost', () => {
  it('discord.js tried the 502 again and Discord made two: the copy is deleted, the kept one is stored', async () => {
    const event = await newEvent('Paper reading');
    bot.fake.failWith({ method: 'POST', path: CREATE, status: 502, applied: true, times: 1 });
    await bot.app.scheduler.runDue();
    bot.fake.clearFailures();
    expect(bot.fake.requests.filter((r) => r.method === 'POST' && CREATE.test(r.path))).toHaveLength(2);
    const left = listed('Paper reading');
    expect(left).toHaveLength(1);
    expect((await stored(event.id)).discordEventId).toBe(left[0]!.id);
  });

  it('every try of the first minute failed after Discord made it: the next minute keeps the first and deletes the rest, making none', async () => {
    const event = await newEvent('Study hall');
    bot.fake.failWith({ method: 'POST', path: CREATE, status: 502, applied: true });
    bot.clock.set('2026-03-01T12:01:00Z');
    await bot.app.scheduler.runDue();
    bot.fake.clearFailures();
    const made = listed('Study hall');
    expect(made.length).toBeGreaterThan(1);
    expect((await stored(event.id)).discordEventId).toBeNull();

    const posts = bot.fake.requests.filter((r) => r.method === 'POST' && CREATE.test(r.path)).length;
    bot.clock.set('2026-03-01T12:02:00Z');
    await bot.app.scheduler.runDue();
    expect(bot.fake.requests.filter((r) => r.method === 'POST' && CREATE.test(r.path))).toHaveLength(posts);
    const left = listed('Study hall');
    expect(left.map((e) => e.id)).toEqual([made[0]!.id]);
    expect((await stored(event.id)).discordEventId).toBe(made[0]!.id);
  });
});

describe('a message whose create answer was lost', () => {
  const MESSAGES = /^\/channels\/\d+\/messages$/;
  const channel = () => bot.app.client.channels.cache.get(bot.channelId) as TextChannel;
  const posted = (content: string) => bot.fake.channelMessages(bot.channelId).filter((m) => m.content === content);

  it('is posted once: the retry carries the same nonce, and Discord returns the first message', async () => {
    bot.fake.failWith({ method: 'POST', path: MESSAGES, status: 502, applied: true, times: 1 });
    const sent = await channel().send({ content: 'welcome, everyone' });
    bot.fake.clearFailures();
    expect(posted('welcome, everyone').map((m) => m.id)).toEqual([sent.id]);
    const tries = bot.fake.requests.filter((r) => r.method === 'POST' && MESSAGES.test(r.path)).slice(-2);
    expect(tries.map((r) => r.status)).toEqual([502, 200]);
    expect(new Set(tries.map((r) => (r.body as { nonce?: string }).nonce)).size).toBe(1);
  });

  it('two messages with the same text are two messages; a nonce the caller set is kept', async () => {
    await channel().send({ content: 'again' });
    await channel().send({ content: 'again' });
    expect(posted('again')).toHaveLength(2);
    await channel().send({ content: 'mine', nonce: 'claim-42', enforceNonce: true });
    expect((bot.fake.requests.at(-1)!.body as { nonce?: string }).nonce).toBe('claim-42');
  });
});
