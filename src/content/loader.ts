import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import {
  branchSchema,
  challengeSchema,
  hideSchema,
  promptSchema,
  resourceSchema,
  stepSchema,
  trackSchema,
  useStepSchema,
  type Branch,
  type Challenge,
  type Prompt,
  type Resource,
  type Step,
  type Track,
  type UseStep,
} from './schema.js';

export interface StepEntry {
  step: Step;
  track: Track;
  /** The branch the step belongs to; undefined for a core step. */
  branch?: Branch;
  /** 0-based position in its path (the track's core, or its branch). */
  index: number;
}

/** Validated content, with the indexes every feature needs. Plain data: build once, read everywhere. */
export interface Content {
  tracks: Track[];
  tracksById: Map<string, Track>;
  steps: Map<string, StepEntry>;
  /** Former step ids (`replaces:`) → current step id. */
  aliases: Map<string, string>;
  resources: Map<string, Resource>;
  prompts: Prompt[];
  challenges: Challenge[];
  challengesById: Map<string, Challenge>;
}

export interface ContentProblem {
  file: string;
  field: string;
  message: string;
  /** 1-based position in the file, when known. */
  line?: number;
  column?: number;
}

/** `file:line:column: field: message` (the position when known; no field for a YAML syntax error). */
export function formatProblem(problem: ContentProblem): string {
  const where = problem.line ? `${problem.file}:${problem.line}:${problem.column ?? 1}` : problem.file;
  if (!problem.field && problem.line) return `${where}: ${problem.message}`;
  return `${where}: ${problem.field || '(file)'}: ${problem.message}`;
}

/** Every step of a track: the core in order, then each branch's steps in order. */
export function allSteps(track: Track): Step[] {
  return [...track.steps, ...track.branches.flatMap((b) => b.steps)];
}

/** Finds a step by its id or a former id. */
export function findStep(content: Content, id: string): StepEntry | undefined {
  return content.steps.get(id) ?? content.steps.get(content.aliases.get(id) ?? '');
}

export const FOLDERS = ['tracks', 'resources', 'prompts', 'challenges'] as const;
export type Folder = (typeof FOLDERS)[number];
const SINGULAR = { tracks: 'track', resources: 'resource', prompts: 'prompt', challenges: 'challenge' } as const;

/** The entries of one layer (the built-in files, or a server's), each with where it is written. */
interface Lists {
  tracks: Located<Track>[];
  resources: Located<Resource>[];
  prompts: Located<Prompt>[];
  challenges: Located<Challenge>[];
}

interface Layer extends Lists {
  /** `hide:` lists of a server's files. */
  hides: Hide[];
  sites: WeakMap<object, Site>;
  uses: WeakMap<Track, Use[]>;
  skipped: Skipped;
  /** A server's files: they may hide built-in entries. */
  server: boolean;
}

interface Hide {
  kind: Folder;
  ids: string[];
  source: Source;
  path: Path;
}

type Path = readonly (string | number)[];

/** One content file: its name and where each node of it starts. */
interface Source {
  file: string;
  /** Line and column (1-based) of the node at `path`, or of its closest ancestor that exists. */
  at(path: Path): { line: number; column: number } | undefined;
}

interface Located<T> {
  value: T;
  source: Source;
  /** Where the entry is in its file: a label for messages and a path for positions. */
  field: string;
  path: Path;
}

/** A `- use: <step>` entry of a track's core: where it stands among the track's own steps, and where it is written. */
interface Use {
  entry: UseStep;
  /** How many of the track's own core steps come before it. */
  position: number;
  source: Source;
  path: Path;
}

/** Where a step or branch object came from (kept beside the parsed object, which has no position). */
interface Site {
  source: Source;
  path: Path;
}

/**
 * Ids of entries that were rejected with a problem of their own (bad field, broken YAML). References
 * to them are not reported again as unknown: one mistake, one message.
 */
interface Skipped {
  steps: Set<string>;
  resources: Set<string>;
}

function problemAt(source: Source, path: Path, field: string, message: string): ContentProblem {
  return { file: source.file, field, message, ...source.at(path) };
}

/** `['steps', 0, 'resources', 1]` → `steps[0].resources[1]`. */
function pathField(path: Path): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
}

/** One content file as text: its folder, the name messages give it, and its YAML. */
export interface ContentFile {
  folder: Folder;
  /** How messages name it, e.g. `prompts/core-ml.yaml`. */
  file: string;
  text: string;
}

/** A content file parsed once (the built-in files are parsed at start-up, then reused for each server). */
export interface ParsedFile {
  folder: Folder;
  file: string;
  text: string;
  source: Source;
  /** The YAML as data, or undefined when it does not parse. */
  data: unknown;
  partial: unknown;
  /** YAML syntax errors. */
  problems: ContentProblem[];
}

