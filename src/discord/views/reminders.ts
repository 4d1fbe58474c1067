import { ButtonStyle, TimestampStyles, time } from 'discord.js';
import type { ReminderSettings } from '../../db/queries/reminders.js';
import { customId } from '../command.js';
import { actionRow, button } from './parts.js';
import { clip } from './theme.js';

/** The Stop these button of the reminder and nudge DMs. It carries the guild id: a DM button has no guild of its own. */
export function stopReminderId(guildId: string): string {
  return customId('settings', 'reminder-stop', guildId);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function dm(guildId: string, lines: string[]) {
  return {
    content: clip(lines.join('\n'), 2000),
    components: [actionRow(button({ customId: stopReminderId(guildId), label: 'Stop these', style: ButtonStyle.Secondary }))],
    allowedMentions: { parse: [] },
  };
}

const guildName = (name: string) => clip(name.replace(/[*_`~|>]/g, ''), 100);

/** The streak reminder DM: the streak, what happens if the day ends without activity, and when it ends. */
export function reminderMessage(guild: { id: string; name: string }, streak: { current: number; freezes: number; risk: 'freeze' | 'break' }, dayEndsAt: Date) {
  const when = `${time(dayEndsAt, TimestampStyles.ShortTime)} (${time(dayEndsAt, TimestampStyles.RelativeTime)})`;
  const head = `🔥 Your **${plural(streak.current, 'day')}** streak in **${guildName(guild.name)}** is waiting for today.`;
  const risk =
    streak.risk === 'break'
      ? `You have no freeze left: a \`/checkin\`, a finished step or a challenge entry before ${when} keeps it, or it starts again from zero.`
      : `Without a \`/checkin\`, a finished step or a challenge entry before ${when}, it spends one of your ${plural(streak.freezes, 'freeze')}.`;
  return dm(guild.id, [head, risk, '-# You get this because you turned on `/settings reminder`. Stop these turns it off.']);
}

/** A moderator's gentle nudge, sent only to members who turned reminders on. */
export function nudgeMessage(guild: { id: string; name: string }) {
  return dm(guild.id, [
    `👋 The moderators of **${guildName(guild.name)}** are thinking of you: the study group is still here whenever you are ready.`,
    'A `/checkin` or `/next` is an easy way back in.',
    '-# You get nudges because you turned on `/settings reminder` (at most one a week). Stop these turns reminders and nudges off.',
  ]);
}

/** What /settings reminder answers: what is now set. */
export function reminderSettingsView(settings: ReminderSettings, zone: string): string {
  if (!settings.enabled) return '✅ Streak reminders are **off**: no reminders and no nudges from moderators. Turn them on with `/settings reminder on`.';
  return [
    `✅ Streak reminders are **on**: at **${settings.time}** (${zone}), one DM on days your streak is at risk and today has not counted yet. Moderators may also send you a gentle nudge, at most once a week.`,
    'They come by DM: allow direct messages from this server’s members (Server menu → Privacy Settings), or I cannot send them.',
  ].join('\n');
}

/** The once-only notice after Discord refused a reminder or nudge DM (50007). */
export const REMINDER_DM_CLOSED_NOTICE =
  'I couldn’t DM your streak reminder: your DMs from this server are closed. Allow direct messages from server members (Server menu → Privacy Settings), then run `/settings reminder on` to get it again.';
