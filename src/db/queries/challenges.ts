import { and, asc, desc, eq, gte, inArray, isNotNull, isNull, lt, lte, gt, sql } from 'drizzle-orm';
import type { Content } from '../../content/loader.js';
import type { Challenge } from '../../content/schema.js';
import { addDays, localDateOf } from '../../domain/dates.js';
import { effectiveEnd, nextInRotation, weekOf } from '../../domain/weeks.js';
import { UserError } from '../../errors.js';
import type { Db, Tx } from '../client.js';
import { auditLog, challengeParticipants, challengeSubmissions, challengeWeeks, challengeWinners, type ChallengeWeek, type GuildSettings } from '../schema.js';
import { logModeratorAction, type ModeratorAction } from './moderator-log.js';
import { recordActivity } from './streaks.js';

export type Run = ChallengeWeek;

export interface Submission {
  userId: string;
  link: string;
  score: string | null;
  note: string | null;
  submittedAt: Date;
  updatedAt: Date;
  /** Set aside by a moderator (/challenge flag): null when it counts. */
  flaggedAt: Date | null;
  flagReason: string | null;
}

/** Challenges need a channel and must be switched on; says plainly what is missing. */
export function requireChallengesOn(settings: GuildSettings): void {
  if (!settings.challengesChannelId || !settings.challengesEnabled)
    throw new UserError('Weekly challenges are not set up in this server. A moderator can turn them on with `/setup challenges`.');
}

/** The run open at `now` (started, not past its deadline, not closed), if any. */
export async function openRun(db: Tx, guildId: string, now: Date): Promise<Run | undefined> {
  const [row] = await db
    .select()
    .from(challengeWeeks)
    .where(and(eq(challengeWeeks.guildId, guildId), lte(challengeWeeks.startsAt, now), gt(challengeWeeks.endsAt, now), isNull(challengeWeeks.closedAt)))
    .orderBy(desc(challengeWeeks.startsAt))
    .limit(1);
  return row;
}

/** The most recent runs of a server (newest first), open or not. */
export async function recentRuns(db: Tx, guildId: string, limit: number): Promise<Run[]> {
  return db.select().from(challengeWeeks).where(eq(challengeWeeks.guildId, guildId)).orderBy(desc(challengeWeeks.weekStart)).limit(limit);
}

export async function runById(db: Tx, guildId: string, id: number): Promise<Run | undefined> {
  const [row] = await db.select().from(challengeWeeks).where(and(eq(challengeWeeks.guildId, guildId), eq(challengeWeeks.id, id)));
  return row;
}

/**
 * Challenge ids a server ran, oldest first, for the rotation: each run's challenge, preceded by
 * the challenges moderators skipped in it (so a skipped challenge goes to the back of the line).
 */
export async function rotationHistory(db: Tx, guildId: string): Promise<string[]> {
  const runs = await db
    .select({ id: challengeWeeks.id, challengeId: challengeWeeks.challengeId })
    .from(challengeWeeks)
    .where(eq(challengeWeeks.guildId, guildId))
    .orderBy(asc(challengeWeeks.weekStart), asc(challengeWeeks.id));
  const skips = await db
    .select({ details: auditLog.details })
    .from(auditLog)
    .where(and(eq(auditLog.guildId, guildId), eq(auditLog.action, 'challenge_skip')))
    .orderBy(asc(auditLog.at), asc(auditLog.id));
  const skippedIn = new Map<number, string[]>();
  for (const { details } of skips) {
    const weekId = Number(details.weekId);
    const challengeId = typeof details.challengeId === 'string' ? details.challengeId : '';
    if (challengeId) skippedIn.set(weekId, [...(skippedIn.get(weekId) ?? []), challengeId]);
  }
  return runs.flatMap((r) => [...(skippedIn.get(r.id) ?? []), r.challengeId]);
}

/** The next challenge of the server's rotation (domain/weeks.ts nextInRotation). */
export async function pickNext(db: Tx, content: Content, guildId: string): Promise<Challenge> {
  const id = nextInRotation(
    content.challenges.map((c) => c.id),
    await rotationHistory(db, guildId),
  );
  const challenge = id ? content.challengesById.get(id) : undefined;
  if (!challenge) throw new UserError('No challenges are loaded right now. A moderator should check the bot’s content files.');
  return challenge;
}