export interface LoadResult {
  content: Content;
  problems: ContentProblem[];
  warnings: ContentProblem[];
  /** Where an entry (or one of its fields) is written: its file and position, for a message about it. */
  locate: (kind: EntryKind, id: string, field?: string) => Omit<ContentProblem, 'message'> | undefined;
}

/**
 * Loads every YAML file under `dir`. Each entry is validated on its own, so one typo drops
 * one entry (reported) and the rest still serves. Never throws for bad content; it throws
 * only when the folder itself cannot be read.
 */
export async function loadContent(dir: string): Promise<LoadResult> {
  return buildContent(await readContentFiles(dir));
}

/** The YAML files under `dir`, by folder then name; `prefix` goes before each file name in messages. */
export async function readContentFiles(dir: string, prefix = ''): Promise<ContentFile[]> {
  const files: ContentFile[] = [];
  for (const folder of FOLDERS) {
    for (const path of await yamlFiles(join(dir, folder))) {
      files.push({ folder, file: `${prefix}${relative(dir, path).split(sep).join('/')}`, text: await readFile(path, 'utf8') });
    }
  }
  return files;
}

/** Parses a file; build with the result as often as needed (building never changes it). */
export function parseContentFile(file: ContentFile | ParsedFile): ParsedFile {
  if ('source' in file) return file;
  const problems: ContentProblem[] = [];
  const { source, data, partial } = parseYaml(file.text, file.file, problems);
  return { folder: file.folder, file: file.file, text: file.text, source, data, partial, problems };
}

/**
 * Validates content given as text: the built-in files, and a server's own files layered over them
 * (docs/server-content.md). A server file adds entries, overrides a built-in entry of its kind by
 * id, or hides built-in entries (`hide: [ids]`, an item of a list file or the whole of a track
 * file); references to what a server hid or dropped are dropped without a message. The rules are
 * those of `content:check` for every file.
 */
