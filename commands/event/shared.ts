import type { Context } from '../../src/context.js';
import { studyEventById, studyEventsOf } from '../../src/db/queries/events.js';
import type { StudyEvent } from '../../src/db/schema.js';
import type { GuildChatInput, Subcommand } from '../../src/discord/command.js';
import { autocompleteChoices } from '../../src/discord/options.js';
import { userText } from '../../src/discord/views/theme.js';
import { UserError } from '../../src/errors.js';

export type EventSubcommand = Subcommand;

/** The `event` option of the subcommands that act on one event (autocomplete: the server's events). */
export const EVENT_OPTION = 'event';

/** The event a moderator named: an id from autocomplete, or a title typed by hand. */
export async function chosenEvent(interaction: GuildChatInput, ctx: Context): Promise<StudyEvent> {
  const input = interaction.options.getString(EVENT_OPTION, true).trim();
  const byId = /^\d{1,15}$/.test(input) ? await studyEventById(ctx.db, interaction.guildId, Number(input)) : undefined;
  const found = byId ?? (await studyEventsOf(ctx.db, interaction.guildId)).find((e) => e.title.toLowerCase() === input.toLowerCase());
  if (!found) throw new UserError(`There is no event “${userText(input, 80)}” in this server. \`/event list\` shows them.`);
  return found;
}

/** Autocomplete for the `event` option: the server's events not cancelled, newest first. */
export async function eventChoices(guildId: string, ctx: Context, query: string) {
  const live = await studyEventsOf(ctx.db, guildId, { live: true });
  return autocompleteChoices(live, query, (e) => ({ name: `${e.title} (${e.firstDay} ${e.localTime}${e.weekly ? ', weekly' : ''})`, value: String(e.id) })).map((c) => ({ ...c, name: c.name.slice(0, 100) }));
}
