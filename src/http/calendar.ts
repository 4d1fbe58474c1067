import { createHmac, timingSafeEqual } from 'node:crypto';
import ical, { ICalCalendarMethod } from 'ical-generator';
import type { Content } from '../content/loader.js';
import type { ContentStore } from '../content/store.js';
import type { Db } from '../db/client.js';
import { findCohort, membership, unitsOf } from '../db/queries/cohorts.js';
import { cohortStudyEvents, rsvpdEvents } from '../db/queries/events.js';
import type { Cohort, StudyEvent } from '../db/schema.js';
import type { Unit } from '../domain/cohorts.js';
import { occurrence, occurrencesBetween, type Occurrence } from '../domain/events.js';

/** Scheduled study sessions in a feed: from a week back to this far ahead. */
const EVENTS_AHEAD_MS = 120 * 86_400_000;
const EVENTS_BACK_MS = 7 * 86_400_000;

export interface FeedEvent {
  event: StudyEvent;
  occurrences: readonly Occurrence[];
}

/**
 * Cohort calendars: an iCal feed per member at /cal/<token>.ics. The token names the cohort, the
 * member and the member's link version, and carries an HMAC-SHA256 of the three under the cohort's
 * secret: it cannot be guessed or changed to another member's, and /cohort calendar reset bumps the
 * version, which turns the old link off.
 */

const MAC_LENGTH = 32;

function mac(secret: string, cohortId: number, userId: string, version: number): string {
  return createHmac('sha256', Buffer.from(secret, 'hex')).update(`cohort-calendar:${cohortId}:${userId}:${version}`).digest('base64url').slice(0, MAC_LENGTH);
}

export function calendarToken(cohort: Pick<Cohort, 'id' | 'secret'>, userId: string, version: number): string {
  return `${cohort.id}-${userId}-${version}-${mac(cohort.secret, cohort.id, userId, version)}`;
}

export interface TokenClaim {
  cohortId: number;
  /** The member whose link it is; undefined for the cohort's public feed. */
  userId: string | undefined;
  version: number;
  /** Whether the token's signature holds under the cohort's secret. */
  verify(secret: string): boolean;
}

function publicMac(secret: string, cohortId: number, version: number): string {
  return createHmac('sha256', Buffer.from(secret, 'hex')).update(`cohort-public-calendar:${cohortId}:${version}`).digest('base64url').slice(0, MAC_LENGTH);
}

/** The token of a cohort's public feed (moderators turn it on): the cohort's deadlines and sessions, no member in it. */
export function publicCalendarToken(cohort: Pick<Cohort, 'id' | 'secret'>, version: number): string {
  return `${cohort.id}-public-${version}-${publicMac(cohort.secret, cohort.id, version)}`;
}

function verifier(expected: (secret: string) => string, given: string): (secret: string) => boolean {
  const mine = Buffer.from(given);
  return (secret) => {
    const theirs = Buffer.from(expected(secret));
    return theirs.length === mine.length && timingSafeEqual(theirs, mine);
  };
}

/** What a token claims (its signature is checked by `verify` once the cohort's secret is read); undefined when it is not one. */
export function parseCalendarToken(token: string): TokenClaim | undefined {
  const open = /^(\d{1,15})-public-(\d{1,9})-([\w-]{32})$/.exec(token);
  if (open) {
    const cohortId = Number(open[1]);
    const version = Number(open[2]);
    return { cohortId, userId: undefined, version, verify: verifier((secret) => publicMac(secret, cohortId, version), open[3]!) };
  }
  const m = /^(\d{1,15})-(\d{17,20})-(\d{1,9})-([\w-]{32})$/.exec(token);
  if (!m) return undefined;
  const cohortId = Number(m[1]);
  const userId = m[2]!;
  const version = Number(m[3]);
  return { cohortId, userId, version, verify: verifier((secret) => mac(secret, cohortId, userId, version), m[4]!) };
}

/**
 * The feed of a cohort: one event per weekly deadline (the half hour before it, so calendars show
 * it as a block ending at the deadline), with the unit's steps; instants in UTC, so every calendar
 * shows them in its reader's own zone. Written by ical-generator (escaping, line folding, UIDs
 * stable across refreshes).
 */