/**
 * The run open at `now`, creating this calendar week's run from the rotation when the week has
 * none yet. A week in which a run already ended (closed early) gets no new one; a live
 * competition that spans weeks stays the open run until its deadline, and the rotation resumes at
 * the first week start after it. Safe to race: one row per guild and week start.
 */
export async function ensureOpenRun(db: Tx, content: Content, settings: GuildSettings, now: Date): Promise<Run | undefined> {
  const guildId = settings.guildId;
  const open = await openRun(db, guildId, now);
  if (open) return open;
  const week = weekOf(now, settings.timezone, settings.challengesWeekStart);
  // Set up late in a week: the first run is the next week's.
  if (settings.challengesFirstWeekAt && week.startsAt < settings.challengesFirstWeekAt) return undefined;
  const inWeek = await db
    .select({ id: challengeWeeks.id })
    .from(challengeWeeks)
    .where(and(eq(challengeWeeks.guildId, guildId), gte(challengeWeeks.weekStart, week.weekStart), lt(challengeWeeks.weekStart, addDays(week.weekStart, 7))))
    .limit(1);
  if (inWeek.length > 0) return undefined;
  // A run still going when this week began (a live competition, even one closed early since) holds
  // the week: the rotation resumes at the next week start.
  const [previous] = await db
    .select()
    .from(challengeWeeks)
    .where(and(eq(challengeWeeks.guildId, guildId), lt(challengeWeeks.startsAt, week.startsAt)))
    .orderBy(desc(challengeWeeks.startsAt))
    .limit(1);
  if (previous && effectiveEnd(previous) > week.startsAt) return undefined;
  if (content.challenges.length === 0) return undefined;
  const challenge = await pickNext(db, content, guildId);
  await db
    .insert(challengeWeeks)
    .values({ guildId, weekStart: week.weekStart, challengeId: challenge.id, startsAt: week.startsAt, endsAt: week.endsAt, createdAt: now })
    .onConflictDoNothing();
  return openRun(db, guildId, now);
}

export interface RunChange {
  run: Run;
  /** The open run's challenge was replaced (it had no submissions); false when a new run began. */
  replaced: boolean;
  previousChallengeId?: string;
}

/**
 * A moderator sets the challenge: the open run gets it (if nobody submitted yet), or a new run
 * starts now. `endsAt` is a custom deadline (a live competition); default the end of this week.
 */
export async function startChallenge(
  db: Db,
  settings: GuildSettings,
  input: { challengeId: string; endsAt?: Date; by: string; now: Date },
): Promise<RunChange> {
  const { now, by } = input;
  const guildId = settings.guildId;
  const week = weekOf(now, settings.timezone, settings.challengesWeekStart);
  const endsAt = input.endsAt ?? week.endsAt;
  if (endsAt <= now) throw new UserError('The deadline must be in the future.');
  return db.transaction(async (tx) => {
    const open = await openRun(tx, guildId, now);
    if (open) {
      await lockRun(tx, open.id);
      await refuseIfSubmitted(tx, open, 'start another');
      const [run] = await tx
        .update(challengeWeeks)
        .set({ challengeId: input.challengeId, endsAt, startedBy: by })
        .where(eq(challengeWeeks.id, open.id))
        .returning();
      await audit(tx, guildId, by, 'challenge_start', now, { weekId: open.id, challengeId: input.challengeId, replaced: open.challengeId, endsAt: endsAt.toISOString() });
      return { run: run!, replaced: true, previousChallengeId: open.challengeId };
    }
    // A new run: keyed by this week's start, or by today when this week already had a run.
    const today = localDateOf(now, settings.timezone);
    for (const key of [...new Set([week.weekStart, today])]) {
      const [run] = await tx
        .insert(challengeWeeks)
        .values({ guildId, weekStart: key, challengeId: input.challengeId, startsAt: now, endsAt, startedBy: by, createdAt: now })
        .onConflictDoNothing()
        .returning();
      if (run) {
        await audit(tx, guildId, by, 'challenge_start', now, { weekId: run.id, challengeId: input.challengeId, endsAt: endsAt.toISOString() });
        return { run, replaced: false };
      }
    }
    throw new UserError('A challenge already ran today. Start the next one tomorrow.');
  });
}

