import { ActionRowBuilder, ButtonBuilder, ButtonStyle, EmbedBuilder, hyperlink } from 'discord.js';
import type { Content } from '../../content/loader.js';
import type { Step } from '../../content/schema.js';
import { paginate, progressBar, type StepStatus, type TrackProgress } from '../../domain/progress.js';
import { customId } from '../command.js';
import { clip, colors } from './theme.js';

export const ROADMAP_PAGE_SIZE = 8;

const statusIcon: Record<StepStatus, string> = { done: '✅', current: '👉', todo: '⬜' };
const statusWord: Record<StepStatus, string> = { done: 'done', current: 'current', todo: 'not started' };

export function roadmapView(progress: TrackProgress, page: number) {
  const { items, page: shown, pages } = paginate(progress.steps, ROADMAP_PAGE_SIZE, page);
  const lines = items.map(
    ({ step, index, status }) => `${statusIcon[status]} **${index + 1}. ${step.title}** · ${step.hours} h · ${statusWord[status]}\n${step.summary}`,
  );
  const embed = new EmbedBuilder()
    .setColor(colors.brand)
    .setTitle(`Roadmap: ${progress.track.title}`)
    .setDescription(clip(`${progress.track.summary}\n\n${progressBar(progress.done, progress.total)} · ${progress.done}/${progress.total} steps done\n\n${lines.join('\n\n')}`, 4096))
    .setFooter({ text: `Page ${shown + 1} of ${pages} · /next shows your next step` });
  const components =
    pages > 1
      ? [
          new ActionRowBuilder<ButtonBuilder>().addComponents(
            new ButtonBuilder()
              .setCustomId(customId('roadmap', 'page', progress.track.id, shown - 1))
              .setLabel('Previous')
              .setStyle(ButtonStyle.Secondary)
              .setDisabled(shown === 0),
            new ButtonBuilder()
              .setCustomId(customId('roadmap', 'page', progress.track.id, shown + 1))
              .setLabel('Next')
              .setStyle(ButtonStyle.Secondary)
              .setDisabled(shown >= pages - 1),
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
  const embed = new EmbedBuilder()
    .setColor(colors.brand)
    .setAuthor({ name: `${progress.track.title} · step ${index + 1} of ${progress.total}` })
    .setTitle(step.title)
    .setDescription(clip(`${step.summary}\n\n${step.learn}`, 4096))
    .addFields(
      { name: 'Why it matters', value: clip(step.why, 1024) },
      { name: 'Checklist', value: clip(step.checklist.map((item) => `☐ ${item}`).join('\n'), 1024) },
      { name: 'Estimated time', value: `about ${step.hours} hours`, inline: true },
      { name: 'Your progress', value: `${progressBar(progress.done, progress.total)} (${progress.done}/${progress.total})`, inline: true },
    )
    .setFooter({ text: 'Finished? Press Mark done, or use /done later.' });
  const resources = resourceLines(content, step.resources);
  if (resources) embed.addFields({ name: 'Resources', value: clip(resources, 1024) });
  const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(customId('next', 'done', step.id)).setLabel('Mark done').setStyle(ButtonStyle.Success).setEmoji('✅'),
    new ButtonBuilder().setCustomId(customId('roadmap', 'open', progress.track.id, Math.floor(index / ROADMAP_PAGE_SIZE))).setLabel('Roadmap').setStyle(ButtonStyle.Secondary),
  );
  return { content: notice ?? '', embeds: [embed], components: [row] };
}

export function trackCompleteView(progress: TrackProgress, notice?: string) {
  const embed = new EmbedBuilder()
    .setColor(colors.success)
    .setTitle(`You finished every step of ${progress.track.title} 🎉`)
    .setDescription(
      [
        `${progressBar(progress.done, progress.total)} · ${progress.total}/${progress.total} steps done.`,
        '',
        'What next:',
        '• Join this week’s Kaggle challenge with `/challenge` and try a competition outside your comfort zone.',
        '• Answer the daily prompt and help newer members: explaining is the best test of understanding.',
        '• Pick one step to go deeper on and build a project that shows it off in your portfolio.',
      ].join('\n'),
    );
  return { content: notice ?? '', embeds: [embed], components: [] };
}

/** The card for a member's next unfinished step, or the "all done" card. */
export function nextStepView(content: Content, progress: TrackProgress, notice?: string) {
  if (!progress.current) return trackCompleteView(progress, notice);
  return stepView(content, progress, progress.current.step, progress.current.index, notice);
}
