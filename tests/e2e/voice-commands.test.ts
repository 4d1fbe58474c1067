import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { startFakeDiscord, type FakeDiscord } from '../../src/sim/index.js';
import { chatInput } from '../../src/sim/interactions.js';
import { buttonsOf, MODERATOR, shown, startTestBot, textOf, type TestBot } from '../support/bot.js';
import { openTestDatabase } from '../support/db.js';
import { setVoiceState } from '../support/voice.js';

/**
 * The study commands through the real client: /setup study and /setup show, /study,
 * /leaderboard board:study, /progress, /streak shade:study and the privacy export and delete.
 */

let database: Database & { url?: string };
let fake: FakeDiscord;
let bot: TestBot;
let hall: string;
let stage: string;
let category: string;
let roomInCategory: string;
let text: string;
const MOD = '410000000000000001';
const ann = '310000000000000001';
const ben = '310000000000000002';
const minute = 60_000;

beforeAll(async () => {
  database = await openTestDatabase();
  fake = await startFakeDiscord();
  const guildId = fake.addGuild({ name: 'Study Commands' }).id as string;
  hall = fake.addChannel(guildId, { name: 'study-hall', type: 2 }).id as string;
  stage = fake.addChannel(guildId, { name: 'talks', type: 13 }).id as string;
  category = fake.addChannel(guildId, { name: 'Quiet rooms', type: 4 }).id as string;
  roomInCategory = fake.addChannel(guildId, { name: 'quiet-1', type: 2, parent_id: category }).id as string;
  text = fake.defaultChannelId(guildId);
  bot = await startTestBot({ database, fake, guildId, now: '2026-03-02T12:00:00Z', config: { STUDY_SESSION_CAP: '2h' } });
});
afterAll(async () => {
  await bot?.stop();
  await fake?.close();
  await database?.close();
});

const setupStudy = (options: Record<string, unknown>) => bot.command('setup', options as never, { user: MOD, subcommand: 'study', ...MODERATOR });

const voice = (userId: string, channelId: string | null) => setVoiceState(bot, bot.guildId, userId, { channelId });

describe('/setup study', () => {
  it('offers no text channel (the option declares its channel types), and asks for something to change', async () => {
    // Discord's client lets only voice and stage channels and categories through; the fake refuses to send more.
    expect(() => chatInput(bot.fake, { guildId: bot.guildId, name: 'setup', subcommand: 'study', user: MOD, ...MODERATOR, options: { add: { type: 7, value: text } } })).toThrow(
      'add must be a voice channel, stage channel or category',
    );
    expect(textOf(shown(await setupStudy({})))).toContain('Give at least one of `add`, `remove`, `clear` or `study_minutes`');
  });

  it('adds voice and stage channels and a category, removes one, sets study_minutes; /setup show lists them', async () => {
    await setupStudy({ add: { type: 7, value: hall } });
    await setupStudy({ add: { type: 7, value: stage } });
    const saved = textOf(shown(await setupStudy({ add: { type: 7, value: category }, study_minutes: 30 })));
    expect(saved).toContain(`Study time counts in <#${hall}>, <#${stage}>, <#${category}> (every voice channel in it)`);
    expect(saved).toContain('30 minutes in a day count the day for the streak');
    const removed = textOf(shown(await setupStudy({ remove: { type: 7, value: stage } })));
    expect(removed).toContain(`Study time counts in <#${hall}>, <#${category}> (every voice channel in it)`);
    expect(textOf(shown(await setupStudy({ remove: { type: 7, value: stage } })))).toContain('is not a study room');

    const show = textOf(shown(await bot.command('setup', {}, { user: MOD, subcommand: 'show', ...MODERATOR })));
    expect(show).toContain(`Rooms: <#${hall}>, <#${category}> (every voice channel in it)`);
    expect(show).toContain('A day counts with 30 minutes · one session counts at most 2 h (STUDY_SESSION_CAP)');
    expect(show).not.toContain('The cap cut');
  });
});

describe('study time for members', () => {
  it('/study, /progress, /leaderboard board:study and /streak show the time; a capped session shows in /setup show', async () => {
    await voice(ann, roomInCategory); // a room of the study category
    bot.clock.advance(40 * minute);
    await voice(ann, null);
    await voice(ben, hall);
    bot.clock.advance(150 * minute); // 2 h 30 m: the cap (2 h) cuts 30 m
    await voice(ben, null);

    const mine = textOf(shown(await bot.command('study', {}, { user: ann })));
    expect(mine).toContain('Today counts for your streak: 40 m of study (30 m needed)');

    // A member who checked in: the day counts, so /study does not ask him for more study today.
    const cara = '330000000000000077';
    expect(textOf(shown(await bot.command('study', {}, { user: cara })))).toContain('30 m more study today counts the day');
    await bot.command('checkin', {}, { user: cara });
    const checkedIn = textOf(shown(await bot.command('study', {}, { user: cara })));
    expect(checkedIn).toContain('Today already counts for your streak: you checked in.');
    expect(checkedIn).not.toContain('more study');
    expect(mine).toMatch(/Today \(2026-03-02\)\n40 m\nThis week\n40 m\nThis month\n40 m\nAll time\n40 m/);

    const board = textOf(shown(await bot.command('leaderboard', { board: 'study', period: 'week' }, { user: ann })));
    expect(board).toContain('Study time · last 7 days');
    expect(board).toMatch(new RegExp(`<@${ben}> · 2 h\\n.*<@${ann}> · 40 m`));
    expect(board).toContain('You are **#2** of 2 with 40 m.');

    expect(textOf(shown(await bot.command('progress', {}, { user: ben })))).toContain('🎧 2 h in all · 2 h this week');

    const streak = textOf(shown(await bot.command('streak', {}, { user: ann })));
    expect(streak).toContain('Today (2026-03-02) counts: studied in voice or a focus session.');
    const shaded = shown(await bot.command('streak', { shade: 'study' }, { user: ann }));
    expect(shaded.attachments).toMatchObject([{ filename: 'streak.png', content_type: 'image/png' }]);

    const show = textOf(shown(await bot.command('setup', {}, { user: MOD, subcommand: 'show', ...MODERATOR })));
    expect(show).toContain('⚠️ The cap cut 30 m from 1 session');
  });

  it('privacy export includes the sessions and delete erases them', async () => {
    const record = await bot.command('privacy', {}, { user: ann, subcommand: 'export' });
    const [file] = bot.fake.requests.filter((r) => r.path.includes(`/interactions/${record.id}/`)).flatMap((r) => r.files);
    const data = JSON.parse(file!.bytes.toString('utf8')) as { studySessions: { channelId: string; source: string; endedAt: string }[] };
    expect(data.studySessions).toMatchObject([{ channelId: roomInCategory, source: 'voice', endedAt: '2026-03-02T12:40:00.000Z' }]);

    const [erase] = buttonsOf(shown(await bot.command('privacy', {}, { user: ann, subcommand: 'delete' })));
    await bot.press(erase!.customId!, { user: ann });
    expect(textOf(shown(await bot.command('study', {}, { user: ann })))).toContain('All time\n0 m');
  });
});
