import type { SlashCommandBooleanOption, SlashCommandStringOption } from 'discord.js';
import { LEVELS } from '../../src/content/schema.js';
import type { ContentContext } from '../../src/context.js';
import type { NewResource } from '../../src/db/queries/resources.js';
import { guessKind, MAX_URL_INPUT_LENGTH, parseResourceUrl } from '../../src/domain/urls.js';
import type { GuildChatInput } from '../../src/discord/command.js';
import { resolveStep } from '../../src/discord/options.js';
import { NOTE_MAX, TITLE_MAX } from '../../src/discord/views/resources.js';
import { UserError } from '../../src/errors.js';

// The options suggest and add share. Level and free are optional on both: a resource nobody rated is listed as "level not rated" / "price not stated".
export const urlOption = (o: SlashCommandStringOption) => o.setName('url').setDescription('The link (http or https)').setRequired(true).setMaxLength(MAX_URL_INPUT_LENGTH);
export const titleOption = (o: SlashCommandStringOption) => o.setName('title').setDescription('What it is called').setRequired(true).setMaxLength(TITLE_MAX);
export const stepOption = (o: SlashCommandStringOption) => o.setName('step').setDescription('The roadmap step it helps with').setAutocomplete(true).setMaxLength(100);
export const levelOption = (o: SlashCommandStringOption) =>
  o
    .setName('level')
    .setDescription('The level it suits (leave out if unsure)')
    .addChoices(...LEVELS.map((l) => ({ name: l, value: l })));
export const freeOption = (o: SlashCommandBooleanOption) => o.setName('free').setDescription('True if it is free to use, False if it costs money (leave out if unsure)');
export const noteOption = (o: SlashCommandStringOption) => o.setName('note').setDescription('Why it is good, who it is for').setMaxLength(NOTE_MAX);

/** Reads and checks url, title, step, kind, level, free and note of suggest/add. */
export function readResource(interaction: GuildChatInput, ctx: ContentContext): NewResource {
  const options = interaction.options;
  const parsed = parseResourceUrl(options.getString('url', true));
  if (!parsed.ok) throw new UserError(parsed.reason);
  const title = options.getString('title', true).replace(/\s+/g, ' ').trim().slice(0, TITLE_MAX);
  if (!title) throw new UserError('Give the resource a title.');
  const step = options.getString('step');
  const stepId = step && step.trim() ? resolveStep(ctx.content, step).step.id : null;
  return {
    guildId: interaction.guildId,
    userId: interaction.user.id,
    url: parsed.url,
    key: parsed.key,
    title,
    stepId,
    kind: options.getString('kind') ?? guessKind(parsed.url),
    level: LEVELS.find((l) => l === options.getString('level')) ?? null,
    free: options.getBoolean('free'),
    note: cleanNote(options.getString('note')),
  };
}

export function cleanNote(note: string | null): string | null {
  const cleaned = (note ?? '').replace(/\n{3,}/g, '\n\n').trim().slice(0, NOTE_MAX);
  return cleaned || null;
}
