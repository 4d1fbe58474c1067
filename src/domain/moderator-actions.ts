/**
 * The kinds of moderator action the moderator log (audit_log) records, as stored in its `action`
 * column, with the label /admin log shows. `/admin log kind:` filters by them; a new kind of action
 * is added here first. Pure: the schema types its `action` column with these, so writing any other
 * string is a compile error (src/db/queries/moderator-log.ts writes them).
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
  'focus.stop': 'Focus session stopped',
} as const;

export type ModeratorAction = keyof typeof MODERATOR_ACTIONS;

/**
 * Not a log entry: a resource post staged for the moderator's confirm button is kept as an
 * audit_log row of this action (src/db/queries/resources.ts stagePost). /admin log never shows it.
 */
export const STAGED_POST = 'resource.post.confirm';

/** Every value the audit_log `action` column may hold. */
export type AuditAction = ModeratorAction | typeof STAGED_POST;

export function isModeratorAction(action: string): action is ModeratorAction {
  return Object.hasOwn(MODERATOR_ACTIONS, action);
}

/** The server's log retention when /setup moderation never set one, and its bounds (days). */
export const LOG_RETENTION_DEFAULT_DAYS = 365;
export const LOG_RETENTION_MIN_DAYS = 30;
export const LOG_RETENTION_MAX_DAYS = 3650;
