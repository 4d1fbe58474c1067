import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import {
  challengeSchema,
  promptSchema,
  resourceSchema,
  stepSchema,
  trackSchema,
  type Challenge,
  type Prompt,
  type Resource,
  type Step,
  type Track,
} from './schema.js';

export interface StepEntry {
  step: Step;
  track: Track;
  /** 0-based position in its track. */
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
}

export function formatProblem(problem: ContentProblem): string {
  return `${problem.file}: ${problem.field || '(file)'}: ${problem.message}`;
}

/** Finds a step by its id or a former id. */
export function findStep(content: Content, id: string): StepEntry | undefined {
  return content.steps.get(id) ?? content.steps.get(content.aliases.get(id) ?? '');
}

const FOLDERS = ['tracks', 'resources', 'prompts', 'challenges'] as const;
type Folder = (typeof FOLDERS)[number];

interface Located<T> {
  value: T;
  file: string;
  field: string;
}

/**
 * Loads every YAML file under `dir`. Each entry is validated on its own, so one typo drops
 * one entry (reported) and the rest still serves. Never throws for bad content; it throws
 * only when the folder itself cannot be read.
 */
export async function loadContent(dir: string): Promise<{ content: Content; problems: ContentProblem[] }> {
  const problems: ContentProblem[] = [];
  const tracks: Located<Track>[] = [];
  const resources: Located<Resource>[] = [];
  const prompts: Located<Prompt>[] = [];
  const challenges: Located<Challenge>[] = [];

  for (const folder of FOLDERS) {
    for (const path of await yamlFiles(join(dir, folder))) {
      const file = relative(dir, path);
      const data = parseYaml(await readFile(path, 'utf8'), file, problems);
      if (data === undefined) continue;
      collect(folder, data, file, problems, { tracks, resources, prompts, challenges });
    }
  }

  unique(tracks, 'track', problems);
  unique(resources, 'resource', problems);
  unique(prompts, 'prompt', problems);
  unique(challenges, 'challenge', problems);

  const tracksById = new Map(tracks.map((t) => [t.value.id, t.value]));
  const steps = new Map<string, StepEntry>();
  const stepFiles = new Map<string, Located<Step>>();
  for (const { value: track, file } of tracks) {
    track.steps.forEach((step, index) => {
      const field = `steps[${index}].id`;
      if (steps.has(step.id)) {
        problems.push({ file, field, message: `duplicate step id "${step.id}" (also in ${stepFiles.get(step.id)?.file})` });
        return;
      }
      steps.set(step.id, { step, track, index });
      stepFiles.set(step.id, { value: step, file, field: `steps[${index}]` });
    });
  }

  const aliases = new Map<string, string>();
  for (const [id, { value: step, file, field }] of stepFiles) {
    step.replaces.forEach((old, i) => {
      const where = `${field}.replaces[${i}]`;
      if (steps.has(old)) problems.push({ file, field: where, message: `"${old}" is still a current step id` });
      else if (aliases.has(old)) problems.push({ file, field: where, message: `"${old}" is already replaced by "${aliases.get(old)}"` });
      else aliases.set(old, id);
    });
  }

  const resourcesById = new Map(resources.map((r) => [r.value.id, r.value]));
  // References may name a renamed step by its former id: they follow it to the current one.
  const currentStepId = (id: string) => (steps.has(id) ? id : aliases.get(id) ?? id);
  for (const { value } of resources) value.steps = value.steps.map(currentStepId);
  for (const { value } of prompts) value.step = currentStepId(value.step);
  for (const { value } of challenges) value.steps = value.steps.map(currentStepId);
  const stepExists = (id: string) => steps.has(id);
  for (const { value: step, file, field } of stepFiles.values()) {
    step.resources.forEach((id, i) => {
      if (!resourcesById.has(id)) problems.push({ file, field: `${field}.resources[${i}]`, message: `unknown resource "${id}"` });
    });
  }
  for (const { value, file, field } of resources) {
    value.steps.forEach((id, i) => {
      if (!stepExists(id)) problems.push({ file, field: `${field}.steps[${i}]`, message: `unknown step "${id}"` });
    });
  }
  for (const { value, file, field } of prompts) {
    if (!stepExists(value.step)) problems.push({ file, field: `${field}.step`, message: `unknown step "${value.step}"` });
    value.resources.forEach((id, i) => {
      if (!resourcesById.has(id)) problems.push({ file, field: `${field}.resources[${i}]`, message: `unknown resource "${id}"` });
    });
  }
  for (const { value, file, field } of challenges) {
    value.steps.forEach((id, i) => {
      if (!stepExists(id)) problems.push({ file, field: `${field}.steps[${i}]`, message: `unknown step "${id}"` });
    });
  }

  // Serve what can be served: broken references are dropped, the entries themselves stay.
  for (const track of tracksById.values()) {
    for (const step of track.steps) step.resources = step.resources.filter((id) => resourcesById.has(id));
  }
  for (const { value } of resources) value.steps = value.steps.filter(stepExists);
  for (const { value } of prompts) value.resources = value.resources.filter((id) => resourcesById.has(id));
  for (const { value } of challenges) value.steps = value.steps.filter(stepExists);

  const content: Content = {
    tracks: [...tracksById.values()],
    tracksById,
    steps,
    aliases,
    resources: resourcesById,
    prompts: prompts.map((p) => p.value).filter((p) => stepExists(p.step)),
    challenges: challenges.map((c) => c.value),
    challengesById: new Map(challenges.map((c) => [c.value.id, c.value])),
  };
  return { content, problems };
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

function parseYaml(source: string, file: string, problems: ContentProblem[]): unknown {
  const doc = parseDocument(source, { prettyErrors: false });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const line = error.linePos?.[0];
      problems.push({ file, field: line ? `line ${line.line}` : '', message: error.message.split('\n')[0] ?? 'invalid YAML' });
    }
    return undefined;
  }
  return doc.toJS() as unknown;
}

