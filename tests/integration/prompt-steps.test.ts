import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContent } from '../../src/content/loader.js';
import type { Database } from '../../src/db/client.js';
import { activeMemberSteps } from '../../src/db/queries/prompts.js';
import { cohortMembers, cohorts, memberBranches, stepProgress } from '../../src/db/schema.js';
import { openTestDatabase, uniqueGuildId } from '../support/db.js';

const { content } = await loadContent(join(import.meta.dirname, '../../content'));
const track = content.tracks[0]!;

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const now = new Date('2026-06-10T12:00:00Z');
async function finish(guildId: string, userId: string, stepIds: readonly string[]) {
  await database.db.insert(stepProgress).values(stepIds.map((stepId, i) => ({ guildId, userId, stepId, trackId: track.id, completedAt: new Date(now.getTime() - 86_400_000 + i * 1000) })));
}

describe('the daily prompt follows the step each member is on, as /next does', () => {
  it('skips optional steps and follows a chosen branch past the core; with the core done and no branch chosen there is no step', async () => {
    const guildId = uniqueGuildId();
    const required = track.steps.filter((s) => !s.optional);
    const optional = track.steps.find((s) => s.optional)!;
    const beforeOptional = track.steps.slice(0, track.steps.indexOf(optional));
    const afterOptional = track.steps.slice(track.steps.indexOf(optional) + 1).find((s) => !s.optional)!;
    const branch = track.branches[0]!;

    // On the step after an optional one: the optional step is not "their step".
    await finish(guildId, '492000000000000001', beforeOptional.map((s) => s.id));
    // Every required core step done, a branch chosen: the branch's first step is.
    await finish(guildId, '492000000000000002', required.map((s) => s.id));
    await database.db.insert(memberBranches).values({ guildId, userId: '492000000000000002', trackId: track.id, branchId: branch.id, chosenAt: now });
    // Every required core step done and no branch chosen: nothing left to do on the path.
    await finish(guildId, '492000000000000003', required.map((s) => s.id));

    const steps = await activeMemberSteps(database.db, content, guildId, now);
    expect(steps.sort()).toEqual([afterOptional.id, branch.steps[0]!.id].sort());
  });
});

describe('the daily prompt follows the cohort', () => {
  it('a member in a running cohort is on this week’s first unfinished step, even when not otherwise active; before the start and after the end, not', async () => {
    const guildId = uniqueGuildId();
    const [s1, s2, s3, s4] = track.steps.filter((s) => !s.optional).map((s) => s.id);
    const inCohort = '493000000000000001';
    const outside = '493000000000000002';
    const idle = '493000000000000003';
    // Week 1: s3, s4 (opens Monday 8 June 2026 09:00 UTC, due Monday 15 June 23:59).
    const [cohort] = await database.db
      .insert(cohorts)
      .values({
        guildId,
        name: 'June',
        trackId: track.id,
        weeks: [[s3!, s4!], [s1!]],
        challenges: [null, null],
        timezone: 'UTC',
        startDay: '2026-06-08',
        openTime: '09:00',
        deadlineWeekday: 1,
        deadlineTime: '23:59',
        channelId: '493000000000000010',
        joinUntil: now,
        secret: 'ab',
        createdBy: outside,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await database.db.insert(cohortMembers).values([
      { cohortId: cohort!.id, userId: inCohort, joinedAt: now },
      { cohortId: cohort!.id, userId: idle, joinedAt: now },
    ]);
    await finish(guildId, inCohort, [s3!]);
    await finish(guildId, outside, [s1!]);
    // In the cohort: s4 (this week's first unfinished step), not s1 (/next's). Idle but in the cohort: s3. Outside: s2.
    expect((await activeMemberSteps(database.db, content, guildId, now)).sort()).toEqual([s4!, s3!, s2!].sort());
    // Before the cohort opens, members follow /next; the idle member is not active.
    expect((await activeMemberSteps(database.db, content, guildId, new Date('2026-06-08T08:59:00Z'))).sort()).toEqual([s1!, s2!].sort());
    // After its last deadline, too.
    expect((await activeMemberSteps(database.db, content, guildId, new Date('2026-06-22T23:59:00Z'))).sort()).toEqual([s1!, s2!].sort());
  });
});
