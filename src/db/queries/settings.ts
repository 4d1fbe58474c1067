import { and, eq, sql } from 'drizzle-orm';
import { LOG_RETENTION_DEFAULT_DAYS } from '../../domain/moderator-actions.js';
import type { Db, Tx } from '../client.js';
import { guildSettings, memberSettings, type GuildSettings } from '../schema.js';
import { logModeratorAction } from './moderator-log.js';

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
    logRetentionDays: LOG_RETENTION_DEFAULT_DAYS,
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

/** Columns a /setup run may reset but that are the bot's own state, not a moderator's setting: not logged as changes. */
const BOT_STATE = new Set<string>(['promptsBrokenReason', 'challengesBrokenReason', 'reviewChannelError', 'challengesFirstWeekAt', 'welcomedAt']);

/** One setting a moderator changed, as the moderator log keeps it. */
export interface SettingDiff {
  from: unknown;
  to: unknown;
}

/** The settings of `patch` whose value differs between `before` and `after` (the bot's own state left out). */
export function settingsDiff(before: Record<string, unknown>, after: Record<string, unknown>, keys: readonly string[]): Record<string, SettingDiff> {
  const plain = (v: unknown) => (v instanceof Date ? v.toISOString() : (v ?? null));
  const changes: Record<string, SettingDiff> = {};
  for (const key of keys) {
    if (BOT_STATE.has(key)) continue;
    const from = plain(before[key]);
    const to = plain(after[key]);
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[key] = { from, to };
  }
  return changes;
}

/**
 * A moderator changes the server's settings (/setup): the row is locked, changed, and each setting
 * that changed is logged (old → new) in the moderator log, in one transaction. A run that changes
 * nothing writes no entry. Returns the saved row and what changed.
 */
export async function changeGuildSettings(
  db: Db,
  input: { guildId: string; patch: GuildSettingsPatch; actorId: string; setting: string; at: Date },
): Promise<{ saved: GuildSettings; changes: Record<string, SettingDiff> }> {
  return db.transaction(async (tx) => {
    const [locked] = await tx.select().from(guildSettings).where(eq(guildSettings.guildId, input.guildId)).for('update');
    const before = locked ?? defaultGuildSettings(input.guildId);
    const saved = await updateGuildSettings(tx, input.guildId, input.patch, input.at);
    const changes = settingsDiff(before, saved, Object.keys(input.patch));
    if (Object.keys(changes).length > 0)
      await logModeratorAction(tx, { guildId: input.guildId, actorId: input.actorId, action: 'settings.change', details: { setting: input.setting, changes }, at: input.at });
    return { saved, changes };
  });
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
