import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { loadContent, type Content } from '../../src/content/loader.js';
import type { Database } from '../../src/db/client.js';
import { flagSubmission, submissionsOf, submit, unflagSubmission } from '../../src/db/queries/challenges.js';
import { boardScores } from '../../src/db/queries/leaderboard.js';
import { memberFigures } from '../../src/db/queries/rewards.js';
import { auditLog, challengeWeeks } from '../../src/db/schema.js';
import { UserError } from '../../src/errors.js';
import { openTestDatabase, uniqueGuildId } from '../support/db.js';

let database: Database;
let content: Content;
beforeAll(async () => {
  database = await openTestDatabase();
  content = (await loadContent(resolve('content'))).content;
});
afterAll(async () => {
  await database?.close();
});

const MOD = '493000000000000001';
const [ME, OTHER] = ['493000000000000002', '493000000000000003'];

describe('flags on challenge submissions', () => {
  it('a flagged submission leaves the milestone count and the leaderboard; unflag restores both; each is logged with the change', async () => {
    const guildId = uniqueGuildId();
    const at = new Date('2026-05-05T10:00:00Z');
    const weeks = await database.db
      .insert(challengeWeeks)
      .values([
        { guildId, weekStart: '2026-04-27', challengeId: 'titanic', startsAt: new Date('2026-04-27T00:00:00Z'), endsAt: new Date('2026-05-04T00:00:00Z'), createdAt: at },
        { guildId, weekStart: '2026-05-04', challengeId: 'house-prices', startsAt: new Date('2026-05-04T00:00:00Z'), endsAt: new Date('2026-05-11T00:00:00Z'), createdAt: at },
      ])
      .returning();
    const [old, current] = [weeks[0]!, weeks[1]!];
    const entry = (runId: number, userId: string, when: Date) =>
      submit(database.db, { guildId, runId, userId, link: 'https://www.kaggle.com/code/x/y', score: '0.5', note: null, now: when, lateMessage: () => 'late' });
    await entry(old.id, ME, new Date('2026-04-28T10:00:00Z'));
    await entry(current.id, ME, at);
    await entry(current.id, OTHER, at);
    const figures = async () => (await memberFigures(database.db, content, { guildId, userId: ME }, at)).submissions;
    const board = async () => Object.fromEntries((await boardScores(database.db, guildId, 'challenges', 'all', at)).map((r) => [r.userId, r.score]));
    expect(await figures()).toBe(2);

    // The latest submission is the one flagged.
    const flagged = await flagSubmission(database.db, { guildId, userId: ME, by: MOD, reason: 'not their work', now: at });
    expect(flagged.run.id).toBe(current.id);
    expect(await figures()).toBe(1);
    expect(await board()).toEqual({ [ME]: 1, [OTHER]: 1 });
    const mine = (await submissionsOf(database.db, current.id)).find((s) => s.userId === ME)!;
    expect(mine).toMatchObject({ flagReason: 'not their work', flaggedAt: at });
    await expect(flagSubmission(database.db, { guildId, userId: ME, by: MOD, reason: 'again', now: at })).rejects.toThrow(UserError);

    // Replacing a flagged entry keeps the flag.
    await entry(current.id, ME, new Date('2026-05-05T11:00:00Z'));
    expect((await submissionsOf(database.db, current.id)).find((s) => s.userId === ME)!.flaggedAt).toEqual(at);

    await unflagSubmission(database.db, { guildId, userId: ME, by: MOD, reason: null, now: at });
    expect(await figures()).toBe(2);
    expect(await board()).toEqual({ [ME]: 2, [OTHER]: 1 });
    await expect(unflagSubmission(database.db, { guildId, userId: ME, by: MOD, reason: null, now: at })).rejects.toThrow('has no flagged challenge submission');

    const log = await database.db.select().from(auditLog).where(and(eq(auditLog.guildId, guildId), eq(auditLog.targetUserId, ME)));
    expect(log.map((l) => [l.action, l.actorId, l.details.reason ?? null, l.details.weekId])).toEqual([
      ['challenge.flag', MOD, 'not their work', current.id],
      ['challenge.unflag', MOD, null, current.id],
    ]);
  });
});
