import { and, eq, inArray, like, ne, or, sql } from 'drizzle-orm';
import { isModeratorAction, MODERATOR_ACTIONS, STAGED_POST } from '../../domain/moderator-actions.js';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db, Tx } from '../client.js';
import {
  activities,
  auditLog,
  challengeParticipants,
  challengeSubmissions,
  challengeWeeks,
  challengeWinners,
  cohortCertificates,
  cohortMembers,
  cohorts,
  cohortUnitsDone,
  digestSends,
  focusParticipants,
  focusSessions,
  guildResources,
  memberBranches,
  memberNudges,
  memberRewards,
  memberSettings,
  memberStreaks,
  memberTracks,
  podMembers,
  podOptIns,
  pods,
  resourcePosts,
  scheduledPosts,
  stepProgress,
  streakDays,
  studyEventAttendance,
  studyEventRsvps,
  studyEvents,
  studySessions,
} from '../schema.js';
import type { MemberKey } from './streaks.js';
import { forgetMemberStats } from './stats-summaries.js';

type MemberColumns = { guildId: AnyPgColumn; userId: AnyPgColumn };

function ofMember(t: MemberColumns, member: MemberKey) {
  return and(eq(t.guildId, member.guildId), eq(t.userId, member.userId));
}

function weeksOf(db: Tx, guildId: string) {
  return db.select({ id: challengeWeeks.id }).from(challengeWeeks).where(eq(challengeWeeks.guildId, guildId));
}

