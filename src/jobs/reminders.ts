import type { Client } from 'discord.js';
import type { Context } from '../context.js';
import { claim, complete, markFailed, markSkipped, postsFor, release } from '../db/queries/claims.js';
import { markReminderDmClosed, reminderMembers } from '../db/queries/reminders.js';
import { memberStreakStates, streakDayAt, type MemberStreakState } from '../db/queries/streaks.js';
import { streakRisk } from '../domain/digest.js';
import { dueReminder, reminderPeriod, streakDayEnd } from '../domain/reminders.js';
import { isValidTimeZone, parseTimeOfDay } from '../domain/timezones.js';
import { reminderMessage } from '../discord/views/reminders.js';
import { catchupWindowMs, isSettled, type FanOutJobOptions } from './fan-out.js';
import { sendDueDms, sendMemberDm, type DmOutcome } from './member-dms.js';
import type { Job } from './scheduler.js';

/** A claim not settled within this time is assumed dead (crash between claim and DM) and retried. */
export const REMINDER_CLAIM_STALE_MS = 5 * 60_000;
/** Members handled at the same time; their Discord calls wait for the app's outbound budget. */
export const REMINDER_CONCURRENCY = 10;

type Outcome = DmOutcome | 'skipped';

interface Due {
  guildId: string;
  userId: string;
  /** The member's streak day the reminder is for (the exactly-once key with the member). */
  day: string;
  period: string;
}

const KIND = 'streak_reminder';

/**
 * The streak reminder job: every minute, for the members of this process's servers who turned the
 * reminder on and whose time has come today in their zone (within CATCHUP_HOURS after downtime,
 * and only while that streak day lasts), whose streak is at risk (digest.ts streakRisk, from the
 * streak rules of /streak), claims (member, streak day) in scheduled_posts (kind streak_reminder)
 * and sends one DM, paced under the app's outbound budget like the digest.
 */
export function reminderJob(ctx: Context, client: Client, options: FanOutJobOptions): Job {
  const concurrency = options.concurrency ?? REMINDER_CONCURRENCY;
  const staleAfterMs = options.staleAfterMs ?? REMINDER_CLAIM_STALE_MS;
  const catchupMs = catchupWindowMs(ctx.config);
  const log = ctx.logger.child({ job: 'reminders' });

  async function run(now: Date, signal: AbortSignal): Promise<void> {
    if (!client.isReady()) return;
    const guildIds = client.guilds.cache.filter((g) => g.available).map((g) => g.id);
    const timeDue = new Map<string, Map<string, Date>>(); // guild -> member -> when their reminder was due
    for (const m of await reminderMembers(ctx.db, guildIds)) {
      const time = parseTimeOfDay(m.time);
      if (!time || !isValidTimeZone(m.zone)) continue;
      const occurrence = dueReminder(now, { time, zone: m.zone }, { catchupMs, notBefore: m.updatedAt });
      if (!occurrence) continue;
      if (!timeDue.has(m.guildId)) timeDue.set(m.guildId, new Map());
      timeDue.get(m.guildId)!.set(m.userId, occurrence.dueAt);
    }
    if (timeDue.size === 0) return;

    // The streaks of those members, one query per server: only streaks at risk, on the streak day the time fell in.
    const due: Due[] = [];
    for (const [guildId, byMember] of timeDue) {
      for (const state of await memberStreakStates(ctx.db, guildId, now, { userIds: [...byMember.keys()], running: true })) {
        if (!streakRisk(state.view) || streakDayAt(state, byMember.get(state.userId)!) !== state.today) continue;
        due.push({ guildId, userId: state.userId, day: state.today, period: reminderPeriod(state.userId, state.today) });
      }
    }
    if (due.length === 0) return;
    const rows = await postsFor(ctx.db, KIND, [...new Set(due.map((d) => d.guildId))], due.map((d) => d.period));
    const taken = new Set(rows.filter((r) => isSettled(r, now, staleAfterMs)).map((r) => `${r.guildId}:${r.period}`));
    const open = due.filter((d) => !taken.has(`${d.guildId}:${d.period}`));
    if (open.length === 0) return;

    const counts: Record<Outcome, number> = { sent: 0, skipped: 0, closed: 0, failed: 0, retry: 0 };
    const job = { kind: KIND, what: 'streak reminder', log, concurrency, signal, budget: options.budget };
    await sendDueDms(ctx, job, open, counts, (d) => send(d, now));
  }

  async function send(d: Due, now: Date): Promise<Outcome | undefined> {
    const member = { guildId: d.guildId, userId: d.userId };
    const claimed = await claim(ctx.db, { guildId: d.guildId, kind: KIND, period: d.period, owner: options.owner, now, staleAfterMs });
    if (!claimed) return undefined;
    // Read again under the claim: the day may have counted since the batch read (or since a claim now taken over).
    const [state] = await memberStreakStates(ctx.db, d.guildId, ctx.clock.now(), { userIds: [d.userId] });
    const risk = state ? streakRisk(state.view) : undefined;
    if (!state || !risk || state.today !== d.day) {
      await markSkipped(ctx.db, claimed.id, 'the streak was no longer at risk');
      return 'skipped';
    }
    const guild = client.guilds.cache.get(d.guildId);
    const body = reminderMessage({ id: d.guildId, name: guild?.name ?? 'your study group' }, { current: state.view.current, freezes: state.view.freezes, risk }, dayEnd(state));
    return sendMemberDm(ctx, client, { member, body, nonce: `reminder-${claimed.id}`, what: 'streak reminder', about: { day: d.day }, log }, {
      sent: (message) => complete(ctx.db, claimed.id, { messageId: message.id, channelId: message.channelId, postedAt: ctx.clock.now() }),
      failed: (error) => markFailed(ctx.db, claimed.id, error),
      markClosed: () => markReminderDmClosed(ctx.db, member, ctx.clock.now()),
      release: (error) => release(ctx.db, claimed.id, error),
    });
  }

  return { name: 'reminders', run };
}

const dayEnd = (state: MemberStreakState) => streakDayEnd(state.today, state.rules);
