/**
 * Milestone roles: which rewards a member's figures reach, and what to do about each. Pure: the
 * figures come from the database (src/db/queries/rewards.ts), the roles go out through discord.js
 * (src/discord/rewards.ts).
 */

/** The milestone kinds, in the order /setup rewards offers them (the schema's enum too). */
export const REWARD_KINDS = ['steps', 'track', 'streak', 'submissions', 'study_hours'] as const;

export type RewardKind = (typeof REWARD_KINDS)[number];

/** How /setup rewards names each kind. */
export const REWARD_KIND_NAMES: Record<RewardKind, string> = {
  steps: 'Roadmap steps done',
  track: 'Tracks finished (core done)',
  streak: 'Streak days',
  submissions: 'Challenge submissions',
  study_hours: 'Study hours (counts 0 until study time exists)',
};

/** The largest threshold a reward may have (a 10-year streak; nobody finishes 10,000 steps). */
export const MAX_THRESHOLD = 10_000;

/** A member's figures, one per milestone kind. */
export type MemberFigures = Record<RewardKind, number>;

export interface RewardRule {
  id: number;
  kind: RewardKind;
  threshold: number;
  removeWhenBelow: boolean;
  /** Discord refused the last grant and setup has not changed since: leave it alone. */
  error: string | null;
}

export type RewardAction = { rewardId: number; action: 'grant' } | { rewardId: number; action: 'remove' };

/** Whether the figures reach the reward's milestone. */
export function reaches(figures: MemberFigures, rule: Pick<RewardRule, 'kind' | 'threshold'>): boolean {
  return figures[rule.kind] >= rule.threshold;
}

/**
 * What to do for one member: grant each reward reached and not held; remove each held one the
 * member fell below when it is set to be removed. Rewards with an error are skipped until setup
 * changes. Held rewards that are kept, and unreached ones not held, need nothing: calling this
 * again right after applying its answer returns nothing (idempotent).
 */
export function rewardActions(figures: MemberFigures, rules: readonly RewardRule[], held: ReadonlySet<number>): RewardAction[] {
  const out: RewardAction[] = [];
  for (const rule of rules) {
    if (rule.error !== null) continue;
    const reached = reaches(figures, rule);
    if (reached && !held.has(rule.id)) out.push({ rewardId: rule.id, action: 'grant' });
    else if (!reached && held.has(rule.id) && rule.removeWhenBelow) out.push({ rewardId: rule.id, action: 'remove' });
  }
  return out;
}

/** "a 7 day streak", "10 roadmap steps done", "a finished track": the milestone in words. */
export function milestoneText(kind: RewardKind, threshold: number): string {
  switch (kind) {
    case 'steps':
      return `${threshold} roadmap step${threshold === 1 ? '' : 's'} done`;
    case 'track':
      return threshold === 1 ? 'a finished track (core done)' : `${threshold} finished tracks (core done)`;
    case 'streak':
      return `a ${threshold}-day streak`;
    case 'submissions':
      return `${threshold} challenge submission${threshold === 1 ? '' : 's'}`;
    case 'study_hours':
      return `${threshold} study hour${threshold === 1 ? '' : 's'}`;
  }
}
