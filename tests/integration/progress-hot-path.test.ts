import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { loadContent, type Content } from '../../src/content/loader.js';
import type { Database } from '../../src/db/client.js';
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
    expect(again).toEqual({ recorded: false, progress: done.progress });
    expect(await countedDays(database.db, m)).toEqual(['2026-03-02']); // the second press counted nothing

    const next = await completeStepWithProgress(ctx, m, second!);
    expect(next.recorded).toBe(true);
    expect(next.progress).toEqual(await memberTrackProgress(database.db, content, m, second!.track));
    expect(await getStreakSummary(database.db, m)).toMatchObject({ current: 2, lastDay: '2026-03-03' });
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
