import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { activities } from '../../src/db/schema.js';
import { countedDays } from '../../src/db/queries/streaks.js';
import { buttonsOf, MODERATOR, shown, textOf, useTestBot } from '../support/bot.js';
import { loadContent } from '../../src/content/loader.js';
import type { Json } from '../../src/sim/index.js';

/** The shipped track's required core steps, read from content/ so the expected counts follow the content. */
/** /progress's headline counts the required core steps of every track, a step shared by two tracks once. */
const coreRequired = new Set((await loadContent(join(import.meta.dirname, '../../content'))).content.tracks.flatMap((t) => t.steps.filter((s) => !s.optional).map((s) => s.id))).size;

const MOD = '480000000000000001';
const OTHER_MOD = '480000000000000002';

const { bot, database } = useTestBot({ now: '2026-03-10T12:00:00Z' });

const member = (id: string) => ({ member: { type: 6, value: id } });
const fix = async (target: string, date: string) =>
  textOf(shown(await bot.command('admin', { ...member(target), date, reason: 'bot outage' }, { user: MOD, subcommandGroup: 'streak', subcommand: 'fix', ...MODERATOR })));

describe('/admin streak fix stays within the member’s history', () => {
  const U = '480000000000000010';

  it('refuses a member with no activity, a day before their first activity, more than a year back, or in the future', async () => {
    expect(await fix(U, '2026-03-09')).toContain('has no activity in this server yet');
    bot.clock.set('2026-03-08T12:00:00Z');
    expect(textOf(shown(await bot.command('checkin', {}, { user: U })))).toContain('counts');
    bot.clock.set('2026-03-10T12:00:00Z');

    const ancient = await fix(U, '2000-01-01');
    expect(ancient).toContain('is before');
    expect(ancient).toContain('first activity in this server (2026-03-08)');
    expect(await fix(U, '2026-03-07')).toContain('A fix can count days from 2026-03-08 to 2026-03-10');
    expect(await fix(U, '2026-03-11')).toContain('has not happened yet');
    expect(await countedDays(database.db, { guildId: bot.guildId, userId: U })).toEqual(['2026-03-08']);

    expect(await fix(U, '2026-03-09')).toContain('2026-03-09 now counts');
  });

  it('at most a year back, even for a member active for longer', async () => {
    const OLD = '480000000000000011';
    await database.db.insert(activities).values({ guildId: bot.guildId, userId: OLD, kind: 'checkin', day: '2024-06-01', at: new Date('2024-06-01T12:00:00Z') });
    const tooOld = await fix(OLD, '2025-03-09');
    expect(tooOld).toContain('is more than 365 days back');
    expect(tooOld).toContain('from 2025-03-10 to 2026-03-10');
    expect(await fix(OLD, '2025-03-10')).toContain('2025-03-10 now counts');
  });
});

describe('/admin progress reset', () => {
  const U = '480000000000000020';
  const reset = async (options: Record<string, string> = {}, user = MOD) =>
    shown(await bot.command('admin', { ...member(U), ...options }, { user, subcommandGroup: 'progress', subcommand: 'reset', ...MODERATOR }));
  const dmPosts = () => bot.fake.requests.filter((r) => r.method === 'POST' && /^\/channels\/\d+\/messages$/.test(r.path) && bot.fake.channel(r.path.split('/')[2]!)?.type === 1);

  it('asks first: cancel keeps the steps, only the asking moderator can confirm', async () => {
    await bot.command('done', { step: 'python-programming' }, { user: U });
    await bot.command('done', { step: 'deep-learning' }, { user: U });
    const ask = await reset();
    expect(textOf(ask)).toContain(`Reset <@${U}>’s roadmap progress on every track?`);
    expect(textOf(ask)).toContain('2 finished steps are forgotten');
    const [confirm, cancel] = buttonsOf(ask);
    expect(confirm!.label).toBe('Reset progress');
    expect(textOf(shown(await bot.press(cancel!.customId!, { user: MOD, ...MODERATOR })))).toContain('Nothing was reset');
    expect(textOf(shown(await bot.command('progress', {}, { user: U })))).toContain(`2/${coreRequired} steps done`);
    expect(textOf(shown(await bot.press(confirm!.customId!, { user: OTHER_MOD, ...MODERATOR })))).toContain('belongs to the moderator who asked');
    expect(textOf(shown(await bot.press(confirm!.customId!, { user: U })))).toContain('Only moderators');
    expect(textOf(shown(await bot.command('progress', {}, { user: U })))).toContain(`2/${coreRequired} steps done`);
  });

  it('confirm resets, tells the member by DM, and /progress shows the reset', async () => {
    const [confirm] = buttonsOf(await reset());
    const done = shown(await bot.press(confirm!.customId!, { user: MOD, ...MODERATOR }));
    expect(textOf(done)).toContain('2 steps forgotten');
    expect(textOf(done)).toContain('I told them by DM');
    expect(buttonsOf(done)).toEqual([]);
    const [dm] = dmPosts();
    expect(dm).toBeDefined();
    expect((dm!.body as Json).content).toContain('reset your roadmap progress on every track: 2 finished steps are no longer marked done');
    expect((dm!.body as Json).allowed_mentions).toEqual({ parse: [] });
    const progress = textOf(shown(await bot.command('progress', {}, { user: U })));
    expect(progress).toContain(`0/${coreRequired} steps done`);
    expect(progress).toContain(`progress on every track reset by <@${MOD}> (2 steps)`);
  });

  it('a member who does not accept DMs (50007): the reset still happens and the moderator is told', async () => {
    const dmChannel = dmPosts()[0]!.path.split('/')[2]!;
    bot.fake.failWith({ method: 'POST', path: new RegExp(`^/channels/${dmChannel}/messages$`), code: 50007 });
    try {
      await bot.command('done', { step: 'python-programming' }, { user: U });
      const ask = await reset({ track: 'ml-engineer' });
      expect(textOf(ask)).toContain('1 finished step is forgotten');
      const done = textOf(shown(await bot.press(buttonsOf(ask)[0]!.customId!, { user: MOD, ...MODERATOR })));
      expect(done).toContain('1 step forgotten');
      expect(done).toContain('I could not DM them (they do not accept DMs from me, Discord error 50007)');
      const progress = textOf(shown(await bot.command('progress', {}, { user: U })));
      expect(progress).toContain(`0/${coreRequired} steps done`);
      expect(progress).toMatch(/progress on [^\n]+ reset by/);
    } finally {
      bot.fake.clearFailures();
    }
  });

  it('nothing to reset: says so, no buttons', async () => {
    const none = await reset({}, MOD);
    expect(textOf(none)).toContain('has no finished steps on any track');
    expect(buttonsOf(none)).toEqual([]);
  });
});