export function buildContent(builtin: readonly (ContentFile | ParsedFile)[], server: readonly (ContentFile | ParsedFile)[] = []): LoadResult {
  const problems: ContentProblem[] = [];
  const sites = new WeakMap<object, Site>();
  const uses = new WeakMap<Track, Use[]>();
  const skipped: Skipped = { steps: new Set(), resources: new Set() };
  /** Core steps whose entry has no `prerequisites:` key at all (an explicit `[]` counts as named). */
  const unnamedPrerequisites = new Set<string>();
  const layers = [builtin, server].map((files, n) => {
    const into: Layer = { tracks: [], resources: [], prompts: [], challenges: [], hides: [], sites, uses, skipped, server: n === 1 };
    for (const raw of files) {
      const parsed = parseContentFile(raw);
      problems.push(...parsed.problems);
      const { folder, source, text } = parsed;
      if (parsed.data === undefined) {
        skipIdsOf(folder, parsed.partial, text, skipped);
        continue;
      }
      // Validation builds new objects, but a parsed file is shared between builds: never hand it out.
      const data = structuredClone(parsed.data);
      collect(folder, data, source, problems, into);
      if (folder === 'tracks' && isRecord(data) && Array.isArray(data.steps)) {
        for (const item of data.steps) if (isRecord(item) && typeof item.id === 'string' && !('prerequisites' in item)) unnamedPrerequisites.add(item.id);
      }
    }
    unique(into.tracks, 'track', problems);
    unique(into.resources, 'resource', problems);
    unique(into.prompts, 'prompt', problems);
    unique(into.challenges, 'challenge', problems);
    return into;
  });
  const { tracks, resources, prompts, challenges } = layerOver(layers[0]!, layers[1]!, skipped, problems);


  const tracksById = new Map(tracks.map((t) => [t.value.id, t.value]));
  const steps = registerSteps(tracks, sites, skipped, problems);

  const aliases = new Map<string, string>();
  for (const [id, { step }] of steps) {
    const site = sites.get(step)!;
    step.replaces.forEach((old, i) => {
      const path = [...site.path, 'replaces', i];
      const report = (message: string) => problems.push(problemAt(site.source, path, pathField(path), message));
      if (steps.has(old)) report(`"${old}" is still a current step id`);
      else if (aliases.has(old)) report(`"${old}" is already replaced by "${aliases.get(old)}"`);
      else aliases.set(old, id);
    });
  }

  const resourcesById = new Map(resources.map((r) => [r.value.id, r.value]));
  // References may name a renamed step by its former id: they follow it to the current one.
  const currentStepId = (id: string) => (steps.has(id) ? id : aliases.get(id) ?? id);
  for (const { value: track } of tracks) resolveUses(track, uses.get(track) ?? [], steps, currentStepId, sites, skipped, problems);
  for (const { value } of resources) value.steps = value.steps.map(currentStepId);
  for (const { value } of prompts) value.step = currentStepId(value.step);
  for (const { value } of challenges) value.steps = value.steps.map(currentStepId);
  const stepExists = (id: string) => steps.has(id);
  const unknown = (kind: 'step' | 'resource', id: string, source: Source, path: Path, field: string) => {
    if ((kind === 'step' ? skipped.steps : skipped.resources).has(id)) return;
    problems.push(problemAt(source, path, field, `unknown ${kind} "${id}"`));
  };

  for (const { value: track } of tracks) checkPaths(track, steps, currentStepId, sites, skipped, problems);

  for (const { step } of steps.values()) {
    const { source, path } = sites.get(step)!;
    step.resources.forEach((id, i) => {
      if (!resourcesById.has(id)) unknown('resource', id, source, [...path, 'resources', i], pathField([...path, 'resources', i]));
    });
  }
  for (const { value, source, field, path } of resources) {
    value.steps.forEach((id, i) => {
      if (!stepExists(id)) unknown('step', id, source, [...path, 'steps', i], `${field}.steps[${i}]`);
    });
  }
  for (const { value, source, field, path } of prompts) {
    if (!stepExists(value.step)) unknown('step', value.step, source, [...path, 'step'], `${field}.step`);
    value.resources.forEach((id, i) => {
      if (!resourcesById.has(id)) unknown('resource', id, source, [...path, 'resources', i], `${field}.resources[${i}]`);
    });
  }
  for (const { value, source, field, path } of challenges) {
    value.steps.forEach((id, i) => {
      if (!stepExists(id)) unknown('step', id, source, [...path, 'steps', i], `${field}.steps[${i}]`);
    });
  }

  // Serve what can be served: broken references are dropped, the entries themselves stay.
  for (const { step } of steps.values()) step.resources = step.resources.filter((id) => resourcesById.has(id));
  for (const { value } of resources) value.steps = value.steps.filter(stepExists);
  for (const { value } of prompts) value.resources = value.resources.filter((id) => resourcesById.has(id));
  for (const { value } of challenges) value.steps = value.steps.filter(stepExists);

  const content: Content = {
    // By `order:`, then file name (the order they were read in: sort is stable).
    tracks: [...tracksById.values()].sort((a, b) => (a.order ?? 100) - (b.order ?? 100)),
    tracksById,
    steps,
    aliases,
    resources: resourcesById,
    prompts: prompts.map((p) => p.value).filter((p) => stepExists(p.step)),
    challenges: challenges.map((c) => c.value),
    challengesById: new Map(challenges.map((c) => [c.value.id, c.value])),
  };
  const warnings = houseRules(content, { resources, prompts }, sites, unnamedPrerequisites);
  // In file order, then by position, so that an editor can walk them from the top.
  const byPlace = (a: ContentProblem, b: ContentProblem) =>
    a.file === b.file ? (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0) : a.file < b.file ? -1 : 1;
  problems.sort(byPlace);
  warnings.sort(byPlace);
  const located = new Map<string, { source: Source; path: Path }>();
  for (const { value, source, path } of tracks) located.set(`track:${value.id}`, { source, path });
  for (const { value, source, path } of resources) located.set(`resource:${value.id}`, { source, path });
  for (const { value, source, path } of prompts) located.set(`prompt:${value.id}`, { source, path });
  for (const { value, source, path } of challenges) located.set(`challenge:${value.id}`, { source, path });
  const locate = (kind: EntryKind, id: string, field?: string): Omit<ContentProblem, 'message'> | undefined => {
    const step = kind === 'step' ? steps.get(id)?.step : undefined;
    const site = step ? sites.get(step) : located.get(`${kind}:${id}`);
    if (!site) return undefined;
    const path = field ? [...site.path, field] : site.path;
    return { file: site.source.file, field: `${kind} ${id}${field ? `.${field}` : ''}`, ...site.source.at(path) };
  };
  return { content, problems, warnings, locate };
}

export type EntryKind = 'track' | 'step' | 'resource' | 'prompt' | 'challenge';

/** The least a step should offer a study group: prompts to discuss and resources to learn from. */
export const MIN_PROMPTS_PER_STEP = 4;
export const MIN_RESOURCES_PER_STEP = 4;

/**
 * The house rules for shipped content (content/README.md). Breaking one does not stop an entry from
 * being served, so they are warnings: `content:check` prints them and still exits 0.
 * - a core step other than the first names its prerequisites (`prerequisites: []` when truly none);
 * - every step has at least 4 prompts and 4 resources (its own list and the resources naming it);
 * - every resource is in some step's `resources:`; every prompt names a resource and a topic some
 *   resource has; every branch has a challenge.
 */
