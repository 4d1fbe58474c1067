import { randomBytes } from 'node:crypto';
import { ChannelType, MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { createCohort, unitsOf } from '../../src/db/queries/cohorts.js';
import { logModeratorAction } from '../../src/db/queries/moderator-log.js';
import { getGuildSettings } from '../../src/db/queries/settings.js';
import { parseCertificateRule, parseStart, WEEKDAYS } from '../../src/domain/cohorts.js';
import { addDays, localDateOf } from '../../src/domain/dates.js';
import { canonicalTimeZone, parseTimeOfDay } from '../../src/domain/timezones.js';
import { parseDeadline } from '../../src/domain/weeks.js';
import { postableChannel } from '../../src/discord/channels.js';
import { resolveTrack } from '../../src/discord/options.js';
import { roleRefusal } from '../../src/discord/rewards.js';
import { joinRow, planEmbed } from '../../src/discord/views/cohorts.js';
import { userText } from '../../src/discord/views/theme.js';
import { UserError } from '../../src/errors.js';
import type { GuildChatInput } from '../../src/discord/command.js';
import { planFromOptions, withPlanOptions } from './plan-options.js';
import type { CohortSubcommand } from './shared.js';

const hhmm = (h: number, m: number) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;

/** `/cohort create`: moderators start a cohort; the reply shows the plan week by week. */
export function createSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return withPlanOptions(
    s
      .setName('create')
      .setDescription('Moderators: start a course cohort on a track, with weekly units and deadlines')
      .addStringOption((o) => o.setName('name').setDescription('The cohort’s name, e.g. Spring 2026').setRequired(true).setMinLength(2).setMaxLength(60))
      .addStringOption((o) => o.setName('track').setDescription('The roadmap track it follows').setRequired(true).setAutocomplete(true).setMaxLength(100))
      .addStringOption((o) =>
        o.setName('start').setDescription('First day YYYY-MM-DD, or YYYY-MM-DD HH:MM with the weekly announcement time (default 09:00)').setRequired(true).setMaxLength(16),
      )
      .addChannelOption((o) => o.setName('channel').setDescription('Where each week is announced').setRequired(true).addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement)),
  )
    .addStringOption((o) => o.setName('timezone').setDescription('Time zone of the dates and times (default: the server’s)').setAutocomplete(true).setMaxLength(64))
    .addIntegerOption((o) =>
      o
        .setName('deadline_day')
        .setDescription('Weekday of the deadlines (default Monday)')
        .addChoices(...WEEKDAYS.map((name, value) => ({ name, value }))),
    )
    .addStringOption((o) => o.setName('deadline_time').setDescription('Time of the deadlines, HH:MM (default 23:59)').setMaxLength(5))
    .addStringOption((o) => o.setName('join_until').setDescription('Last day to join, YYYY-MM-DD (default: the second week’s deadline)').setMaxLength(16))
    .addStringOption((o) =>
      o
        .setName('late')
        .setDescription('What late work counts for (default: it counts as done)')
        .addChoices({ name: 'Counts as done', value: 'accept' }, { name: 'Counted separately (not for the certificate)', value: 'separate' }),
    )
    .addStringOption((o) => o.setName('certificate').setDescription('Certificate rule: all (every unit) or a percentage on time, e.g. 80 (default all)').setMaxLength(4))
    .addRoleOption((o) => o.setName('member_role').setDescription('A role given to members while they are in the cohort'))
    .addRoleOption((o) => o.setName('certificate_role').setDescription('A role given with the certificate'));
}

/** A role option a cohort may hand out, or null; refused with the reason otherwise. */
export function checkedRole(interaction: GuildChatInput, name: string): string | null {
  const role = interaction.options.getRole(name);
  if (!role) return null;
  const refusal = roleRefusal(interaction.guild, role);
  if (refusal) throw new UserError(refusal.replace('a milestone role', 'a cohort role').replace('for the milestone (e.g. @7-day-streak)', 'for the cohort'));
  return role.id;
}

