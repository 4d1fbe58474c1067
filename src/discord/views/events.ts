import { ButtonStyle, TimestampStyles, time, type APIEmbed, type RESTPostAPIChannelMessageJSONBody, type RESTPostAPIGuildScheduledEventJSONBody } from 'discord.js';
import type { StudyEvent } from '../../db/schema.js';
import { ATTENDANCE_MINUTES, type Occurrence } from '../../domain/events.js';
import { customId } from '../command.js';
import { MENTIONS_PER_MESSAGE } from './challenges.js';
import { actionRow, button } from './parts.js';
import { clip, colors, userText, withoutMentions } from './theme.js';

const when = (d: Date) => `${time(d, TimestampStyles.LongDateTime)} (${time(d, TimestampStyles.RelativeTime)})`;

export function durationText(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h === 0 ? `${m} min` : m === 0 ? `${h} h` : `${h} h ${m} min`;
}

export interface CardState {
  occurrence: Occurrence | undefined;
  going: number;
  maybe: number;
  cohortName?: string | undefined;
  /** The latest ended occurrence's attendance, once recorded. */
  lastAttendance?: { occurrence: Occurrence; attended: number } | undefined;
}

function where(event: StudyEvent): string {
  return event.voiceChannelId ? `<#${event.voiceChannelId}>` : 'no voice channel';
}

/** The event's card: when, where, Going / Maybe with counts; cancelled or ended, without buttons. */
export function eventCard(event: StudyEvent, state: CardState): { embeds: APIEmbed[]; components: ReturnType<typeof actionRow>[] } {
  const lines: string[] = [];
  const o = state.occurrence;
  if (event.cancelledAt) lines.push('❌ **Cancelled.**');
  else if (o) lines.push(`🕒 ${when(o.start)} · ${durationText(event.durationMinutes)}${event.weekly ? ' · every week' : ''}`);
  else lines.push('This session has taken place.');
  lines.push(`📍 ${where(event)}`);
  if (state.cohortName) lines.push(`🎓 ${userText(state.cohortName, 80)}`);
  if (event.description) lines.push('', userText(withoutMentions(event.description), 1000));
  if (!event.cancelledAt && o) lines.push('', `**Going:** ${state.going} · **Maybe:** ${state.maybe}`);
  if (state.lastAttendance) {
    const { occurrence, attended } = state.lastAttendance;
    lines.push(`👥 ${time(occurrence.start, TimestampStyles.ShortDate)}: ${attended} attended (${ATTENDANCE_MINUTES}+ minutes in the channel)`);
  }
  const embed: APIEmbed = {
    title: clip(`📅 ${withoutMentions(event.title)}`, 256),
    description: clip(lines.join('\n'), 4096),
    color: event.cancelledAt ? colors.muted : colors.brand,
    footer: { text: o && !event.cancelledAt ? 'Going gets one reminder 15 minutes before. Press again to take your answer back.' : `Event ${event.id}` },
  };
  if (event.cancelledAt || !o) return { embeds: [embed], components: [] };
  return {
    embeds: [embed],
    components: [
      actionRow(
        button({ customId: customId('event', 'rsvp', event.id, o.index, 'going'), label: `Going · ${state.going}`, style: ButtonStyle.Success, emoji: '✅' }),
        button({ customId: customId('event', 'rsvp', event.id, o.index, 'maybe'), label: `Maybe · ${state.maybe}`, style: ButtonStyle.Secondary, emoji: '🤔' }),
      ),
    ],
  };
}

/** The one reminder, 15 minutes before, pinging only those going (50 a message). */
export function eventReminders(event: StudyEvent, occurrence: Occurrence, userIds: readonly string[]): RESTPostAPIChannelMessageJSONBody[] {
  const place = event.voiceChannelId ? ` in <#${event.voiceChannelId}>` : '';
  const headline = clip(`⏰ **${withoutMentions(event.title)}** starts ${time(occurrence.start, TimestampStyles.RelativeTime)}${place}.`, 600);
  const out: RESTPostAPIChannelMessageJSONBody[] = [];
  for (let i = 0; i < userIds.length; i += MENTIONS_PER_MESSAGE) {
    const users = userIds.slice(i, i + MENTIONS_PER_MESSAGE);
    out.push({ content: `${i === 0 ? headline : '…and'}\n${users.map((id) => `<@${id}>`).join(' ')}`, allowed_mentions: { parse: [], users: [...users] } });
  }
  return out;
}

/**
 * The Discord guild scheduled event of an occurrence: in its voice (or stage) channel, else an
 * external event with its location and an end time, as Discord requires; members only.
 */
export function scheduledEventBody(event: StudyEvent, occurrence: Occurrence, channelKind: 'voice' | 'stage' | undefined, location: string): RESTPostAPIGuildScheduledEventJSONBody {
  const base = {
    name: clip(event.title, 100),
    description: clip(`${event.description ? `${event.description}\n\n` : ''}Press Going on the card in Discord for a reminder. Time in the channel counts as study time.`, 1000),
    privacy_level: 2 as const,
    scheduled_start_time: occurrence.start.toISOString(),
    scheduled_end_time: occurrence.end.toISOString(),
  };
  if (event.voiceChannelId && channelKind) return { ...base, entity_type: channelKind === 'stage' ? 1 : 2, channel_id: event.voiceChannelId };
  return { ...base, entity_type: 3, entity_metadata: { location: clip(location, 100) } };
}

/** One line of /event list. */
export function eventLine(event: StudyEvent, occurrence: Occurrence | undefined, counts: { going: number; maybe: number }, attendance: readonly number[]): string {
  const status = event.cancelledAt ? 'cancelled' : occurrence ? `${time(occurrence.start, TimestampStyles.ShortDateTime)} (${time(occurrence.start, TimestampStyles.RelativeTime)})` : 'ended';
  const repeat = event.weekly ? ' · weekly' : '';
  const rsvp = occurrence && !event.cancelledAt ? ` · ${counts.going} going, ${counts.maybe} maybe` : '';
  const attended = attendance.length > 0 ? ` · attended: ${attendance.join(', ')}` : '';
  const problem = event.discordProblem && !event.cancelledAt ? ' · ⚠️ not in Discord’s events list' : '';
  return `\`${event.id}\` **${userText(event.title, 80)}** · ${status}${repeat} · ${where(event)}${rsvp}${attended}${problem}`;
}