/** Everything Cohort stores about a member in one server, as plain JSON. */
export async function exportMemberData(db: Tx, member: MemberKey, now: Date) {
  const mine = (t: MemberColumns) => ofMember(t, member);
  const [settings, progress, branches, followed, acts, days, streak, participations, submissions, resources, posts, audit, granted, study, podOptIn, podWeeks, digests, focus] = await Promise.all([
    db
      .select({
        timezone: memberSettings.timezone,
        updatedAt: memberSettings.updatedAt,
        digestEnabled: memberSettings.digestEnabled,
        digestDay: memberSettings.digestDay,
        digestTime: memberSettings.digestTime,
        digestUpdatedAt: memberSettings.digestUpdatedAt,
        digestDmClosedAt: memberSettings.digestDmClosedAt,
        digestDmClosedToldAt: memberSettings.digestDmClosedToldAt,
        reminderEnabled: memberSettings.reminderEnabled,
        reminderTime: memberSettings.reminderTime,
        reminderUpdatedAt: memberSettings.reminderUpdatedAt,
        reminderDmClosedAt: memberSettings.reminderDmClosedAt,
        reminderDmClosedToldAt: memberSettings.reminderDmClosedToldAt,
        nudgedAt: memberSettings.nudgedAt,
      })
      .from(memberSettings)
      .where(mine(memberSettings)),
    db.select({ stepId: stepProgress.stepId, trackId: stepProgress.trackId, completedAt: stepProgress.completedAt }).from(stepProgress).where(mine(stepProgress)),
    db.select({ trackId: memberBranches.trackId, branchId: memberBranches.branchId, chosenAt: memberBranches.chosenAt }).from(memberBranches).where(mine(memberBranches)),
    db.select({ trackId: memberTracks.trackId, chosenAt: memberTracks.chosenAt }).from(memberTracks).where(mine(memberTracks)),
    db.select({ kind: activities.kind, day: activities.day, at: activities.at, ref: activities.ref, note: activities.note, source: activities.source }).from(activities).where(mine(activities)).orderBy(activities.at),
    db.select({ day: streakDays.day, reason: streakDays.reason, actorId: streakDays.actorId, note: streakDays.note }).from(streakDays).where(mine(streakDays)).orderBy(streakDays.day),
    db.select({ current: memberStreaks.current, longest: memberStreaks.longest, freezes: memberStreaks.freezes, lastDay: memberStreaks.lastDay }).from(memberStreaks).where(mine(memberStreaks)),
    db
      .select({ weekStart: challengeWeeks.weekStart, challengeId: challengeWeeks.challengeId, joinedAt: challengeParticipants.joinedAt })
      .from(challengeParticipants)
      .innerJoin(challengeWeeks, eq(challengeWeeks.id, challengeParticipants.weekId))
      .where(and(eq(challengeWeeks.guildId, member.guildId), eq(challengeParticipants.userId, member.userId))),
    db
      .select({
        weekStart: challengeWeeks.weekStart,
        challengeId: challengeWeeks.challengeId,
        link: challengeSubmissions.link,
        score: challengeSubmissions.score,
        note: challengeSubmissions.note,
        submittedAt: challengeSubmissions.submittedAt,
        flaggedAt: challengeSubmissions.flaggedAt,
        flaggedBy: challengeSubmissions.flaggedBy,
        flagReason: challengeSubmissions.flagReason,
      })
      .from(challengeSubmissions)
      .innerJoin(challengeWeeks, eq(challengeWeeks.id, challengeSubmissions.weekId))
      .where(and(eq(challengeWeeks.guildId, member.guildId), eq(challengeSubmissions.userId, member.userId))),
    db
      .select({
        url: guildResources.url,
        title: guildResources.title,
        kind: guildResources.kind,
        stepId: guildResources.stepId,
        level: guildResources.level,
        free: guildResources.free,
        note: guildResources.note,
        status: guildResources.status,
        rejectReason: guildResources.rejectReason,
        createdAt: guildResources.createdAt,
      })
      .from(guildResources)
      .where(and(eq(guildResources.guildId, member.guildId), eq(guildResources.suggestedBy, member.userId))),
    db
      .select({ url: resourcePosts.url, channelId: resourcePosts.channelId, note: resourcePosts.note, postedAt: resourcePosts.postedAt })
      .from(resourcePosts)
      .where(and(eq(resourcePosts.guildId, member.guildId), eq(resourcePosts.postedBy, member.userId))),
    db
      .select({ action: auditLog.action, actorId: auditLog.actorId, targetUserId: auditLog.targetUserId, details: auditLog.details, at: auditLog.at })
      .from(auditLog)
      .where(and(eq(auditLog.guildId, member.guildId), ne(auditLog.action, STAGED_POST), or(eq(auditLog.targetUserId, member.userId), eq(auditLog.actorId, member.userId))))
      .orderBy(auditLog.at, auditLog.id),
    db.select({ rewardId: memberRewards.rewardId, roleId: memberRewards.roleId, grantedAt: memberRewards.grantedAt }).from(memberRewards).where(mine(memberRewards)),
    db
      .select({ channelId: studySessions.channelId, source: studySessions.source, startedAt: studySessions.startedAt, endedAt: studySessions.endedAt, cutMs: studySessions.cutMs })
      .from(studySessions)
      .where(mine(studySessions))
      .orderBy(studySessions.startedAt),
    db.select({ preferredSize: podOptIns.preferredSize, joinedAt: podOptIns.joinedAt, aloneWeek: podOptIns.aloneWeek }).from(podOptIns).where(mine(podOptIns)),
    db
      .select({ week: pods.week, pod: pods.number, threadId: pods.threadId, stepId: podMembers.stepId })
      .from(podMembers)
      .innerJoin(pods, eq(pods.id, podMembers.podId))
      .where(and(eq(pods.guildId, member.guildId), eq(podMembers.userId, member.userId)))
      .orderBy(pods.week),
    db.select({ week: digestSends.week, status: digestSends.status, sentAt: digestSends.sentAt, error: digestSends.error }).from(digestSends).where(mine(digestSends)).orderBy(digestSends.week),
    db
      .select({
        channelId: focusSessions.channelId,
        startedByThem: sql<boolean>`${focusSessions.startedBy} = ${member.userId}`,
        sessionStartedAt: focusSessions.startedAt,
        joinedAt: focusParticipants.joinedAt,
        leftAt: focusParticipants.leftAt,
      })
      .from(focusParticipants)
      .innerJoin(focusSessions, eq(focusSessions.id, focusParticipants.sessionId))
      .where(and(eq(focusSessions.guildId, member.guildId), eq(focusParticipants.userId, member.userId)))
      .orderBy(focusParticipants.joinedAt),
  ]);
  const [cohortData, reminderData, eventData] = await Promise.all([exportCohorts(db, member), exportReminders(db, member), exportEvents(db, member)]);
  const winnerRole = await db
    .select({ roleId: challengeWinners.roleId, weekStart: challengeWeeks.weekStart, challengeId: challengeWeeks.challengeId, grantedAt: challengeWinners.grantedAt })
    .from(challengeWinners)
    .innerJoin(challengeWeeks, eq(challengeWeeks.id, challengeWinners.weekId))
    .where(mine(challengeWinners));
  return {
    exportedAt: now.toISOString(),
    guildId: member.guildId,
    userId: member.userId,
    settings: settings[0] ?? null,
    roadmapProgress: progress,
    roadmapBranches: branches,
    roadmapTrack: followed[0] ?? null,
    activities: acts,
    streakLedger: days,
    streak: streak[0] ?? null,
    challengeParticipations: participations,
    /** Each with flaggedAt, flaggedBy and flagReason when a moderator set it aside (/challenge flag); the moderatorLog has each flag and unflag. */
    challengeSubmissions: submissions,
    /** The weekly winner role, while they hold it because they won. */
    challengeWinnerRole: winnerRole[0] ?? null,
    resourceSuggestions: resources,
    resourcePosts: posts,
    /** Moderator log entries about them, or of actions they took, oldest first: what (the kind as /admin log names it), who (actorId), about whom (targetUserId), when, and the details (with the reason). */
    moderatorLog: audit.map((entry) => ({ what: isModeratorAction(entry.action) ? MODERATOR_ACTIONS[entry.action] : entry.action, ...entry })),
    milestoneRoles: granted,
    /** Voice and focus study sessions (endedAt null: still in a study room). */
    studySessions: study,
    podOptIn: podOptIn[0] ?? null,
    pods: podWeeks,
    weeklyDigests: digests,
    /** Focus sessions they joined (the study time itself is in studySessions). */
    focusSessions: focus,
    /** Course cohorts they joined, the units they finished and their certificates. */
    ...cohortData,
    /** Streak reminder DMs (one per streak day at risk) and moderators' nudges (who sent each is in moderatorLog). */
    ...reminderData,
    /** Scheduled study sessions (/event): their Going / Maybe answers (occurrence 0 is the first session) and the sessions they attended. */
    ...eventData,
  };
}

