import type { APIEmbed } from 'discord.js';
import type { StudySummary } from '../../db/queries/study.js';
import type { CountReason } from '../../domain/streaks.js';
import { formatStudyTime } from '../../domain/study.js';
import { colors } from './theme.js';

const COUNTED_BECAUSE: Record<CountReason, string> = {
  checkin: 'you checked in',
  step: 'you finished a roadmap step',
  challenge: 'you submitted to the weekly challenge',
  study: 'you studied enough',
  fix: 'a moderator counted it',
};

/** /study: a member's study time today, this week, this month and all time, in their own days. */
export function studyView(input: {
  userId: string;
  self: boolean;
  summary: StudySummary;
  studyMinutes: number;
  hasRooms: boolean;
  /** Why today already counts for the member's streak, if it does. */
  counted?: CountReason | undefined;
}) {
  const { summary } = input;
  const { totals } = summary;
  const who = input.self ? 'Your' : `<@${input.userId}>’s`;
  const reached = totals.today >= input.studyMinutes * 60_000;
  const lines = [
    input.self
      ? reached
        ? `Today counts for your streak: ${formatStudyTime(totals.today)} of study (${input.studyMinutes} m needed).`
        : input.counted
          ? `Today already counts for your streak: ${COUNTED_BECAUSE[input.counted]}. Study time still adds up below.`
          : `${formatStudyTime(Math.max(0, input.studyMinutes * 60_000 - totals.today))} more study today counts the day for your streak (${input.studyMinutes} m a day).`
      : '',
    summary.open ? `🎧 In <#${summary.open.channelId}> now: ${formatStudyTime(summary.open.ms)} so far (included below).` : '',
    input.hasRooms ? '' : 'This server has no study rooms yet (a moderator adds them with `/setup study`); focus sessions still count.',
  ].filter(Boolean);
  const embed: APIEmbed = {
    color: colors.brand,
    title: `${who} study time`,
    ...(lines.length > 0 ? { description: lines.join('\n') } : {}),
    fields: [
      { name: `Today (${summary.today})`, value: formatStudyTime(totals.today), inline: true },
      { name: 'This week', value: formatStudyTime(totals.week), inline: true },
      { name: 'This month', value: formatStudyTime(totals.month), inline: true },
      { name: 'All time', value: formatStudyTime(totals.all), inline: true },
    ],
    footer: { text: `Days in ${summary.zone}, weeks from Monday · time in study rooms and finished focus rounds counts` },
  };
  return { embeds: [embed] };
}
