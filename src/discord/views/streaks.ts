import { EmbedBuilder } from 'discord.js';
import type { CheckInResult } from '../../db/queries/streaks.js';
import { colors } from './theme.js';

function days(n: number): string {
  return `${n} day${n === 1 ? '' : 's'}`;
}

function freezesText(n: number): string {
  return `${n} freeze${n === 1 ? '' : 's'}`;
}

/** The answer to /checkin and to the daily prompt's Check in button (send it ephemeral). */
export function checkInView(result: CheckInResult) {
  const { streak } = result;
  const embed = new EmbedBuilder().setColor(result.counted ? colors.success : colors.brand);
  if (result.already) {
    embed.setTitle('Already checked in today').setDescription(`Your check-in for ${result.day} is in. Come back tomorrow to keep it going.`);
  } else if (result.counted) {
    embed.setTitle('✅ Checked in').setDescription(`**${result.day}** counts.`);
  } else {
    embed.setTitle('✅ Checked in').setDescription(`**${result.day}** already counted (another activity today), so your streak stays as it is.`);
  }
  const lines = [`🔥 Current streak: **${days(streak.current)}**`, `🏆 Longest: **${days(streak.longest)}**`, `🧊 Freezes: **${streak.freezes}**`];
  if (streak.freezes > result.freezesBefore) lines.push(`You earned a freeze for ${days(streak.current)} of streak. It covers a day you miss.`);
  embed.addFields({ name: 'Streak', value: lines.join('\n') });
  embed.setFooter({ text: `See the calendar with /streak · a missed day uses a freeze, ${freezesText(streak.freezes)} left` });
  return { embeds: [embed] };
}
