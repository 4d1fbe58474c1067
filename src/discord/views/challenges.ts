import {
  ButtonStyle,
  TimestampStyles,
  time,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIEmbed,
  type APIEmbedField,
  type RESTPostAPIChannelMessageJSONBody,
} from 'discord.js';
import type { Challenge } from '../../content/schema.js';
import type { RunSummary, Submission } from '../../db/queries/challenges.js';
import type { ChallengeWeek } from '../../db/schema.js';
import { judge, podium, type Placed } from '../../domain/submissions.js';
import { effectiveEnd, formatInZone, formatTimeLeft } from '../../domain/weeks.js';
import { customId } from '../command.js';
import { actionRow, button, linkButton } from './parts.js';
import { clip, colors, userText, withoutMentions } from './theme.js';

type Run = ChallengeWeek;

/** Users mentioned per reminder message (Discord allows at most 100 in allowed_mentions.users). */
export const MENTIONS_PER_MESSAGE = 50;

const when = (d: Date) => `${time(d, TimestampStyles.LongDateTime)} (${time(d, TimestampStyles.RelativeTime)})`;
const titleOf = (challenge: Challenge | undefined, id: string) => challenge?.title ?? id;
/** A URL safe inside a Markdown link target. */
const linkTarget = (url: string) => url.replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/ /g, '%20');

/** The challenge card followed by `more` fields. */
function challengeEmbed(challenge: Challenge | undefined, run: Run, more: APIEmbedField[]): APIEmbed {
  const title = clip(titleOf(challenge, run.challengeId), 256);
  if (!challenge) return { color: colors.brand, title, description: 'This challenge is no longer in the catalogue.', fields: more };
  return {
    color: colors.brand,
    title,
    url: challenge.url,
    description: clip(challenge.goal, 4096),
    fields: [
      { name: 'Level', value: challenge.difficulty, inline: true },
      { name: 'Skills', value: clip(challenge.skills.join(', '), 1024), inline: true },
      ...more,
    ],
  };
}

function kaggleButton(challenge: Challenge | undefined): APIButtonComponent[] {
  return challenge ? [linkButton(challenge.url, 'Open on Kaggle')] : [];
}

export function joinRow(run: Run, challenge: Challenge | undefined): APIActionRowComponent<APIButtonComponent> {
  return actionRow<APIButtonComponent>(
    button({ customId: customId('challenge', 'join', run.id), label: 'Join', style: ButtonStyle.Primary, emoji: '🙋' }),
    ...kaggleButton(challenge),
  );
}

/** The announcement at the start of a run: who may be pinged is the ping role, if configured, and nobody else. */
export function announcementMessage(
  challenge: Challenge | undefined,
  run: Run,
  options: { pingRoleId: string | null; changed?: 'challenge' | 'deadline' },
): RESTPostAPIChannelMessageJSONBody {
  const headline =
    options.changed === 'challenge'
      ? '🔁 **Change of plan: this week’s challenge is now…**'
      : options.changed === 'deadline'
        ? '🔁 **Change of plan: this week’s challenge has a new deadline**'
        : '🏆 **A new weekly challenge starts now!**';
  const embed = challengeEmbed(challenge, run, [
    { name: 'Deadline', value: when(effectiveEnd(run)) },
    { name: 'How it works', value: 'Press **Join** (or `/challenge join`) to get reminders. Submit your notebook or score with `/challenge submit`.' },
  ]);
  return {
    content: options.pingRoleId ? `<@&${options.pingRoleId}> ${headline}` : headline,
    embeds: [embed],
    components: [joinRow(run, challenge)],
    allowed_mentions: { parse: [], ...(options.pingRoleId ? { roles: [options.pingRoleId] } : {}) },
  };
}

/**
 * A reminder to the participants, one message per MENTIONS_PER_MESSAGE of them. Each message may
 * ping exactly the users it lists, and nobody else (no roles, no everyone).
 */
export function reminderMessages(
  kind: 'midweek' | 'final',
  challenge: Challenge | undefined,
  run: Run,
  participants: readonly string[],
  now: Date,
): RESTPostAPIChannelMessageJSONBody[] {
  const title = titleOf(challenge, run.challengeId);
  const deadline = effectiveEnd(run);
  // The real time left when it goes out (a reminder caught up late, or of a run started late, says so).
  const left = formatTimeLeft(deadline.getTime() - now.getTime());
  const headline =
    kind === 'final'
      ? `⏰ **${left} left** for **${title}**: the deadline is ${when(deadline)}. Submit with \`/challenge submit\`.`
      : `📣 **${left} left** for **${title}**: the deadline is ${when(deadline)}. How is it going? Share progress with \`/challenge submit\` (you can replace it until the deadline).`;
  const messages: RESTPostAPIChannelMessageJSONBody[] = [];
  for (let i = 0; i < participants.length; i += MENTIONS_PER_MESSAGE) {
    const users = participants.slice(i, i + MENTIONS_PER_MESSAGE);
    messages.push({
      content: clip(`${i === 0 ? headline : '…and'}\n${users.map((id) => `<@${id}>`).join(' ')}`, 2000),
      allowed_mentions: { parse: [], users: [...users] },
    });
  }
  return messages;
}

