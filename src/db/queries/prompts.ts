import { and, eq, gte, inArray, isNotNull, isNull } from 'drizzle-orm';
import { findStep, type Content } from '../../content/loader.js';
import type { Prompt } from '../../content/schema.js';
import { currentUnit } from '../../domain/cohorts.js';
import { trackProgress } from '../../domain/progress.js';
import { pickNext, rankSteps } from '../../domain/rotation.js';
import type { Tx } from '../client.js';
import { activities, cohortMembers, cohorts, guildSettings, memberBranches, stepProgress, type GuildSettings } from '../schema.js';
import { postedRefs } from './claims.js';
import { unitsOf } from './cohorts.js';

/** Members count as active when they did something in this many days. */
export const ACTIVE_DAYS = 14;

/** Servers whose daily prompts are on, fully set up, and not stopped by a Discord error. */
export async function promptGuilds(db: Tx): Promise<GuildSettings[]> {
  return db
    .select()
    .from(guildSettings)
    .where(
      and(
        eq(guildSettings.promptsEnabled, true),
        isNull(guildSettings.promptsBrokenReason),
        isNotNull(guildSettings.promptsChannelId),
        isNotNull(guildSettings.promptsTime),
      ),
    );
}

/**
 * The roadmap step each active member (an activity or a finished step in the last ACTIVE_DAYS
 * days) is on: the step /next offers them (domain trackProgress: prerequisites, optional steps and
 * their chosen branch) on the track they last worked on (else the first track). Members with
 * nothing left to do on it are left out. A member in a running course cohort is on this week's
 * unit instead: its first step they have not finished (the prompt follows the cohort), and counts
 * as active while in it.
 */
export async function activeMemberSteps(db: Tx, content: Content, guildId: string, now: Date): Promise<string[]> {
  const since = new Date(now.getTime() - ACTIVE_DAYS * 86_400_000);
  const [byActivity, byStep, inCohorts] = await Promise.all([
    db.selectDistinct({ userId: activities.userId }).from(activities).where(and(eq(activities.guildId, guildId), gte(activities.at, since))),
    db.selectDistinct({ userId: stepProgress.userId }).from(stepProgress).where(and(eq(stepProgress.guildId, guildId), gte(stepProgress.completedAt, since))),
    db
      .select({ userId: cohortMembers.userId, cohort: cohorts })
      .from(cohortMembers)
      .innerJoin(cohorts, eq(cohorts.id, cohortMembers.cohortId))
      .where(eq(cohorts.guildId, guildId)),
  ]);
  // This week's steps of each member in a running cohort (the earliest-starting cohort first).
  const weekSteps = new Map<string, string[]>();
  for (const { userId, cohort } of inCohorts.sort((a, b) => a.cohort.startDay.localeCompare(b.cohort.startDay))) {
    const units = unitsOf(cohort);
    const unit = units[0] && units[0].opensAt <= now ? currentUnit(units, now) : undefined;
    if (unit && !weekSteps.has(userId)) weekSteps.set(userId, unit.stepIds);
  }
  const active = [...new Set([...byActivity, ...byStep].map((r) => r.userId).concat([...weekSteps.keys()]))];
  if (active.length === 0) return [];
  const [done, chosen] = await Promise.all([
    db
      .select({ userId: stepProgress.userId, stepId: stepProgress.stepId, completedAt: stepProgress.completedAt })
      .from(stepProgress)
      .where(and(eq(stepProgress.guildId, guildId), inArray(stepProgress.userId, active))),
    db
      .select({ userId: memberBranches.userId, trackId: memberBranches.trackId, branchId: memberBranches.branchId })
      .from(memberBranches)
      .where(and(eq(memberBranches.guildId, guildId), inArray(memberBranches.userId, active))),
  ]);
  const branchOf = new Map(chosen.map((b) => [`${b.userId}:${b.trackId}`, b.branchId]));

  const perMember = new Map<string, { finished: Set<string>; lastTrack?: string; lastAt: number }>();
  for (const userId of active) perMember.set(userId, { finished: new Set(), lastAt: -Infinity });
  for (const row of done) {
    const entry = findStep(content, row.stepId);
    const member = perMember.get(row.userId);
    if (!entry || !member) continue;
    member.finished.add(entry.step.id);
    if (row.completedAt.getTime() > member.lastAt) {
      member.lastAt = row.completedAt.getTime();
      member.lastTrack = entry.track.id;
    }
  }
  const steps: string[] = [];
  for (const [userId, member] of perMember) {
    const week = weekSteps.get(userId)?.find((id) => !member.finished.has(id));
    if (week) {
      steps.push(week);
      continue;
    }
    const track = (member.lastTrack ? content.tracksById.get(member.lastTrack) : undefined) ?? content.tracks[0];
    if (!track) continue;
    const current = trackProgress(track, member.finished, (id) => id, branchOf.get(`${userId}:${track.id}`)).current;
    if (current) steps.push(current.step.id);
  }
  return steps;
}

/** The prompt a server gets for a local date: rotation over the content, preferring its members' steps. */
export async function choosePrompt(db: Tx, content: Content, guildId: string, period: string, now: Date): Promise<Prompt | undefined> {
  const [history, memberSteps] = await Promise.all([postedRefs(db, guildId, 'prompt'), activeMemberSteps(db, content, guildId, now)]);
  const roadmapOrder = content.tracks.flatMap((t) => [...t.steps, ...t.branches.flatMap((b) => b.steps)].map((s) => s.id));
  const id = pickNext(content.prompts, history, rankSteps(memberSteps, roadmapOrder), `${guildId}:${period}`);
  return content.prompts.find((p) => p.id === id);
}
