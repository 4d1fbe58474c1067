import type { SlashCommandSubcommandBuilder } from 'discord.js';
import type { Content } from '../../src/content/loader.js';
import type { Track } from '../../src/content/schema.js';
import { assignChallenges, MAX_PACE, MAX_WEEKS, parseExplicitPlan, selectSteps, weeksAtPace } from '../../src/domain/cohorts.js';
import type { GuildChatInput } from '../../src/discord/command.js';
import { UserError } from '../../src/errors.js';

/** The options that shape a plan, shared by /cohort create and /cohort plan. */
export function withPlanOptions(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .addIntegerOption((o) => o.setName('pace').setDescription('Steps per week (default 1)').setMinValue(1).setMaxValue(MAX_PACE))
    .addStringOption((o) => o.setName('plan').setDescription('An explicit plan instead of a pace: step ids, weeks separated by | (e.g. a, b | c)').setMaxLength(1500))
    .addStringOption((o) => o.setName('branch').setDescription('Follow the core and then this branch of the track').setAutocomplete(true).setMaxLength(64))
    .addStringOption((o) => o.setName('steps').setDescription('Only these steps, in this order (step ids, commas between)').setMaxLength(1500));
}

export interface PlanChoice {
  weeks: string[][];
  challenges: (string | null)[];
}

/**
 * The weeks a moderator's options describe on `track`: an explicit plan, or the selected steps (the
 * track's core, a branch, or a list) at a pace. Undefined when no plan option was given and
 * `fallback` is false (then the plan stays as it is).
 */
export function planFromOptions(interaction: GuildChatInput, content: Content, track: Track, fallback: boolean): PlanChoice | undefined {
  const options = interaction.options;
  const explicit = options.getString('plan');
  const pace = options.getInteger('pace');
  const branch = options.getString('branch');
  const steps = options.getString('steps');
  if (explicit !== null && (pace !== null || branch !== null || steps !== null))
    throw new UserError('Give either an explicit `plan`, or `pace` (with `branch` or `steps` if you like), not both.');
  if (!fallback && explicit === null && pace === null && branch === null && steps === null) return undefined;
  const inTrack = new Set([...track.steps, ...track.branches.flatMap((b) => b.steps)].map((s) => s.id));
  let weeks: string[][];
  if (explicit !== null) {
    const parsed = parseExplicitPlan(explicit, (id) => inTrack.has(id));
    if (typeof parsed === 'string') throw new UserError(`${parsed} Step ids are listed in \`/roadmap\` and offered by \`/done\`’s autocomplete.`);
    weeks = parsed;
  } else {
    const selected = selectSteps(track, {
      branchId: branch?.trim() || null,
      stepIds: steps
        ?.split(/[\s,|]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    });
    if (typeof selected === 'string') throw new UserError(selected);
    if (selected.length === 0) throw new UserError('That leaves no steps to plan.');
    weeks = weeksAtPace(selected, pace ?? 1);
  }
  if (weeks.length > MAX_WEEKS)
    throw new UserError(`That makes ${weeks.length} weeks; a cohort lasts at most ${MAX_WEEKS}. Raise the \`pace\` or pick fewer \`steps\`.`);
  const challenges = assignChallenges(weeks, content.challenges).map((c) => c ?? null);
  return { weeks, challenges };
}