export function submissionLine(s: Submission, prefix = ''): string {
  const parts = [`${prefix}<@${s.userId}> · [notebook](${linkTarget(s.link)})`];
  // Member text: no mention of any kind (scores stored before they had to be numbers may hold any text).
  if (s.score) parts.push(`score **${userText(withoutMentions(s.score), 40)}**`);
  let line = parts.join(' · ');
  if (s.note) line += `\n> ${userText(withoutMentions(s.note), 200).replace(/\n/g, ' ')}`;
  return line;
}

/** Splits lines into blocks of at most `max` characters (a single overlong line is clipped). */
function pages(lines: readonly string[], max: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = clip(raw, max);
    if (current && current.length + 2 + line.length > max) {
      out.push(current);
      current = line;
    } else current = current ? `${current}\n\n${line}` : line;
  }
  if (current) out.push(current);
  return out;
}

/** Characters Discord counts towards an embed set's 6,000. */
const embedLength = (e: APIEmbed) => (e.title ?? '').length + (e.description ?? '').length + (e.footer?.text ?? '').length;
/** The most embed characters one recap message carries (Discord: 6,000 per message). */
export const RECAP_EMBED_CHARS = 6000;
/** Characters of one recap embed's description (Discord: 4,096): two pages and their titles fill one message's 6,000. */
const RECAP_PAGE_CHARS = 2950;