export function cohortCalendar(content: Content, cohort: Cohort, units: readonly Unit[], host: string, events: readonly FeedEvent[] = []): string {
  const calendar = ical({ name: `${cohort.name} (Cohort)`, prodId: { company: 'Cohort', product: 'cohort-calendar', language: 'EN' }, method: ICalCalendarMethod.PUBLISH, ttl: 3600 });
  for (const unit of units) {
    const steps = unit.stepIds.map((id) => content.steps.get(id)?.step.title ?? id);
    const challenge = unit.challengeId ? `\nOr submit the challenge ${content.challengesById.get(unit.challengeId)?.title ?? unit.challengeId}.` : '';
    calendar.createEvent({
      id: `cohort-${cohort.id}-week-${unit.week}-deadline@${host}`,
      start: new Date(unit.deadline.getTime() - 30 * 60_000),
      end: unit.deadline,
      summary: `${cohort.name}: week ${unit.week} due`,
      description: `Week ${unit.week} of ${units.length}: ${steps.join(', ')}.${challenge}\nMark steps done with /done in Discord.`,
      timezone: null,
    });
  }
  // Scheduled study sessions: the cohort's, and those the member answered Going or Maybe to.
  for (const { event, occurrences } of events) {
    for (const o of occurrences) {
      calendar.createEvent({
        id: `cohort-event-${event.id}-${o.index}@${host}`,
        start: o.start,
        end: o.end,
        summary: event.title,
        description: `${event.description ? `${event.description}\n` : ''}A study session on Discord${event.voiceChannelId ? ', in its voice channel' : ''}. Press Going on its card for a reminder.`,
        location: 'Discord',
        timezone: null,
      });
    }
  }
  return calendar.toString();
}

/**
 * The feed a token opens, or undefined (404) for anything else: not a token, an unknown cohort, a
 * member no longer in it, an old link version, a public feed turned off, a signature that does not hold. The answer never
 * says which, so a token cannot be probed.
 */
export async function calendarFeed(deps: { db: Db; contents: ContentStore; publicUrl: string | undefined; now?: Date }, token: string): Promise<string | undefined> {
  const claim = parseCalendarToken(token);
  if (!claim) return undefined;
  const cohort = await findCohort(deps.db, claim.cohortId);
  if (!cohort || !claim.verify(cohort.secret)) return undefined;
  if (claim.userId === undefined) {
    if (!cohort.publicFeed || cohort.publicFeedVersion !== claim.version) return undefined;
  } else {
    const member = await membership(deps.db, cohort.id, claim.userId);
    if (!member || member.calendarVersion !== claim.version) return undefined;
  }
  const host = deps.publicUrl ? new URL(deps.publicUrl).host : 'cohort';
  return cohortCalendar(await deps.contents.forGuild(cohort.guildId), cohort, unitsOf(cohort), host, await feedEvents(deps.db, cohort, claim.userId, deps.now ?? new Date()));
}

/** The cohort's sessions around `now`, and the sessions of other events of the server the member answered (that occurrence only; none for the public feed). */
export async function feedEvents(db: Db, cohort: Cohort, userId: string | undefined, now: Date): Promise<FeedEvent[]> {
  const from = new Date(now.getTime() - EVENTS_BACK_MS);
  const until = new Date(now.getTime() + EVENTS_AHEAD_MS);
  const out: FeedEvent[] = (await cohortStudyEvents(db, cohort.id)).map((event) => ({ event, occurrences: occurrencesBetween(event, from, until) }));
  const seen = new Set(out.map((e) => e.event.id));
  const answered = new Map<number, FeedEvent & { occurrences: Occurrence[] }>();
  for (const { event, occurrence: index } of userId === undefined ? [] : await rsvpdEvents(db, cohort.guildId, userId)) {
    if (seen.has(event.id) || index < event.baseOccurrence) continue;
    const entry = answered.get(event.id) ?? { event, occurrences: [] };
    const o = occurrence(event, index);
    if (o.end > from) entry.occurrences.push(o);
    answered.set(event.id, entry);
  }
  return [...out, ...answered.values()].filter((e) => e.occurrences.length > 0);
}