/** The claims of a member's streak reminders name them in their period (`<user id>:<day>`). */
const theirReminders = (member: MemberKey) =>
  and(eq(scheduledPosts.guildId, member.guildId), eq(scheduledPosts.kind, 'streak_reminder'), like(scheduledPosts.period, `${member.userId}:%`));

async function exportReminders(db: Tx, member: MemberKey) {
  const [reminders, nudges] = await Promise.all([
    db
      .select({ period: scheduledPosts.period, status: scheduledPosts.status, postedAt: scheduledPosts.postedAt, error: scheduledPosts.error })
      .from(scheduledPosts)
      .where(theirReminders(member))
      .orderBy(scheduledPosts.period),
    db
      .select({ at: memberNudges.at, actorId: memberNudges.actorId, status: memberNudges.status, error: memberNudges.error })
      .from(memberNudges)
      .where(ofMember(memberNudges, member))
      .orderBy(memberNudges.at),
  ]);
  return { streakReminders: reminders.map(({ period, ...rest }) => ({ day: period.slice(period.indexOf(':') + 1), ...rest })), nudges };
}

function cohortsOf(db: Tx, guildId: string) {
  return db.select({ id: cohorts.id }).from(cohorts).where(eq(cohorts.guildId, guildId));
}

async function exportCohorts(db: Tx, member: MemberKey) {
  const inGuild = eq(cohorts.guildId, member.guildId);
  const [memberships, units, certificates] = await Promise.all([
    db
      .select({ cohort: cohorts.name, joinedAt: cohortMembers.joinedAt, hiddenFromBoard: cohortMembers.hidden, nudgedAt: cohortMembers.nudgedAt })
      .from(cohortMembers)
      .innerJoin(cohorts, eq(cohorts.id, cohortMembers.cohortId))
      .where(and(inGuild, eq(cohortMembers.userId, member.userId))),
    db
      .select({ cohort: cohorts.name, week: cohortUnitsDone.week, doneAt: cohortUnitsDone.doneAt, onTime: cohortUnitsDone.onTime, via: cohortUnitsDone.via })
      .from(cohortUnitsDone)
      .innerJoin(cohorts, eq(cohorts.id, cohortUnitsDone.cohortId))
      .where(and(inGuild, eq(cohortUnitsDone.userId, member.userId)))
      .orderBy(cohortUnitsDone.doneAt),
    db
      .select({
        cohort: cohorts.name,
        code: cohortCertificates.code,
        displayName: cohortCertificates.displayName,
        units: cohortCertificates.units,
        unitsDone: cohortCertificates.unitsDone,
        unitsOnTime: cohortCertificates.unitsOnTime,
        issuedAt: cohortCertificates.issuedAt,
      })
      .from(cohortCertificates)
      .innerJoin(cohorts, eq(cohorts.id, cohortCertificates.cohortId))
      .where(and(inGuild, eq(cohortCertificates.userId, member.userId))),
  ]);
  return { cohorts: memberships, cohortUnits: units, cohortCertificates: certificates };
}