function houseRules(
  content: Content,
  located: { resources: Located<Resource>[]; prompts: Located<Prompt>[] },
  sites: WeakMap<object, Site>,
  unnamedPrerequisites: Set<string>,
): ContentProblem[] {
  const warnings: ContentProblem[] = [];
  const atStep = (step: Step, field: string, message: string) => {
    const site = sites.get(step);
    if (site) warnings.push(problemAt(site.source, [...site.path, field], `${pathField(site.path)}(${step.id})`, message));
  };
  const promptsOf = new Map<string, number>();
  for (const p of content.prompts) promptsOf.set(p.step, (promptsOf.get(p.step) ?? 0) + 1);
  const resourcesOf = new Map<string, Set<string>>();
  const listed = new Set<string>();
  for (const { step } of content.steps.values()) {
    resourcesOf.set(step.id, new Set(step.resources));
    for (const id of step.resources) listed.add(id);
  }
  for (const r of content.resources.values()) for (const id of r.steps) resourcesOf.get(id)?.add(r.id);
  const topics = new Set([...content.resources.values()].flatMap((r) => r.topics));

  // A step reused in another track (`use:`) is checked once, where it is written in full.
  const own = (step: Step) => content.steps.get(step.id)?.step === step;
  for (const track of content.tracks) {
    track.steps.forEach((step, i) => {
      if (i > 0 && own(step) && unnamedPrerequisites.has(step.id)) {
        atStep(step, 'id', 'names no prerequisites: list the steps it needs, or write "prerequisites: []" if it needs none (only the first core step goes without)');
      }
    });
    for (const step of allSteps(track).filter(own)) {
      const prompts = promptsOf.get(step.id) ?? 0;
      const resources = resourcesOf.get(step.id)?.size ?? 0;
      if (prompts < MIN_PROMPTS_PER_STEP) atStep(step, 'id', `has ${prompts} prompt(s); a step needs at least ${MIN_PROMPTS_PER_STEP}`);
      if (resources < MIN_RESOURCES_PER_STEP) atStep(step, 'resources', `has ${resources} resource(s) counting those that name it; a step needs at least ${MIN_RESOURCES_PER_STEP}`);
    }
    for (const branch of track.branches) {
      const ids = new Set(branch.steps.map((s) => s.id));
      if (!content.challenges.some((c) => c.steps.some((id) => ids.has(id)))) {
        const site = sites.get(branch);
        if (site) warnings.push(problemAt(site.source, [...site.path, 'id'], `${pathField(site.path)}(${branch.id})`, 'no challenge names a step of this branch'));
      }
    }
  }
  for (const { value, source, field, path } of located.resources) {
    if (!listed.has(value.id)) warnings.push(problemAt(source, [...path, 'id'], `${field}.id`, "is in no step's resources: list (add it to a step, or remove it)"));
  }
  for (const { value, source, field, path } of located.prompts) {
    if (!content.steps.has(value.step)) continue;
    if (value.resources.length === 0) warnings.push(problemAt(source, [...path, 'resources'], `${field}.resources`, 'names no resource; give 1 to 3 that help answer it'));
    if (!topics.has(value.topic)) warnings.push(problemAt(source, [...path, 'topic'], `${field}.topic`, `no resource has the topic "${value.topic}", so /resources cannot find material for it`));
  }
  return warnings;
}

/**
 * Indexes every step (core, then each branch) by id. Step ids are unique across all tracks, core and
 * branches alike, and branch ids within their track: a duplicate is reported and dropped.
 */
function registerSteps(tracks: Located<Track>[], sites: WeakMap<object, Site>, skipped: Skipped, problems: ContentProblem[]): Map<string, StepEntry> {
  const steps = new Map<string, StepEntry>();
  const firstIn = new Map<string, string>();
  const keepNew = (list: Step[]) =>
    list.filter((step) => {
      const { source, path } = sites.get(step)!;
      const first = firstIn.get(step.id);
      if (first === undefined) {
        firstIn.set(step.id, `${source.file} ${pathField(path)}`);
        return true;
      }
      problems.push(problemAt(source, [...path, 'id'], pathField([...path, 'id']), `duplicate step id "${step.id}" (first in ${first})`));
      return false;
    });
  for (const { value: track } of tracks) {
    track.steps = keepNew(track.steps);
    const branchIds = new Map<string, string>();
    track.branches = track.branches.filter((branch) => {
      const { source, path } = sites.get(branch)!;
      const first = branchIds.get(branch.id);
      if (first !== undefined) {
        problems.push(problemAt(source, [...path, 'id'], pathField([...path, 'id']), `duplicate branch id "${branch.id}" (first is ${first})`));
        for (const step of branch.steps) skipped.steps.add(step.id);
        return false;
      }
      branchIds.set(branch.id, pathField(path));
      branch.steps = keepNew(branch.steps);
      return branch.steps.length > 0;
    });
    track.steps.forEach((step, index) => steps.set(step.id, { step, track, index }));
    for (const branch of track.branches) branch.steps.forEach((step, index) => steps.set(step.id, { step, track, branch, index }));
  }
  return steps;
}

/**
 * Puts each `use:` entry of a track's core in place: a copy of the step from its own track (same id,
 * same texts and resources; so progress on it counts in both), with this track's prerequisites when
 * the entry gives them. Reports a step that does not exist or already is in this track.
 */
