import {
  ButtonStyle,
  ComponentType,
  TextInputStyle,
  time,
  TimestampStyles,
  type APIEmbed,
  type APIEmbedField,
  type APIModalInteractionResponseCallbackData,
} from 'discord.js';
import type { Content } from '../../content/loader.js';
import { RESOURCE_KINDS } from '../../content/schema.js';
import type { GuildResource } from '../../db/schema.js';
import type { Duplicate, ResourcePost } from '../../db/queries/resources.js';
import type { ResourceEntry, ResourceFilters } from '../../domain/catalogue.js';
import { paginate } from '../../domain/progress.js';
import { displayHost, displayUrl } from '../../domain/urls.js';
import { customId } from '../command.js';
import { actionRow, button } from './parts.js';
import { clip, colors, userText } from './theme.js';

export const RESOURCES_PAGE_SIZE = 5;
export const TITLE_MAX = 120;
export const NOTE_MAX = 300;
export const REASON_MAX = 300;

/**
 * Member text for a view: mentions can never ping (allowedMentions already says so) and do not
 * even look like one, then Markdown escaped and cut to `max`.
 */
export function memberText(text: string, max: number): string {
  const defused = text.replace(/@(everyone|here)/gi, '@\u200b$1').replace(/<@([!&]?\d+)>/g, '<@\u200b$1>');
  return userText(defused, max);
}

/** Text for the label of a Markdown link: no brackets that would end it early. */
function linkLabel(text: string): string {
  return text.replace(/[[\]]/g, (c) => (c === '[' ? '(' : ')'));
}

/** A Markdown link target that survives parentheses in the URL. */
function linkTarget(url: string): string {
  return url.replace(/\(/g, '%28').replace(/\)/g, '%29');
}

function host(url: string): string {
  return displayHost(url)?.replace(/^www\./, '') ?? 'link';
}

export function entryTitle(entry: ResourceEntry, max = TITLE_MAX): string {
  return entry.source === 'catalogue' ? clip(entry.title, max) : memberText(entry.title, max);
}

/** "free" or "paid"; null when nobody said. */
export function priceWord(free: boolean | null): string | null {
  return free === null ? null : free ? 'free' : 'paid';
}

/** "course · beginner · free" — what every entry shows besides its title and link. */
export function entryFacts(content: Content, entry: ResourceEntry): string {
  const level = entry.level ?? 'level not rated';
  const price = priceWord(entry.free) ?? 'price not stated';
  const step = entry.steps[0] ? content.steps.get(entry.steps[0]) : undefined;
  const stepText = step ? ` · step ${step.index + 1}: ${step.step.title}` : '';
  return `${entry.kind} · ${level} · ${price}${stepText}`;
}

function entryBlurb(entry: ResourceEntry, max: number): string {
  if (entry.description) return clip(entry.description, max);
  if (entry.note) return memberText(entry.note, max);
  return '';
}

/** Custom id of a /resources pager button; the topic is shortened if the id would not fit. */
function pageId(filters: ResourceFilters, page: number): string {
  const kind = filters.kind ? String(RESOURCE_KINDS.indexOf(filters.kind as (typeof RESOURCE_KINDS)[number])) : '';
  const step = filters.stepId ?? '';
  const fixed = `resources:page::${step}:${kind}:${page}`.length;
  const topic = (filters.topic ?? '').slice(0, Math.max(0, 100 - fixed));
  return customId('resources', 'page', topic, step, kind, page);
}

/** Reads the filters back from a pager button's arguments. */
export function filtersFromArgs([topic = '', step = '', kind = '']: string[]): ResourceFilters {
  const kindName = kind === '' ? null : (RESOURCE_KINDS[Number.parseInt(kind, 10)] ?? null);
  return { topic: topic || null, stepId: step || null, kind: kindName };
}

function describeFilters(content: Content, filters: ResourceFilters): string {
  const parts: string[] = [];
  if (filters.topic) parts.push(`topic “${clip(filters.topic, 40)}”`);
  if (filters.stepId) parts.push(`step “${content.steps.get(filters.stepId)?.step.title ?? filters.stepId}”`);
  if (filters.kind) parts.push(`kind ${filters.kind}`);
  return parts.join(', ');
}

