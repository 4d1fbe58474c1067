import { ButtonStyle, TimestampStyles, time, type APIEmbed, type APIEmbedField, type RESTPostAPIChannelMessageJSONBody } from 'discord.js';
import type { Content } from '../../content/loader.js';
import type { UnitDone } from '../../db/queries/cohorts.js';
import type { Cohort, CohortCertificate, CohortMember } from '../../db/schema.js';
import { currentUnit, describeCertificateRule, paceOf, WEEKDAYS, type CertificateRule, type Pace, type Unit } from '../../domain/cohorts.js';
import { customId } from '../command.js';
import { MENTIONS_PER_MESSAGE } from './challenges.js';
import { actionRow, button } from './parts.js';
import { clip, colors, userText } from './theme.js';

const when = (d: Date) => `${time(d, TimestampStyles.LongDateTime)} (${time(d, TimestampStyles.RelativeTime)})`;
const day = (d: Date) => time(d, TimestampStyles.LongDate);
/** A URL safe inside a Markdown link target. */
const linkTarget = (url: string) => url.replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/ /g, '%20');

export function certificateRuleOf(cohort: Pick<Cohort, 'certificatePercent'>): CertificateRule {
  return cohort.certificatePercent === null ? { kind: 'all' } : { kind: 'percent', percent: cohort.certificatePercent };
}

const stepTitle = (content: Content, id: string) => content.steps.get(id)?.step.title ?? id;

function unitLine(content: Content, unit: Unit): string {
  const steps = unit.stepIds.map((id) => stepTitle(content, id)).join(', ');
  const challenge = unit.challengeId ? ` · or submit **${content.challengesById.get(unit.challengeId)?.title ?? unit.challengeId}**` : '';
  return `**Week ${unit.week}** · due ${time(unit.deadline, TimestampStyles.ShortDateTime)}: ${steps}${challenge}`;
}

/** Lines joined up to `max` characters; what does not fit is counted at the end. */
function fitLines(lines: readonly string[], max: number): string {
  const out: string[] = [];
  let length = 0;
  for (const [i, line] of lines.entries()) {
    const rest = lines.length - i;
    const more = `…and ${rest} more week${rest === 1 ? '' : 's'}.`;
    if (length + line.length + 1 + more.length + 1 > max) {
      out.push(more);
      break;
    }
    out.push(line);
    length += line.length + 1;
  }
  return out.join('\n');
}

/** The plan week by week, with the cohort's settings: the reply to /cohort create and /cohort plan. */
export function planEmbed(content: Content, cohort: Cohort, units: readonly Unit[], headline: string): APIEmbed {
  const track = content.tracksById.get(cohort.trackId)?.title ?? cohort.trackId;
  const fields: APIEmbedField[] = [
    { name: 'Track', value: clip(track, 1024), inline: true },
    { name: 'Time zone', value: cohort.timezone, inline: true },
    { name: 'Deadlines', value: `${WEEKDAYS[cohort.deadlineWeekday]} ${cohort.deadlineTime}`, inline: true },
    { name: 'Channel', value: `<#${cohort.channelId}>`, inline: true },
    { name: 'Join until', value: when(cohort.joinUntil), inline: true },
    { name: 'Late work', value: cohort.latePolicy === 'accept' ? 'counts as done' : 'counted separately', inline: true },
    { name: 'Certificate', value: describeCertificateRule(certificateRuleOf(cohort)), inline: true },
  ];
  if (cohort.memberRoleId) fields.push({ name: 'Member role', value: `<@&${cohort.memberRoleId}>`, inline: true });
  if (cohort.certificateRoleId) fields.push({ name: 'Certificate role', value: `<@&${cohort.certificateRoleId}>`, inline: true });
  return {
    color: colors.brand,
    title: clip(`${cohort.name}: ${units.length} week${units.length === 1 ? '' : 's'}`, 256),
    description: clip(`${headline}\n\n${fitLines(units.map((u) => unitLine(content, u)), 3500)}`, 4096),
    fields,
  };
}