export const create: CohortSubcommand = async (interaction, ctx) => {
  const options = interaction.options;
  const now = ctx.clock.now();
  const settings = await getGuildSettings(ctx.db, interaction.guildId);
  const name = options.getString('name', true).trim().replace(/\s+/g, ' ');
  if (name.length < 2) throw new UserError('Give the cohort a name of at least two characters.');
  const track = resolveTrack(ctx.content, options.getString('track', true));
  const zoneInput = options.getString('timezone');
  const zone = zoneInput === null ? settings.timezone : canonicalTimeZone(zoneInput);
  if (!zone) throw new UserError(`“${userText(zoneInput ?? '', 64)}” is not a time zone I know. Start typing a city and pick from the list (e.g. Europe/Berlin).`);
  const startRaw = options.getString('start', true);
  const start = parseStart(startRaw);
  if (!start) throw new UserError(`“${userText(startRaw, 20)}” is not a start I understand. Use YYYY-MM-DD, or YYYY-MM-DD HH:MM for the time each week is announced.`);
  if (start.day < localDateOf(now, zone)) throw new UserError(`${start.day} has passed in ${zone}. Start today or later.`);
  if (start.day > addDays(localDateOf(now, zone), 366)) throw new UserError('Start within a year from today.');
  const deadlineTimeRaw = options.getString('deadline_time');
  const deadlineTime = deadlineTimeRaw === null ? { hour: 23, minute: 59 } : parseTimeOfDay(deadlineTimeRaw);
  if (!deadlineTime) throw new UserError(`“${userText(deadlineTimeRaw ?? '', 8)}” is not a time. Use HH:MM, 24-hour, e.g. 23:59.`);
  const rule = parseCertificateRule(options.getString('certificate'));
  if (!rule) throw new UserError('The certificate rule is `all` (every unit) or a percentage of units done on time from 1 to 100, e.g. `80`.');
  const channelId = options.getChannel('channel', true).id;
  const found = await postableChannel(interaction.client, interaction.guildId, { channelId, setupCommand: '/cohort create', resume: 'retry' });
  if (!found.ok) throw new UserError(found.problem);
  const memberRoleId = checkedRole(interaction, 'member_role');
  const certificateRoleId = checkedRole(interaction, 'certificate_role');
  const plan = planFromOptions(interaction, ctx.content, track, true)!;

  const draft = {
    guildId: interaction.guildId,
    name,
    trackId: track.id,
    weeks: plan.weeks,
    challenges: plan.challenges,
    timezone: zone,
    startDay: start.day,
    openTime: hhmm(start.hour, start.minute),
    deadlineWeekday: options.getInteger('deadline_day') ?? 1,
    deadlineTime: hhmm(deadlineTime.hour, deadlineTime.minute),
    channelId,
    memberRoleId,
    certificateRoleId,
    latePolicy: (options.getString('late') ?? 'accept') as 'accept' | 'separate',
    certificatePercent: rule.kind === 'all' ? null : rule.percent,
    secret: randomBytes(32).toString('hex'),
    createdBy: interaction.user.id,
    createdAt: now,
    updatedAt: now,
  };
  const units = unitsOf({ ...draft, id: 0, joinUntil: now, brokenReason: null, publicFeed: false, publicFeedVersion: 0 });
  const joinRaw = options.getString('join_until');
  const defaultJoinUntil = units[Math.min(1, units.length - 1)]!.deadline;
  const joinUntil = joinRaw === null ? defaultJoinUntil : parseDeadline(joinRaw, zone);
  if (!joinUntil) throw new UserError(`“${userText(joinRaw ?? '', 20)}” is not a date I understand. Use YYYY-MM-DD (joining closes at the end of that day) or YYYY-MM-DD HH:MM.`);
  if (joinUntil <= now) throw new UserError('The join deadline has already passed. Pick a later one.');
  const end = units.at(-1)!.deadline;
  if (joinUntil > end) throw new UserError('The join deadline is after the cohort ends. Pick an earlier one.');
  const cohort = await ctx.db.transaction(async (tx) => {
    const row = await createCohort(tx, { ...draft, joinUntil });
    await logModeratorAction(tx, {
      guildId: row.guildId,
      actorId: interaction.user.id,
      action: 'cohort.create',
      details: { cohortId: row.id, name: row.name, trackId: row.trackId, weeks: row.weeks.length, start: row.startDay, timezone: row.timezone },
      at: now,
    });
    return row;
  });
  ctx.logger.info({ guildId: cohort.guildId, cohortId: cohort.id, weeks: units.length, by: interaction.user.id }, 'cohort created');
  await interaction.reply({
    embeds: [planEmbed(ctx.content, cohort, units, `🎓 Created. Week 1 is announced in <#${channelId}> on the start day. Change the plan with \`/cohort plan\` until then.`)],
    components: [joinRow(cohort)],
    flags: MessageFlags.Ephemeral,
  });
};
