import {
  ButtonStyle,
  ComponentType,
  TimestampStyles,
  time,
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
  type APISelectMenuOption,
} from 'discord.js';
import type { AtRiskMember } from '../../db/queries/members.js';
import { customId } from '../command.js';
import { actionRow, button } from './parts.js';
import { clip, colors, userText } from './theme.js';

export const RISK_SECTIONS = ['tonight', 'inactive', 'behind'] as const;
export type RiskSection = (typeof RISK_SECTIONS)[number];

/** Members per page of /members at-risk (and options of its nudge menu, at most 25). */
export const AT_RISK_PAGE_SIZE = 10;

export interface AtRiskEntry extends AtRiskMember {
  /** For `behind`: the cohort, and by how many units. */
  cohort?: string;
  by?: number;
}

export interface AtRiskPage {
  section: RiskSection;
  days: number;
  /** 0-based, already clamped to the pages there are. */
  page: number;
  counts: Record<RiskSection, number>;
  /** The members on this page. */
  entries: AtRiskEntry[];
  lastActive: ReadonlyMap<string, Date>;
  /** Who opted in to reminders (only they can be nudged) and when each was last nudged. */
  nudges: ReadonlyMap<string, { optedIn: boolean; nudgedAt: Date | null }>;
  /** A member's display name for the nudge menu (the server's cache), else a stand-in with their id. */
  nameOf(userId: string): string;
}

/** The pager and section buttons: `members:risk:<section>:<days>:<page>`. */
export function atRiskPageId(section: RiskSection, days: number, page: number): string {
  return customId('members', 'risk', section, days, page);
}

/** A section's first page: `members:section:<section>:<days>` (its own action, so no two buttons of the list share an id). */
export function atRiskSectionId(section: RiskSection, days: number): string {
  return customId('members', 'section', section, days);
}

/** The nudge menu: `members:nudge:<section>:<days>:<page>` (the list is shown again after a nudge). */
export function nudgeMenuId(section: RiskSection, days: number, page: number): string {
  return customId('members', 'nudge', section, days, page);
}

const TITLES: Record<RiskSection, string> = {
  tonight: 'Streaks that break tonight',
  inactive: 'Inactive',
  behind: 'Behind in a cohort',
};

const EMPTY: Record<RiskSection, string> = {
  tonight: 'No streak breaks tonight: everyone with a running streak has either counted today or has a freeze left.',
  inactive: 'Nobody with activity here has been away that long.',
  behind: 'Nobody is behind in a running cohort.',
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function sectionLabel(section: RiskSection, days: number): string {
  return section === 'inactive' ? `Inactive ${days}+ days` : TITLES[section];
}

function entryLine(p: AtRiskPage, e: AtRiskEntry, n: number): string {
  const parts = [`${n}. <@${e.userId}>`];
  if (e.cohort !== undefined) parts.push(`**${userText(e.cohort, 60)}**, behind by ${plural(e.by ?? 0, 'unit')}`);
  if (e.streak > 0) parts.push(`🔥 ${plural(e.streak, 'day')}`);
  const at = p.lastActive.get(e.userId);
  parts.push(at ? `last active ${time(at, TimestampStyles.RelativeTime)}` : e.lastDay ? `last counted day ${e.lastDay}` : 'no activity yet');
  if (p.nudges.get(e.userId)?.optedIn) parts.push('🔔');
  return parts.join(' · ');
}

/** The list: one embed, section buttons with counts, a pager, and a menu to nudge a member of the page. */
export function atRiskView(p: AtRiskPage) {
  const total = p.counts[p.section];
  const pages = Math.max(1, Math.ceil(total / AT_RISK_PAGE_SIZE));
  const lines = p.entries.map((e, i) => entryLine(p, e, p.page * AT_RISK_PAGE_SIZE + i + 1));
  const embed: APIEmbed = {
    color: total > 0 ? colors.warning : colors.success,
    title: `Members at risk · ${sectionLabel(p.section, p.days)} (${total})`,
    description: clip(lines.length > 0 ? lines.join('\n') : EMPTY[p.section], 4096),
    footer: { text: `Page ${p.page + 1} of ${pages} · 🔔 turned on streak reminders: only they can be nudged, once a week.` },
  };
  const rows: APIActionRowComponent<APIComponentInMessageActionRow>[] = [
    actionRow(
      ...RISK_SECTIONS.map((s) =>
        button({
          customId: atRiskSectionId(s, p.days),
          label: `${sectionLabel(s, p.days)} (${p.counts[s]})`,
          style: s === p.section ? ButtonStyle.Primary : ButtonStyle.Secondary,
          disabled: s === p.section,
        }),
      ),
    ),
  ];
  if (pages > 1) {
    rows.push(
      actionRow(
        button({ customId: atRiskPageId(p.section, p.days, p.page - 1), label: 'Previous', emoji: '◀️', style: ButtonStyle.Secondary, disabled: p.page === 0 }),
        button({ customId: atRiskPageId(p.section, p.days, p.page + 1), label: 'Next', emoji: '▶️', style: ButtonStyle.Secondary, disabled: p.page >= pages - 1 }),
      ),
    );
  }
  const seen = new Set<string>();
  const options: APISelectMenuOption[] = [];
  for (const [i, e] of p.entries.entries()) {
    if (seen.has(e.userId)) continue;
    seen.add(e.userId);
    const state = p.nudges.get(e.userId);
    const description = !state?.optedIn ? 'Has not turned on reminders: cannot be nudged' : state.nudgedAt ? `Reminders on · last nudged ${state.nudgedAt.toISOString().slice(0, 10)}` : 'Reminders on';
    // Numbered like the list: without the members intent, a name is known only for members in the cache.
    options.push({ label: clip(`${p.page * AT_RISK_PAGE_SIZE + i + 1}. ${p.nameOf(e.userId)}`, 100), value: e.userId, description });
  }
  if (options.length > 0) {
    rows.push(
      actionRow({
        type: ComponentType.StringSelect,
        custom_id: nudgeMenuId(p.section, p.days, p.page),
        placeholder: 'Send a gentle nudge to…',
        min_values: 1,
        max_values: 1,
        options: options.slice(0, 25),
      }),
    );
  }
  return { embeds: [embed], components: rows, allowedMentions: { parse: [] } };
}

/** Why a nudge was refused, in our words. */
export function nudgeRefusalText(userId: string, refusal: { kind: 'not-opted-in' } | { kind: 'dms-closed' } | { kind: 'too-soon'; nextAt: Date }): string {
  switch (refusal.kind) {
    case 'not-opted-in':
      return `<@${userId}> has not turned on streak reminders, so I don’t nudge them: nudges go only to members who asked for reminders (\`/settings reminder on\`).`;
    case 'dms-closed':
      return `<@${userId}>’s DMs from this server are closed: my last reminder to them was refused. Nothing was sent.`;
    case 'too-soon':
      return `<@${userId}> was nudged less than a week ago. Members get at most one nudge a week: the next is possible ${time(refusal.nextAt, TimestampStyles.RelativeTime)}.`;
  }
}
