import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RESTPostAPIChannelMessageJSONBody } from 'discord.js';
import type { Challenge } from '../../src/content/schema.js';
import type { Submission } from '../../src/db/queries/challenges.js';
import type { ChallengeWeek } from '../../src/db/schema.js';
import { MENTIONS_PER_MESSAGE, announcementMessage, recapMessages, reminderMessages } from '../../src/discord/views/challenges.js';

const run: ChallengeWeek = {
  id: 7,
  guildId: '1',
  weekStart: '2026-03-23',
  challengeId: 'gone-from-content',
  startsAt: new Date('2026-03-22T23:00:00Z'),
  endsAt: new Date('2026-03-29T22:00:00Z'),
  startedBy: null,
  closedAt: null,
  createdAt: new Date('2026-03-22T23:00:00Z'),
};
const snowflake = fc.bigInt({ min: 10n ** 17n, max: 10n ** 19n }).map(String);

describe('reminders', () => {
  it('chunk any number of participants: each message pings exactly the users it lists, all of them once, nobody else', () => {
    fc.assert(
      fc.property(fc.uniqueArray(snowflake, { maxLength: 260 }), fc.constantFrom('midweek' as const, 'final' as const), (people, kind) => {
        const messages = reminderMessages(kind, undefined, run, people, new Date('2026-03-26T11:00:00Z'));
        expect(messages).toHaveLength(Math.ceil(people.length / MENTIONS_PER_MESSAGE));
        const pinged: string[] = [];
        for (const m of messages) {
          const users = m.allowed_mentions?.users ?? [];
          expect(m.allowed_mentions?.parse).toEqual([]);
          expect(m.allowed_mentions?.roles).toBeUndefined();
          expect(users.length).toBeLessThanOrEqual(100);
          expect(m.content!.length).toBeLessThanOrEqual(2000);
          const mentioned = [...m.content!.matchAll(/<@(\d+)>/g)].map((x) => x[1]);
          expect(mentioned).toEqual(users);
          pinged.push(...users);
        }
        expect(pinged).toEqual(people);
      }),
      { numRuns: 50 },
    );
  });
});

describe('announcement', () => {
  it('pings the configured role only, and nobody when none is set', () => {
    expect(announcementMessage(undefined, run, { pingRoleId: null }).allowed_mentions).toEqual({ parse: [] });
    const withRole = announcementMessage(undefined, run, { pingRoleId: '555' });
    expect(withRole.allowed_mentions).toEqual({ parse: [], roles: ['555'] });
    expect(withRole.content).toContain('<@&555>');
  });
});

/** Discord's limits for one message: 2,000 characters of content, 10 embeds, 4,096 per description, 6,000 for the embeds together; no pings. */
function withinLimits(m: RESTPostAPIChannelMessageJSONBody): void {
  expect(m.allowed_mentions).toEqual({ parse: [] });
  expect((m.content ?? '').length).toBeLessThanOrEqual(2000);
  const embeds = m.embeds ?? [];
  expect(embeds.length).toBeLessThanOrEqual(10);
  let total = 0;
  for (const e of embeds) {
    expect((e.description ?? '').length).toBeLessThanOrEqual(4096);
    expect((e.title ?? '').length).toBeLessThanOrEqual(256);
    total += (e.title ?? '').length + (e.description ?? '').length + (e.footer?.text ?? '').length;
  }
  expect(total).toBeLessThanOrEqual(6000);
}

const at = new Date('2026-03-25T10:00:00Z');
const entry = (userId: string, score: string | null, extra: Partial<Submission> = {}): Submission => ({
  userId,
  link: `https://www.kaggle.com/code/u${userId}/nb`,
  score,
  note: null,
  submittedAt: at,
  updatedAt: at,
  flaggedAt: null,
  flagReason: null,
  ...extra,
});
const challenge = (metric: 'higher' | 'lower' | undefined): Challenge => ({
  id: 'c',
  title: 'House Prices',
  url: 'https://www.kaggle.com/competitions/house-prices-advanced-regression-techniques',
  difficulty: 'beginner',
  skills: ['regression'],
  steps: ['s'],
  goal: 'Predict.',
  ...(metric ? { metric } : {}),
});
const textOfMessages = (messages: RESTPostAPIChannelMessageJSONBody[]) =>
  messages.map((m) => [m.content ?? '', ...(m.embeds ?? []).flatMap((e) => [e.title ?? '', e.description ?? ''])].join('\n')).join('\n');

