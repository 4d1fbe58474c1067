import type { APIActionRowComponent, APIButtonComponent } from 'discord.js';
import type { Context } from '../../src/context.js';
import type { GuildSettingsPatch } from '../../src/db/queries/settings.js';
import type { GuildSettings } from '../../src/db/schema.js';
import type { GuildChatInput } from '../../src/discord/command.js';
import type { Upcoming } from './upcoming.js';

/** A /setup subcommand that changes the server's settings row: what it changes, and what to say after (save.ts's saveWith runs it). */
export interface SettingChange {
  /** The change this run asks for; what is left out stays as it is. Refuses with a UserError. */
  patch(interaction: GuildChatInput, before: GuildSettings, ctx: Context): GuildSettingsPatch | Promise<GuildSettingsPatch>;
  /** One sentence: what the subcommand just set. */
  nowSet(s: GuildSettings): string;
  /**
   * Warnings for the moderator about what this change did: a post that goes out right now because
   * its time has passed, a feature left off. `before` is the row as it was, to warn only about what changed.
   */
  warnings?(s: GuildSettings, next: Upcoming, ctx: Context, before: GuildSettings, interaction?: GuildChatInput): string[];
  /** Buttons offered with the reply (e.g. start this week's challenge anyway). */
  components?(s: GuildSettings, next: Upcoming, ctx: Context): APIActionRowComponent<APIButtonComponent>[];
}
