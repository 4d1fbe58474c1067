import { describe, expect, it } from 'vitest';
import type { Tx } from '../../src/db/client.js';
import { logModeratorAction } from '../../src/db/queries/moderator-log.js';
import { auditLog } from '../../src/db/schema.js';
import { entrySummary } from '../../src/discord/views/moderator-log.js';
import { actionsOfChoice, isModeratorAction, logKindChoices, MODERATOR_ACTIONS, parseSince, STAGED_POST, type AuditAction } from '../../src/domain/moderator-actions.js';

/**
 * Every action written to audit_log is a MODERATOR_ACTIONS key (or the staged resource post): the
 * column is typed with them, so any other string is a compile error (`npm run typecheck` checks
 * tests too). These lines never run; they fail to compile if the typing ever loosens.
 */
function neverRuns(tx: Tx): void {
  // @ts-expect-error: not a kind of moderator action
  void logModeratorAction(tx, { guildId: '1', actorId: '2', action: 'streak.fixed', at: new Date() });
  // @ts-expect-error: the column takes only the kinds, even written directly
  void tx.insert(auditLog).values({ guildId: '1', actorId: '2', action: 'settings.changed', at: new Date() });
  const stored: AuditAction = STAGED_POST;
  void stored;
}

describe('the kinds of moderator action', () => {
  it('are typed at every writer', () => {
    expect(typeof neverRuns).toBe('function');
    expect(isModeratorAction('streak.fix')).toBe(true);
    expect(isModeratorAction(STAGED_POST)).toBe(false);
    expect(isModeratorAction('toString')).toBe(false);
  });

  it('fit /admin log kind: (at most 25 choices), each choice standing for its kinds', () => {
    const choices = logKindChoices();
    expect(choices.length).toBeLessThanOrEqual(25);
    expect(choices).toContainEqual({ name: 'Streak fix', value: 'streak.fix' });
    const covered = choices.flatMap((c) => actionsOfChoice(c.value));
    expect(new Set(covered)).toEqual(new Set(Object.keys(MODERATOR_ACTIONS)));
    expect(actionsOfChoice('nope')).toEqual([]);
  });

  it('are grouped by family when there are more than 25', () => {
    const many = Object.fromEntries([...Array.from({ length: 24 }, (_, i) => [`resource.k${i}`, `Resource ${i}`]), ['streak.fix', 'Streak fix'], ['challenge_start', 'Started'], ['challenge_end', 'Ended']]);
    const choices = logKindChoices(many);
    expect(choices.map((c) => c.value)).toEqual(['resource.*', 'streak.fix', 'challenge.*']);
    expect(choices[0]!.name.length).toBeLessThanOrEqual(100);
    expect(actionsOfChoice('challenge.*', many)).toEqual(['challenge_start', 'challenge_end']);
    expect(actionsOfChoice('resource.*', many)).toHaveLength(24);
  });
});

describe('since', () => {
  const now = new Date('2026-04-08T10:00:00Z');
  it('takes a span back from now or a day in the server’s zone', () => {
    expect(parseSince('12h', now, 'UTC')).toEqual(new Date('2026-04-07T22:00:00Z'));
    expect(parseSince('7d', now, 'UTC')).toEqual(new Date('2026-04-01T10:00:00Z'));
    expect(parseSince(' 2W ', now, 'UTC')).toEqual(new Date('2026-03-25T10:00:00Z'));
    expect(parseSince('3m', now, 'UTC')).toEqual(new Date(now.getTime() - 90 * 86_400_000));
    expect(parseSince('2026-04-01', now, 'Europe/Berlin')).toEqual(new Date('2026-03-31T22:00:00Z'));
    expect(parseSince('2026-03-29', now, 'America/New_York')).toEqual(new Date('2026-03-29T04:00:00Z'));
  });
  it('refuses anything else', () => {
    for (const bad of ['', 'yesterday', '7', 'd7', '7y', '2026-02-30', '2026-4-1', '12345d']) expect(parseSince(bad, now, 'UTC'), bad).toBeUndefined();
  });
});

describe('an entry’s summary', () => {
  it('says what changed, old → new, with channels and roles as mentions', () => {
    expect(
      entrySummary({
        action: 'settings.change',
        details: { setting: 'prompts', changes: { promptsChannelId: { from: null, to: '42' }, promptsTime: { from: '09:00', to: '18:00' }, promptsEnabled: { from: false, to: true } } },
      }),
    ).toBe('/setup prompts: prompts channel none → <#42>; prompts time 09:00 → 18:00; prompts enabled off → on');
    expect(entrySummary({ action: 'settings.change', details: { setting: 'study', changes: { studyChannelIds: { from: [], to: ['1', '2'] } } } })).toBe(
      '/setup study: study channels none → <#1> <#2>',
    );
    expect(
      entrySummary({ action: 'settings.change', details: { setting: 'rewards', changes: { 'reward #3': { from: null, to: { kind: 'streak', threshold: 7, roleId: '9', removeWhenBelow: true } } } } }),
    ).toBe('/setup rewards: reward #3 none → a 7-day streak → <@&9> (removed when below)');
  });

  it('escapes what members typed, and shows a kind it does not know by its details', () => {
    expect(entrySummary({ action: 'settings.change', details: { setting: 'streaks', changes: { timezone: { from: '**x**', to: 'UTC' } } } })).toBe('/setup streaks: timezone \\*\\*x\\*\\* → UTC');
    expect(entrySummary({ action: 'member.nudge', details: { reminderSent: true, week: '2026-W15', reason: 'quiet' } })).toBe('reminder sent: on, week: 2026-W15');
  });
});
