import { and, eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { updateGuildSettings } from '../../src/db/queries/settings.js';
import {
  countedDays,
  getStreakSummary,
  ledger,
  recordActivity,
  recordActivityOptimistically,
  type ActivityInput,
  type MemberRead,
} from '../../src/db/queries/streaks.js';
import { activities } from '../../src/db/schema.js';
import { addDays } from '../../src/domain/dates.js';
import { foldStreak } from '../../src/domain/streaks.js';
import { openTestDatabase, uniqueGuildId } from '../support/db.js';

// The streak write path has two ways to protect the figures it starts from (src/db/queries/streaks.ts):
// the locked transaction (recordActivity) and the compare-and-set statement that falls back to it
// (recordActivityOptimistically, as /checkin and Mark done call it). For any sequence of activities
// (days in any order, several of one member at once), each path must leave stored figures and freeze
// days that are exactly the fold of the member's ledger. The third, `remembered`, is the compare-and-set
// path starting from the figures it last wrote (ctx.memberFigures), while locked writes of the same
// member and settings rewrites make that guess stale behind its back.

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

type Path = 'locked' | 'optimistic' | 'remembered';
/** How often the compare-and-set path wrote on its own (so that the test is known to exercise it). */
const optimisticWrites = { taken: 0, fellBack: 0 };
/** How often the remembered path started from remembered figures. */
const remembered = { guessed: 0 };

const FIRST = '2026-03-01';
type Activity = { day: number; hour: number; kind: ActivityInput['kind']; behind: boolean };
/**
 * Activities that make streaks: runs of consecutive days (7 earn a freeze) with gaps of one to four
 * days (freezes spent, streaks broken), some at night (before the 04:00 rollover: the day before),
 * some for an earlier day sent after later ones (out of order), cut into batches sent at once.
 */
const plan = fc
  .record({
    gaps: fc.array(fc.oneof({ weight: 5, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 4 }) }), { minLength: 10, maxLength: 24 }),
    late: fc.array(fc.record({ after: fc.nat(), back: fc.integer({ min: 1, max: 6 }) }), { maxLength: 3 }),
    looks: fc.array(
      fc.record({
        hour: fc.constantFrom(1, 9, 12, 23),
        kind: fc.constantFrom('checkin' as const, 'step' as const, 'challenge' as const),
        // On the remembered path: written by the locked path instead, behind the remembered figures' back.
        behind: fc.boolean(),
      }),
      { minLength: 1, maxLength: 8 },
    ),
    sizes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 8 }),
    freezeCap: fc.integer({ min: 0, max: 3 }),
  })
  .map(({ gaps, late, looks, sizes, freezeCap }) => {
    const days: number[] = [];
    gaps.forEach((gap, i) => days.push((days[i - 1] ?? -1) + gap));
    for (const { after, back } of late) days.splice((after % days.length) + 1, 0, Math.max(0, days[after % days.length]! - back));
    const all: Activity[] = days.map((day, i) => ({ day, ...looks[i % looks.length]! }));
    const batches: Activity[][] = [];
    for (let i = 0, b = 0; i < all.length; b++) {
      const size = sizes[b % sizes.length]!;
      batches.push(all.slice(i, i + size));
      i += size;
    }
    return { batches, freezeCap };
  });

let run = 0;
async function apply(path: Path, guildId: string, batches: Activity[][], freezeCap: number) {
  const member = { guildId, userId: `${path}-${run}` };
  const figures = new Map<string, MemberRead>();
  const spy = {
    get: (key: string) => {
      const read = figures.get(key);
      if (read) remembered.guessed += 1;
      return read;
    },
    set: (key: string, read: MemberRead) => figures.set(key, read),
    delete: (key: string) => figures.delete(key),
  };
  let n = 0;
  for (const [b, batch] of batches.entries()) {
    // Now and then the server's settings are saved again (same rules, a new updated_at): a remembered read is stale then.
    if (path === 'remembered' && b % 3 === 2) await updateGuildSettings(database.db, guildId, { freezeCap }, new Date(Date.UTC(2026, 0, 1, 0, 0, b)));
    await Promise.all(
      batch.map((a) => {
        const at = new Date(`${addDays(FIRST, a.day)}T${String(a.hour).padStart(2, '0')}:00:00Z`);
        const input: ActivityInput = { ...member, kind: a.kind, at, ref: `r${n++}` };
        if (path === 'locked' || (path === 'remembered' && a.behind)) return recordActivity(database.db, input);
        return recordActivityOptimistically(database.db, input, undefined, path === 'remembered' ? spy : undefined).then(async (done) => {
          optimisticWrites[done ? 'taken' : 'fellBack'] += 1;
          return done ?? recordActivity(database.db, input);
        });
      }),
    );
  }
  return member;
}

describe('the streak write paths against the pure fold', () => {
  it('for any activities, in any order and at once, both paths store exactly the fold of the ledger', async () => {
    await fc.assert(
      fc.asyncProperty(plan, async ({ batches, freezeCap }) => {
        run += 1;
        const guildId = uniqueGuildId();
        await updateGuildSettings(database.db, guildId, { freezeCap }, new Date('2026-01-01T00:00:00Z'));
        // Every path stores the same activities and counts the same days as the locked one: none is lost.
        let reference: { days: string[]; stored: number } | undefined;
        for (const path of ['locked', 'optimistic', 'remembered'] as const) {
          const member = await apply(path, guildId, batches, freezeCap);
          const days = await countedDays(database.db, member);
          const fold = foldStreak(days, { freezeCap });
          expect(await getStreakSummary(database.db, member), path).toEqual({ current: fold.current, longest: fold.longest, freezes: fold.freezes, lastDay: fold.lastDay });
          const freezeDays = (await ledger(database.db, member)).filter((d) => d.reason === 'freeze').map((d) => d.day);
          expect(freezeDays, path).toEqual(fold.freezeDays);
          // Every activity's day counted (the ledger has each day someone was active), and nothing else.
          const stored = await database.db.select({ day: activities.day }).from(activities).where(and(eq(activities.guildId, member.guildId), eq(activities.userId, member.userId)));
          expect(days, path).toEqual([...new Set(stored.map((a) => a.day))].sort());
          reference ??= { days, stored: stored.length };
          expect({ days, stored: stored.length }, path).toEqual(reference);
        }
      }),
      { numRuns: 25 },
    );
    // Both branches of the compare-and-set path were exercised: it wrote on its own, and it handed out-of-order days to the lock.
    expect(optimisticWrites.taken).toBeGreaterThan(0);
    expect(optimisticWrites.fellBack).toBeGreaterThan(0);
    // The remembered path did start from remembered figures.
    expect(remembered.guessed).toBeGreaterThan(0);
  }, 600_000); // a deadline only against a hang: 25 cases of up to 25 activities on each path, on a loaded machine
});
