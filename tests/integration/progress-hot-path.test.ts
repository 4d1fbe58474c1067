import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { loadContent, type Content } from '../../src/content/loader.js';
import type { Database } from '../../src/db/client.js';
import { createCohort, joinCohort } from '../../src/db/queries/cohorts.js';
import { completeStep, completeStepWithProgress, memberTrackProgress } from '../../src/db/queries/progress.js';
import { countedDays, getStreakSummary } from '../../src/db/queries/streaks.js';
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

describe('completeStepWithProgress (the Mark done button)', () => {
  it('records the step once, counts the day, and returns the same progress as reading it afterwards', async () => {
    const m = { guildId: uniqueGuildId(), userId: '1' };
    const clock = new ManualClock('2026-03-02T12:00:00Z');
    const [first, second, other] = [...content.steps.values()].filter((e) => e.track.id === content.tracks[0]!.id);
    await completeStep({ db: database.db, clock }, m, other!);
    const ctx = { db: database.db, clock, content };

    const done = await completeStepWithProgress(ctx, m, first!);
    expect(done.recorded).toBe(true);
    expect(done.progress).toEqual(await memberTrackProgress(database.db, content, m, first!.track));
    expect(done.progress.done).toBe(2);

    clock.set('2026-03-03T12:00:00Z');
    const again = await completeStepWithProgress(ctx, m, first!);
    expect(again).toEqual({ recorded: false, progress: done.progress, inCohort: false });
    expect(await countedDays(database.db, m)).toEqual(['2026-03-02']); // the second press counted nothing

    const next = await completeStepWithProgress(ctx, m, second!);
    expect(next.recorded).toBe(true);
    expect(next.progress).toEqual(await memberTrackProgress(database.db, content, m, second!.track));
    expect(await getStreakSummary(database.db, m)).toMatchObject({ current: 2, lastDay: '2026-03-03' });
  });

  it('says whether the member is in one of this server’s cohorts (a cohort elsewhere does not count), so units are synced only then', async () => {
    const clock = new ManualClock('2026-03-02T12:00:00Z');
    const [here, elsewhere] = [uniqueGuildId(), uniqueGuildId()];
    const m = { guildId: here, userId: '7' };
    const steps = [...content.steps.values()].filter((e) => e.track.id === content.tracks[0]!.id);
    const cohortOf = (guildId: string) =>
      createCohort(database.db, {
        guildId,
        name: 'Spring',
        trackId: content.tracks[0]!.id,
        weeks: [[steps[0]!.step.id]],
        challenges: [null],
        timezone: 'UTC',
        startDay: '2026-03-02',
        openTime: '09:00',
        deadlineWeekday: 1,
        deadlineTime: '23:59',
        channelId: '1',
        joinUntil: new Date('2026-03-09T00:00:00Z'),
        secret: 'ab'.repeat(32),
        createdBy: '1',
        createdAt: clock.now(),
        updatedAt: clock.now(),
      });
    await joinCohort(database.db, (await cohortOf(elsewhere)).id, m.userId, clock.now());
    const ctx = { db: database.db, clock, content };
    expect((await completeStepWithProgress(ctx, m, steps[0]!)).inCohort).toBe(false);
    await joinCohort(database.db, (await cohortOf(here)).id, m.userId, clock.now());
    expect((await completeStepWithProgress(ctx, m, steps[1]!)).inCohort).toBe(true);
  });

  it('a step whose former id is done is not recorded again', async () => {
    const m = { guildId: uniqueGuildId(), userId: '1' };
    const clock = new ManualClock('2026-03-02T12:00:00Z');
    const entry = [...content.steps.values()][0]!;
    // The same step under a new id that replaces the stored one.
    const renamed = { ...entry, step: { ...entry.step, id: `${entry.step.id}-v2`, replaces: [entry.step.id] } };
    await completeStep({ db: database.db, clock }, m, entry);
    const result = await completeStepWithProgress({ db: database.db, clock, content }, m, renamed);
    expect(result.recorded).toBe(false);
    expect(result.progress.done).toBe(1);
  });
});
