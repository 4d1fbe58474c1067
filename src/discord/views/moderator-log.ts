import { ButtonStyle, TimestampStyles, time, type APIActionRowComponent, type APIButtonComponent, type APIEmbed } from 'discord.js';
import type { LoggedAction } from '../../db/queries/moderator-log.js';
import { MODERATOR_ACTIONS } from '../../domain/moderator-actions.js';
import { milestoneText, REWARD_KINDS, type RewardKind } from '../../domain/rewards.js';
import { actionRow, button } from './parts.js';
import { clip, colors, userText } from './theme.js';

/** Entries on one page of /admin log. */
export const LOG_PAGE_SIZE = 8;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const record = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `studyChannelIds` → `study channels`, `freezeCap` → `freeze cap`. */
function settingName(key: string): string {
  return key
    .replace(/Ids$/, 's')
    .replace(/Id$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

/** A setting's value as a moderator reads it: channels and roles as mentions, a reward as its milestone. */
function settingValue(key: string, value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map((v) => settingValue(key.replace(/Ids$/, 'Id'), v)).join(' ');
  if (typeof value === 'string' && /ChannelId$|CategoryId$/.test(key)) return `<#${value}>`;
  if (typeof value === 'string' && /RoleId$/.test(key)) return `<@&${value}>`;
  const reward = record(value);
  if (reward && REWARD_KINDS.includes(reward.kind as RewardKind) && typeof reward.threshold === 'number')
    return `${milestoneText(reward.kind as RewardKind, reward.threshold)} → ${str(reward.roleId) ? `<@&${str(reward.roleId)}>` : 'a role'}${reward.removeWhenBelow ? ' (removed when below)' : ''}`;
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'string') return userText(value, 60);
  return userText(JSON.stringify(value), 60);
}

function settingChanges(details: Record<string, unknown>): string {
  const changes = Object.entries(record(details.changes) ?? {});
  const where = str(details.setting) ? `/setup ${userText(str(details.setting)!, 40)}` : '/setup';
  if (changes.length === 0) return where;
  return `${where}: ${changes
    .map(([key, change]) => {
      const c = record(change) ?? {};
      return `${settingName(key)} ${settingValue(key, c.from)} → ${settingValue(key, c.to)}`;
    })
    .join('; ')}`;
}

const run = (d: Record<string, unknown>) => `${str(d.challengeId) ? userText(str(d.challengeId)!, 60) : 'a challenge'}${num(d.weekId) !== undefined ? ` (run #${num(d.weekId)})` : ''}`;
const link = (d: Record<string, unknown>) => (str(d.url) ? `<${clip(str(d.url)!, 120)}>` : str(d.ref) ? userText(str(d.ref)!, 60) : `#${num(d.resourceId) ?? '?'}`);

/** A cohort's changed plan, channel or public feed: `4 → 3 weeks`, `channel <#a> → <#b>`, `public calendar off → on`. */
function cohortChanges(changes: Record<string, unknown>): string {
  const parts = Object.entries(changes).map(([key, change]) => {
    const c = record(change) ?? {};
    if (key === 'weeks') return `${num(c.from) ?? '?'} → ${plural(num(c.to) ?? 0, 'week')}`;
    if (key === 'channelId') return `channel ${str(c.from) ? `<#${str(c.from)}>` : '?'} → ${str(c.to) ? `<#${str(c.to)}>` : '?'}`;
    if (key === 'publicFeed') return `public calendar ${c.from === true ? 'on' : 'off'} → ${c.to === true ? 'on' : 'off'}`;
    return settingName(key);
  });
  return parts.length > 0 ? parts.join('; ') : 'changed';
}

/** The other details of a kind this view does not know yet (a new kind), as `key: value` pairs. */
function genericDetails(details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([key, v]) => key !== 'reason' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'))
    .map(([key, v]) => `${settingName(key)}: ${settingValue(key, v)}`)
    .join(', ');
}

/** What was done, in a short sentence (without the kind's label, the reason or the member). */
export function entrySummary(entry: Pick<LoggedAction, 'action' | 'details'>): string {
  const d = entry.details;
  switch (entry.action) {
    case 'streak.fix': {
      const before = num(record(d.before)?.current);
      const after = num(record(d.after)?.current);
      return `${str(d.day) ?? 'a day'} counted${before !== undefined && after !== undefined ? `; streak ${before} → ${after}` : ''}`;
    }
    case 'progress.reset': {
      const steps = Array.isArray(d.steps) ? d.steps.length : 0;
      return `${str(d.trackId) ? `track ${userText(str(d.trackId)!, 60)}` : 'every track'}: ${plural(steps, 'step')} forgotten`;
    }
    case 'challenge_start':
      return `${run(d)}${str(d.replaced) ? `, replacing ${userText(str(d.replaced)!, 60)}` : ''}`;
    case 'challenge_skip':
    case 'challenge_end':
      return run(d);
    case 'settings.change':
      return settingChanges(d);
    case 'rewards.sync':
      return d.outcome === 'stopped'
        ? 'stopped part way (see the bot’s log)'
        : `${plural(num(d.members) ?? 0, 'member')}: ${num(d.granted) ?? 0} given, ${num(d.removed) ?? 0} removed${num(d.failed) ? `, ${num(d.failed)} refused by Discord` : ''}`;
    case 'resource.add':
      return `${link(d)}${d.revived === true ? ' (brought back)' : ''}`;
    case 'resource.approve':
    case 'resource.reject':
      return link(d);
    case 'resource.remove':
      return `${str(d.title) ? `${userText(str(d.title)!, 60)} ` : ''}${link(d)}`;
    case 'resource.post':
      return `${link(d)}${str(d.channelId) ? ` in <#${str(d.channelId)}>` : ''}`;
    case 'cohort.create':
      return `**${userText(str(d.name) ?? 'a cohort', 60)}**: ${str(d.trackId) ? `${userText(str(d.trackId)!, 40)}, ` : ''}${plural(num(d.weeks) ?? 0, 'week')}${str(d.start) ? ` from ${str(d.start)}` : ''}${str(d.timezone) ? ` (${str(d.timezone)})` : ''}`;
    case 'cohort.change':
      return `**${userText(str(d.name) ?? 'a cohort', 60)}**: ${cohortChanges(record(d.changes) ?? {})}`;
    case 'focus.stop':
      return `their focus session${str(d.channelId) ? ` in <#${str(d.channelId)}>` : ''}`;
    default:
      return genericDetails(d);
  }
}

/** One entry: when, who, what, about whom, why. */
export function entryText(entry: LoggedAction): string {
  const label = MODERATOR_ACTIONS[entry.action];
  const about = entry.targetUserId ? ` · about <@${entry.targetUserId}>` : '';
  const summary = entrySummary(entry);
  const reason = str(entry.details.reason);
  return [
    `${time(entry.at, TimestampStyles.ShortDateTime)} · **${label}** by <@${entry.actorId}>${about}`,
    ...(summary ? [clip(summary, 250)] : []),
    ...(reason ? [`*Why:* ${userText(reason, 150)}`] : []),
  ].join('\n');
}

export interface LogPageView {
  entries: LoggedAction[];
  /** What the page is filtered by, in words (empty: everything). */
  filters: string[];
  /** Custom ids of the paging buttons; undefined: no page that way. */
  newer?: string;
  older?: string;
  /** 1 for the newest page. */
  page: number;
}

/** A page of /admin log: an embed of entries, newest first, and ◀ Newer / Older ▶. */
export function logPageView(view: LogPageView): { embeds: APIEmbed[]; components: APIActionRowComponent<APIButtonComponent>[] } {
  const filtered = view.filters.length > 0 ? ` (${view.filters.join(', ')})` : '';
  const description =
    view.entries.length === 0
      ? view.page === 1
        ? `Nothing logged${filtered ? ' that matches' : ' yet'}.`
        : 'No more entries.'
      : clip(view.entries.map(entryText).join('\n\n'), 4096);
  const embed: APIEmbed = {
    color: colors.brand,
    title: clip(`Moderator log${filtered}`, 256),
    description,
    footer: { text: `Page ${view.page} · newest first` },
  };
  const components =
    view.newer || view.older
      ? [
          actionRow<APIButtonComponent>(
            button({ customId: view.newer ?? 'admin:log-none:newer', label: '◀ Newer', style: ButtonStyle.Secondary, disabled: !view.newer }),
            button({ customId: view.older ?? 'admin:log-none:older', label: 'Older ▶', style: ButtonStyle.Secondary, disabled: !view.older }),
          ),
        ]
      : [];
  return { embeds: [embed], components };
}
