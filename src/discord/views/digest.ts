import { ButtonStyle, TimestampStyles, hyperlink, time, type APIEmbed, type APIEmbedField } from 'discord.js';
import { formatStudyTime } from '../../domain/study.js';
import type { Content } from '../../content/loader.js';
import type { DigestData, DigestSettings } from '../../db/queries/digest.js';
import { DAY_NAMES, streakRisk } from '../../domain/digest.js';
import { progressBar } from '../../domain/progress.js';
import { effectiveEnd } from '../../domain/weeks.js';
import { customId } from '../command.js';
import { actionRow, button } from './parts.js';
import { clip, colors, userText } from './theme.js';

/** The Stop these button's custom id. It carries the guild id: a DM button has no guild of its own. */
export function stopDigestId(guildId: string): string {
  return customId('settings', 'digest-stop', guildId);
}

export const AT_RISK = 'your streak is at risk today';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The weekly digest DM: one embed (well under 6000 characters: every field is clipped) and a Stop these button. */
export function digestMessage(content: Content, data: DigestData, guild: { id: string; name: string }) {
  const fields: APIEmbedField[] = [];

  const roadmap = [`**${plural(data.stepsThisWeek, 'step')}** done in the last 7 days`];
  for (const t of data.tracks.slice(0, 5)) {
    roadmap.push(`${userText(t.track.title, 80)} core ${progressBar(t.done, t.total)} (${t.done}/${t.total})`);
    if (t.branch) roadmap.push(`↳ ${userText(t.branch.branch.title, 80)} ${progressBar(t.branch.done, t.branch.total)} (${t.branch.done}/${t.branch.total})`);
  }
  fields.push({ name: 'Roadmap', value: clip(roadmap.join('\n'), 1024) });

  if (data.studyMinutes !== undefined && data.studyMinutes > 0) {
    fields.push({ name: 'Study time', value: `${formatStudyTime(data.studyMinutes * 60_000)} in the last 7 days`, inline: true });
  }

  const { streak } = data;
  const risk = streakRisk(streak);
  const streakLines = [`🔥 **${plural(streak.current, 'day')}** · 🧊 ${plural(streak.freezes, 'freeze')} left`];
  if (risk === 'break') streakLines.push(`⚠️ **${capitalise(AT_RISK)}**: check in, finish a step or submit today, or it breaks.`);
  if (risk === 'freeze') streakLines.push(`⚠️ **${capitalise(AT_RISK)}**: without activity today it spends a freeze.`);
  fields.push({ name: 'Streak', value: streakLines.join('\n'), inline: true });

  if (data.next) {
    const { step } = data.next.state;
    const lines = [`**${userText(step.title, 200)}** (${userText(data.next.track.track.title, 80)}, about ${step.hours} h) · \`/next\``];
    const r = data.next.resource;
    if (r) lines.push(`📚 ${hyperlink(userText(r.title, 150), r.url)} · ${r.kind}`);
    fields.push({ name: 'Next step', value: clip(lines.join('\n'), 1024) });
  }

  if (data.challenge) {
    const { run, joined } = data.challenge;
    const title = content.challengesById.get(run.challengeId)?.title ?? run.challengeId;
    const end = effectiveEnd(run);
    fields.push({
      name: 'This week’s challenge',
      value: clip(`**${userText(title, 200)}**, deadline ${time(end, TimestampStyles.LongDateTime)} (${time(end, TimestampStyles.RelativeTime)})\n${joined ? 'You joined: `/challenge submit` before then.' : 'Join with `/challenge join`.'}`, 1024),
    });
  }

  const embed: APIEmbed = {
    color: risk ? colors.warning : colors.brand,
    title: clip(`Your week in ${guild.name}`, 256),
    description: `Week of ${data.week}.`,
    fields,
    footer: { text: 'You get this because you turned it on with /settings digest. Stop these turns it off.' },
  };
  return {
    embeds: [embed],
    components: [actionRow(button({ customId: stopDigestId(guild.id), label: 'Stop these', style: ButtonStyle.Secondary }))],
    allowedMentions: { parse: [] },
  };
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** What /settings digest answers: what is now set and when the next digest comes. */
export function digestSettingsView(settings: DigestSettings, zone: string, next: Date | undefined): string {
  if (!settings.enabled) return '✅ The weekly digest is **off**. Turn it on with `/settings digest on`.';
  const when = next ? `${time(next, TimestampStyles.LongDateTime)} (${time(next, TimestampStyles.RelativeTime)})` : 'soon';
  return [
    `✅ The weekly digest is **on**: every **${DAY_NAMES[settings.day]}** at **${settings.time}** (${zone}), by DM. Next: ${when}.`,
    'It comes by DM: allow direct messages from this server’s members (Server menu → Privacy Settings), or I cannot send it.',
  ].join('\n');
}

/** The once-only notice after Discord refused the digest DM (50007). */
export const DM_CLOSED_NOTICE =
  'I couldn’t DM your weekly digest: your DMs from this server are closed. Allow direct messages from server members (Server menu → Privacy Settings), then run `/settings digest on` to get it again.';
