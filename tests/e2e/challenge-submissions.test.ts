import { beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { challengeSubmissions, challengeWeeks } from '../../src/db/schema.js';
import { MODERATOR, shown, textOf, until, useTestBot } from '../support/bot.js';
import type { Json } from '../../src/sim/index.js';

const MOD = '470000000000000001';
const ALICE = '470000000000000002';
const BOB = '470000000000000003';
let channelId: string;
let slug: string;

// Monday 6 April 2026, 09:00 UTC: a UTC week from now until Monday 13 April 00:00.
const { bot, database } = useTestBot({ now: '2026-04-06T09:00:00Z' });
beforeAll(async () => {
  await until(() => bot.app.client.guilds.cache.has(bot.guildId), 'the guild');
  channelId = bot.fake.addChannel(bot.guildId, { name: 'challenges', type: 0 }).id as string;
  await until(() => bot.app.client.channels.cache.has(channelId), 'the channel');
  const reply = await bot.command('setup', { channel: { type: 7, value: channelId } }, { user: MOD, subcommand: 'challenges', ...MODERATOR });
  expect(textOf(shown(reply))).toContain('Saved');
  await bot.app.scheduler.runDue(new Date('2026-04-06T09:00:30Z'));
  const [run] = await database.db.select().from(challengeWeeks).where(eq(challengeWeeks.guildId, bot.guildId));
  slug = new URL(bot.app.ctx.contents.builtin.challengesById.get(run!.challengeId)!.url).pathname.split('/')[2]!;
});

const submit = async (user: string, options: Record<string, string>) => textOf(shown(await bot.command('challenge', options, { user, subcommand: 'submit' })));
const stored = async (user: string) =>
  (await database.db.select().from(challengeSubmissions).where(and(eq(challengeSubmissions.userId, user))))[0];

describe('a submission link shows the member’s work', () => {
  it('refuses Kaggle’s home page, the competition’s own pages, other competitions and other Kaggle pages', async () => {
    expect(await submit(ALICE, { link: 'https://www.kaggle.com/' })).toContain('That is Kaggle’s home page, not your work');
    expect(await submit(ALICE, { link: `https://www.kaggle.com/competitions/${slug}` })).toContain('That is a page of the competition itself');
    expect(await submit(ALICE, { link: `https://www.kaggle.com/competitions/${slug}/data` })).toContain('That is a page of the competition itself');
    expect(await submit(ALICE, { link: 'https://www.kaggle.com/competitions/some-other-contest/submissions' })).toContain('That link is for another competition');
    const dataset = await submit(ALICE, { link: 'https://www.kaggle.com/datasets/alice/titanic-extra' });
    expect(dataset).toContain('That Kaggle page, not your work');
    expect(dataset).toContain(`https://www.kaggle.com/competitions/${slug}/submissions`);
    expect(await stored(ALICE)).toBeUndefined();
  });

  it('accepts a notebook, the week’s submissions or leaderboard page, a write-up and a profile', async () => {
    for (const link of [
      'https://www.kaggle.com/code/alice/first-try',
      `https://www.kaggle.com/competitions/${slug}/submissions`,
      `https://www.kaggle.com/c/${slug}/leaderboard?search=alice`,
      `https://www.kaggle.com/competitions/${slug}/discussion/123456`,
      'https://www.kaggle.com/alice',
    ]) {
      expect(await submit(ALICE, { link }), link).toMatch(/Submitted|was replaced/);
      expect((await stored(ALICE))?.link).toContain('kaggle.com');
    }
  });
});

describe('a score is a number', () => {
  it('refuses words and stores numbers in one form', async () => {
    const words = await submit(BOB, { link: 'https://www.kaggle.com/code/bob/try', score: 'great!' });
    expect(words).toContain('“great!” is not a score');
    expect(await stored(BOB)).toBeUndefined();
    expect(await submit(BOB, { link: 'https://www.kaggle.com/code/bob/try', score: '0,78710' })).toContain('Submitted');
    expect((await stored(BOB))?.score).toBe('0.78710');
    expect(await submit(BOB, { link: 'https://www.kaggle.com/code/bob/try', score: '+12.5' })).toContain('replaced');
    expect((await stored(BOB))?.score).toBe('12.5');
  });
});

describe('the public recap', () => {
  it('shows notes (and old free-text scores) with no mention of any kind', async () => {
    const note = 'thanks <@470000000000000003> <@!470000000000000001> <@&470000000000000009> in <#470000000000000008> </challenge submit:1234567890123456> @everyone @here';
    expect(await submit(ALICE, { link: 'https://www.kaggle.com/code/alice/final', score: '0.81', note })).toContain('replaced');
    // A score stored before scores had to be numbers.
    await database.db.update(challengeSubmissions).set({ score: '<@&470000000000000009> top!' }).where(eq(challengeSubmissions.userId, BOB));
    const ended = await bot.command('challenge', {}, { user: MOD, subcommand: 'end', ...MODERATOR });
    expect(textOf(shown(ended))).toContain('recap is in');
    const recap = bot.fake.requests
      .filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages` && r.status < 300)
      .map((r) => r.body as Json)
      .find((b) => (b.content ?? '').includes('is over'))!;
    expect(recap.allowed_mentions).toEqual({ parse: [] });
    const description = ((recap.embeds ?? []) as Json[]).map((e) => e.description as string).join('\n');
    // The submitters' own lines mention them; nothing a member typed does.
    const typed = description.split('\n').filter((line) => line.startsWith('>') || line.includes('score'));
    expect(typed.join('\n')).toContain('@member');
    expect(typed.join('\n')).toContain('@role');
    expect(typed.join('\n')).toContain('#channel');
    expect(typed.join('\n')).toContain('/challenge submit');
    for (const line of typed) {
      // A top-three line starts with its place (🥇 **1.**), then the author.
      const afterAuthor = line.replace(/^(?:\S+ \*\*\d+\.\*\* )?<@\d+> · /, '');
      expect(afterAuthor, line).not.toMatch(/<@!?\d+>|<@&\d+>|<#\d+>|<\/[^>]+:\d+>|@everyone|@here/);
    }
  });
});