function collect(
  folder: Folder,
  data: unknown,
  file: string,
  problems: ContentProblem[],
  into: { tracks: Located<Track>[]; resources: Located<Resource>[]; prompts: Located<Prompt>[]; challenges: Located<Challenge>[] },
): void {
  if (folder === 'tracks') {
    const track = validateTrack(data, file, problems);
    if (track) into.tracks.push({ value: track, file, field: '' });
    return;
  }
  if (!Array.isArray(data)) {
    problems.push({ file, field: '', message: 'must be a YAML list of entries (each starting with "- id: ...")' });
    return;
  }
  const schema = { resources: resourceSchema, prompts: promptSchema, challenges: challengeSchema }[folder];
  const target = into[folder] as Located<unknown>[];
  data.forEach((item, i) => {
    const value = validate(schema, item, file, `[${i}]`, problems);
    if (value) target.push({ value, file, field: `[${i}](${String(value.id)})` });
  });
}

/** A track is kept when its own fields are valid; each invalid step is dropped and reported. */
function validateTrack(data: unknown, file: string, problems: ContentProblem[]): Track | undefined {
  const rawSteps: unknown[] = isRecord(data) && Array.isArray(data.steps) ? data.steps : [];
  const whole = trackSchema.safeParse(data);
  if (whole.success) return whole.data;
  const { steps: _steps, ...fields } = isRecord(data) ? data : {};
  const header = trackSchema.omit({ steps: true }).safeParse(isRecord(data) ? fields : data);
  if (!header.success) {
    report(header.error, file, '', problems);
    return undefined;
  }
  const steps: Step[] = [];
  rawSteps.forEach((raw, i) => {
    const step = validate(stepSchema, raw, file, `steps[${i}]`, problems);
    if (step) steps.push(step);
  });
  if (rawSteps.length === 0) problems.push({ file, field: 'steps', message: 'needs at least one step' });
  return steps.length > 0 ? { ...header.data, steps } : undefined;
}

function validate<S extends z.ZodType>(schema: S, raw: unknown, file: string, prefix: string, problems: ContentProblem[]): z.infer<S> | undefined {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const id = isRecord(raw) && typeof raw.id === 'string' ? `(${raw.id})` : '';
  report(result.error, file, `${prefix}${id}`, problems);
  return undefined;
}

function report(error: z.ZodError, file: string, prefix: string, problems: ContentProblem[]): void {
  for (const issue of error.issues) {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    problems.push({ file, field: `${prefix}${path}`.replace(/^\./, ''), message: issue.message });
  }
}

function unique<T extends { id: string }>(items: Located<T>[], what: string, problems: ContentProblem[]): void {
  const seen = new Map<string, string>();
  const kept: Located<T>[] = [];
  for (const item of items) {
    const first = seen.get(item.value.id);
    if (first !== undefined) {
      problems.push({ file: item.file, field: `${item.field}.id`.replace(/^\./, ''), message: `duplicate ${what} id "${item.value.id}" (first in ${first})` });
      continue;
    }
    seen.set(item.value.id, item.file);
    kept.push(item);
  }
  items.splice(0, items.length, ...kept);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
