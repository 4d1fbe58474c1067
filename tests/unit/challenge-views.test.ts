import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
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

describe('recap', () => {
  it('lists every submission within Discord limits, with member text escaped', () => {
    const text = fc.string({ maxLength: 200 });
    const submission = fc.record({ userId: snowflake, score: fc.option(fc.string({ minLength: 1, maxLength: 40 })), note: fc.option(text) });
    fc.assert(
      fc.property(fc.array(submission, { maxLength: 120 }), (subs) => {
        const at = new Date('2026-03-25T10:00:00Z');
        const rows: Submission[] = subs.map((s, i) => ({ ...s, link: `https://www.kaggle.com/code/u/n${i}`, submittedAt: at, updatedAt: at }));
        const messages = recapMessages(undefined, run, subs.map((s) => s.userId), rows);
        const all = messages.map((m) => m.embeds?.[0]?.description ?? '').join('\n');
        for (const [i] of rows.entries()) expect(all).toContain(`(https://www.kaggle.com/code/u/n${i})`);
        for (const m of messages) {
          expect(m.allowed_mentions).toEqual({ parse: [] });
          const d = m.embeds?.[0]?.description ?? '';
          expect(d.length).toBeLessThanOrEqual(4096);
          expect((m.content ?? '').length + d.length + (m.embeds?.[0]?.title ?? '').length).toBeLessThanOrEqual(6000);
        }
      }),
      { numRuns: 40 },
    );
    const [message] = recapMessages(undefined, run, ['1'], [
      { userId: '1', link: 'https://www.kaggle.com/code/u/x', score: '**1.0**', note: '__hi__ `code` @everyone', submittedAt: run.startsAt, updatedAt: run.startsAt },
    ]);
    const d = message!.embeds![0]!.description!;
    expect(d).toContain('\\*\\*1.0\\*\\*');
    expect(d).toContain('\\_\\_hi\\_\\_');
    expect(d).toContain('\\`code\\`');
  });
});