export function resourceListView(content: Content, entries: readonly ResourceEntry[], filters: ResourceFilters, page: number) {
  const { items, page: shown, pages } = paginate(entries, RESOURCES_PAGE_SIZE, page);
  const filterText = describeFilters(content, filters);
  const embed: APIEmbed = { color: colors.brand, title: filterText ? `Resources: ${clip(filterText, 230)}` : 'Resources' };
  if (entries.length === 0) {
    embed.description = filterText
      ? 'Nothing matches all of that. Try fewer filters, or another topic from the list as you type.'
      : 'There are no resources yet. Moderators can add some with `/resource add`.';
    return { embeds: [embed], components: [] };
  }
  embed.description = `${entries.length} resource${entries.length === 1 ? '' : 's'}. Know a good one that is missing? \`/resource suggest\``;
  embed.fields = items.map((entry, i) => {
    const number = shown * RESOURCES_PAGE_SIZE + i + 1;
    const blurb = entryBlurb(entry, 300);
    const picked = entry.source === 'server' ? ' · picked by this server' : '';
    return {
      name: clip(`${number}. ${entryTitle(entry)}`, 256),
      value: clip(`[${linkLabel(host(entry.url))}](${linkTarget(entry.url)}) · ${entryFacts(content, entry)}${picked}${blurb ? `\n${blurb}` : ''}`, 1024),
    };
  });
  embed.footer = { text: `Page ${shown + 1} of ${pages}` };
  const components =
    pages > 1
      ? [
          actionRow(
            button({ customId: pageId(filters, shown - 1), label: 'Previous', style: ButtonStyle.Secondary, disabled: shown === 0 }),
            button({ customId: pageId(filters, shown + 1), label: 'Next', style: ButtonStyle.Secondary, disabled: shown >= pages - 1 }),
          ),
        ]
      : [];
  return { embeds: [embed], components };
}

/** The card /resource post sends to a channel. */
export function resourceCard(content: Content, entry: ResourceEntry, postedBy: string, note: string | null): APIEmbed {
  const fields: APIEmbedField[] = [{ name: 'What', value: entryFacts(content, entry) }];
  if (note) fields.push({ name: 'Why it is worth your time', value: memberText(note, 1000) });
  fields.push({ name: 'Shared by', value: `<@${postedBy}>` });
  const embed: APIEmbed = {
    color: colors.brand,
    author: { name: '📚 Resource' },
    title: entryTitle(entry, 256),
    url: entry.url,
    fields,
    footer: { text: 'Find more with /resources' },
  };
  const blurb = entryBlurb(entry, 1000);
  if (blurb) embed.description = blurb;
  return embed;
}

export function duplicateMessage(content: Content, duplicate: Duplicate): string {
  if (duplicate.where === 'catalogue') {
    return `That link is already in the catalogue as **${entryTitle(duplicate.entry)}** (${entryFacts(content, duplicate.entry)}). Find it with \`/resources\`.`;
  }
  const row = duplicate.row;
  const title = memberText(row.title, TITLE_MAX);
  switch (row.status) {
    case 'approved':
      return `That link is already in this server’s list as **${title}** (added ${time(row.createdAt, TimestampStyles.RelativeTime)}). Find it with \`/resources\`.`;
    case 'pending':
      return `That link is already waiting for review as **${title}** (suggested by <@${row.suggestedBy}> ${time(row.createdAt, TimestampStyles.RelativeTime)}).`;
    case 'rejected':
      return `That link was suggested before as **${title}** and a moderator turned it down${row.rejectReason ? `: ${memberText(row.rejectReason, REASON_MAX)}` : '.'}`;
    case 'removed':
      return `That link was in this server’s list as **${title}** and a moderator removed it.`;
  }
}

export function suggestionReceivedView(content: Content, row: GuildResource) {
  const step = row.stepId ? content.steps.get(row.stepId) : undefined;
  return {
    content: [
      `📬 Thanks! **${memberText(row.title, TITLE_MAX)}** is in the review queue${step ? ` for step ${step.index + 1}: ${step.step.title}` : ''}.`,
      'A moderator will look at it; I will send you a DM when it is approved or rejected (make sure DMs from server members are allowed).',
    ].join('\n'),
  };
}

/**
 * What the review channel gets when a member suggests a resource: who, what, and a Review button
 * that opens the suggestion's review card. Send it with no allowed mentions: the suggester is named, not pinged.
 */
export function suggestionNoticeView(content: Content, row: GuildResource, waiting: number) {
  const step = row.stepId ? content.steps.get(row.stepId) : undefined;
  const facts = [row.kind, row.level, priceWord(row.free), step ? `step ${step.index + 1}: ${step.step.title}` : null].filter(Boolean).join(' · ');
  const lines = [`Suggested by <@${row.suggestedBy}>`, facts];
  if (row.note) lines.push(`> ${memberText(row.note, 1000).replace(/\n/g, '\n> ')}`);
  const embed: APIEmbed = {
    color: colors.warning,
    author: { name: '📬 New resource suggestion' },
    title: memberText(row.title, 256),
    url: row.url,
    description: lines.join('\n'),
    footer: { text: `${waiting} suggestion${waiting === 1 ? '' : 's'} waiting for review` },
  };
  return {
    embeds: [embed],
    components: [actionRow(button({ customId: customId('resource', 'review', row.id), label: 'Review', style: ButtonStyle.Primary }))],
  };
}

