import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { guildSettings, memberSettings, type GuildSettings } from '../schema.js';

export type GuildSettingsPatch = Partial<Omit<GuildSettings, 'guildId' | 'createdAt' | 'updatedAt'>>;

/** A guild's settings; defaults when the guild never ran /setup (nothing is written). */
export async function getGuildSettings(db: Tx, guildId: string): Promise<GuildSettings> {
  const [row] = await db.select().from(guildSettings).where(eq(guildSettings.guildId, guildId));
  return row ?? defaultGuildSettings(guildId);
}

export function defaultGuildSettings(guildId: string): GuildSettings {
  const epoch = new Date(0);
  return {
    guildId,
    timezone: 'UTC',
    rolloverHour: 4,
    freezeCap: 2,
    moderatorRoleId: null,
    promptsChannelId: null,
    promptsTime: null,
    promptsTimezone: null,
    promptsPingRoleId: null,
    promptsEnabled: false,
    promptsBrokenReason: null,
    resourcesChannelId: null,
    reviewChannelId: null,
    reviewChannelError: null,
    challengesChannelId: null,
    challengesPingRoleId: null,
    challengesWeekStart: 1,
    challengesEnabled: false,
    challengesBrokenReason: null,
    challengesFirstWeekAt: null,
    challengesWinnerRoleId: null,
    challengesWinnerRoleError: null,
    studyChannelIds: [],
    studyCategoryIds: [],
    studyMinutes: 25,
    welcomedAt: null,
    createdAt: epoch,
    updatedAt: epoch,
  };
}

/** Creates or updates a guild's settings in one statement. */
export async function updateGuildSettings(db: Tx, guildId: string, patch: GuildSettingsPatch, now: Date): Promise<GuildSettings> {
  const [row] = await db
    .insert(guildSettings)
    .values({ guildId, ...patch, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: guildSettings.guildId, set: { ...patch, updatedAt: now } })
    .returning();
  return row!;
}

/** A member's own time zone, if they set one. */
export async function getMemberTimezone(db: Tx, guildId: string, userId: string): Promise<string | null> {
  const [row] = await db
    .select({ timezone: memberSettings.timezone })
    .from(memberSettings)
    .where(and(eq(memberSettings.guildId, guildId), eq(memberSettings.userId, userId)));
  return row?.timezone ?? null;
}

export async function setMemberTimezone(db: Tx, guildId: string, userId: string, timezone: string | null, now: Date): Promise<void> {
  await db
    .insert(memberSettings)
    .values({ guildId, userId, timezone, updatedAt: now })
    .onConflictDoUpdate({ target: [memberSettings.guildId, memberSettings.userId], set: { timezone, updatedAt: sql`excluded.updated_at` } });
}

/**
 * Records why the last suggestion notice failed (null: it was posted). Only while `channelId` is
 * still the review channel, so a notice to a channel a moderator just replaced cannot mark the new one.
 */
export async function setReviewChannelError(db: Tx, guildId: string, channelId: string, error: string | null, now: Date): Promise<void> {
  await db
    .update(guildSettings)
    .set({ reviewChannelError: error, updatedAt: now })
    .where(and(eq(guildSettings.guildId, guildId), eq(guildSettings.reviewChannelId, channelId)));
}

/**
 * Records why the winner role could not be moved (null: it was), without touching updated_at: a
 * failed move is retried when a moderator runs /setup challenges again, not on the next minute.
 */
export async function setWinnerRoleError(db: Tx, guildId: string, error: string | null): Promise<void> {
  await db.update(guildSettings).set({ challengesWinnerRoleError: error }).where(eq(guildSettings.guildId, guildId));
}