/** Embeds packed into as few messages as Discord allows: at most 10 per message, 6,000 characters together. */
function packEmbeds(embeds: readonly APIEmbed[]): APIEmbed[][] {
  const out: APIEmbed[][] = [];
  let current: APIEmbed[] = [];
  let length = 0;
  for (const embed of embeds) {
    const n = embedLength(embed);
    if (current.length > 0 && (current.length === 10 || length + n > RECAP_EMBED_CHARS)) {
      out.push(current);
      current = [];
      length = 0;
    }
    current.push(embed);
    length += n;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Titled embeds for blocks of lines: "Title", then "Title (2/3)"… */
function pagedEmbeds(title: string, lines: readonly string[], color: number): APIEmbed[] {
  const blocks = pages(lines, RECAP_PAGE_CHARS);
  return blocks.map((block, i) => ({ color, title: clip(blocks.length > 1 ? `${title} (${i + 1}/${blocks.length})` : title, 256), description: block }));
}

const MEDALS: Record<number, string> = { 1: '🥇', 2: '🥈', 3: '🥉' };
/** Members named per place in the recap's first line; the rest of a big tie is counted. */
const NAMED_PER_PLACE = 10;

/** "🥇 <@a>, <@b> · 🥉 <@c>": the top three by place, for the recap's text (no pings: allowed_mentions is empty). */
function podiumLine(top: readonly Placed<Submission>[]): string {
  const byPlace = new Map<number, string[]>();
  for (const { entry, place } of top) byPlace.set(place!, [...(byPlace.get(place!) ?? []), entry.userId]);
  return [...byPlace]
    .map(([place, users]) => {
      const named = users.slice(0, NAMED_PER_PLACE).map((id) => `<@${id}>`).join(', ');
      const more = users.length - NAMED_PER_PLACE;
      return `${MEDALS[place] ?? `${place}.`} ${named}${more > 0 ? ` and ${more} more` : ''}`;
    })
    .join(' · ');
}

/**
 * The recap at the close, judged: the challenge's direction (content `metric`) ranks the scores
 * (src/domain/submissions.ts judge). The first message names the top three (ties share a place);
 * the embeds list them with their scores, then everyone else without a place (best score first,
 * entries without a score after). Flagged entries are left out and only counted. A challenge
 * without a metric ranks nothing and says so, listing the entries as they came in. Paged over as
 * many messages as Discord's limits need. No pings.
 */
export function recapMessages(
  challenge: Challenge | undefined,
  run: Run,
  participants: readonly string[],
  submissions: readonly Submission[],
): RESTPostAPIChannelMessageJSONBody[] {
  const title = titleOf(challenge, run.challengeId);
  const judgement = judge(
    submissions.map((s) => ({ ...s, flagged: s.flaggedAt !== null })),
    challenge?.metric,
  );
  const counted = judgement.entries.length;
  const setAside = judgement.flagged.length;
  const aside = setAside > 0 ? ` (${setAside} more ${setAside === 1 ? 'was' : 'were'} set aside by the moderators)` : '';
  const lines: string[] = [
    counted === 0
      ? setAside > 0
        ? `🏁 **${title}** is over. No entry counts this time: ${setAside} ${setAside === 1 ? 'was' : 'were'} set aside by the moderators (${participants.length} joined). The next challenge is coming up!`
        : `🏁 **${title}** is over. Nobody submitted this time (${participants.length} joined). The next challenge is coming up!`
      : `🏁 **${title}** is over: ${counted} submission${counted === 1 ? '' : 's'} from ${participants.length} participant${participants.length === 1 ? '' : 's'}${aside}. Well done, everyone!`,
  ];
  const top = podium(judgement);
  if (counted > 0) {
    if (!judgement.ranked) lines.push('This challenge has no score to rank by (its competition is judged on the work itself), so the entries are listed as they came in.');
    else if (top.length === 0) lines.push('Nobody gave a score, so there is no ranking this time.');
    else lines.push(`${challenge?.metric === 'lower' ? 'Lowest' : 'Highest'} score wins: ${podiumLine(top)}`);
  }
  const content = clip(lines.join('\n'), 2000);
  const onPodium = new Set(top.map((p) => p.entry));
  const rest = judgement.entries.filter((p) => !onPodium.has(p.entry)).map((p) => submissionLine(p.entry));
  const embeds = [
    ...pagedEmbeds('Top three', top.map((p) => submissionLine(p.entry, `${MEDALS[p.place!] ?? ''} **${p.place}.** `)), colors.success),
    ...pagedEmbeds(top.length > 0 ? 'Everyone else' : 'Submissions', rest, colors.success),
  ];
  const messages = packEmbeds(embeds);
  if (messages.length === 0) return [{ content, allowed_mentions: { parse: [] } }];
  return messages.map((group, i) => ({ ...(i === 0 ? { content } : {}), embeds: group, allowed_mentions: { parse: [] } }));
}

/** /challenge show: this run, its deadline in the member's zone, who joined, and the member's own status. */
export function showView(
  challenge: Challenge | undefined,
  run: Run,
  options: { zone: string; participants: readonly string[]; submissions: number; mine: Submission | undefined; joined: boolean; now: Date },
) {
  const deadline = effectiveEnd(run);
  const shownPeople = options.participants.slice(0, 40).map((id) => `<@${id}>`);
  const more = options.participants.length - shownPeople.length;
  const people = options.participants.length === 0 ? 'Nobody yet. Be the first!' : `${shownPeople.join(' ')}${more > 0 ? ` and ${more} more` : ''}`;
  const status = options.mine
    ? `You submitted: ${submissionLine(options.mine)}\n${
        options.mine.flaggedAt
          ? `⚠️ A moderator set it aside: “${userText(options.mine.flagReason ?? '', 300)}”. It is not ranked and does not count for milestones; ask them about it.`
          : 'You can replace it until the deadline.'
      }`
    : options.joined
      ? 'You joined. Submit with `/challenge submit`.'
      : 'You have not joined yet.';
  const embed = challengeEmbed(challenge, run, [
    { name: 'Deadline', value: `${formatInZone(deadline, options.zone)} (your time, ${options.zone})\n${when(deadline)}` },
    { name: `Joined (${options.participants.length}) · ${options.submissions} submitted`, value: clip(people, 1024) },
    { name: 'You', value: clip(status, 1024) },
  ]);
  embed.footer = { text: `Week of ${run.weekStart}` };
  const components = options.joined ? (challenge ? [actionRow(...kaggleButton(challenge))] : []) : [joinRow(run, challenge)];
  return { embeds: [embed], components };
}

export function historyView(summaries: readonly RunSummary[], lookup: (id: string) => Challenge | undefined) {
  const embed: APIEmbed = { color: colors.brand, title: 'Past weekly challenges' };
  if (summaries.length === 0) return { embeds: [{ ...embed, description: 'No challenge has finished in this server yet.' }] };
  const fields: APIEmbedField[] = [];
  for (const { run, participants, submissions } of summaries) {
    const challenge = lookup(run.challengeId);
    const lines = [
      `${participants.length} joined · ${submissions.length} submitted · ended ${time(effectiveEnd(run), TimestampStyles.ShortDate)}`,
      ...(participants.length > 0 ? [`Joined: ${participants.map((id) => `<@${id}>`).join(' ')}`] : []),
      ...submissions.map((s) => submissionLine({ ...s, note: null }) + (s.flaggedAt ? ' · set aside by a moderator' : '')),
    ];
    fields.push({ name: clip(`Week of ${run.weekStart}: ${titleOf(challenge, run.challengeId)}`, 256), value: fitLines(lines, 1000) });
  }
  return { embeds: [{ ...embed, fields }] };
}

/** Whole lines up to `max` characters, then "…and N more" (a cut never breaks a mention or a link). */
function fitLines(lines: readonly string[], max: number): string {
  const kept: string[] = [];
  let length = 0;
  for (const line of lines) {
    if (length + line.length + 1 > max - 20) break;
    kept.push(line);
    length += line.length + 1;
  }
  const rest = lines.length - kept.length;
  if (kept.length === 0) return clip(lines[0] ?? '—', max);
  return rest > 0 ? `${kept.join('\n')}\n…and ${rest} more` : kept.join('\n');
}
