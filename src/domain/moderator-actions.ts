import { parseDay, startOfLocalDay } from './dates.js';

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
  'cohort.create': 'Cohort created',
  'cohort.change': 'Cohort changed',
  'event.create': 'Event scheduled',
  'event.edit': 'Event changed',
  'event.cancel': 'Event cancelled',
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

/** Discord's limit of choices on one option. */
const MAX_CHOICES = 25;

/** What a kind choice of /admin log stands for: one kind, or a family of kinds (`resource.*`). */
export interface KindChoice {
  name: string;
  value: string;
}

const familyOf = (action: string) => action.split(/[._]/)[0]!;

/**
 * The choices of `/admin log kind:`: one per kind while they fit Discord's 25, else one per family
 * (the part before the first `.` or `_`: `resource.*` for every resource action), a family of one
 * kind keeping that kind's own choice.
 */
export function logKindChoices(actions: Readonly<Record<string, string>> = MODERATOR_ACTIONS): KindChoice[] {
  const entries = Object.entries(actions);
  if (entries.length <= MAX_CHOICES) return entries.map(([value, name]) => ({ name, value }));
  const families = new Map<string, [string, string][]>();
  for (const entry of entries) families.set(familyOf(entry[0]), [...(families.get(familyOf(entry[0])) ?? []), entry]);
  return [...families].slice(0, MAX_CHOICES).map(([family, members]) =>
    members.length === 1 ? { name: members[0]![1], value: members[0]![0] } : { name: clipName(members.map(([, label]) => label).join(', ')), value: `${family}.*` },
  );
}

const clipName = (name: string) => (name.length <= 100 ? name : `${name.slice(0, 99)}…`);

/** The kinds a choice value stands for (none when the value is neither a kind nor a family). */
export function actionsOfChoice(value: string, actions: Readonly<Record<string, string>> = MODERATOR_ACTIONS): ModeratorAction[] {
  const keys = Object.keys(actions) as ModeratorAction[];
  if (value.endsWith('.*')) return keys.filter((k) => familyOf(k) === value.slice(0, -2));
  return keys.filter((k) => k === value);
}

const RELATIVE = /^(\d{1,4})\s*([hdwm])$/i;
const UNIT_MS = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, m: 30 * 86_400_000 } as const;

/**
 * `since` of /admin log: a relative span (`12h`, `7d`, `2w`, `3m` for 30-day months) before `now`,
 * or a day `YYYY-MM-DD` (its start in `zone`, the server's). Undefined when it is neither.
 */
export function parseSince(value: string, now: Date, zone: string): Date | undefined {
  const text = value.trim();
  const relative = RELATIVE.exec(text);
  if (relative) {
    const unit = relative[2]!.toLowerCase() as keyof typeof UNIT_MS;
    return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[unit]);
  }
  const day = parseDay(text);
  return day ? startOfLocalDay(day, zone) : undefined;
}