function resolveUses(
  track: Track,
  list: readonly Use[],
  steps: Map<string, StepEntry>,
  currentStepId: (id: string) => string,
  sites: WeakMap<object, Site>,
  skipped: Skipped,
  problems: ContentProblem[],
): void {
  if (list.length === 0) return;
  const own = track.steps;
  const merged: Step[] = [];
  const seen = new Set(allSteps(track).map((s) => s.id));
  let next = 0;
  for (const use of list) {
    while (next < use.position && next < own.length) merged.push(own[next++]!);
    const id = currentStepId(use.entry.use);
    const home = steps.get(id);
    const report = (message: string) => problems.push(problemAt(use.source, [...use.path, 'use'], pathField([...use.path, 'use']), message));
    if (!home) {
      if (!skipped.steps.has(use.entry.use)) report(`unknown step "${use.entry.use}"`);
      continue;
    }
    if (seen.has(id)) {
      report(home.track === track ? `"${id}" is already a step of this track` : `"${id}" is used twice in this track`);
      continue;
    }
    if (home.branch) {
      report(`"${id}" is a step of branch "${home.branch.id}" of track "${home.track.id}"; only core steps can be reused`);
      continue;
    }
    const copy: Step = { ...home.step, prerequisites: [...(use.entry.prerequisites ?? home.step.prerequisites)] };
    sites.set(copy, { source: use.source, path: use.path });
    seen.add(id);
    merged.push(copy);
  }
  while (next < own.length) merged.push(own[next++]!);
  track.steps = merged;
}

/**
 * A track's shape: each branch starts after a core step of the same track, prerequisites name steps of
 * the same track, and prerequisites (with each branch's `after`) form no cycle. Whatever breaks a rule is
 * reported and dropped from what is served (a branch with a bad `after` opens after the whole core).
 */
function checkPaths(
  track: Track,
  steps: Map<string, StepEntry>,
  currentStepId: (id: string) => string,
  sites: WeakMap<object, Site>,
  skipped: Skipped,
  problems: ContentProblem[],
): void {
  const core = new Set(track.steps.map((s) => s.id));
  const lastCore = track.steps.at(-1)?.id;
  for (const branch of track.branches) {
    const { source, path } = sites.get(branch)!;
    const id = currentStepId(branch.after);
    if (core.has(id) || !lastCore) {
      branch.after = id;
      continue;
    }
    const entry = steps.get(id);
    if (!skipped.steps.has(branch.after) || entry) {
      const why = !entry
        ? `unknown step "${branch.after}"`
        : entry.track !== track
          ? `"${branch.after}" is a step of track "${entry.track.id}"`
          : `"${branch.after}" is a step of branch "${entry.branch?.id ?? ''}"`;
      problems.push(problemAt(source, [...path, 'after'], pathField([...path, 'after']), `must name a core step of this track: ${why}`));
    }
    branch.after = lastCore;
  }

  // The track's own steps and the steps it reuses (`use:`), as this track sees them.
  const byId = new Map(allSteps(track).map((s) => [s.id, s]));
  for (const step of allSteps(track)) {
    const { source, path } = sites.get(step)!;
    const reused = steps.get(step.id)?.track !== track;
    const kept: string[] = [];
    step.prerequisites.forEach((raw, i) => {
      const id = currentStepId(raw);
      const entry = steps.get(id);
      const report = (message: string) => problems.push(problemAt(source, [...path, 'prerequisites', i], pathField([...path, 'prerequisites', i]), message));
      if (!entry) {
        if (!skipped.steps.has(raw)) report(`unknown prerequisite step "${raw}"`);
      } else if (!byId.has(id)) {
        report(
          reused
            ? `"${raw}" (a prerequisite of "${step.id}" in track "${steps.get(step.id)!.track.id}") is not a step of this track: give "prerequisites:" for this track on the use: entry`
            : `"${raw}" is a step of track "${entry.track.id}"; prerequisites must be in the same track`,
        );
      } else if (!kept.includes(id)) kept.push(id);
    });
    step.prerequisites = kept;
  }

  // A branch step also waits for its branch's `after` step; a cycle through it is a cycle too.
  const branchOf = new Map(track.branches.flatMap((b) => b.steps.map((s) => [s.id, b] as const)));
  const edges = (id: string): Edge[] => {
    const step = byId.get(id)!;
    const branch = branchOf.get(id);
    return [...step.prerequisites.map((to) => ({ from: id, to, implicit: false })), ...(branch ? [{ from: id, to: branch.after, implicit: true }] : [])];
  };
  const ids = allSteps(track).map((s) => s.id);
  for (let cycle = findCycle(ids, edges); cycle; cycle = findCycle(ids, edges)) {
    // Every cycle has a real prerequisite in it (an implicit edge leads to a core step, which has only real ones).
    const closing = cycle.at(-1)!;
    const cut = closing.implicit ? cycle.find((e) => !e.implicit)! : closing;
    const step = byId.get(cut.from)!;
    const { source, path } = sites.get(step)!;
    const at = [...path, 'prerequisites', step.prerequisites.indexOf(cut.to)];
    const names = [cycle[0]!.from, ...cycle.map((e) => e.to)].join(' → ');
    const implicit = cycle.filter((e) => e.implicit).map((e) => `"${e.from}" is in branch "${branchOf.get(e.from)?.id ?? ''}", which starts after "${e.to}"`);
    problems.push(problemAt(source, at, pathField(at), `prerequisites form a cycle: ${names}${implicit.length ? ` (${implicit.join('; ')})` : ''}`));
    step.prerequisites = step.prerequisites.filter((id) => id !== cut.to);
  }
}

