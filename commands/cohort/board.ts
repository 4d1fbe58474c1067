import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { membersOf, syncUnits, unitsDone, unitsOf } from '../../src/db/queries/cohorts.js';
import { paceOf } from '../../src/domain/cohorts.js';
import { requireModerator } from '../../src/discord/permissions.js';
import { UserError } from '../../src/errors.js';
import { boardEmbed, type BoardEntry } from '../../src/discord/views/cohorts.js';
import { chosenCohort, COHORT_OPTION, type CohortSubcommand } from './shared.js';

/** `/cohort board [cohort]`: who is ahead, on pace or catching up (hidden members only counted); moderators also see since when. */
export function boardSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('board')
    .setDescription('Who is ahead, on pace or catching up in a cohort')
    .addStringOption((o) => o.setName(COHORT_OPTION).setDescription('Which cohort').setAutocomplete(true).setMaxLength(100));
}

export const board: CohortSubcommand = async (interaction, ctx) => {
  const cohort = await chosenCohort(interaction, ctx);
  const now = ctx.clock.now();
  await syncUnits(ctx.db, ctx.content, cohort, now);
  const units = unitsOf(cohort);
  const moderator = await requireModerator(interaction, ctx).then(
    () => true,
    (error: unknown) => {
      if (error instanceof UserError) return false;
      throw error;
    },
  );
  const [members, done] = [await membersOf(ctx.db, cohort.id), await unitsDone(ctx.db, cohort.id)];
  const entries: BoardEntry[] = [];
  let hidden = 0;
  for (const m of members) {
    if (m.hidden) {
      hidden++;
      continue;
    }
    const mine = done.filter((d) => d.userId === m.userId);
    const weeks = new Set(mine.map((d) => d.week));
    const entry: BoardEntry = { userId: m.userId, pace: paceOf(units, weeks, now), done: mine.length, late: mine.filter((d) => !d.onTime).length };
    // Moderators also see since when a member is behind (to reach out in time).
    const firstMissed = units.find((u) => u.deadline <= now && !weeks.has(u.week));
    if (moderator && entry.pace.kind === 'behind' && firstMissed) entry.behindSince = firstMissed.deadline;
    entries.push(entry);
  }
  await interaction.reply({ embeds: [boardEmbed(cohort, units, entries, hidden)], allowedMentions: { parse: [] }, flags: MessageFlags.Ephemeral });
};
