import { ChannelType, MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { postableChannel } from '../../src/discord/channels.js';
import type { Tx } from '../../src/db/client.js';
import { unitsOf, updateCohort } from '../../src/db/queries/cohorts.js';
import { logModeratorAction } from '../../src/db/queries/moderator-log.js';
import type { Cohort } from '../../src/db/schema.js';
import { requireModerator } from '../../src/discord/permissions.js';
import { planEmbed } from '../../src/discord/views/cohorts.js';
import { UserError } from '../../src/errors.js';
import { planFromOptions, withPlanOptions } from './plan-options.js';
import { chosenCohort, COHORT_OPTION, type CohortSubcommand } from './shared.js';

/** `/cohort plan [cohort] [pace|plan|branch|steps]`: shows the plan; moderators change it until the first week opens. */
export function planSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return withPlanOptions(
    s
      .setName('plan')
      .setDescription('The plan week by week; moderators can change it until the cohort starts')
      .addStringOption((o) => o.setName(COHORT_OPTION).setDescription('Which cohort').setAutocomplete(true).setMaxLength(100)),
  ).addChannelOption((o) =>
    o.setName('channel').setDescription('Moderators: announce in this channel from now on (also resumes posts Discord refused)').addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement),
  );
}

export const plan: CohortSubcommand = async (interaction, ctx) => {
  const cohort = await chosenCohort(interaction, ctx);
  const track = ctx.content.tracksById.get(cohort.trackId);
  const changing = ['pace', 'plan', 'branch', 'steps'].some((o) => interaction.options.get(o) !== null);
  const channel = interaction.options.getChannel('channel');
  if (channel && !changing) {
    // Any time, also after the start: a new channel, or the same one fixed, resumes the posts.
    await requireModerator(interaction, ctx);
    const found = await postableChannel(interaction.client, interaction.guildId, { channelId: channel.id, setupCommand: '/cohort plan', resume: 'retry' });
    if (!found.ok) throw new UserError(found.problem);
    const updated = await ctx.db.transaction(async (tx) => {
      const row = await updateCohort(tx, cohort, { channelId: channel.id, brokenReason: null }, ctx.clock.now());
      await logPlanChange(tx, interaction.user.id, row, { channelId: { from: cohort.channelId, to: channel.id } }, ctx.clock.now());
      return row;
    });
    ctx.logger.info({ guildId: cohort.guildId, cohortId: cohort.id, channelId: channel.id, by: interaction.user.id }, 'cohort channel set');
    await interaction.reply({
      content: `✅ **${updated.name}** is announced in <#${channel.id}>${cohort.brokenReason ? '; posts Discord refused are tried again within a minute' : ''}.`,
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  if (channel) throw new UserError('Change the channel on its own (`/cohort plan channel:…`), then the plan.');
  if (!changing) {
    await interaction.reply({ embeds: [planEmbed(ctx.content, cohort, unitsOf(cohort), 'The plan.')], flags: MessageFlags.Ephemeral });
    return;
  }
  await requireModerator(interaction, ctx);
  if (!track) throw new UserError('This cohort’s track is no longer in the roadmap, so its plan cannot change.');
  const now = ctx.clock.now();
  if (unitsOf(cohort)[0]!.opensAt <= now) throw new UserError('This cohort has started: its plan can no longer change (members are working to it).');
  const next = planFromOptions(interaction, ctx.content, track, false)!;
  const { updated, units } = await ctx.db.transaction(async (tx) => {
    let row = await updateCohort(tx, cohort, { weeks: next.weeks, challenges: next.challenges, brokenReason: null }, now);
    const planned = unitsOf(row);
    if (row.joinUntil > planned.at(-1)!.deadline) row = await updateCohort(tx, row, { joinUntil: planned.at(-1)!.deadline }, now);
    await logPlanChange(tx, interaction.user.id, row, { weeks: { from: cohort.weeks.length, to: row.weeks.length } }, now);
    return { updated: row, units: planned };
  });
  ctx.logger.info({ guildId: cohort.guildId, cohortId: cohort.id, weeks: units.length, by: interaction.user.id }, 'cohort plan changed');
  await interaction.reply({ embeds: [planEmbed(ctx.content, updated, units, '✏️ The plan is changed.')], flags: MessageFlags.Ephemeral });
};

/** A change of a cohort's plan or channel, in the moderator log (kind cohort.change) (in the change's transaction). */
async function logPlanChange(tx: Tx, actorId: string, cohort: Cohort, changes: Record<string, { from: unknown; to: unknown }>, at: Date): Promise<void> {
  await logModeratorAction(tx, { guildId: cohort.guildId, actorId, action: 'cohort.change', details: { cohortId: cohort.id, name: cohort.name, changes }, at });
}