interface Edge {
  from: string;
  to: string;
  implicit: boolean;
}

/** A cycle in the graph as the list of its edges (first edge starts where the last one ends), if any. */
function findCycle(nodes: readonly string[], edges: (id: string) => Edge[]): Edge[] | undefined {
  const state = new Map<string, 'open' | 'closed'>();
  const stack: Edge[] = [];
  const visit = (id: string): Edge[] | undefined => {
    state.set(id, 'open');
    for (const edge of edges(id)) {
      const seen = state.get(edge.to);
      if (seen === 'open') {
        const start = stack.findIndex((e) => e.from === edge.to);
        return [...(start >= 0 ? stack.slice(start) : []), edge];
      }
      if (seen === undefined) {
        stack.push(edge);
        const cycle = visit(edge.to);
        if (cycle) return cycle;
        stack.pop();
      }
    }
    state.set(id, 'closed');
    return undefined;
  };
  for (const id of nodes) {
    if (state.has(id)) continue;
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}

async function yamlFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/**
 * Parses one file. A syntax error is reported as `file:line:column: message`; `partial` is what the
 * parser could still read of a broken file (used only to know its ids).
 */
function parseYaml(text: string, file: string, problems: ContentProblem[]): { source: Source; data?: unknown; partial?: unknown } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter });
  const source: Source = { file, at: (path) => positionOf(doc, lineCounter, path) };
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      problems.push({ file, field: '', message: error.message.split('\n')[0] ?? 'invalid YAML', line, column: col });
    }
    let partial: unknown;
    try {
      partial = doc.toJS();
    } catch {
      partial = undefined;
    }
    return { source, partial };
  }
  return { source, data: doc.toJS() as unknown };
}

function positionOf(doc: Document, lineCounter: LineCounter, path: Path): { line: number; column: number } | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range: unknown = isRecord(node) ? node.range : undefined;
    const start: unknown = Array.isArray(range) ? range[0] : undefined;
    if (typeof start === 'number') {
      const { line, col } = lineCounter.linePos(start);
      return { line, column: col };
    }
  }
  return undefined;
}

/**
 * The ids of a file that could not be read in full, so that references to them are not reported again:
 * what the parser could still read, and every `id: slug` line (the parser may lose the rest of a file
 * after its first error).
 */