/** A moderator skips the open run's challenge: the next one in the rotation takes its place. */
export async function skipChallenge(db: Db, content: Content, settings: GuildSettings, input: { by: string; now: Date }): Promise<RunChange> {
  const { now, by } = input;
  const guildId = settings.guildId;
  return db.transaction(async (tx) => {
    const open = await ensureOpenRun(tx, content, settings, now);
    if (!open) throw new UserError('No challenge is running right now, so there is nothing to skip. Use `/challenge start` to start one.');
    await lockRun(tx, open.id);
    await refuseIfSubmitted(tx, open, 'skip it');
    await audit(tx, guildId, by, 'challenge_skip', now, { weekId: open.id, challengeId: open.challengeId });
    const next = await pickNext(tx, content, guildId);
    if (next.id === open.challengeId) throw new UserError('There is no other challenge to skip to.');
    const [run] = await tx.update(challengeWeeks).set({ challengeId: next.id, startedBy: by }).where(eq(challengeWeeks.id, open.id)).returning();
    return { run: run!, replaced: true, previousChallengeId: open.challengeId };
  });
}

/** A moderator closes the open run now (the recap follows). */
export async function endChallenge(db: Db, guildId: string, input: { by: string; now: Date }): Promise<Run> {
  const { now, by } = input;
  return db.transaction(async (tx) => {
    const open = await openRun(tx, guildId, now);
    if (!open) throw new UserError('No challenge is running right now.');
    const [run] = await tx
      .update(challengeWeeks)
      .set({ closedAt: now })
      .where(and(eq(challengeWeeks.id, open.id), isNull(challengeWeeks.closedAt)))
      .returning();
    if (!run) throw new UserError('This challenge was just closed.');
    await audit(tx, guildId, by, 'challenge_end', now, { weekId: open.id, challengeId: open.challengeId });
    return run;
  });
}

/** Joins a run. Returns false when the member already had. */
export async function joinRun(db: Tx, run: Run, userId: string, now: Date): Promise<boolean> {
  if (now >= effectiveEnd(run)) throw new UserError('This challenge is over. Join the next one when it is announced.');
  const rows = await db.insert(challengeParticipants).values({ weekId: run.id, userId, joinedAt: now }).onConflictDoNothing().returning({ userId: challengeParticipants.userId });
  return rows.length > 0;
}

/** Leaves a run (no more reminders). Returns false when the member had not joined. A submission stays. */
export async function leaveRun(db: Tx, run: Run, userId: string): Promise<boolean> {
  const rows = await db
    .delete(challengeParticipants)
    .where(and(eq(challengeParticipants.weekId, run.id), eq(challengeParticipants.userId, userId)))
    .returning({ userId: challengeParticipants.userId });
  return rows.length > 0;
}

export interface SubmitResult {
  /** First submission of this member this run (false: replaced the earlier one). */
  created: boolean;
  run: Run;
}

/**
 * Stores a member's submission (one per run, replaceable until the deadline), joins them, and on
 * the first submission records a streak activity, all in one transaction. Late submissions are
 * refused with the deadline.
 */
export async function submit(
  db: Db,
  input: { guildId: string; runId: number; userId: string; link: string; score: string | null; note: string | null; now: Date; lateMessage: (deadline: Date) => string },
): Promise<SubmitResult> {
  const { guildId, userId, now } = input;
  return db.transaction(async (tx) => {
    const [run] = await tx
      .select()
      .from(challengeWeeks)
      .where(and(eq(challengeWeeks.id, input.runId), eq(challengeWeeks.guildId, guildId)))
      .for('share');
    if (!run) throw new UserError('That challenge no longer exists.');
    const deadline = effectiveEnd(run);
    if (now >= deadline) throw new UserError(input.lateMessage(deadline));
    await tx.insert(challengeParticipants).values({ weekId: run.id, userId, joinedAt: now }).onConflictDoNothing();
    const values = { link: input.link, score: input.score, note: input.note, updatedAt: now };
    const inserted = await tx
      .insert(challengeSubmissions)
      .values({ weekId: run.id, userId, ...values, submittedAt: now })
      .onConflictDoNothing()
      .returning({ userId: challengeSubmissions.userId });
    if (inserted.length > 0) {
      await recordActivity(tx, { guildId, userId, kind: 'challenge', at: now, ref: `challenge-week:${run.id}` });
      return { created: true, run };
    }
    await tx
      .update(challengeSubmissions)
      .set(values)
      .where(and(eq(challengeSubmissions.weekId, run.id), eq(challengeSubmissions.userId, userId)));
    return { created: false, run };
  });
}

