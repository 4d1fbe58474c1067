import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REWARD_KINDS, milestoneText, reaches, rewardActions, type MemberFigures, type RewardRule } from '../../src/domain/rewards.js';

const figuresArb: fc.Arbitrary<MemberFigures> = fc.record({
  steps: fc.nat(60),
  track: fc.nat(3),
  streak: fc.nat(60),
  submissions: fc.nat(20),
  study_hours: fc.nat(100),
});
const rulesArb: fc.Arbitrary<RewardRule[]> = fc
  .array(
    fc.record({
      kind: fc.constantFrom(...REWARD_KINDS),
      threshold: fc.integer({ min: 1, max: 60 }),
      removeWhenBelow: fc.boolean(),
      error: fc.option(fc.constant('50013'), { freq: 5 }),
    }),
    { maxLength: 10 },
  )
  .map((rs) => rs.map((r, i) => ({ ...r, id: i + 1 })));
const heldArb = fc.array(fc.integer({ min: 1, max: 10 })).map((ids) => new Set(ids));

/** What holding looks like after applying the actions. */
function apply(held: ReadonlySet<number>, actions: ReturnType<typeof rewardActions>): Set<number> {
  const next = new Set(held);
  for (const a of actions) {
    if (a.action === 'grant') next.add(a.rewardId);
    else next.delete(a.rewardId);
  }
  return next;
}

describe('rewardActions', () => {
  it('grants exactly the reached rewards not held, and removes only held ones set to remove_when_below that are no longer reached', () => {
    fc.assert(
      fc.property(figuresArb, rulesArb, heldArb, (figures, rules, held) => {
        const actions = rewardActions(figures, rules, held);
        for (const rule of rules) {
          const mine = actions.filter((a) => a.rewardId === rule.id);
          const reached = figures[rule.kind] >= rule.threshold;
          if (rule.error !== null) expect(mine).toEqual([]);
          else if (reached && !held.has(rule.id)) expect(mine).toEqual([{ rewardId: rule.id, action: 'grant' }]);
          else if (!reached && held.has(rule.id) && rule.removeWhenBelow) expect(mine).toEqual([{ rewardId: rule.id, action: 'remove' }]);
          else expect(mine).toEqual([]);
        }
      }),
    );
  });

  it('is idempotent: applying its answer leaves nothing to do', () => {
    fc.assert(
      fc.property(figuresArb, rulesArb, heldArb, (figures, rules, held) => {
        const after = apply(held, rewardActions(figures, rules, held));
        expect(rewardActions(figures, rules, after)).toEqual([]);
      }),
    );
  });

  it('a kept reward stays when the member falls below; a removable one goes', () => {
    const rules: RewardRule[] = [
      { id: 1, kind: 'streak', threshold: 7, removeWhenBelow: false, error: null },
      { id: 2, kind: 'streak', threshold: 7, removeWhenBelow: true, error: null },
    ];
    const broken: MemberFigures = { steps: 0, track: 0, streak: 1, submissions: 0, study_hours: 0 };
    expect(rewardActions(broken, rules, new Set([1, 2]))).toEqual([{ rewardId: 2, action: 'remove' }]);
  });

  it('a reward Discord refused is not tried again until its error is cleared', () => {
    const figures: MemberFigures = { steps: 10, track: 0, streak: 0, submissions: 0, study_hours: 0 };
    const rule: RewardRule = { id: 1, kind: 'steps', threshold: 5, removeWhenBelow: false, error: 'refused' };
    expect(rewardActions(figures, [rule], new Set())).toEqual([]);
    expect(rewardActions(figures, [{ ...rule, error: null }], new Set())).toEqual([{ rewardId: 1, action: 'grant' }]);
  });

  it('study hours are never reached while they count 0', () => {
    const figures: MemberFigures = { steps: 99, track: 3, streak: 99, submissions: 99, study_hours: 0 };
    expect(reaches(figures, { kind: 'study_hours', threshold: 1 })).toBe(false);
  });
});

describe('milestoneText', () => {
  it('names each kind in words', () => {
    expect(milestoneText('streak', 7)).toBe('a 7-day streak');
    expect(milestoneText('steps', 1)).toBe('1 roadmap step done');
    expect(milestoneText('steps', 10)).toBe('10 roadmap steps done');
    expect(milestoneText('track', 1)).toBe('a finished track (core done)');
    expect(milestoneText('submissions', 3)).toBe('3 challenge submissions');
    expect(milestoneText('study_hours', 5)).toBe('5 study hours');
  });
});
