import { escapeMarkdown } from 'discord.js';

export const colors = {
  brand: 0x5865f2,
  success: 0x57f287,
  warning: 0xfee75c,
  danger: 0xed4245,
  muted: 0x99aab5,
} as const;

/** Escapes Markdown and cuts to `max` characters with an ellipsis. For any text a member typed. */
export function userText(text: string, max: number): string {
  const escaped = escapeMarkdown(text.trim());
  return escaped.length <= max ? escaped : `${escaped.slice(0, max - 1)}…`;
}

/** Cuts trusted text (content files) to a Discord limit. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Member text with every mention turned into plain text, for public posts: `<@id>` → `@member`,
 * `<@&id>` → `@role`, `<#id>` → `#channel`, `</name:id>` → `/name`, and `@everyone` / `@here`
 * broken with a zero-width space, so that nothing renders as a mention (in embeds either), let
 * alone pings.
 */
export function withoutMentions(text: string): string {
  return text
    .replace(/<@!?\d+>/g, '@member')
    .replace(/<@&\d+>/g, '@role')
    .replace(/<#\d+>/g, '#channel')
    .replace(/<\/([^:<>]{1,100}):\d+>/g, '/$1')
    .replace(/@(everyone|here)/gi, '@\u200b$1');
}
