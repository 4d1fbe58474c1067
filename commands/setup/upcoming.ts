import { TimestampStyles, time as timestamp } from 'discord.js';
import type { Context } from '../../src/context.js';
import { ensureOpenRun } from '../../src/db/queries/challenges.js';
import { findPost, postsFor } from '../../src/db/queries/claims.js';
import type { GuildSettings } from '../../src/db/schema.js';
import { promptPeriodsToCheck, upcomingChallengePost, upcomingPrompt, type UpcomingChallengePost, type UpcomingPrompt } from '../../src/domain/setup.js';
import { isValidTimeZone, parseTimeOfDay } from '../../src/domain/timezones.js';
import { weekOf, type PostKind } from '../../src/domain/weeks.js';
import { CLAIM_STALE_MS } from '../../src/jobs/challenges.js';
import { catchupWindowMs, isSettled } from '../../src/jobs/fan-out.js';
import { PROMPT_CLAIM_STALE_MS } from '../../src/jobs/prompts.js';

/** What the jobs post next, for /setup show and the reply of every /setup change. */

const CHALLENGE_KINDS: readonly PostKind[] = ['challenge_announce', 'challenge_midweek', 'challenge_final', 'challenge_recap'];
const POST_NAMES: Record<PostKind, string> = {
  challenge_announce: 'the announcement',
  challenge_midweek: 'the midweek reminder',
  challenge_final: 'the 24-hour reminder',
  challenge_recap: 'the recap',
};

export interface Upcoming {
  prompt?: UpcomingPrompt & { zone: string; time: string };
  challenge?: UpcomingChallengePost & {
    title?: string;
    nextWeek: boolean;
    /** Set up late in the week: this week is left out, the first run is next week's (settings.challengesFirstWeekAt). */
    firstWeekLater?: boolean;
  };
  /** Challenges are on but the content has no challenge to run. */
  noChallenges?: boolean;
}

/** The next prompt and the next challenge post, by the jobs' own rules (see domain/setup.ts). */
export async function upcoming(ctx: Context, s: GuildSettings): Promise<Upcoming> {
  const now = ctx.clock.now();
  const out: Upcoming = {};
  const time = parseTimeOfDay(s.promptsTime ?? '');
  const zone = s.promptsTimezone ?? s.timezone;
  if (s.promptsEnabled && s.promptsChannelId && !s.promptsBrokenReason && time && isValidTimeZone(zone)) {
    const rows = await postsFor(ctx.db, 'prompt', [s.guildId], promptPeriodsToCheck(now, time, zone));
    const done = new Set(rows.filter((r) => isSettled(r, now, PROMPT_CLAIM_STALE_MS, s.updatedAt)).map((r) => r.period));
    out.prompt = { ...upcomingPrompt(now, time, zone, catchupWindowMs(ctx.config), done), zone, time: s.promptsTime! };
  }
  if (s.challengesEnabled && s.challengesChannelId && !s.challengesBrokenReason) {
    const content = await ctx.contents.forGuild(s.guildId);
    if (content.challenges.length === 0) out.noChallenges = true;
    // The run the challenge job would open (or has): creating it now changes nothing the next tick would not.
    const run = await ensureOpenRun(ctx.db, content, s, now);
    let post: UpcomingChallengePost | undefined;
    if (run) {
      const rows = await Promise.all(CHALLENGE_KINDS.map((kind) => findPost(ctx.db, { guildId: s.guildId, kind, period: run.weekStart })));
      const done = new Set(CHALLENGE_KINDS.filter((_, i) => rows[i] !== undefined && isSettled(rows[i], now, CLAIM_STALE_MS, s.updatedAt)));
      const announced = rows[0]?.status === 'posted' ? (rows[0].postedAt ?? undefined) : undefined;
      post = upcomingChallengePost(run, s.timezone, now, done, announced);
    }
    if (run && post) out.challenge = { ...post, title: content.challengesById.get(run.challengeId)?.title ?? run.challengeId, nextWeek: false };
    else if (!out.noChallenges) {
      const firstWeekLater = s.challengesFirstWeekAt !== null && s.challengesFirstWeekAt > now;
      out.challenge = { kind: 'challenge_announce', dueAt: weekOf(now, s.timezone, s.challengesWeekStart).endsAt, now: false, nextWeek: true, firstWeekLater };
    }
  }
  return out;
}

const when = (d: Date) => `${timestamp(d, TimestampStyles.LongDateTime)} (${timestamp(d, TimestampStyles.RelativeTime)})`;

export function promptLine(p: NonNullable<Upcoming['prompt']>): string {
  return p.now ? `Next prompt: **right now** (within a minute), today’s ${p.time} one` : `Next prompt: ${when(p.dueAt)}`;
}

export function challengeLine(c: NonNullable<Upcoming['challenge']>): string {
  if (c.nextWeek) return `Next post: the announcement of next week’s challenge, ${when(c.dueAt)}`;
  const what = `${POST_NAMES[c.kind]} of **${c.title ?? 'this week’s challenge'}**`;
  return c.now ? `Next post: **right now** (within a minute), ${what}` : `Next post: ${what}, ${when(c.dueAt)}`;
}

/** The warning when today's prompt goes out right now because its time has passed. */
export function promptDueNow(next: Upcoming, ctx: Context): string[] {
  const p = next.prompt;
  if (!p?.now) return [];
  return [
    `⚠️ ${p.time} (${p.zone}) has already passed today, so today’s prompt is posted **right now** (prompts up to ${ctx.config.CATCHUP_HOURS} hours late are still posted). After that, every day at ${p.time}.`,
  ];
}

/** The warnings on the challenge posts: no challenge to run, or a post that goes out right now because its time has passed. */
export function challengeDueNow(s: GuildSettings, next: Upcoming): string[] {
  return [...(next.noChallenges ? ['⚠️ No challenges are loaded from the content, so nothing will be posted. Check the bot’s content files.'] : []), ...challengePostDueNow(s, next)];
}

/** The warning when a challenge post goes out right now because its time has passed. */
export function challengePostDueNow(s: GuildSettings, next: Upcoming): string[] {
  const out: string[] = [];
  const c = next.challenge;
  if (c?.now)
    out.push(
      c.kind === 'challenge_announce'
        ? `⚠️ This challenge week has already started, so this week’s challenge (**${c.title}**) is announced **right now**${s.challengesPingRoleId ? `, pinging <@&${s.challengesPingRoleId}>` : ''}.`
        : `⚠️ ${POST_NAMES[c.kind]} of this week’s challenge was due ${timestamp(c.dueAt, TimestampStyles.RelativeTime)}, so it is posted **right now**.`,
    );
  return out;
}
