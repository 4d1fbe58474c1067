import { ButtonStyle, hyperlink, type APIEmbed, type APIEmbedField } from 'discord.js';
import type { Content } from '../../content/loader.js';
import type { Branch } from '../../content/schema.js';
import { paginate, progressBar, type BranchProgress, type StepState, type StepStatus, type TrackProgress } from '../../domain/progress.js';
import { customId } from '../command.js';
import { actionRow, button } from './parts.js';
import { clip, colors } from './theme.js';

export const ROADMAP_PAGE_SIZE = 8;
/** Branches shown as fields of the roadmap (Discord allows 25 fields; a track has a handful). */
const BRANCH_FIELDS = 10;
const EMBED_TEXT_MAX = 6000;

const statusIcon: Record<StepStatus, string> = { done: '✅', current: '👉', todo: '⬜', locked: '🔒' };
const statusWord: Record<StepStatus, string> = { done: 'done', current: 'current', todo: 'not started', locked: 'waits' };

/** Every step of the member's path: the core, then their chosen branch. */
function pathOf(progress: TrackProgress): StepState[] {
  return [...progress.steps, ...(progress.branch?.steps ?? [])];
}

/** `3` for a core step, `NLP 2` for a branch step: its number in its path. */
export function stepNumber(state: { index: number; branch?: Branch | undefined }): string {
  return state.branch ? `${state.branch.title} ${state.index + 1}` : String(state.index + 1);
}

/** What a done/total count counts: "required steps" when the list has optional ones (they count in neither), else "steps". */
function stepsWord(steps: readonly StepState[]): string {
  return steps.some((s) => s.step.optional) ? 'required steps' : 'steps';
}

/** A step's place in its list ("step 3 of 20"), and when some are optional, how many of them are required. */
function placeIn(index: number, steps: readonly { optional?: boolean }[]): string {
  const optional = steps.filter((s) => s.optional).length;
  return `step ${index + 1} of ${steps.length}${optional > 0 ? ` (${steps.length - optional} required, ${optional} optional)` : ''}`;
}

function titleOf(progress: TrackProgress, id: string): string {
  const all = [...progress.steps, ...progress.branches.flatMap((b) => b.steps)];
  return all.find((s) => s.step.id === id)?.step.title ?? id;
}

/** The core's completion, and the chosen branch's (or how to choose one). */
function standing(progress: TrackProgress): string {
  const lines = [`**Core** ${progressBar(progress.done, progress.total)} · ${progress.done}/${progress.total} ${stepsWord(progress.steps)} done`];
  if (progress.branch) {
    const b = progress.branch;
    lines.push(`**Your branch: ${b.branch.title}** ${progressBar(b.done, b.total)} · ${b.done}/${b.total} ${stepsWord(b.steps)} done`);
  } else if (progress.branches.length > 0) {
    lines.push('No branch chosen yet: after the core, pick a specialisation with `/roadmap choose`.');
  }
  return lines.join('\n');
}

function branchField(progress: TrackProgress, b: BranchProgress): APIEmbedField {
  const chosen = progress.branch?.branch.id === b.branch.id;
  return {
    name: clip(`${chosen ? '👉' : '🌿'} ${b.branch.title}${chosen ? ' (your branch)' : ''}`, 256),
    value: clip(`${b.branch.summary}\nAfter **${titleOf(progress, b.branch.after)}** · ${progressBar(b.done, b.total)} · ${b.done}/${b.total} steps`, 1024),
  };
}