function eventsOf(db: Tx, guildId: string) {
  return db.select({ id: studyEvents.id }).from(studyEvents).where(eq(studyEvents.guildId, guildId));
}

/** Their answers on event cards (Going / Maybe) and the sessions they attended. */
async function exportEvents(db: Tx, member: MemberKey) {
  const inGuild = eq(studyEvents.guildId, member.guildId);
  const [rsvps, attended] = await Promise.all([
    db
      .select({ event: studyEvents.title, eventId: studyEvents.id, occurrence: studyEventRsvps.occurrence, answer: studyEventRsvps.answer, at: studyEventRsvps.at })
      .from(studyEventRsvps)
      .innerJoin(studyEvents, eq(studyEvents.id, studyEventRsvps.eventId))
      .where(and(inGuild, eq(studyEventRsvps.userId, member.userId)))
      .orderBy(studyEventRsvps.at),
    db
      .select({ event: studyEvents.title, eventId: studyEvents.id, occurrence: studyEventAttendance.occurrence, minutes: studyEventAttendance.minutes })
      .from(studyEventAttendance)
      .innerJoin(studyEvents, eq(studyEvents.id, studyEventAttendance.eventId))
      .where(and(inGuild, eq(studyEventAttendance.userId, member.userId)))
      .orderBy(studyEventAttendance.eventId, studyEventAttendance.occurrence),
  ]);
  return { eventRsvps: rsvps, eventAttendance: attended };
}

/**
 * Erases a member's data in one server, in one transaction: settings (with the weekly digest's and the streak reminder's), digest sends, streak reminders and nudges received, roadmap progress and chosen branches, activities,
 * streak ledger and figures, the record of milestone roles given (the roles stay on Discord), challenge entries, their resource suggestions not approved, and
 * moderator log entries about them, their focus session memberships (a session they started keeps them as its starter, as its card in the channel does), their pod opt-in and pod memberships, their cohort memberships, finished units and certificates (a certificate code then no longer verifies), their answers on event cards and their event attendance. Approved resources stay in the server's list (without being
 * erased they would vanish for everyone), as do log entries of their own moderator actions. /stats's summaries forget them (the days they
 * were counted in are made again without them).
 */
