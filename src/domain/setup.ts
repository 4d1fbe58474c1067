import { addDays } from './dates.js';
import { latestOccurrence, nextOccurrence, planDailyPosts, type TimeOfDay } from './schedule.js';
import { duePosts, weekSchedule, type PostKind } from './weeks.js';

/** The server settings setup is judged by (a guild_settings row has them). */
export interface SetupChannels {
  promptsChannelId: string | null;
  challengesChannelId: string | null;
  resourcesChannelId: string | null;
}

/** Setup steps a server has not done yet, for /setup show and /help. */
export function missingSetup(settings: SetupChannels): string[] {
  const missing: string[] = [];
  if (!settings.promptsChannelId) missing.push('Daily prompts: `/setup prompts channel time`');
  if (!settings.challengesChannelId) missing.push('Weekly challenges: `/setup challenges channel`');
  if (!settings.resourcesChannelId) missing.push('Resources channel: `/setup resources channel`');
  return missing;
}

export interface UpcomingPost {
  /** When it is due. For a post the next scheduler run catches up, its (past) due time. */
  dueAt: Date;
  /** Due already: the next scheduler run (within a minute) posts it. */
  now: boolean;
}

export interface UpcomingPrompt extends UpcomingPost {
  period: string;
}

/**
 * The next daily prompt a server gets, by the prompts job's own rules (planDailyPosts): the latest
 * occurrence when it is still within the catch-up window and its local date has no settled post,
 * else the next occurrence whose date has none. `settled` holds the local dates already posted,
 * skipped or being posted (see `promptPeriodsToCheck` for which to look up).
 */
export function upcomingPrompt(now: Date, time: TimeOfDay, zone: string, catchupMs: number, settled: ReadonlySet<string>): UpcomingPrompt {
  const catchUp = planDailyPosts(now, time, zone, { catchupMs, notBefore: now }).find((p) => p.action === 'post');
  if (catchUp && !settled.has(catchUp.period)) return { period: catchUp.period, dueAt: catchUp.dueAt, now: true };
  let next = nextOccurrence(now, time, zone);
  for (let i = 0; i < 3 && settled.has(next.period); i += 1) next = nextOccurrence(next.dueAt, time, zone);
  return { period: next.period, dueAt: next.dueAt, now: false };
}

/** The local dates whose prompt status `upcomingPrompt` may need: the latest occurrence's and the next few. */
export function promptPeriodsToCheck(now: Date, time: TimeOfDay, zone: string): string[] {
  const latest = latestOccurrence(now, time, zone).period;
  return [0, 1, 2, 3].map((n) => addDays(latest, n));
}

export interface UpcomingChallengePost extends UpcomingPost {
  kind: PostKind;
}

/**
 * The next post of a challenge run, by the challenge job's rules (duePosts): a due post that is
 * still worth posting and not settled goes out with the next run; otherwise the first of the run's
 * posts due later (the recap at the latest). Undefined when the run has nothing left to post.
 */
export function upcomingChallengePost(
  run: { startsAt: Date; endsAt: Date; closedAt: Date | null },
  zone: string,
  now: Date,
  settled: ReadonlySet<PostKind>,
  announcedAt?: Date,
): UpcomingChallengePost | undefined {
  const schedule = weekSchedule(run, zone);
  const dueAtOf: Record<PostKind, Date | undefined> = {
    challenge_announce: schedule.announceAt,
    challenge_midweek: schedule.midweekAt,
    challenge_final: schedule.finalAt,
    challenge_recap: schedule.recapAt,
  };
  const due = duePosts(run, zone, now, announcedAt).find((d) => d.action === 'post' && !settled.has(d.kind));
  if (due) return { kind: due.kind, dueAt: dueAtOf[due.kind] ?? now, now: true };
  const later = (Object.entries(dueAtOf) as [PostKind, Date | undefined][])
    .filter(([kind, at]) => at !== undefined && at.getTime() > now.getTime() && !settled.has(kind))
    .sort(([, a], [, b]) => a!.getTime() - b!.getTime());
  const [first] = later;
  return first ? { kind: first[0], dueAt: first[1]!, now: false } : undefined;
}
