import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { guildSettings } from '../schema.js';

/**
 * Claims the one welcome of a server in a single statement: true only for the caller that set
 * `welcomed_at` (first join), false on every later join, reconnect or concurrent process.
 */
export async function claimWelcome(db: Tx, guildId: string, now: Date): Promise<boolean> {
  const rows = await db
    .insert(guildSettings)
    .values({ guildId, welcomedAt: now, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: guildSettings.guildId,
      set: { welcomedAt: sql`excluded.welcomed_at` },
      setWhere: sql`${guildSettings.welcomedAt} is null`,
    })
    .returning({ guildId: guildSettings.guildId });
  return rows.length > 0;
}

/** Gives the claim back when the welcome could not be posted, so that the next join tries again. */
export async function releaseWelcome(db: Tx, guildId: string, claimedAt: Date): Promise<void> {
  await db
    .update(guildSettings)
    .set({ welcomedAt: null })
    .where(and(eq(guildSettings.guildId, guildId), eq(guildSettings.welcomedAt, claimedAt)));
}