describe('the judged recap', () => {
  it('lower wins: names the top three with shared places, lists the rest unranked with no score last, leaves a flagged entry out', () => {
    const subs = [
      entry('11', '0.15'),
      entry('12', null),
      entry('13', '0.12'),
      entry('14', '0.120'),
      entry('15', '0.01', { flaggedAt: at, flagReason: 'copied a public notebook' }),
      entry('16', '0.2'),
      entry('17', '0.3'),
    ];
    const messages = recapMessages(challenge('lower'), run, subs.map((s) => s.userId), subs);
    const [first] = messages;
    expect(first!.content).toContain('6 submissions from 7 participants (1 more was set aside by the moderators)');
    expect(first!.content).toContain('Lowest score wins: 🥇 <@13>, <@14> · 🥉 <@11>');
    const [top, rest] = first!.embeds!;
    expect(top!.title).toBe('Top three');
    expect(top!.description!.split('\n\n').map((l) => l.slice(0, 16))).toEqual(['🥇 **1.** <@13> ', '🥇 **1.** <@14> ', '🥉 **3.** <@11> ']);
    expect(rest!.title).toBe('Everyone else');
    expect(rest!.description!.split('\n\n').map((l) => /^<@(\d+)>/.exec(l)![1])).toEqual(['16', '17', '12']);
    expect(rest!.description).not.toMatch(/\*\*\d+\.\*\*/);
    const all = textOfMessages(messages);
    expect(all).not.toContain('<@15>');
    expect(all).not.toContain('copied');
  });

  it('every entry flagged: says none counts, names nobody', () => {
    const [only] = recapMessages(challenge('higher'), run, ['41', '42'], [entry('41', '0.9', { flaggedAt: at })]);
    expect(only!.content).toContain('No entry counts this time: 1 was set aside by the moderators (2 joined)');
    expect(only!.content).not.toContain('<@41>');
    expect(only!.embeds).toBeUndefined();
  });

  it('higher wins: the highest first', () => {
    const subs = [entry('21', '0.7'), entry('22', '0.9'), entry('23', '0.8')];
    const [first] = recapMessages(challenge('higher'), run, ['21', '22', '23'], subs);
    expect(first!.content).toContain('Highest score wins: 🥇 <@22> · 🥈 <@23> · 🥉 <@21>');
  });

  it('without a metric: says there is nothing to rank by and lists the entries as they came', () => {
    const subs = [entry('31', '0.7'), entry('32', '0.9')];
    const [first] = recapMessages(challenge(undefined), run, ['31', '32'], subs);
    expect(first!.content).toContain('no score to rank by');
    expect(first!.content).not.toContain('🥇');
    expect(first!.embeds!.map((e) => e.title)).toEqual(['Submissions']);
    expect(first!.embeds![0]!.description!.indexOf('<@31>')).toBeLessThan(first!.embeds![0]!.description!.indexOf('<@32>'));
  });

  it('stays within Discord’s limits for hundreds of entries with long notes and big ties', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 600 }),
        fc.constantFrom<'higher' | 'lower' | undefined>('higher', 'lower', undefined),
        fc.integer({ min: 1, max: 5 }),
        (n, metric, distinct) => {
          const subs = Array.from({ length: n }, (_, i) =>
            entry(String(10n ** 17n + BigInt(i)), i % 7 === 0 ? null : String(i % distinct), {
              note: 'x'.repeat(200),
              link: `https://www.kaggle.com/code/${'u'.repeat(60)}${i}/${'n'.repeat(300)}`,
              flaggedAt: i % 50 === 1 ? at : null,
            }),
          );
          const messages = recapMessages(challenge(metric), run, subs.map((s) => s.userId), subs);
          for (const m of messages) withinLimits(m);
          const all = textOfMessages(messages);
          for (const s of subs) if (!s.flaggedAt) expect(all).toContain(`<@${s.userId}> · [notebook]`);
        },
      ),
      { numRuns: 8 },
    );
  });
});

describe('recap', () => {
  it('lists every submission within Discord limits, with member text escaped', () => {
    const text = fc.string({ maxLength: 200 });
    const submission = fc.record({ userId: snowflake, score: fc.option(fc.string({ minLength: 1, maxLength: 40 })), note: fc.option(text) });
    fc.assert(
      fc.property(fc.array(submission, { maxLength: 120 }), (subs) => {
        const at = new Date('2026-03-25T10:00:00Z');
        const rows: Submission[] = subs.map((s, i) => ({ ...s, link: `https://www.kaggle.com/code/u/n${i}`, submittedAt: at, updatedAt: at, flaggedAt: null, flagReason: null }));
        const messages = recapMessages(undefined, run, subs.map((s) => s.userId), rows);
        const all = messages.flatMap((m) => (m.embeds ?? []).map((e) => e.description ?? '')).join('\n');
        for (const [i] of rows.entries()) expect(all).toContain(`(https://www.kaggle.com/code/u/n${i})`);
        for (const m of messages) withinLimits(m);
      }),
      { numRuns: 40 },
    );
    const [message] = recapMessages(undefined, run, ['1'], [
      { userId: '1', link: 'https://www.kaggle.com/code/u/x', score: '**1.0**', note: '__hi__ `code` @everyone', submittedAt: run.startsAt, updatedAt: run.startsAt, flaggedAt: null, flagReason: null },
    ]);
    const d = message!.embeds![0]!.description!;
    expect(d).toContain('\\*\\*1.0\\*\\*');
    expect(d).toContain('\\_\\_hi\\_\\_');
    expect(d).toContain('\\`code\\`');
  });
});
