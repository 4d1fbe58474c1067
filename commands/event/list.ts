import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { attendanceOf, rsvpsOf, studyEventsOf } from '../../src/db/queries/events.js';
import { currentOccurrence, endedOccurrences } from '../../src/domain/events.js';
import { eventLine } from '../../src/discord/views/events.js';
import { colors } from '../../src/discord/views/theme.js';
import type { EventSubcommand } from './shared.js';

const SHOWN = 15;

/** `/event list`: the server's events, next session first, with answers and attendance. */
export function listSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s.setName('list').setDescription('This server’s study sessions: when, who is going, who attended');
}

export const list: EventSubcommand = async (interaction, ctx) => {
  const now = ctx.clock.now();
  const all = await studyEventsOf(ctx.db, interaction.guildId);
  const rows = all.map((event) => ({ event, occurrence: event.cancelledAt ? undefined : currentOccurrence(event, now) }));
  // Upcoming first (soonest first), then ended and cancelled ones, newest first.
  rows.sort((a, b) => (a.occurrence && b.occurrence ? a.occurrence.start.getTime() - b.occurrence.start.getTime() : a.occurrence ? -1 : b.occurrence ? 1 : b.event.id - a.event.id));
  const lines: string[] = [];
  for (const { event, occurrence } of rows.slice(0, SHOWN)) {
    const answers = occurrence ? await rsvpsOf(ctx.db, event.id, occurrence.index) : [];
    const ended = event.voiceChannelId ? endedOccurrences(event, now, 3) : [];
    const attended = await attendanceOf(ctx.db, event.id, ended.map((o) => o.index));
    const counts = ended.filter((o) => o.start.getTime() >= event.createdAt.getTime() - 7 * 86_400_000).map((o) => attended.filter((a) => a.occurrence === o.index).length);
    lines.push(eventLine(event, occurrence, { going: answers.filter((a) => a.answer === 'going').length, maybe: answers.filter((a) => a.answer === 'maybe').length }, counts));
  }
  const description = lines.length === 0 ? 'No events yet. Moderators schedule one with `/event create`.' : lines.join('\n');
  const more = rows.length > SHOWN ? `…and ${rows.length - SHOWN} older.` : undefined;
  await interaction.reply({
    embeds: [{ title: '📅 Study sessions', description: description.slice(0, 4000), color: colors.brand, ...(more ? { footer: { text: more } } : {}) }],
    flags: MessageFlags.Ephemeral,
  });
};
