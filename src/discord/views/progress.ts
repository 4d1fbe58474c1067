import { ButtonStyle, hyperlink, type APIEmbed, type APIEmbedField } from 'discord.js';
import type { Content } from '../../content/loader.js';
import type { Step } from '../../content/schema.js';
import { paginate, progressBar, type StepStatus, type TrackProgress } from '../../domain/progress.js';
import { customId } from '../command.js';
import { actionRow, button } from './parts.js';
import { clip, colors } from './theme.js';

export const ROADMAP_PAGE_SIZE = 8;

const statusIcon: Record<StepStatus, string> = { done: '✅', current: '👉', todo: '⬜' };
const statusWord: Record<StepStatus, string> = { done: 'done', current: 'current', todo: 'not started' };

export function roadmapView(progress: TrackProgress, page: number) {
  const { items, page: shown, pages } = paginate(progress.steps, ROADMAP_PAGE_SIZE, page);
  const lines = items.map(
    ({ step, index, status }) => `${statusIcon[status]} **${index + 1}. ${step.title}** · ${step.hours} h · ${statusWord[status]}\n${step.summary}`,
  );
  const embed: APIEmbed = {
    color: colors.brand,
    title: `Roadmap: ${progress.track.title}`,
    description: clip(`${progress.track.summary}\n\n${progressBar(progress.done, progress.total)} · ${progress.done}/${progress.total} steps done\n\n${lines.join('\n\n')}`, 4096),
    footer: { text: `Page ${shown + 1} of ${pages} · /next shows your next step` },
  };
  const components =
    pages > 1
      ? [
          actionRow(
            button({ customId: customId('roadmap', 'page', progress.track.id, shown - 1), label: 'Previous', style: ButtonStyle.Secondary, disabled: shown === 0 }),
            button({ customId: customId('roadmap', 'page', progress.track.id, shown + 1), label: 'Next', style: ButtonStyle.Secondary, disabled: shown >= pages - 1 }),
          ),
        ]
      : [];
  return { embeds: [embed], components };
}

export function resourceLines(content: Content, ids: readonly string[]): string {
  return ids
    .map((id) => content.resources.get(id))
    .filter((r) => r !== undefined)
    .map((r) => `• ${hyperlink(r.title, r.url)} · ${r.kind} · ${r.level} · ${r.free ? 'free' : 'paid'}`)
    .join('\n');
}

export function stepView(content: Content, progress: TrackProgress, step: Step, index: number, notice?: string) {
  const fields: APIEmbedField[] = [
    { name: 'Why it matters', value: clip(step.why, 1024) },
    { name: 'Checklist', value: clip(step.checklist.map((item) => `☐ ${item}`).join('\n'), 1024) },
    { name: 'Estimated time', value: `about ${step.hours} hours`, inline: true },
    { name: 'Your progress', value: `${progressBar(progress.done, progress.total)} (${progress.done}/${progress.total})`, inline: true },
  ];
  const resources = resourceLines(content, step.resources);
  if (resources) fields.push({ name: 'Resources', value: clip(resources, 1024) });
  const embed: APIEmbed = {
    color: colors.brand,
    author: { name: `${progress.track.title} · step ${index + 1} of ${progress.total}` },
    title: step.title,
    description: clip(`${step.summary}\n\n${step.learn}`, 4096),
    fields,
    footer: { text: 'Finished? Press Mark done, or use /done later.' },
  };
  const row = actionRow(
    button({ customId: customId('next', 'done', step.id), label: 'Mark done', style: ButtonStyle.Success, emoji: '✅' }),
    button({ customId: customId('roadmap', 'open', progress.track.id, Math.floor(index / ROADMAP_PAGE_SIZE)), label: 'Roadmap', style: ButtonStyle.Secondary }),
  );
  return { content: notice ?? '', embeds: [embed], components: [row] };
}

export function trackCompleteView(progress: TrackProgress, notice?: string) {
  const embed: APIEmbed = {
    color: colors.success,
    title: `You finished every step of ${progress.track.title} 🎉`,
    description: [
      `${progressBar(progress.done, progress.total)} · ${progress.total}/${progress.total} steps done.`,
      '',
      'What next:',
      '• Join this week’s Kaggle challenge with `/challenge` and try a competition outside your comfort zone.',
      '• Answer the daily prompt and help newer members: explaining is the best test of understanding.',
      '• Pick one step to go deeper on and build a project that shows it off in your portfolio.',
    ].join('\n'),
  };
  return { content: notice ?? '', embeds: [embed], components: [] };
}

/** The card for a member's next unfinished step, or the "all done" card. */
export function nextStepView(content: Content, progress: TrackProgress, notice?: string) {
  if (!progress.current) return trackCompleteView(progress, notice);
  return stepView(content, progress, progress.current.step, progress.current.index, notice);
}
