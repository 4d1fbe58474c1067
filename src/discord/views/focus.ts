import {
  ButtonStyle,
  TimestampStyles,
  time,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIEmbed,
  type RESTPostAPIChannelMessageJSONBody,
} from 'discord.js';
import type { FocusSession } from '../../db/schema.js';
import { planOf } from '../../db/queries/focus.js';
import { phaseAtInstant, sessionEnd, type DueBoundary, type Phase } from '../../domain/focus.js';
import { customId } from '../command.js';
import { actionRow, button } from './parts.js';
import { colors } from './theme.js';

/** Participants named on the card; the rest are counted. */
const NAMED_ON_CARD = 30;
/** Users mentioned per phase message (allowed_mentions.users takes at most 100). */
export const FOCUS_MENTIONS_PER_MESSAGE = 50;

const relative = (ms: number) => time(new Date(ms), TimestampStyles.RelativeTime);
const clock = (ms: number) => time(new Date(ms), TimestampStyles.ShortTime);

function planLine(session: FocusSession): string {
  const rounds = session.rounds === 1 ? '1 round' : `${session.rounds} rounds`;
  const breaks = session.rounds > 1 ? `, ${session.breakMinutes} min breaks` : '';
  return `${rounds} of ${session.focusMinutes} min focus${breaks}`;
}

function phaseLine(session: FocusSession, phase: Phase): string {
  if (phase.kind === 'focus') return `🍅 **Focus**: round ${phase.round} of ${session.rounds}, ends ${relative(phase.end)} (${clock(phase.end)})`;
  return `☕ **Break** after round ${phase.round} of ${session.rounds}; round ${phase.round + 1} starts ${relative(phase.end)} (${clock(phase.end)})`;
}

/** How many focus rounds were over by `at`. */
function roundsDone(session: FocusSession, at: number): number {
  const phase = phaseAtInstant(planOf(session), at);
  if (!phase) return session.rounds;
  return phase.kind === 'break' ? phase.round : phase.round - 1;
}

function statusLine(session: FocusSession, now: Date): string {
  if (session.status === 'finished') return `✅ **Finished**: ${session.rounds} of ${session.rounds} rounds. Well done!`;
  if (session.status === 'stopped') {
    const done = roundsDone(session, (session.endedAt ?? now).getTime());
    const by = session.stoppedBy ? ` by <@${session.stoppedBy}>` : '';
    return `⏹️ **Stopped**${by} after ${done} of ${session.rounds} rounds.`;
  }
  const phase = phaseAtInstant(planOf(session), now.getTime());
  return phase ? phaseLine(session, phase) : `✅ **Finished**: ${session.rounds} of ${session.rounds} rounds.`;
}

function participantsValue(participants: readonly string[]): string {
  if (participants.length === 0) return 'Nobody yet: press **Join**.';
  const named = participants.slice(0, NAMED_ON_CARD).map((id) => `<@${id}>`).join(' ');
  const more = participants.length - NAMED_ON_CARD;
  return more > 0 ? `${named} and ${more} more` : named;
}

export function focusButtons(session: FocusSession): APIActionRowComponent<APIButtonComponent> {
  return actionRow<APIButtonComponent>(
    button({ customId: customId('focus', 'join', session.id), label: 'Join', style: ButtonStyle.Primary, emoji: '🙋' }),
    button({ customId: customId('focus', 'leave', session.id), label: 'Leave', style: ButtonStyle.Secondary }),
  );
}

/**
 * The session's one card: phase, round and the phase's end as a Discord relative timestamp (each
 * reader's client counts down; the card is edited only at phase changes and joins). Mentions in
 * the card never ping. An ended session's card keeps no buttons.
 */
export function focusCard(session: FocusSession, participants: readonly string[], now: Date): Pick<RESTPostAPIChannelMessageJSONBody, 'embeds' | 'components' | 'allowed_mentions'> {
  const active = session.status === 'active' && now.getTime() < sessionEnd(planOf(session));
  const embed: APIEmbed = {
    color: active ? colors.brand : colors.muted,
    title: 'Focus session',
    description: statusLine(session, now),
    fields: [
      { name: 'Plan', value: planLine(session), inline: true },
      { name: 'Started by', value: `<@${session.startedBy}>`, inline: true },
      { name: `Participants (${participants.length})`, value: participantsValue(participants) },
    ],
    footer: { text: active ? 'Finished focus rounds count as study time for everyone still in at the round’s end.' : 'Start another with /focus start.' },
  };
  return { embeds: [embed], components: active ? [focusButtons(session)] : [], allowed_mentions: { parse: [] } };
}

/** The headline of a phase change. */
export function phaseHeadline(session: FocusSession, boundary: Pick<DueBoundary, 'next'>): string {
  const next = boundary.next;
  if (!next) return `✅ **Focus session done**: ${session.rounds} of ${session.rounds} rounds. Well done!`;
  if (next.kind === 'break') return `☕ **Break**: round ${next.round} of ${session.rounds} is done. Round ${next.round + 1} starts ${relative(next.end)}.`;
  return `🍅 **Round ${next.round} of ${session.rounds}**: focus until ${clock(next.end)} (${relative(next.end)}).`;
}

/** The short phase-change message(s): each pings exactly the participants it lists, nobody else. */
export function phaseMessages(session: FocusSession, boundary: Pick<DueBoundary, 'next'>, participants: readonly string[]): RESTPostAPIChannelMessageJSONBody[] {
  const headline = phaseHeadline(session, boundary);
  const messages: RESTPostAPIChannelMessageJSONBody[] = [];
  for (let i = 0; i < participants.length; i += FOCUS_MENTIONS_PER_MESSAGE) {
    const users = participants.slice(i, i + FOCUS_MENTIONS_PER_MESSAGE);
    messages.push({ content: `${i === 0 ? headline : '…and'}\n${users.map((id) => `<@${id}>`).join(' ')}`, allowed_mentions: { parse: [], users: [...users] } });
  }
  return messages;
}