/** The weekly announcement in the cohort's channel: the unit's steps with their resources, and when it is due. */
export function unitAnnouncement(content: Content, cohort: Cohort, unit: Unit, total: number): RESTPostAPIChannelMessageJSONBody {
  const fields: APIEmbedField[] = unit.stepIds.slice(0, 20).map((id) => {
    const entry = content.steps.get(id);
    if (!entry) return { name: clip(id, 256), value: 'This step is no longer in the roadmap.' };
    const resources = entry.step.resources
      .map((r) => content.resources.get(r))
      .filter((r) => r !== undefined)
      .slice(0, 3)
      .map((r) => `[${clip(r.title, 80).replace(/[[\]]/g, '')}](${linkTarget(r.url)})`);
    return { name: clip(entry.step.title, 256), value: clip(`${entry.step.summary}${resources.length ? `\n📚 ${resources.join(' · ')}` : ''}`, 1024) };
  });
  if (unit.challengeId) {
    const challenge = content.challengesById.get(unit.challengeId);
    fields.push({ name: 'Or the challenge', value: clip(`Submitting **${challenge?.title ?? unit.challengeId}** with \`/challenge submit\` also completes this week.`, 1024) });
  }
  fields.push({ name: 'Due', value: when(unit.deadline) });
  const ping = cohort.memberRoleId ? `<@&${cohort.memberRoleId}> ` : '';
  return {
    content: `${ping}📘 **${clip(cohort.name, 100)}: week ${unit.week} of ${total} starts now.** Mark each step done with \`/done\` (or **Mark done** in \`/next\`).`,
    embeds: [
      {
        color: colors.brand,
        title: clip(`Week ${unit.week}: ${unit.stepIds.map((id) => stepTitle(content, id)).join(', ')}`, 256),
        description: `See where you stand with \`/cohort status\` and the group with \`/cohort board\`.`,
        fields: fields.slice(0, 25),
      },
    ],
    allowed_mentions: { parse: [], ...(cohort.memberRoleId ? { roles: [cohort.memberRoleId] } : {}) },
  };
}

/**
 * The reminder 24 hours before a deadline to the members who have not finished the unit, one
 * message per MENTIONS_PER_MESSAGE of them (within 2000 characters), each pinging exactly the users
 * it lists.
 */
export function unitReminders(cohort: Cohort, unit: Unit, userIds: readonly string[]): RESTPostAPIChannelMessageJSONBody[] {
  const headline = clip(`⏰ **${cohort.name}: week ${unit.week} is due in 24 hours**, ${when(unit.deadline)}. Mark your steps done with \`/done\`.`, 600);
  const out: RESTPostAPIChannelMessageJSONBody[] = [];
  for (let i = 0; i < userIds.length; i += MENTIONS_PER_MESSAGE) {
    const users = userIds.slice(i, i + MENTIONS_PER_MESSAGE);
    out.push({ content: `${i === 0 ? headline : '…and'}\n${users.map((id) => `<@${id}>`).join(' ')}`, allowed_mentions: { parse: [], users: [...users] } });
  }
  return out;
}

export function paceText(pace: Pace): string {
  switch (pace.kind) {
    case 'ahead':
      return `🚀 ahead by ${pace.by} unit${pace.by === 1 ? '' : 's'}`;
    case 'on-pace':
      return '✅ on pace';
    case 'behind':
      return `🐢 behind by ${pace.by} unit${pace.by === 1 ? '' : 's'}`;
    default:
      return '⏳ not started yet';
  }
}

/** A member's own view of a cohort: their week, what is due, and each unit done or not. */
export function statusEmbed(
  content: Content,
  cohort: Cohort,
  units: readonly Unit[],
  input: { member: CohortMember | undefined; done: readonly UnitDone[]; now: Date; certificate?: CohortCertificate },
): APIEmbed {
  const { member, done, now } = input;
  const doneWeeks = new Map(done.map((d) => [d.week, d]));
  const current = currentUnit(units, now);
  const lines = units.map((u) => {
    const d = doneWeeks.get(u.week);
    const mark = d ? (d.onTime ? '✅' : '🕓 late') : u.deadline <= now ? '❌' : u === current ? '👉' : '▫️';
    return `${mark} ${unitLine(content, u)}`;
  });
  const fields: APIEmbedField[] = [];
  if (member) fields.push({ name: 'You', value: `${paceText(paceOf(units, new Set(doneWeeks.keys()), now))} · ${done.length} of ${units.length} done` });
  else fields.push({ name: 'You', value: now < cohort.joinUntil ? 'Not in this cohort. Join with `/cohort join`.' : 'Not in this cohort (joining closed).' });
  if (current) fields.push({ name: 'Due next', value: `Week ${current.week}, ${when(current.deadline)}` });
  else fields.push({ name: 'Finished', value: `The cohort ended ${when(units.at(-1)?.deadline ?? now)}.` });
  fields.push({ name: 'Certificate', value: input.certificate ? `Earned: code \`${input.certificate.code}\` (\`/cohort certificate\`)` : describeCertificateRule(certificateRuleOf(cohort)) });
  if (cohort.brokenReason) fields.push({ name: '⚠️ Posts stopped', value: clip(`${cohort.brokenReason} A moderator resumes them with \`/cohort plan channel:…\`.`, 1024) });
  return {
    color: colors.brand,
    title: clip(cohort.name, 256),
    description: clip(fitLines(lines, 3800), 4096),
    fields,
  };
}

