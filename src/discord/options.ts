import type { ApplicationCommandOptionChoiceData } from 'discord.js';
import { findStep, type Content, type StepEntry } from '../content/loader.js';
import type { Track } from '../content/schema.js';
import { UserError } from '../errors.js';

/** Filters and ranks `candidates` for an autocomplete query; at most 25, names ≤ 100 chars. */
export function autocompleteChoices<T>(
  candidates: readonly T[],
  query: string,
  toChoice: (item: T) => { name: string; value: string; keywords?: string },
): ApplicationCommandOptionChoiceData<string>[] {
  const q = query.trim().toLowerCase();
  const scored = candidates
    .map((item) => toChoice(item))
    .map((choice) => {
      const hay = `${choice.name} ${choice.value} ${choice.keywords ?? ''}`.toLowerCase();
      const score = !q ? 1 : choice.name.toLowerCase().startsWith(q) || choice.value.startsWith(q) ? 3 : hay.includes(q) ? 2 : 0;
      return { choice, score };
    })
    .filter((s) => s.score > 0);
  scored.sort((a, b) => b.score - a.score);
  return scored.slice(0, 25).map(({ choice }) => ({ name: choice.name.slice(0, 100), value: choice.value.slice(0, 100) }));
}

/**
 * The track a member asked for; else the one they follow (`followed`, from /roadmap track, when it
 * still exists); else the first one.
 */
export function resolveTrack(content: Content, id: string | null, followed?: string): Track {
  const own = followed === undefined ? undefined : content.tracksById.get(followed);
  const track = id ? content.tracksById.get(id) ?? content.tracks.find((t) => t.title.toLowerCase() === id.toLowerCase()) : own ?? content.tracks[0];
  if (!track) {
    if (content.tracks.length === 0) throw new UserError('No roadmap is loaded right now. A moderator should check the bot’s content files.');
    throw new UserError(`There is no track called “${id}”. Tracks: ${content.tracks.map((t) => t.title).join(', ')}.`);
  }
  return track;
}

/** The step a member named in an option: an id from autocomplete, a former id, or a title typed by hand. */
export function resolveStep(content: Content, input: string): StepEntry {
  const entry =
    findStep(content, input.trim()) ??
    [...content.steps.values()].find((e) => e.step.title.toLowerCase() === input.trim().toLowerCase());
  if (!entry) throw new UserError(`There is no roadmap step called “${input.slice(0, 80)}”. Start typing and pick one from the list.`);
  return entry;
}

/** Roadmap steps for a step option's autocomplete; `pick` selects which to offer. */
export function stepChoices(content: Content, query: string, pick: (stepId: string) => boolean) {
  const entries = [...content.steps.values()].filter((e) => pick(e.step.id));
  return autocompleteChoices(entries, query, (e) => ({
    name: `${e.branch ? `${e.branch.title} ` : ''}${e.index + 1}. ${e.step.title}${content.tracks.length > 1 ? ` (${e.track.title})` : ''}`,
    value: e.step.id,
    keywords: e.step.summary,
  }));
}
