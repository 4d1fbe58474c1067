import {
  ButtonStyle,
  ComponentType,
  TextInputStyle,
  type APIButtonComponentWithCustomId,
  type APIEmbed,
  type APIEmbedField,
  type APIModalInteractionResponseCallbackData,
  type MessageCreateOptions,
} from 'discord.js';
import { findStep, type Content } from '../../content/loader.js';
import type { Prompt } from '../../content/schema.js';
import { customId } from '../command.js';
import { actionRow, button } from './parts.js';
import { clip, colors } from './theme.js';

/** Custom id of the Check in button on prompt posts (handled by commands/prompt.ts). */
export const PROMPT_CHECKIN_ID = customId('prompt', 'checkin');

const FOOTER_PREFIX = 'Daily prompt · ';

/** The prompt embed: text, hints as spoilers, roadmap step, resources. */
export function promptEmbed(content: Content, prompt: Prompt, period: string): APIEmbed {
  const hints = prompt.hints.length > 0 ? `\n\n**Hints** (tap to reveal)\n${prompt.hints.map((h) => `||${h.replaceAll('||', '|')}||`).join('\n')}` : '';
  const embed: APIEmbed = {
    color: colors.brand,
    title: '💡 Today’s prompt',
    description: clip(`${prompt.text}${hints}`, 4096),
    footer: { text: `${FOOTER_PREFIX}${period} · discuss in the thread, then press Check in` },
  };
  const fields: APIEmbedField[] = [];
  const entry = findStep(content, prompt.step);
  if (entry) fields.push({ name: 'Roadmap step', value: clip(`${entry.step.title} (${entry.track.title})`, 1024) });
  const lines: string[] = [];
  let length = 0;
  for (const id of prompt.resources) {
    const resource = content.resources.get(id);
    if (!resource) continue;
    const line = `• [${clip(resource.title.replaceAll(/[[\]]/g, ''), 120)}](${resource.url})`;
    if (length + line.length + 1 > 1024) break;
    lines.push(line);
    length += line.length + 1;
  }
  if (lines.length > 0) fields.push({ name: 'Resources', value: lines.join('\n') });
  if (fields.length > 0) embed.fields = fields;
  return embed;
}

/** The Check in button of a prompt: the same as /checkin. */
export function checkInButton(): APIButtonComponentWithCustomId {
  return button({ customId: PROMPT_CHECKIN_ID, label: 'Check in', style: ButtonStyle.Success, emoji: '✅' });
}

/** The channel post: embed, Check in button, and the ping role when the server set one. */
export function promptPost(content: Content, prompt: Prompt, options: { period: string; pingRoleId: string | null }): MessageCreateOptions {
  return {
    ...(options.pingRoleId ? { content: `<@&${options.pingRoleId}>`, allowedMentions: { roles: [options.pingRoleId] } } : { allowedMentions: { parse: [] } }),
    embeds: [promptEmbed(content, prompt, options.period)],
    components: [actionRow(checkInButton())],
  };
}

/** Whether a message is the prompt post of `period` (to recognise a post made just before a crash). */
export function isPromptPostOf(message: { embeds: readonly { footer: { text: string } | null }[] }, period: string): boolean {
  return message.embeds.some((e) => e.footer?.text.startsWith(`${FOOTER_PREFIX}${period} `) ?? false);
}

/** Name of the discussion thread: the date and the start of the prompt, without Markdown. */
export function threadName(prompt: Prompt, period: string): string {
  const plain = prompt.text
    .split('\n')[0]!
    .replaceAll(/[*_`~|>#]/g, '')
    .replaceAll(/\s+/g, ' ')
    .trim();
  return clip(`${period} · ${plain || prompt.topic}`, 100);
}

/** The form of /prompt add: one prompt for this server (step, topic, text, hints one per line). */
export function addPromptModal(): APIModalInteractionResponseCallbackData {
  const input = (id: string, label: string, style: TextInputStyle, max: number, required: boolean, placeholder: string) => ({
    type: ComponentType.ActionRow as const,
    components: [{ type: ComponentType.TextInput as const, custom_id: id, label, style, max_length: max, required, placeholder }],
  });
  return {
    custom_id: customId('prompt', 'add'),
    title: 'Add a prompt for this server',
    components: [
      input('step', 'Roadmap step (its id or title)', TextInputStyle.Short, 80, true, 'e.g. ml-foundations'),
      input('topic', 'Topic (a slug, as resources name them)', TextInputStyle.Short, 64, true, 'e.g. machine-learning'),
      input('text', 'The prompt', TextInputStyle.Paragraph, 1000, true, 'A question or task to discuss (Markdown)'),
      input('hints', 'Hints (optional, one per line, at most 4)', TextInputStyle.Paragraph, 1200, false, 'Shown as spoilers under the prompt'),
    ],
  };
}
