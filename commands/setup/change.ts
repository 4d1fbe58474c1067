import type { Context } from '../../src/context.js';
import type { GuildSettingsPatch } from '../../src/db/queries/settings.js';
import type { GuildSettings } from '../../src/db/schema.js';
import type { GuildChatInput } from '../../src/discord/command.js';
import type { Upcoming } from './upcoming.js';

/** A /setup subcommand that changes the server's settings row: what it changes, and what to say after (save.ts's saveWith runs it). */
export interface SettingChange {
  /** The change this run asks for; what is left out stays as it is. Refuses with a UserError. */
  patch(interaction: GuildChatInput, before: GuildSettings): GuildSettingsPatch | Promise<GuildSettingsPatch>;
  /** One sentence: what the subcommand just set. */
  nowSet(s: GuildSettings): string;
  /** Warnings for the moderator: a post that goes out right now because its time has passed, a feature left off. */
  warnings?(s: GuildSettings, next: Upcoming, ctx: Context): string[];
}