/** Participants of a run, in the order they joined. */
export async function participantsOf(db: Tx, weekId: number): Promise<string[]> {
  const rows = await db
    .select({ userId: challengeParticipants.userId })
    .from(challengeParticipants)
    .where(eq(challengeParticipants.weekId, weekId))
    .orderBy(asc(challengeParticipants.joinedAt), asc(challengeParticipants.userId));
  return rows.map((r) => r.userId);
}

/** Submissions of a run, first submitted first. */
export async function submissionsOf(db: Tx, weekId: number): Promise<Submission[]> {
  return db
    .select({
      userId: challengeSubmissions.userId,
      link: challengeSubmissions.link,
      score: challengeSubmissions.score,
      note: challengeSubmissions.note,
      submittedAt: challengeSubmissions.submittedAt,
      updatedAt: challengeSubmissions.updatedAt,
      flaggedAt: challengeSubmissions.flaggedAt,
      flagReason: challengeSubmissions.flagReason,
    })
    .from(challengeSubmissions)
    .where(eq(challengeSubmissions.weekId, weekId))
    .orderBy(asc(challengeSubmissions.submittedAt), asc(challengeSubmissions.userId));
}

export async function submissionOf(db: Tx, weekId: number, userId: string): Promise<Submission | undefined> {
  const [row] = (await submissionsOf(db, weekId)).filter((s) => s.userId === userId);
  return row;
}

export interface RunSummary {
  run: Run;
  participants: string[];
  submissions: Submission[];
}

/** Past (ended or closed) runs of a server with their participants and submissions, newest first. */
export async function history(db: Tx, guildId: string, now: Date, limit = 5): Promise<RunSummary[]> {
  const runs = (await recentRuns(db, guildId, limit + 2)).filter((r) => effectiveEnd(r) <= now).slice(0, limit);
  if (runs.length === 0) return [];
  const ids = runs.map((r) => r.id);
  const people = await db.select().from(challengeParticipants).where(inArray(challengeParticipants.weekId, ids)).orderBy(asc(challengeParticipants.joinedAt));
  const subs = await db.select().from(challengeSubmissions).where(inArray(challengeSubmissions.weekId, ids)).orderBy(asc(challengeSubmissions.submittedAt));
  return runs.map((run) => ({
    run,
    participants: people.filter((p) => p.weekId === run.id).map((p) => p.userId),
    submissions: subs.filter((s) => s.weekId === run.id),
  }));
}

export interface FlagChange {
  run: Run;
  submission: Submission;
}

/**
 * A moderator sets aside a member's latest submission in the server (/challenge flag): it leaves
 * the recap's ranking and the submissions milestone, with the reason the member is told. The
 * change and its moderator-log entry are one transaction. Refuses when the member has no
 * submission, or the latest one is already flagged.
 */
export async function flagSubmission(db: Db, input: { guildId: string; userId: string; by: string; reason: string; now: Date }): Promise<FlagChange> {
  return db.transaction(async (tx) => {
    const latest = await latestSubmission(tx, input.guildId, input.userId);
    if (!latest) throw new UserError(`<@${input.userId}> has no challenge submission in this server, so there is nothing to flag.`);
    if (latest.submission.flaggedAt)
      throw new UserError(
        `<@${input.userId}>’s latest submission (week of ${latest.run.weekStart}) is already flagged: “${latest.submission.flagReason ?? ''}”. Use \`/challenge unflag\` to undo it.`,
      );
    const [row] = await tx
      .update(challengeSubmissions)
      .set({ flaggedAt: input.now, flaggedBy: input.by, flagReason: input.reason })
      .where(and(eq(challengeSubmissions.weekId, latest.run.id), eq(challengeSubmissions.userId, input.userId), isNull(challengeSubmissions.flaggedAt)))
      .returning({ userId: challengeSubmissions.userId });
    if (!row) throw new UserError('That submission was just flagged by someone else.');
    await logModeratorAction(tx, {
      guildId: input.guildId,
      actorId: input.by,
      action: 'challenge.flag',
      targetUserId: input.userId,
      reason: input.reason,
      details: { weekId: latest.run.id, weekStart: latest.run.weekStart, challengeId: latest.run.challengeId, link: latest.submission.link, score: latest.submission.score },
      at: input.now,
    });
    return { run: latest.run, submission: { ...latest.submission, flaggedAt: input.now, flagReason: input.reason } };
  });
}

