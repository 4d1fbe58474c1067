import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { membersOf, syncUnits, unitsDone, unitsOf } from '../../src/db/queries/cohorts.js';
import { paceOf } from '../../src/domain/cohorts.js';
import { requireModerator } from '../../src/discord/permissions.js';
import { UserError } from '../../src/errors.js';
import { burnUpSvg } from '../../src/discord/views/burn-up.js';
import { boardEmbed, type BoardEntry } from '../../src/discord/views/cohorts.js';
import { chosenCohort, COHORT_OPTION, type CohortSubcommand } from './shared.js';

/** `/cohort board [cohort]`: who is ahead, on pace or catching up (hidden members only counted); moderators also see since when. */
export function boardSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('board')
    .setDescription('Who is ahead, on pace or catching up in a cohort')
    .addStringOption((o) => o.setName(COHORT_OPTION).setDescription('Which cohort').setAutocomplete(true).setMaxLength(100))
    .addBooleanOption((o) => o.setName('chart').setDescription('Add a burn-up chart: units done on time each week against the plan'));
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
  const embed = boardEmbed(cohort, units, entries, hidden);
  if (interaction.options.getBoolean('chart') !== true) {
    await interaction.reply({ embeds: [embed], allowedMentions: { parse: [] }, flags: MessageFlags.Ephemeral });
    return;
  }
  // Everyone counts in the chart, hidden members too (it shows no names).
  const planned = units.map((u) => u.week * members.length);
  const onTime = units.map((u) => (u.deadline <= now ? done.filter((d) => d.onTime && d.week <= u.week).length : undefined));
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const png = await ctx.images.renderPng(burnUpSvg({ title: `${cohort.name}: units done on time`, planned, onTime }));
  await interaction.editReply({
    embeds: [{ ...embed, image: { url: 'attachment://burn-up.png' } }],
    files: [{ attachment: png, name: 'burn-up.png', description: `Burn-up chart of ${cohort.name}` }],
    allowedMentions: { parse: [] },
  });
};