/** Keeps an embed within Discord's 6000 characters of text by shortening its description. */
function fitted(embed: APIEmbed): APIEmbed {
  const size = (e: APIEmbed) =>
    (e.title?.length ?? 0) +
    (e.description?.length ?? 0) +
    (e.footer?.text.length ?? 0) +
    (e.author?.name.length ?? 0) +
    (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
  const over = size(embed) - EMBED_TEXT_MAX;
  if (over <= 0 || !embed.description) return embed;
  return { ...embed, description: clip(embed.description, Math.max(1, embed.description.length - over)) };
}

/**
 * /roadmap show: where the member stands (core and branch), the steps of their path (the core, then
 * their branch), paged, and every branch with its progress.
 */
export function roadmapView(progress: TrackProgress, page: number) {
  const { items, page: shown, pages } = paginate(pathOf(progress), ROADMAP_PAGE_SIZE, page);
  const lines: string[] = [];
  items.forEach((state, i) => {
    const { step, status, branch } = state;
    if (branch && (i === 0 || !items[i - 1]!.branch)) lines.push(`__Your branch: ${branch.title}__`);
    const waits = status === 'locked' ? ` · after ${state.waitingFor.map((id) => titleOf(progress, id)).join(', ')}` : '';
    lines.push(`${statusIcon[status]} **${stepNumber(state)}. ${step.title}**${step.optional ? ' · optional' : ''} · ${step.hours} h · ${statusWord[status]}${waits}\n${step.summary}`);
  });
  const fields = progress.branches.slice(0, BRANCH_FIELDS).map((b) => branchField(progress, b));
  const embed: APIEmbed = fitted({
    color: colors.brand,
    title: `Roadmap: ${progress.track.title}`,
    description: clip(`${progress.track.summary}\n\n${standing(progress)}\n\n${lines.join('\n\n')}`, 4096),
    ...(fields.length > 0 ? { fields } : {}),
    footer: { text: `Page ${shown + 1} of ${pages} · /next shows your next step${progress.branches.length > 0 ? ' · /roadmap choose picks your branch' : ''}` },
  });
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

export function stepView(content: Content, progress: TrackProgress, state: StepState, notice?: string) {
  const { step, index, branch } = state;
  const fields: APIEmbedField[] = [
    { name: 'Why it matters', value: clip(step.why, 1024) },
    { name: 'Checklist', value: clip(step.checklist.map((item) => `☐ ${item}`).join('\n'), 1024) },
    { name: 'Estimated time', value: `about ${step.hours} hours`, inline: true },
    { name: 'Your progress', value: clip(standing(progress), 1024), inline: true },
  ];
  if (step.prerequisites.length > 0) fields.push({ name: 'Builds on', value: clip(step.prerequisites.map((id) => titleOf(progress, id)).join(', '), 1024) });
  const resources = resourceLines(content, step.resources);
  if (resources) fields.push({ name: 'Resources', value: clip(resources, 1024) });
  const optional = progress.current === state ? progress.optional : [];
  if (optional.length > 0) fields.push(optionalField(optional));
  const where = branch ? `${branch.title} · ${placeIn(index, branch.steps)}` : `core ${placeIn(index, progress.steps.map((s) => s.step))}`;
  const embed: APIEmbed = fitted({
    color: colors.brand,
    author: { name: clip(`${progress.track.title} · ${where}`, 256) },
    title: clip(`${step.title}${step.optional ? ' (optional)' : ''}`, 256),
    description: clip(`${step.summary}\n\n${step.learn}`, 4096),
    fields,
    footer: { text: 'Finished? Press Mark done, or use /done later.' },
  });
  const page = Math.max(0, pathOf(progress).indexOf(state));
  const row = actionRow(
    button({ customId: customId('next', 'done', step.id), label: 'Mark done', style: ButtonStyle.Success, emoji: '✅' }),
    button({ customId: customId('roadmap', 'open', progress.track.id, Math.floor(page / ROADMAP_PAGE_SIZE)), label: 'Roadmap', style: ButtonStyle.Secondary }),
  );
  return { content: notice ?? '', embeds: [embed], components: [row] };
}

/** Optional steps open on the way: they never hold anything up. */
function optionalField(optional: readonly StepState[]): APIEmbedField {
  const lines = optional.slice(0, 5).map((s) => `• **${s.step.title}** (${s.step.hours} h)`);
  if (optional.length > 5) lines.push(`…and ${optional.length - 5} more on /roadmap show`);
  return { name: 'Optional, if you like', value: clip(`${lines.join('\n')}\nNot needed to go on; \`/done\` one when you have done it.`, 1024) };
}

/** Buttons that choose a branch of the track (one per branch, at most 10; the command works for any). */
function chooseButtons(progress: TrackProgress) {
  const buttons = progress.branches
    .filter((b) => b.branch.id !== progress.branch?.branch.id)
    .map((b) => ({ b, id: `roadmap:choose:${progress.track.id}:${b.branch.id}` }))
    .filter(({ id }) => id.length <= 100)
    .slice(0, 10)
    .map(({ b }) => button({ customId: customId('roadmap', 'choose', progress.track.id, b.branch.id), label: clip(b.branch.title, 80), style: ButtonStyle.Primary }));
  const rows = [];
  for (let i = 0; i < buttons.length; i += 5) rows.push(actionRow(...buttons.slice(i, i + 5)));
  return rows;
}

/** The core is finished and no branch is chosen: the branches to choose from. */
export function chooseBranchView(progress: TrackProgress, notice?: string) {
  const fields = progress.branches.slice(0, BRANCH_FIELDS).map((b) => branchField(progress, b));
  if (progress.optional.length > 0) fields.push(optionalField(progress.optional));
  const embed: APIEmbed = fitted({
    color: colors.success,
    title: clip(`You finished the core of ${progress.track.title} 🎉`, 256),
    description: [
      `${progressBar(progress.done, progress.total)} · ${progress.done}/${progress.total} core steps done.`,
      '',
      'Now choose a specialisation: press one below or use `/roadmap choose branch:`. `/next` then follows it. You can change it any time; steps you finished stay done.',
    ].join('\n'),
    fields,
  });
  return { content: notice ?? '', embeds: [embed], components: chooseButtons(progress) };
}

/** Required steps remain but each waits for a step outside the member's path. */
export function blockedView(progress: TrackProgress, notice?: string) {
  const lines = progress.remaining
    .slice(0, 8)
    .map((s) => `🔒 **${stepNumber(s)}. ${s.step.title}** waits for ${s.waitingFor.map((id) => `**${titleOf(progress, id)}**`).join(', ')}`);
  const fields = progress.optional.length > 0 ? [optionalField(progress.optional)] : [];
  const embed: APIEmbed = fitted({
    color: colors.warning,
    title: 'Your next steps wait for steps outside your path',
    description: clip(
      `${standing(progress)}\n\n${lines.join('\n')}\n\nChoose the branch those steps are in with \`/roadmap choose\`, or mark them with \`/done\` if you already know them.`,
      4096,
    ),
    fields,
  });
  return { content: notice ?? '', embeds: [embed], components: chooseButtons(progress) };
}

export function trackCompleteView(progress: TrackProgress, notice?: string) {
  const branch = progress.branch;
  const others = progress.branches.length - (branch ? 1 : 0);
  const embed: APIEmbed = {
    color: colors.success,
    title: clip(branch ? `You finished the core and the ${branch.branch.title} branch of ${progress.track.title} 🎉` : `You finished every step of ${progress.track.title} 🎉`, 256),
    description: [
      standing(progress),
      '',
      'What next:',
      ...(others > 0 ? [`• Take another branch (${others} more) with \`/roadmap choose\`: what you finished stays done.`] : []),
      '• Join this week’s Kaggle challenge with `/challenge` and try a competition outside your comfort zone.',
      '• Answer the daily prompt and help newer members: explaining is the best test of understanding.',
      '• Pick one step to go deeper on and build a project that shows it off in your portfolio.',
    ].join('\n'),
    ...(progress.optional.length > 0 ? { fields: [optionalField(progress.optional)] } : {}),
  };
  return { content: notice ?? '', embeds: [embed], components: [] };
}

/** What /next shows: the member's next step, or what to do when there is none. */
export function nextStepView(content: Content, progress: TrackProgress, notice?: string) {
  if (progress.current) return stepView(content, progress, progress.current, notice);
  if (progress.state === 'choose') return chooseBranchView(progress, notice);
  if (progress.state === 'blocked') return blockedView(progress, notice);
  return trackCompleteView(progress, notice);
}

/** /progress's text for a track: the core's completion, and the chosen branch's when the track has branches. */
export function trackSummary(progress: TrackProgress): string {
  const bar = `${progressBar(progress.done, progress.total)} · ${progress.done}/${progress.total} steps`;
  if (progress.branches.length === 0) return bar;
  const b = progress.branch;
  return `Core ${bar}\n${b ? `${b.branch.title}: ${progressBar(b.done, b.total)} · ${b.done}/${b.total} steps` : 'No branch chosen yet (`/roadmap choose`)'}`;
}
