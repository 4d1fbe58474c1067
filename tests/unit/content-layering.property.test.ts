import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildContent, formatProblem, type ContentFile } from '../../src/content/loader.js';

/**
 * The layering of a server's files over the built-in content (buildContent): for any valid built-in
 * content and any server files, the merged content passes content:check exactly when the server files
 * are valid, and the built-in entries the server neither overrides nor hides are unchanged.
 * The generator knows whether each server change it makes is valid; the loader is not asked.
 */

interface Builtin {
  files: ContentFile[];
  steps: string[];
  resources: string[];
  prompts: string[];
  challenges: string[];
  tracks: string[];
}

const sentence = (what: string) => `About ${what}, in a few words.`;

/** A valid built-in content: 1–2 tracks of 1–3 steps, 2–5 resources, 0–5 prompts, 0–2 challenges. */
const builtinArb = fc
  .record({
    tracks: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
    resources: fc.integer({ min: 2, max: 5 }),
    prompts: fc.array(fc.nat(), { maxLength: 5 }),
    challenges: fc.array(fc.nat(), { maxLength: 2 }),
  })
  .map(({ tracks, resources, prompts, challenges }): Builtin => {
    const resourceIds = Array.from({ length: resources }, (_, i) => `res-${i}`);
    const files: ContentFile[] = [];
    const steps: string[] = [];
    tracks.forEach((count, t) => {
      const own = Array.from({ length: count }, (_, s) => `step-${t}-${s}`);
      steps.push(...own);
      const track = {
        id: `track-${t}`,
        title: `Track ${t}`,
        summary: sentence(`track ${t}`),
        order: t,
        steps: own.map((id, s) => ({
          id,
          title: `Step ${id}`,
          summary: sentence(id),
          why: sentence(`why ${id}`),
          learn: sentence(`what ${id}`),
          checklist: ['One', 'Two', 'Three'],
          hours: 5,
          resources: [resourceIds[s % resources]!, resourceIds[(s + 1) % resources]!],
          prerequisites: s === 0 ? [] : [own[s - 1]!],
        })),
      };
      files.push({ folder: 'tracks', file: `tracks/track-${t}.yaml`, text: stringify(track) });
    });
    const resourceList = resourceIds.map((id, i) => ({
      id,
      title: `Resource ${i}`,
      url: `https://example.org/${id}`,
      kind: 'article',
      level: 'beginner',
      free: true,
      topics: ['basics'],
      steps: [steps[i % steps.length]!],
      description: sentence(id),
    }));
    files.push({ folder: 'resources', file: 'resources/all.yaml', text: stringify(resourceList) });
    const promptIds = prompts.map((_, i) => `prompt-${i}`);
    if (prompts.length > 0) {
      const list = prompts.map((n, i) => ({ id: promptIds[i], step: steps[n % steps.length], topic: 'basics', text: sentence(`prompt ${i}`), resources: [resourceIds[0]] }));
      files.push({ folder: 'prompts', file: 'prompts/all.yaml', text: stringify(list) });
    }
    const challengeIds = challenges.map((_, i) => `challenge-${i}`);
    if (challenges.length > 0) {
      const list = challenges.map((n, i) => ({
        id: challengeIds[i],
        title: `Challenge ${i}`,
        url: `https://www.kaggle.com/competitions/c-${i}`,
        difficulty: 'beginner',
        skills: ['pandas'],
        steps: [steps[n % steps.length]],
        goal: sentence(`challenge ${i}`),
      }));
      files.push({ folder: 'challenges', file: 'challenges/all.yaml', text: stringify(list) });
    }
    return { files, steps, resources: resourceIds, prompts: promptIds, challenges: challengeIds, tracks: tracks.map((_, t) => `track-${t}`) };
  });

/** One change a server's file makes; `pick` chooses among the built-in ids. */
type Op =
  | { kind: 'newResource' | 'newTrack' | 'newPrompt' | 'overrideResource' | 'overridePrompt' | 'overrideTrack' | 'hidePrompt' | 'hideChallenge'; pick: number }
  | { kind: 'unknownStep' | 'badField' | 'hideUnknown' | 'brokenYaml'; pick: number };

const VALID_KINDS = ['newResource', 'newTrack', 'newPrompt', 'overrideResource', 'overridePrompt', 'overrideTrack', 'hidePrompt', 'hideChallenge'] as const;
const INVALID_KINDS = ['unknownStep', 'badField', 'hideUnknown', 'brokenYaml'] as const;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom(...VALID_KINDS), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom(...INVALID_KINDS), pick: fc.nat() }) },
);

interface ServerFiles {
  files: ContentFile[];
  /** What the generator knows: whether these files are valid over this built-in content. */
  valid: boolean;
  /** Built-in ids the server gives again or hides, by kind. */
  touched: Record<'tracks' | 'resources' | 'prompts' | 'challenges', Set<string>>;
  hidden: { prompts: string[]; challenges: string[] };
}

