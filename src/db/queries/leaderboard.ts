import { and, count, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { localDay } from '../../domain/dates.js';
import type { BoardRow } from '../../domain/leaderboard.js';
import { viewAt } from '../../domain/streaks.js';
import type { Tx } from '../client.js';
import { activities, challengeParticipants, challengeSubmissions, challengeWeeks, guildSettings, memberSettings, memberStreaks, stepProgress } from '../schema.js';
import { defaultGuildSettings } from './settings.js';
import { studyBoard } from './study.js';

/** STUDY_SESSION_CAP's default, for callers without a config. */
const DEFAULT_STUDY_CAP_MS = 12 * 3_600_000;

export type Board = 'streak' | 'roadmap' | 'checkins' | 'challenges' | 'study';
export type Period = 'week' | 'month' | 'all';


const PERIOD_DAYS: Record<Exclude<Period, 'all'>, number> = { week: 7, month: 30 };

/** The instant a period starts (rolling: the last 7 or 30 days), or null for all time. */
export function periodStart(period: Period, now: Date): Date | null {
  return period === 'all' ? null : new Date(now.getTime() - PERIOD_DAYS[period] * 86_400_000);
}

/**
 * Every member of a guild with a score above zero on a board, best first. Streak boards rank the
 * current streak as of each member's own today (week, month) or the longest streak ever (all).
 */
export async function boardScores(db: Tx, guildId: string, board: Board, period: Period, now: Date, options: { studyCapMs?: number } = {}): Promise<BoardRow[]> {
  const since = periodStart(period, now);
  let rows: BoardRow[];
  switch (board) {
    case 'streak': {
      // The server's zone and rollover come with the rows (a left join: defaults when it never ran /setup).
      const defaults = defaultGuildSettings(guildId);
      const streaks = await db
        .select({
          userId: memberStreaks.userId,
          current: memberStreaks.current,
          longest: memberStreaks.longest,
          freezes: memberStreaks.freezes,
          lastDay: memberStreaks.lastDay,
          timezone: memberSettings.timezone,
          serverZone: guildSettings.timezone,
          rolloverHour: guildSettings.rolloverHour,
        })
        .from(memberStreaks)
        .leftJoin(memberSettings, and(eq(memberSettings.guildId, memberStreaks.guildId), eq(memberSettings.userId, memberStreaks.userId)))
        .leftJoin(guildSettings, eq(guildSettings.guildId, memberStreaks.guildId))
        .where(eq(memberStreaks.guildId, guildId));
      // Most members share the server's zone: work each zone's today out once.
      const todays = new Map<string, string>();
      rows = streaks.map((s) => {
        if (period === 'all') return { userId: s.userId, score: s.longest };
        const zone = s.timezone ?? s.serverZone ?? defaults.timezone;
        let today = todays.get(zone);
        if (today === undefined) todays.set(zone, (today = localDay(now, zone, s.rolloverHour ?? defaults.rolloverHour)));
        return { userId: s.userId, score: viewAt(s, today).current };
      });
      break;
    }
    case 'roadmap': {
      const where = [eq(stepProgress.guildId, guildId)];
      if (since) where.push(gt(stepProgress.completedAt, since));
      rows = await db
        .select({ userId: stepProgress.userId, score: count() })
        .from(stepProgress)
        .where(and(...where))
        .groupBy(stepProgress.userId);
      break;
    }
    case 'checkins': {
      const where = [eq(activities.guildId, guildId), eq(activities.kind, 'checkin')];
      if (since) where.push(gt(activities.at, since));
      rows = await db
        .select({ userId: activities.userId, score: count() })
        .from(activities)
        .where(and(...where))
        .groupBy(activities.userId);
      break;
    }
    case 'challenges': {
      // Flagged submissions (/challenge flag) do not count.
      const where = [eq(challengeWeeks.guildId, guildId), isNull(challengeSubmissions.flaggedAt)];
      if (since) where.push(gt(challengeSubmissions.submittedAt, since));
      rows = await db
        .select({ userId: challengeSubmissions.userId, score: count() })
        .from(challengeSubmissions)
        .innerJoin(challengeWeeks, eq(challengeWeeks.id, challengeSubmissions.weekId))
        .where(and(...where))
        .groupBy(challengeSubmissions.userId)
        .orderBy(desc(sql`count(*)`));
      break;
    }
    case 'study': {
      // Minutes studied in the period (voice and focus together, overlaps once; open sessions up to now).
      rows = await studyBoard(db, guildId, since, now, options.studyCapMs ?? DEFAULT_STUDY_CAP_MS);
      break;
    }
  }
  return rows.map((r) => ({ userId: r.userId, score: Number(r.score) })).filter((r) => r.score > 0);
}

/** How many weekly challenges a member joined in a guild. */
export async function challengesJoined(db: Tx, guildId: string, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(challengeParticipants)
    .innerJoin(challengeWeeks, eq(challengeWeeks.id, challengeParticipants.weekId))
    .where(and(eq(challengeWeeks.guildId, guildId), eq(challengeParticipants.userId, userId)));
  return Number(row?.n ?? 0);
}
