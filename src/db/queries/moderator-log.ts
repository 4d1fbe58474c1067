import type { Tx } from '../client.js';
import { auditLog } from '../schema.js';

/**
 * The kinds of moderator action the moderator log (audit_log) records, as stored in its `action`
 * column. `/admin log kind:` filters by them; a new kind of action is added here first.
 */
export const MODERATOR_ACTIONS = {
  'streak.fix': 'Streak fix',
  'progress.reset': 'Progress reset',
  'challenge.flag': 'Submission flagged',
  'challenge.unflag': 'Submission unflagged',
  challenge_start: 'Challenge started',
  challenge_skip: 'Challenge skipped',
  challenge_end: 'Challenge ended',
  'content.upload': 'Content uploaded',
  'content.remove': 'Content removed',
  'prompt.add': 'Prompt added',
  'settings.change': 'Setting changed',
  'rewards.sync': 'Rewards synced',
  'member.nudge': 'Member nudged',
  'resource.add': 'Resource added',
  'resource.approve': 'Suggestion approved',
  'resource.reject': 'Suggestion rejected',
  'resource.remove': 'Resource removed',
  'resource.post': 'Resource posted',
  'event.create': 'Event scheduled',
  'event.edit': 'Event changed',
  'event.cancel': 'Event cancelled',
} as const;

export type ModeratorAction = keyof typeof MODERATOR_ACTIONS;

export interface ModeratorLogEntry {
  guildId: string;
  /** Who did it (a moderator, or the member themselves for their own actions). */
  actorId: string;
  action: ModeratorAction;
  /** The member the action was about, if any: `/admin log member:` and `/privacy export` find it by this. */
  targetUserId?: string | null;
  /** Why, as the moderator wrote it. */
  reason?: string | null;
  /** What exactly changed: kept as JSON beside the reason. */
  details?: Record<string, unknown>;
  at: Date;
}

/**
 * Records one moderator action in the moderator log. Call it in the same transaction as the change
 * it records, so that a change is never without its entry and an entry never without its change.
 */
export async function logModeratorAction(tx: Tx, entry: ModeratorLogEntry): Promise<void> {
  const details = { ...entry.details, ...(entry.reason ? { reason: entry.reason } : {}) };
  await tx.insert(auditLog).values({
    guildId: entry.guildId,
    actorId: entry.actorId,
    action: entry.action,
    targetUserId: entry.targetUserId ?? null,
    details,
    at: entry.at,
  });
}
