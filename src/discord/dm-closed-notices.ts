import type { Client } from 'discord.js';
import type { Db } from '../db/client.js';
import { pendingDmClosedNotices } from '../db/queries/digest.js';
import type { MemberKey } from '../db/queries/streaks.js';

const keyOf = (m: MemberKey) => `${m.guildId}:${m.userId}`;

/**
 * The members of this process's servers whose weekly digest DM Discord refused (50007) and who
 * have not been told yet, so that the command path asks the database only about them instead of
 * after every command. This process's digest job adds a member the moment it marks them; the
 * `refresh` job reloads the set every minute, for marks made by another process on the same
 * database (a restart, a second bot during a deploy). The database row stays the truth: telling
 * is still claimed there, exactly once.
 */
export class DmClosedNotices {
  private pending = new Set<string>();

  add(member: MemberKey): void {
    this.pending.add(keyOf(member));
  }

  has(member: MemberKey): boolean {
    return this.pending.has(keyOf(member));
  }

  delete(member: MemberKey): void {
    this.pending.delete(keyOf(member));
  }

  async refresh(db: Db, guildIds: readonly string[]): Promise<void> {
    const rows = guildIds.length ? await pendingDmClosedNotices(db, guildIds) : [];
    this.pending = new Set(rows.map(keyOf));
  }

  /** The minute job that reloads the set for the servers this process serves. */
  job(db: Db, client: Client): { name: string; run(): Promise<void> } {
    return {
      name: 'digest-notices',
      run: async () => {
        if (!client.isReady()) return;
        await this.refresh(db, client.guilds.cache.filter((g) => g.available).map((g) => g.id));
      },
    };
  }
}