/** Undoes /challenge flag on the member's latest flagged submission, logged in the same transaction. */
export async function unflagSubmission(db: Db, input: { guildId: string; userId: string; by: string; reason: string | null; now: Date }): Promise<FlagChange> {
  return db.transaction(async (tx) => {
    const [found] = await tx
      .select({ run: challengeWeeks, weekId: challengeSubmissions.weekId })
      .from(challengeSubmissions)
      .innerJoin(challengeWeeks, eq(challengeWeeks.id, challengeSubmissions.weekId))
      .where(and(eq(challengeWeeks.guildId, input.guildId), eq(challengeSubmissions.userId, input.userId), isNotNull(challengeSubmissions.flaggedAt)))
      .orderBy(desc(challengeWeeks.startsAt), desc(challengeWeeks.id))
      .limit(1)
      .for('update');
    if (!found) throw new UserError(`<@${input.userId}> has no flagged challenge submission in this server. Nothing changed.`);
    const [before] = await tx
      .select()
      .from(challengeSubmissions)
      .where(and(eq(challengeSubmissions.weekId, found.weekId), eq(challengeSubmissions.userId, input.userId)));
    await tx
      .update(challengeSubmissions)
      .set({ flaggedAt: null, flaggedBy: null, flagReason: null })
      .where(and(eq(challengeSubmissions.weekId, found.weekId), eq(challengeSubmissions.userId, input.userId)));
    await logModeratorAction(tx, {
      guildId: input.guildId,
      actorId: input.by,
      action: 'challenge.unflag',
      targetUserId: input.userId,
      reason: input.reason,
      details: { weekId: found.run.id, weekStart: found.run.weekStart, challengeId: found.run.challengeId, flagReason: before?.flagReason ?? null },
      at: input.now,
    });
    const submission = before!;
    return { run: found.run, submission: { ...submission, flaggedAt: null, flagReason: null } };
  });
}

/** The member's submission in the newest run of the server they submitted to, locked for the change. */
async function latestSubmission(tx: Tx, guildId: string, userId: string): Promise<FlagChange | undefined> {
  const [found] = await tx
    .select({ run: challengeWeeks, submission: challengeSubmissions })
    .from(challengeSubmissions)
    .innerJoin(challengeWeeks, eq(challengeWeeks.id, challengeSubmissions.weekId))
    .where(and(eq(challengeWeeks.guildId, guildId), eq(challengeSubmissions.userId, userId)))
    .orderBy(desc(challengeWeeks.startsAt), desc(challengeWeeks.id))
    .limit(1)
    .for('update');
  return found;
}

async function lockRun(tx: Tx, id: number): Promise<void> {
  await tx.select({ id: challengeWeeks.id }).from(challengeWeeks).where(eq(challengeWeeks.id, id)).for('update');
}

async function refuseIfSubmitted(tx: Tx, run: Run, action: string): Promise<void> {
  const [row] = await tx.select({ n: sql<number>`count(*)::int` }).from(challengeSubmissions).where(eq(challengeSubmissions.weekId, run.id));
  const n = row?.n ?? 0;
  if (n > 0)
    throw new UserError(
      `This challenge already has ${n} submission${n === 1 ? '' : 's'}, so it cannot be replaced. Close it with \`/challenge end\` (the recap is posted), then ${action}.`,
    );
}

async function audit(tx: Tx, guildId: string, actorId: string, action: ModeratorAction, at: Date, details: Record<string, unknown>): Promise<void> {
  await logModeratorAction(tx, { guildId, actorId, action, details, at });
}

export type WinnerHolder = typeof challengeWinners.$inferSelect;

/** Who holds the server's winner role because Cohort gave it. */
export async function winnerHolders(db: Tx, guildId: string): Promise<WinnerHolder[]> {
  return db.select().from(challengeWinners).where(eq(challengeWinners.guildId, guildId)).orderBy(asc(challengeWinners.userId));
}

/** Records that a member holds the winner role for a run (after Discord gave it). */
export async function recordWinner(db: Tx, row: WinnerHolder): Promise<void> {
  await db
    .insert(challengeWinners)
    .values(row)
    .onConflictDoUpdate({ target: [challengeWinners.guildId, challengeWinners.userId], set: { roleId: row.roleId, weekId: row.weekId, grantedAt: row.grantedAt } });
}

/** Forgets a holder (after Discord took the role back, or the member or role is gone). */
export async function forgetWinner(db: Tx, guildId: string, userId: string): Promise<void> {
  await db.delete(challengeWinners).where(and(eq(challengeWinners.guildId, guildId), eq(challengeWinners.userId, userId)));
}
