import { and, eq, inArray } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { updateGuildSettings } from '../../src/db/queries/settings.js';
import { applyVoiceEvents, type VoiceEvent } from '../../src/db/queries/study.js';
import { studySessions } from '../../src/db/schema.js';
import { HOUR_MS, MINUTE_MS, countedChannel, planVoiceEvents, voiceTransition } from '../../src/domain/study.js';
import { openTestDatabase, uniqueGuildId } from '../support/db.js';

/**
 * The batched voice path against the one-event-at-a-time rule: for any events of a few members in
 * two servers, cut into batches of any sizes, the stored sessions are the same as when each event
 * is its own batch, every member's stored minutes equal an oracle computed from the events alone,
 * and nobody ends with two open sessions.
 */

let database: Database & { url?: string };
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const ROOM_A = '300000000000000001';
const ROOM_B = '300000000000000002';
const LOUNGE = '300000000000000003';
const AFK = '300000000000000004';
const USERS = ['100000000000000001', '100000000000000002', '100000000000000003'];
const cap = { capMs: 12 * HOUR_MS };
const T0 = Date.parse('2026-03-07T22:00:00Z');

const eventArb = fc.record({
  guild: fc.integer({ min: 0, max: 1 }),
  user: fc.integer({ min: 0, max: USERS.length - 1 }),
  channel: fc.constantFrom(ROOM_A, ROOM_B, LOUNGE, AFK, null),
  deaf: fc.boolean(),
  gapMs: fc.constantFrom(0, 0, 1, 30_000, 7 * MINUTE_MS, 40 * MINUTE_MS),
});

async function serversWithRooms(): Promise<string[]> {
  const ids = [uniqueGuildId(), uniqueGuildId()];
  for (const id of ids) await updateGuildSettings(database.db, id, { studyChannelIds: [ROOM_A, ROOM_B] }, new Date(T0));
  return ids;
}

function toEvents(raw: { guild: number; user: number; channel: string | null; deaf: boolean; gapMs: number }[], guilds: string[]): VoiceEvent[] {
  let at = T0;
  return raw.map((e) => {
    at += e.gapMs;
    return { guildId: guilds[e.guild]!, userId: USERS[e.user]!, place: { channelId: e.channel, serverDeaf: e.deaf }, afkChannelId: AFK, at };
  });
}

/** Each member's counted milliseconds up to `end`, from the events alone. */
function oracle(events: readonly VoiceEvent[], end: number): Map<string, number> {
  const since = new Map<string, number | null>();
  const total = new Map<string, number>();
  for (const e of events) {
    const k = `${e.guildId}:${e.userId}`;
    const start = since.get(k);
    if (start != null) total.set(k, (total.get(k) ?? 0) + (e.at - start));
    const counted = countedChannel(e.place, { channelIds: [ROOM_A, ROOM_B], categoryIds: [], afkChannelId: e.afkChannelId });
    since.set(k, counted ? e.at : null);
  }
  for (const [k, start] of since) if (start != null) total.set(k, (total.get(k) ?? 0) + (end - start));
  return total;
}

async function stored(guilds: string[], end: number) {
  const rows = await database.db.select().from(studySessions).where(and(inArray(studySessions.guildId, guilds), eq(studySessions.source, 'voice')));
  const minutes = new Map<string, number>();
  const open = new Map<string, number>();
  for (const r of rows) {
    const k = `${r.guildId}:${r.userId}`;
    minutes.set(k, (minutes.get(k) ?? 0) + ((r.endedAt?.getTime() ?? end) - r.startedAt.getTime()));
    if (!r.endedAt) open.set(k, (open.get(k) ?? 0) + 1);
  }
  const shape = rows
    .map((r) => `${guilds.indexOf(r.guildId)}|${r.userId}|${r.channelId}|${r.startedAt.getTime()}|${r.endedAt?.getTime() ?? 'open'}`)
    .sort();
  return { minutes, open, shape };
}

/** Drops zero-length entries: a member's time is what the oracle compares. */
const nonZero = (m: Map<string, number>) => new Map([...m].filter(([, v]) => v > 0));

describe('voice events in batches', () => {
  it('planVoiceEvents folds each member’s events exactly as voiceTransition one at a time', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ m: fc.integer({ min: 0, max: 3 }), c: fc.constantFrom('a', 'b', null) }), { maxLength: 40 }), (raw) => {
        const steps = raw.map((r, i) => ({ member: r.m, counted: r.c, at: i }));
        const plan = planVoiceEvents(new Map([['0', { id: 7, channelId: 'a' }]]), steps, String);
        // One at a time: the pure rule.
        const state = new Map<number, { channelId: string; startedAt: number; stored: boolean } | null>([[0, { channelId: 'a', startedAt: -1, stored: true }]]);
        const sessions: string[] = [];
        const closedStored: number[] = [];
        for (const s of steps) {
          const current = state.get(s.member) ?? null;
          const step = voiceTransition(current, s.counted);
          if (step.close && current) {
            if (current.stored) closedStored.push(s.at);
            else sessions.push(`${s.member}|${current.channelId}|${current.startedAt}|${s.at}`);
            state.set(s.member, null);
          }
          if (step.open) state.set(s.member, { channelId: step.open, startedAt: s.at, stored: false });
        }
        for (const [m, s] of state) if (s && !s.stored) sessions.push(`${m}|${s.channelId}|${s.startedAt}|open`);
        expect(plan.close.map((c) => c.endedAt)).toEqual(closedStored);
        expect(plan.open.map((o) => `${o.member}|${o.channelId}|${o.startedAt}|${o.endedAt ?? 'open'}`).sort()).toEqual(sessions.sort());
      }),
      { numRuns: 300 },
    );
  });

  it('any cut into batches stores what one event at a time stores, and the minutes equal the oracle', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 24 }), fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 30 }), async (raw, cuts) => {
        const [batchedGuilds, singleGuilds] = [await serversWithRooms(), await serversWithRooms()];
        const batched = toEvents(raw, batchedGuilds);
        const single = toEvents(raw, singleGuilds);
        for (let i = 0, c = 0; i < batched.length; c++) {
          const size = cuts[c % cuts.length]!;
          await applyVoiceEvents(database.db, batched.slice(i, i + size), cap);
          i += size;
        }
        for (const e of single) await applyVoiceEvents(database.db, [e], cap);

        const end = batched.at(-1)!.at + 5 * MINUTE_MS;
        const [a, b] = [await stored(batchedGuilds, end), await stored(singleGuilds, end)];
        expect(a.shape).toEqual(b.shape);
        expect([...a.open.values()].every((n) => n === 1)).toBe(true);
        const truth = oracle(batched, end);
        expect(nonZero(a.minutes)).toEqual(nonZero(truth));
      }),
      { numRuns: 15 },
    );
  });
});