function serverFiles(builtin: Builtin, ops: readonly Op[]): ServerFiles {
  const files: ContentFile[] = [];
  let valid = true;
  const defined = { tracks: [] as string[], resources: [] as string[], prompts: [] as string[], challenges: [] as string[] };
  const hidden = { prompts: [] as string[], challenges: [] as string[] };
  const builtinIds = { prompts: new Set(builtin.prompts), challenges: new Set(builtin.challenges) };
  const choose = <T>(list: readonly T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);
  const resource = (id: string, topic = 'basics') => ({ id, title: `Server ${id}`, url: `https://example.com/${id}`, kind: 'docs', level: 'advanced', free: false, topics: [topic], steps: [], description: sentence(id) });
  const prompt = (id: string, step: string) => ({ id, step, topic: 'basics', text: `Server text of ${id}.` });
  const put = (folder: ContentFile['folder'], i: number, data: unknown) => files.push({ folder, file: `${folder}/op-${i}.yaml`, text: stringify(data) });
  ops.forEach((op, i) => {
    switch (op.kind) {
      case 'newResource':
        defined.resources.push(`srv-res-${i}`);
        return put('resources', i, [resource(`srv-res-${i}`)]);
      case 'overrideResource': {
        const id = choose(builtin.resources, op.pick)!;
        defined.resources.push(id);
        return put('resources', i, [resource(id)]);
      }
      case 'newPrompt':
        defined.prompts.push(`srv-prompt-${i}`);
        return put('prompts', i, [prompt(`srv-prompt-${i}`, choose(builtin.steps, op.pick)!)]);
      case 'overridePrompt': {
        const id = choose(builtin.prompts, op.pick);
        if (!id) return;
        defined.prompts.push(id);
        return put('prompts', i, [prompt(id, choose(builtin.steps, op.pick)!)]);
      }
      case 'newTrack': {
        defined.tracks.push(`srv-track-${i}`);
        const step = { id: `srv-step-${i}`, title: 'Server step', summary: 'S.', why: 'W.', learn: 'L.', checklist: ['a', 'b', 'c'], hours: 1, resources: [builtin.resources[0], builtin.resources[1]] };
        return put('tracks', i, { id: `srv-track-${i}`, title: 'Server track', summary: 'S.', steps: [step] });
      }
      case 'overrideTrack': {
        // The same steps under a new title: no built-in reference loses its step.
        const id = choose(builtin.tracks, op.pick)!;
        defined.tracks.push(id);
        const original = builtin.files.find((f) => f.file === `tracks/${id}.yaml`)!;
        return files.push({ folder: 'tracks', file: `tracks/op-${i}.yaml`, text: original.text.replace(/^title: .*$/m, `title: Server title ${i}`) });
      }
      case 'hidePrompt':
      case 'hideChallenge': {
        const kind = op.kind === 'hidePrompt' ? 'prompts' : 'challenges';
        const id = choose([...builtinIds[kind]], op.pick);
        if (!id) return;
        hidden[kind].push(id);
        return put(kind, i, [{ hide: [id] }]);
      }
      case 'unknownStep':
        valid = false;
        return put('prompts', i, [prompt(`bad-prompt-${i}`, `ghost-step-${i}`)]);
      case 'badField':
        valid = false;
        return put('resources', i, [resource(`bad-res-${i}`, 'Not A Slug')]);
      case 'hideUnknown':
        valid = false;
        return put('challenges', i, [{ hide: [`ghost-challenge-${i}`] }]);
      case 'brokenYaml':
        valid = false;
        return files.push({ folder: 'prompts', file: `prompts/op-${i}.yaml`, text: '- id: [unclosed\n  step: x\n' });
    }
  });
  const duplicated = (list: readonly string[]) => new Set(list).size !== list.length;
  if (Object.values(defined).some(duplicated) || Object.values(hidden).some(duplicated)) valid = false;
  for (const kind of ['prompts', 'challenges'] as const) if (hidden[kind].some((id) => defined[kind].includes(id))) valid = false;
  const touched = {
    tracks: new Set(defined.tracks),
    resources: new Set(defined.resources),
    prompts: new Set([...defined.prompts, ...hidden.prompts]),
    challenges: new Set([...defined.challenges, ...hidden.challenges]),
  };
  return { files, valid, touched, hidden };
}

describe('a server’s files layered over the built-in content', () => {
  it('passes content:check exactly when the server files are valid, and leaves untouched built-in entries as they were', () => {
    fc.assert(
      fc.property(builtinArb, fc.array(opArb, { maxLength: 8 }), (builtin, ops) => {
        const alone = buildContent(builtin.files);
        expect(alone.problems.map(formatProblem)).toEqual([]); // the generated built-in content is valid
        const server = serverFiles(builtin, ops);
        const merged = buildContent(builtin.files, server.files);
        expect(merged.problems.length === 0, merged.problems.map(formatProblem).join('\n')).toBe(server.valid);

        const { content: before } = alone;
        const { content: after } = merged;
        for (const track of before.tracks) if (!server.touched.tracks.has(track.id)) expect(after.tracksById.get(track.id)).toEqual(track);
        for (const [id, resource] of before.resources) if (!server.touched.resources.has(id)) expect(after.resources.get(id)).toEqual(resource);
        for (const prompt of before.prompts) if (!server.touched.prompts.has(prompt.id)) expect(after.prompts.find((p) => p.id === prompt.id)).toEqual(prompt);
        for (const challenge of before.challenges) if (!server.touched.challenges.has(challenge.id)) expect(after.challengesById.get(challenge.id)).toEqual(challenge);
        // What a valid server hid is gone, and what it gave is there.
        if (server.valid) {
          for (const id of server.hidden.prompts) expect(after.prompts.some((p) => p.id === id)).toBe(false);
          for (const id of server.hidden.challenges) expect(after.challengesById.has(id)).toBe(false);
          for (const id of server.touched.tracks) expect(after.tracksById.get(id)?.title).toMatch(/^Server /);
          for (const id of server.touched.resources) expect(after.resources.get(id)?.title).toBe(`Server ${id}`);
        }
      }),
      { numRuns: 150, seed: 20261206 },
    );
  });
});