export async function eraseMemberData(db: Db, member: MemberKey): Promise<Record<string, number>> {
  return db.transaction(async (tx) => {
    const mine = (t: MemberColumns) => ofMember(t, member);
    const counts: Record<string, number> = {};
    const n = async (name: string, rows: Promise<unknown[]>) => {
      counts[name] = (await rows).length;
    };
    await n('settings', tx.delete(memberSettings).where(mine(memberSettings)).returning({ k: memberSettings.userId }));
    await n('weeklyDigests', tx.delete(digestSends).where(mine(digestSends)).returning({ k: digestSends.id }));
    await n('roadmapProgress', tx.delete(stepProgress).where(mine(stepProgress)).returning({ k: stepProgress.stepId }));
    await n('roadmapBranches', tx.delete(memberBranches).where(mine(memberBranches)).returning({ k: memberBranches.trackId }));
    await n('roadmapTrack', tx.delete(memberTracks).where(mine(memberTracks)).returning({ k: memberTracks.trackId }));
    // /stats's summaries: their rows go, and the days they were counted in are made again without them.
    await forgetMemberStats(tx, member);
    await n('activities', tx.delete(activities).where(mine(activities)).returning({ k: activities.id }));
    await n('streakLedger', tx.delete(streakDays).where(mine(streakDays)).returning({ k: streakDays.day }));
    await n('milestoneRoles', tx.delete(memberRewards).where(mine(memberRewards)).returning({ k: memberRewards.rewardId }));
    await n('streak', tx.delete(memberStreaks).where(mine(memberStreaks)).returning({ k: memberStreaks.userId }));
    await n('challengeWinnerRole', tx.delete(challengeWinners).where(mine(challengeWinners)).returning({ k: challengeWinners.userId }));
    await n('studySessions', tx.delete(studySessions).where(mine(studySessions)).returning({ k: studySessions.id }));
    const weeks = weeksOf(tx, member.guildId);
    await n(
      'challengeSubmissions',
      tx
        .delete(challengeSubmissions)
        .where(and(eq(challengeSubmissions.userId, member.userId), inArray(challengeSubmissions.weekId, weeks)))
        .returning({ k: challengeSubmissions.weekId }),
    );
    await n(
      'challengeParticipations',
      tx
        .delete(challengeParticipants)
        .where(and(eq(challengeParticipants.userId, member.userId), inArray(challengeParticipants.weekId, weeks)))
        .returning({ k: challengeParticipants.weekId }),
    );
    await n(
      'resourceSuggestions',
      tx
        .delete(guildResources)
        .where(and(eq(guildResources.guildId, member.guildId), eq(guildResources.suggestedBy, member.userId), inArray(guildResources.status, ['pending', 'rejected', 'removed'])))
        .returning({ k: guildResources.id }),
    );
    await n(
      'moderatorLogAboutThem',
      tx
        .delete(auditLog)
        .where(and(eq(auditLog.guildId, member.guildId), eq(auditLog.targetUserId, member.userId)))
        .returning({ k: auditLog.id }),
    );
    await n(
      'focusSessions',
      tx
        .delete(focusParticipants)
        .where(and(eq(focusParticipants.userId, member.userId), inArray(focusParticipants.sessionId, tx.select({ id: focusSessions.id }).from(focusSessions).where(eq(focusSessions.guildId, member.guildId)))))
        .returning({ k: focusParticipants.id }),
    );
    await n('podOptIn', tx.delete(podOptIns).where(mine(podOptIns)).returning({ k: podOptIns.userId }));
    await n(
      'pods',
      tx
        .delete(podMembers)
        .where(and(eq(podMembers.userId, member.userId), inArray(podMembers.podId, tx.select({ id: pods.id }).from(pods).where(eq(pods.guildId, member.guildId)))))
        .returning({ k: podMembers.podId }),
    );
    const theirCohorts = cohortsOf(tx, member.guildId);
    await n('cohorts', tx.delete(cohortMembers).where(and(eq(cohortMembers.userId, member.userId), inArray(cohortMembers.cohortId, theirCohorts))).returning({ k: cohortMembers.cohortId }));
    await n(
      'cohortUnits',
      tx
        .delete(cohortUnitsDone)
        .where(and(eq(cohortUnitsDone.userId, member.userId), inArray(cohortUnitsDone.cohortId, theirCohorts)))
        .returning({ k: cohortUnitsDone.week }),
    );
    await n(
      'cohortCertificates',
      tx
        .delete(cohortCertificates)
        .where(and(eq(cohortCertificates.userId, member.userId), inArray(cohortCertificates.cohortId, theirCohorts)))
        .returning({ k: cohortCertificates.code }),
    );
    await n('streakReminders', tx.delete(scheduledPosts).where(theirReminders(member)).returning({ k: scheduledPosts.id }));
    await n('nudges', tx.delete(memberNudges).where(mine(memberNudges)).returning({ k: memberNudges.id }));
    const theirEvents = eventsOf(tx, member.guildId);
    await n('eventRsvps', tx.delete(studyEventRsvps).where(and(eq(studyEventRsvps.userId, member.userId), inArray(studyEventRsvps.eventId, theirEvents))).returning({ k: studyEventRsvps.eventId }));
    await n(
      'eventAttendance',
      tx
        .delete(studyEventAttendance)
        .where(and(eq(studyEventAttendance.userId, member.userId), inArray(studyEventAttendance.eventId, theirEvents)))
        .returning({ k: studyEventAttendance.eventId }),
    );
    // The claim of their certificate DM names them in its period (<cohort id>:<user id>).
    await tx.delete(scheduledPosts).where(and(eq(scheduledPosts.guildId, member.guildId), eq(scheduledPosts.kind, 'cohort_certificate'), like(scheduledPosts.period, `%:${member.userId}`)));
    return counts;
  });
}