/** Every cohort of the server: running, upcoming and finished. */
export function listEmbed(rows: readonly { cohort: Cohort; units: readonly Unit[]; members: number }[], now: Date): APIEmbed {
  if (rows.length === 0) return { color: colors.muted, title: 'Cohorts', description: 'No cohort yet. Moderators start one with `/cohort create`.' };
  const line = ({ cohort, units, members }: (typeof rows)[number]) => {
    const start = units[0]?.opensAt;
    const end = units.at(-1)?.deadline;
    const state = !start || !end ? '' : now < start ? `starts ${day(start)}` : now < end ? `running, until ${day(end)}` : `finished ${day(end)}`;
    return `**${userText(cohort.name, 100)}** · ${units.length} weeks · ${members} member${members === 1 ? '' : 's'} · ${state}`;
  };
  return { color: colors.brand, title: 'Cohorts', description: clip(rows.map(line).join('\n'), 4096) };
}

export interface BoardEntry {
  userId: string;
  pace: Pace;
  done: number;
  late: number;
  /** For moderators: the deadline of the first unit a member behind has not done. */
  behindSince?: Date;
}

const GROUPS: { kind: Pace['kind']; title: string }[] = [
  { kind: 'ahead', title: '🚀 Ahead' },
  { kind: 'on-pace', title: '✅ On pace' },
  { kind: 'behind', title: '🐢 Catching up' },
  { kind: 'not-started', title: '⏳ Not started' },
];

/**
 * The board: members grouped as ahead, on pace and catching up, by units done within a group (a
 * gentle order: nobody is listed last on their own), hidden members only counted.
 */
export function boardEmbed(cohort: Cohort, units: readonly Unit[], entries: readonly BoardEntry[], hidden: number): APIEmbed {
  const fields: APIEmbedField[] = [];
  for (const group of GROUPS) {
    const inGroup = entries.filter((e) => e.pace.kind === group.kind).sort((a, b) => b.done - a.done || a.userId.localeCompare(b.userId));
    if (inGroup.length === 0) continue;
    const lines = inGroup.map((e) => {
      const extra = e.pace.kind === 'ahead' || e.pace.kind === 'behind' ? ` (${e.pace.kind} by ${e.pace.by})` : '';
      const since = e.behindSince ? ` since ${time(e.behindSince, TimestampStyles.ShortDate)}` : '';
      return `<@${e.userId}> · ${e.done}/${units.length}${e.late ? ` (${e.late} late)` : ''}${extra}${since}`;
    });
    fields.push({ name: `${group.title} (${inGroup.length})`, value: clip(fitLines(lines, 1000).replace(/more weeks?\./, 'more.'), 1024) });
  }
  const total = entries.length + hidden;
  return {
    color: colors.brand,
    title: clip(`${cohort.name}: the board`, 256),
    description:
      total === 0
        ? 'Nobody has joined yet.'
        : `${total} member${total === 1 ? '' : 's'}${hidden ? `, ${hidden} of them keep${hidden === 1 ? 's' : ''} their place private` : ''}. Hide yourself with \`/cohort hide\`.`,
    fields: fields.slice(0, 25),
  };
}

/** Join and Status buttons under /cohort create and the list. */
export function joinRow(cohort: Cohort) {
  return actionRow(button({ customId: customId('cohort', 'join', cohort.id), label: 'Join', style: ButtonStyle.Primary, emoji: '🙋' }));
}

/** The private nudge to a member two or more units behind: what to catch up on, gently. */
export function catchUpMessage(content: Content, cohort: Cohort, missed: readonly Unit[], current: Unit | undefined): RESTPostAPIChannelMessageJSONBody {
  const lines = missed.slice(0, 10).map((u) => `• Week ${u.week}: ${u.stepIds.map((id) => stepTitle(content, id)).join(', ')}`);
  const now = current ? `\nThis week (due ${when(current.deadline)}): ${current.stepIds.map((id) => stepTitle(content, id)).join(', ')}.` : '';
  return {
    content: clip(
      `👋 A friendly note from **${cohort.name}**: you are ${missed.length} units behind, which happens to everyone. Catching up counts${
        cohort.latePolicy === 'accept' ? ' fully' : ' (late units are counted separately)'
      }:\n${lines.join('\n')}${now}\nOne step at a time: mark each with \`/done\`, and \`/cohort status\` shows where you stand. This is the only reminder of this kind.`,
      2000,
    ),
    allowed_mentions: { parse: [] },
  };
}
