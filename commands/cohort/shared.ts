import type { ContentContext, Context } from '../../src/context.js';
import { cohortById, cohortsOf, memberCohorts, unitsOf } from '../../src/db/queries/cohorts.js';
import type { Cohort } from '../../src/db/schema.js';
import { cohortEnd } from '../../src/domain/cohorts.js';
import type { GuildChatInput, Subcommand } from '../../src/discord/command.js';
import { autocompleteChoices } from '../../src/discord/options.js';
import { userText } from '../../src/discord/views/theme.js';
import { UserError } from '../../src/errors.js';

export type CohortSubcommand = Subcommand<[], ContentContext>;

/** The `cohort` option every subcommand that acts on one cohort has (autocomplete: the server's cohorts). */
export const COHORT_OPTION = 'cohort';

/**
 * The cohort a member named (an id from autocomplete, or a name typed by hand), or, left out, the
 * one they are in that has not ended (else the server's only cohort). Says what to pick otherwise.
 */
export async function chosenCohort(interaction: GuildChatInput, ctx: Context, { required = false } = {}): Promise<Cohort> {
  const input = interaction.options.getString(COHORT_OPTION)?.trim();
  const guildId = interaction.guildId;
  if (input) {
    const byId = /^\d{1,15}$/.test(input) ? await cohortById(ctx.db, guildId, Number(input)) : undefined;
    const found = byId ?? (await cohortsOf(ctx.db, guildId)).find((c) => c.name.toLowerCase() === input.toLowerCase());
    if (!found) throw new UserError(`There is no cohort called “${userText(input, 80)}” in this server. \`/cohort list\` shows them all.`);
    return found;
  }
  const now = ctx.clock.now();
  const running = (await memberCohorts(ctx.db, { guildId, userId: interaction.user.id })).filter((c) => (cohortEnd(unitsOf(c)) ?? now) > now);
  if (running.length === 1 && !required) return running[0]!;
  const all = await cohortsOf(ctx.db, guildId);
  if (all.length === 1) return all[0]!;
  if (all.length === 0) throw new UserError('This server has no cohort yet. Moderators start one with `/cohort create`.');
  throw new UserError('Which cohort? Pick one in the `cohort` option (`/cohort list` shows them all).');
}

/** Autocomplete for the `cohort` option: the server's cohorts, newest first. */
export async function cohortChoices(guildId: string, ctx: Context, query: string) {
  const all = await cohortsOf(ctx.db, guildId);
  return autocompleteChoices(all, query, (c) => ({ name: c.name, value: String(c.id) }));
}