/** One suggestion for a moderator, with Approve / Reject and the queue pager. */
export function reviewView(content: Content, item: { row: GuildResource | undefined; index: number; total: number }, notice?: string) {
  const { row, index, total } = item;
  if (!row) {
    const embed: APIEmbed = { color: colors.success, title: 'Review queue', description: 'Nothing waiting for review. 🎉' };
    return { content: notice ?? '', embeds: [embed], components: [] };
  }
  const step = row.stepId ? content.steps.get(row.stepId) : undefined;
  const fields: APIEmbedField[] = [
    // The address as stored too when the host reads differently in Unicode (a look-alike host shows).
    { name: 'Link', value: clip(displayUrl(row.url) === row.url ? row.url : `${displayUrl(row.url)}\n(${row.url})`, 1024) },
    { name: 'Suggested by', value: `<@${row.suggestedBy}> ${time(row.createdAt, TimestampStyles.RelativeTime)}`, inline: true },
    { name: 'Kind', value: row.kind, inline: true },
    { name: 'Roadmap step', value: step ? `${step.index + 1}. ${step.step.title}` : 'none', inline: true },
    { name: 'Level', value: row.level ?? 'not rated', inline: true },
    { name: 'Price', value: priceWord(row.free) ?? 'not stated', inline: true },
  ];
  if (row.note) fields.push({ name: 'Note', value: memberText(row.note, 1024) });
  const embed: APIEmbed = {
    color: colors.warning,
    author: { name: `Suggestion ${index + 1} of ${total}` },
    title: memberText(row.title, 256),
    url: row.url,
    fields,
  };
  const row1 = actionRow(
    button({ customId: customId('resource', 'approve', row.id, index), label: 'Approve', style: ButtonStyle.Success }),
    button({ customId: customId('resource', 'reject', row.id, index), label: 'Reject', style: ButtonStyle.Danger }),
    button({ customId: customId('resource', 'queue', index - 1), label: 'Previous', style: ButtonStyle.Secondary, disabled: index === 0 }),
    button({ customId: customId('resource', 'queue', index + 1), label: 'Next', style: ButtonStyle.Secondary, disabled: index >= total - 1 }),
  );
  return { content: notice ?? '', embeds: [embed], components: [row1] };
}

export function rejectModal(id: number, index: number): APIModalInteractionResponseCallbackData {
  return {
    custom_id: customId('resource', 'rejected', id, index),
    title: 'Reject suggestion',
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          {
            type: ComponentType.TextInput,
            custom_id: 'reason',
            label: 'Reason (optional, sent to the member)',
            style: TextInputStyle.Paragraph,
            required: false,
            max_length: REASON_MAX,
          },
        ],
      },
    ],
  };
}

/** The DM a member gets when their suggestion is decided. */
export function decisionDm(guildName: string, row: GuildResource) {
  const title = memberText(row.title, TITLE_MAX);
  const server = memberText(guildName, 100);
  const embed: APIEmbed =
    row.status === 'approved'
      ? {
          color: colors.success,
          title: 'Your resource suggestion was approved 🎉',
          description: `**${title}** is now in **${server}**’s resource list. Members find it with \`/resources\`. Thank you!`,
        }
      : {
          color: colors.muted,
          title: 'Your resource suggestion was not accepted',
          description: `A moderator of **${server}** decided not to add **${title}**.${row.rejectReason ? `\n\n**Reason:** ${memberText(row.rejectReason, REASON_MAX)}` : ''}`,
        };
  return { embeds: [embed] };
}

/** Asked before posting a link that went out in this server within the week. */
export function repostConfirmView(content: Content, entry: ResourceEntry, last: ResourcePost, stagedId: number, channelId: string) {
  return {
    content: [
      `⚠️ **${entryTitle(entry)}** was already posted in <#${last.channelId}> by <@${last.postedBy}> ${time(last.postedAt, TimestampStyles.RelativeTime)}.`,
      `Post it again in <#${channelId}>?`,
    ].join('\n'),
    components: [
      actionRow(
        button({ customId: customId('resource', 'repost', stagedId), label: 'Post again', style: ButtonStyle.Primary }),
        button({ customId: customId('resource', 'cancel', stagedId), label: 'Cancel', style: ButtonStyle.Secondary }),
      ),
    ],
  };
}
