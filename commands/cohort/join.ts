import { MessageFlags, TimestampStyles, time, type SlashCommandSubcommandBuilder } from 'discord.js';
import type { ContentContext } from '../../src/context.js';
import { cohortById, joinCohort, syncUnits, unitsOf } from '../../src/db/queries/cohorts.js';
import type { Cohort } from '../../src/db/schema.js';
import type { ComponentHandler, GuildChatInput, GuildComponent } from '../../src/discord/command.js';
import { UserError } from '../../src/errors.js';
import { giveRole } from './roles.js';
import { chosenCohort, COHORT_OPTION, type CohortSubcommand } from './shared.js';

/** `/cohort join [cohort]`: join until the join deadline; steps already done count. */
export function joinSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('join')
    .setDescription('Join a cohort: weekly units, reminders, and a certificate at the end')
    .addStringOption((o) => o.setName(COHORT_OPTION).setDescription('Which cohort').setAutocomplete(true).setMaxLength(100));
}

async function joinAndTell(interaction: GuildChatInput | GuildComponent, ctx: ContentContext, cohort: Cohort): Promise<string> {
  const now = ctx.clock.now();
  if (now >= cohort.joinUntil) throw new UserError(`Joining **${cohort.name}** closed ${time(cohort.joinUntil, TimestampStyles.LongDateTime)}.`);
  const fresh = await joinCohort(ctx.db, cohort.id, interaction.user.id, now);
  if (!fresh) return `You are already in **${cohort.name}**. \`/cohort status\` shows your week.`;
  const recorded = await syncUnits(ctx.db, ctx.content, cohort, now, [interaction.user.id]);
  const roleNote = await giveRole(interaction, ctx, cohort.memberRoleId, `member of cohort ${cohort.name}`);
  const units = unitsOf(cohort);
  const first = units[0]!;
  const start = first.opensAt > now ? `Week 1 opens ${time(first.opensAt, TimestampStyles.LongDateTime)} in <#${cohort.channelId}>.` : `Weekly units are announced in <#${cohort.channelId}>.`;
  const counted = recorded > 0 ? ` Steps you had already done complete ${recorded} unit${recorded === 1 ? '' : 's'}.` : '';
  return `🎓 You joined **${cohort.name}** (${units.length} weeks). ${start}${counted} \`/cohort status\` shows what is due.${roleNote}`;
}

export const join: CohortSubcommand = async (interaction, ctx) => {
  const cohort = await chosenCohort(interaction, ctx, { required: true });
  await interaction.reply({ content: await joinAndTell(interaction, ctx, cohort), flags: MessageFlags.Ephemeral });
};

/** cohort:join:<id>, the Join button under a cohort's plan. */
export const joinButton: ComponentHandler<ContentContext> = async (interaction, ctx, [id = '']) => {
  const cohort = /^\d{1,15}$/.test(id) ? await cohortById(ctx.db, interaction.guildId, Number(id)) : undefined;
  if (!cohort) throw new UserError('This cohort no longer exists. `/cohort list` shows the server’s cohorts.');
  await interaction.reply({ content: await joinAndTell(interaction, ctx, cohort), flags: MessageFlags.Ephemeral });
};