function skipIdsOf(folder: Folder, partial: unknown, text: string, skipped: Skipped): void {
  const into = folder === 'tracks' ? skipped.steps : folder === 'resources' ? skipped.resources : undefined;
  if (!into) return;
  const read = folder === 'tracks' ? rawStepIds(partial) : Array.isArray(partial) ? partial.flatMap((item) => (isRecord(item) && typeof item.id === 'string' ? [item.id] : [])) : [];
  for (const id of read) into.add(id);
  for (const match of text.matchAll(/^[ \t]*(?:-[ \t]+)?id:[ \t]*["']?([a-z0-9]+(?:-[a-z0-9]+)*)["']?[ \t]*(?:#.*)?$/gm)) into.add(match[1]!);
}

/** Every step id a raw (unvalidated) track names, core and branches. */
function rawStepIds(data: unknown): string[] {
  const idsOf = (list: unknown) => (Array.isArray(list) ? list.flatMap((s) => (isRecord(s) && typeof s.id === 'string' ? [s.id] : [])) : []);
  if (!isRecord(data)) return [];
  const branches = Array.isArray(data.branches) ? data.branches : [];
  return [...idsOf(data.steps), ...branches.flatMap((b) => (isRecord(b) ? idsOf(b.steps) : []))];
}

function collect(
  folder: Folder,
  data: unknown,
  source: Source,
  problems: ContentProblem[],
  into: Layer,
): void {
  if (folder === 'tracks' && into.server && isRecord(data) && 'hide' in data) {
    const hide = validate(hideSchema, data, source, [], '', problems);
    if (hide) into.hides.push({ kind: 'tracks', ids: hide.hide, source, path: ['hide'] });
    return;
  }
  if (folder === 'tracks') {
    const { data: own, uses } = splitUses(data, source, problems);
    // Positions in messages are those of the file: each own core step keeps its place in `steps:`.
    const rawIndex = isRecord(data) && Array.isArray(data.steps) ? data.steps.flatMap((item: unknown, i) => (isUse(item) ? [] : [i])) : [];
    const track = validateTrack(own, source, problems, into.sites, into.skipped, { hasUses: uses.length > 0, indexOf: (i) => rawIndex[i] ?? i });
    if (!track) return;
    into.uses.set(track, uses);
    into.tracks.push({ value: track, source, field: '', path: [] });
    return;
  }
  if (!Array.isArray(data)) {
    problems.push(problemAt(source, [], '', 'must be a YAML list of entries (each starting with "- id: ...")'));
    return;
  }
  const schema = { resources: resourceSchema, prompts: promptSchema, challenges: challengeSchema }[folder];
  const target = into[folder] as Located<unknown>[];
  data.forEach((item, i) => {
    if (into.server && isRecord(item) && 'hide' in item) {
      const hide = validate(hideSchema, item, source, [i], `[${i}]`, problems);
      if (hide) into.hides.push({ kind: folder, ids: hide.hide, source, path: [i, 'hide'] });
      return;
    }
    const value = validate(schema, item, source, [i], `[${i}]`, problems);
    if (value) target.push({ value, source, field: `[${i}](${String(value.id)})`, path: [i] });
    else if (folder === 'resources' && isRecord(item) && typeof item.id === 'string') into.skipped.resources.add(item.id);
  });
}

/**
 * A server's entries over the built-in ones: an entry with a built-in id replaces it (in the server's
 * place), a hidden id is taken out; either way references to what is gone are dropped silently (the
 * ids join `skipped`). A hide names a built-in entry of its folder's kind that the server does not give itself.
 */
function layerOver(base: Layer, top: Layer, skipped: Skipped, problems: ContentProblem[]): Lists {
  const hidden = { tracks: new Set<string>(), resources: new Set<string>(), prompts: new Set<string>(), challenges: new Set<string>() };
  for (const hide of top.hides) {
    const kind = hide.kind;
    const builtinIds = new Set<string>(base[kind].map((e) => e.value.id));
    const ownIds = new Set<string>(top[kind].map((e) => e.value.id));
    hide.ids.forEach((id, i) => {
      const at = [...hide.path, i];
      const report = (message: string) => problems.push(problemAt(hide.source, at, pathField(at), message));
      if (!builtinIds.has(id)) report(`there is no built-in ${SINGULAR[kind]} "${id}" to hide`);
      else if (ownIds.has(id)) report(`"${id}" is hidden and also given in this server's files: remove one of the two`);
      else if (hidden[kind].has(id)) report(`"${id}" is already hidden`);
      else hidden[kind].add(id);
    });
  }
  const over = <T extends { id: string }>(kind: Folder, lower: Located<T>[], upper: Located<T>[], gone: (entry: T) => void): Located<T>[] => {
    const ownIds = new Set(upper.map((e) => e.value.id));
    const kept = lower.filter((e) => {
      const stays = !hidden[kind].has(e.value.id) && !ownIds.has(e.value.id);
      if (!stays) gone(e.value);
      return stays;
    });
    return [...kept, ...upper];
  };
  return {
    tracks: over('tracks', base.tracks, top.tracks, (t) => allSteps(t).forEach((s) => skipped.steps.add(s.id))),
    resources: over('resources', base.resources, top.resources, (r) => skipped.resources.add(r.id)),
    prompts: over('prompts', base.prompts, top.prompts, () => {}),
    challenges: over('challenges', base.challenges, top.challenges, () => {}),
  };
}

function isUse(item: unknown): boolean {
  return isRecord(item) && 'use' in item;
}

/**
 * Takes the `use:` entries out of a track's core (validated here) so that the rest validates as
 * before; each keeps how many own steps precede it, to be put back in place once every track is read.
 */
function splitUses(data: unknown, source: Source, problems: ContentProblem[]): { data: unknown; uses: Use[] } {
  if (!isRecord(data) || !Array.isArray(data.steps) || !data.steps.some(isUse)) return { data, uses: [] };
  const uses: Use[] = [];
  const own: unknown[] = [];
  data.steps.forEach((item: unknown, i) => {
    if (!isUse(item)) {
      own.push(item);
      return;
    }
    const entry = validate(useStepSchema, item, source, ['steps', i], `steps[${i}]`, problems);
    if (entry) uses.push({ entry, position: own.length, source, path: ['steps', i] });
  });
  return { data: { ...data, steps: own }, uses };
}

/**
 * A track is kept when its own fields are valid; each invalid step or branch is dropped and reported,
 * and its ids are remembered so that references to it are not reported a second time.
 */
function validateTrack(
  data: unknown,
  source: Source,
  problems: ContentProblem[],
  sites: WeakMap<object, Site>,
  skipped: Skipped,
  core: { hasUses: boolean; indexOf: (i: number) => number } = { hasUses: false, indexOf: (i) => i },
): Track | undefined {
  const place = (track: Track) => {
    for (const [i, step] of track.steps.entries()) sites.set(step, { source, path: ['steps', core.indexOf(i)] });
    return track;
  };
  const whole = trackSchema.safeParse(data);
  if (whole.success) {
    const track = place(whole.data);
    for (const [j, branch] of track.branches.entries()) placeBranch(branch, j, source, sites);
    return track;
  }
  const { steps: rawSteps, branches: rawBranches, ...fields } = isRecord(data) ? data : {};
  const header = trackSchema.omit({ steps: true, branches: true }).safeParse(isRecord(data) ? fields : data);
  if (!header.success) {
    report(header.error, source, [], '', problems);
    for (const id of rawStepIds(data)) skipped.steps.add(id);
    return undefined;
  }
  const steps = validateSteps(rawSteps, source, ['steps'], 'steps', problems, sites, skipped, core);
  const branches: Branch[] = [];
  if (rawBranches !== undefined && !Array.isArray(rawBranches)) problems.push(problemAt(source, ['branches'], 'branches', 'must be a list of branches'));
  (Array.isArray(rawBranches) ? rawBranches : []).forEach((raw: unknown, j) => {
    const label = `branches[${j}]${isRecord(raw) && typeof raw.id === 'string' ? `(${raw.id})` : ''}`;
    const full = branchSchema.safeParse(raw);
    if (full.success) {
      branches.push(placeBranch(full.data, j, source, sites));
      return;
    }
    const { steps: rawBranchSteps, ...branchFields } = isRecord(raw) ? raw : {};
    const branchHeader = branchSchema.omit({ steps: true }).safeParse(isRecord(raw) ? branchFields : raw);
    if (!branchHeader.success) {
      report(branchHeader.error, source, ['branches', j], label, problems);
      for (const id of rawStepIds({ steps: rawBranchSteps })) skipped.steps.add(id);
      return;
    }
    const branchSteps = validateSteps(rawBranchSteps, source, ['branches', j, 'steps'], `${label}.steps`, problems, sites, skipped);
    if (branchSteps.length > 0) {
      const branch = { ...branchHeader.data, steps: branchSteps };
      sites.set(branch, { source, path: ['branches', j] });
      branches.push(branch);
    }
  });
  if (steps.length === 0 && !core.hasUses) {
    for (const branch of branches) for (const step of branch.steps) skipped.steps.add(step.id);
    return undefined;
  }
  return { ...header.data, steps, branches };
}

function placeBranch(branch: Branch, j: number, source: Source, sites: WeakMap<object, Site>): Branch {
  sites.set(branch, { source, path: ['branches', j] });
  for (const [k, step] of branch.steps.entries()) sites.set(step, { source, path: ['branches', j, 'steps', k] });
  return branch;
}

/** Validates a list of steps one by one; a rejected step is reported (and its id remembered). */
function validateSteps(
  raw: unknown,
  source: Source,
  path: Path,
  label: string,
  problems: ContentProblem[],
  sites: WeakMap<object, Site>,
  skipped: Skipped,
  core: { hasUses: boolean; indexOf: (i: number) => number } = { hasUses: false, indexOf: (i) => i },
): Step[] {
  const list: unknown[] = Array.isArray(raw) ? raw : [];
  if (list.length === 0 && !core.hasUses) problems.push(problemAt(source, path, label, 'needs at least one step'));
  const steps: Step[] = [];
  list.forEach((item, n) => {
    const i = core.indexOf(n);
    const step = validate(stepSchema, item, source, [...path, i], `${label}[${i}]`, problems);
    if (step) {
      sites.set(step, { source, path: [...path, i] });
      steps.push(step);
    } else if (isRecord(item) && typeof item.id === 'string') skipped.steps.add(item.id);
  });
  return steps;
}

function validate<S extends z.ZodType>(schema: S, raw: unknown, source: Source, path: Path, prefix: string, problems: ContentProblem[]): z.infer<S> | undefined {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const id = isRecord(raw) && typeof raw.id === 'string' ? `(${raw.id})` : '';
  report(result.error, source, path, `${prefix}${id}`, problems);
  return undefined;
}

function report(error: z.ZodError, source: Source, base: Path, prefix: string, problems: ContentProblem[]): void {
  for (const issue of error.issues) {
    const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    const field = `${prefix}${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`.replace(/^\./, '');
    problems.push(problemAt(source, [...base, ...path], field, issue.message));
  }
}

function unique<T extends { id: string }>(items: Located<T>[], what: string, problems: ContentProblem[]): void {
  const seen = new Map<string, string>();
  const kept: Located<T>[] = [];
  for (const item of items) {
    const first = seen.get(item.value.id);
    if (first !== undefined) {
      problems.push(problemAt(item.source, [...item.path, 'id'], `${item.field}.id`.replace(/^\./, ''), `duplicate ${what} id "${item.value.id}" (first in ${first})`));
      continue;
    }
    seen.set(item.value.id, item.source.file);
    kept.push(item);
  }
  items.splice(0, items.length, ...kept);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
