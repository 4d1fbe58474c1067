import { MessageFlags, TimestampStyles, time, type SlashCommandSubcommandBuilder } from 'discord.js';
import { attendanceOf } from '../../src/db/queries/events.js';
import { ATTENDANCE_MINUTES, endedOccurrences } from '../../src/domain/events.js';
import { colors, userText } from '../../src/discord/views/theme.js';
import { UserError } from '../../src/errors.js';
import { chosenEvent, EVENT_OPTION, type EventSubcommand } from './shared.js';

const SESSIONS = 8;
const NAMES = 25;

/** `/event attendance event`: who was in its voice channel (ATTENDANCE_MINUTES or more) at each past session. */
export function attendanceSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('attendance')
    .setDescription('Who attended an event’s past sessions (time in its voice channel)')
    .addStringOption((o) => o.setName(EVENT_OPTION).setDescription('Which event').setRequired(true).setAutocomplete(true).setMaxLength(100));
}

export const attendance: EventSubcommand = async (interaction, ctx) => {
  const now = ctx.clock.now();
  const event = await chosenEvent(interaction, ctx);
  if (!event.voiceChannelId) throw new UserError(`**${userText(event.title, 100)}** has no voice channel, so I cannot tell who attended. Give it one with \`/event edit voice:…\`.`);
  const ended = endedOccurrences(event, now, SESSIONS);
  if (ended.length === 0) throw new UserError(`**${userText(event.title, 100)}** has not taken place yet. Attendance shows here after each session.`);
  const rows = await attendanceOf(ctx.db, event.id, ended.map((o) => o.index));
  const fields = ended.map((o) => {
    const here = rows.filter((r) => r.occurrence === o.index);
    const names = here.slice(0, NAMES).map((r) => `<@${r.userId}> ${r.minutes} min`);
    const more = here.length > NAMES ? ` …and ${here.length - NAMES} more` : '';
    return { name: `${time(o.start, TimestampStyles.ShortDate)}: ${here.length} attended`.slice(0, 256), value: (names.length > 0 ? names.join(', ') + more : 'Nobody.').slice(0, 1024) };
  });
  await interaction.reply({
    embeds: [{ title: `👥 ${userText(event.title, 200)}`, description: `Members with ${ATTENDANCE_MINUTES} or more minutes in <#${event.voiceChannelId}> during the session (it counts as study time too).`, color: colors.brand, fields }],
    flags: MessageFlags.Ephemeral,
    allowedMentions: { parse: [] },
  });
};
