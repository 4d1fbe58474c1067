import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { findStep, formatProblem, loadContent } from '../../src/content/loader.js';
import { trackProgress } from '../../src/domain/progress.js';

const run = promisify(execFile);

function step(id: string, resources = ['r-one', 'r-two'], extra = '') {
  return `
  - id: ${id}
    title: Step ${id}
    summary: Summary of ${id}
    why: Because ${id} matters.
    learn: Learn ${id}.
    checklist: [one, two, three]
    hours: 10
    resources: [${resources.join(', ')}]${extra}`;
}

const resource = (id: string, steps: string[] = []) => `
- id: ${id}
  title: Resource ${id}
  url: https://example.org/${id}
  kind: docs
  level: beginner
  free: true
  topics: [python]
  steps: [${steps.join(', ')}]
  description: A resource.`;

async function contentDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cohort-content-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

const track = (steps: string) => `id: t\ntitle: Track\nsummary: A track.\nsteps:${steps}\n`;

describe('content loader', () => {
  it('loads the shipped content without a single problem', async () => {
    const { content, problems } = await loadContent(join(import.meta.dirname, '../../content'));
    expect(problems.map(formatProblem)).toEqual([]);
    const mlTrack = content.tracksById.get('ml-engineer')!;
    expect(mlTrack.steps.length).toBeGreaterThanOrEqual(12);
    expect(mlTrack.steps.length).toBeLessThanOrEqual(24);
    expect(content.resources.size).toBeGreaterThanOrEqual(40);
    expect(content.prompts.length).toBeGreaterThanOrEqual(60);
    expect(content.challenges.length).toBeGreaterThanOrEqual(12);
    for (const s of mlTrack.steps) {
      expect(s.resources.length, s.id).toBeGreaterThanOrEqual(2);
      for (const id of s.resources) expect(content.resources.get(id)?.url, id).toMatch(/^https?:\/\//);
    }
  });

  it('reports a typo as file: field: message and keeps serving the rest', async () => {
    const dir = await contentDir({
      'tracks/t.yaml': track(step('a') + step('b').replace('hours: 10', 'hours: ten')),
      'resources/r.yaml': resource('r-one', ['a']) + resource('r-two'),
    });
    const { content, problems } = await loadContent(dir);
    expect(problems.map(formatProblem)).toEqual(['tracks/t.yaml:19:12: steps[1](b).hours: Invalid input: expected number, received string']);
    expect([...content.steps.keys()]).toEqual(['a']);
    expect(content.resources.size).toBe(2);
  });

  it('finds duplicate ids, unknown references and bad YAML', async () => {
    const dir = await contentDir({
      'tracks/t.yaml': track(step('a', ['r-one', 'nope']) + step('a')),
      'resources/r.yaml': resource('r-one', ['missing-step']) + resource('r-one') + resource('r-two'),
      'prompts/p.yaml': '- id: p1\n  step: zzz\n  topic: x\n  text: Hello\n',
      'challenges/c.yaml': 'this: [is: not valid',
    });
    const problems = (await loadContent(dir)).problems.map(formatProblem);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^resources\/r\.yaml:11:7: .*\.id: duplicate resource id "r-one"/),
        expect.stringMatching(/^tracks\/t\.yaml:13:9: steps\[1\]\.id: duplicate step id "a"/),
        expect.stringMatching(/^tracks\/t\.yaml:12:24: steps\[0\]\.resources\[1\]: unknown resource "nope"/),
        expect.stringMatching(/^resources\/r\.yaml:9:11: .*steps\[0\]: unknown step "missing-step"/),
        expect.stringMatching(/^prompts\/p\.yaml:2:9: .*\.step: unknown step "zzz"/),
        'challenges/c.yaml:1:21: Flow sequence in block collection must be sufficiently indented and end with a ]',
      ]),
    );
  });

  it('maps a renamed step\'s former id to the new step and rejects ambiguous aliases', async () => {
    const dir = await contentDir({
      'tracks/t.yaml': track(step('new-name', undefined, '\n    replaces: [old-name]') + step('b', undefined, '\n    replaces: [new-name, old-name]')),
      'resources/r.yaml': resource('r-one') + resource('r-two'),
    });
    const { content, problems } = await loadContent(dir);
    expect(findStep(content, 'old-name')?.step.id).toBe('new-name');
    expect(problems.map(formatProblem)).toEqual([
      'tracks/t.yaml:22:16: steps[1].replaces[0]: "new-name" is still a current step id',
      'tracks/t.yaml:22:26: steps[1].replaces[1]: "old-name" is already replaced by "new-name"',
    ]);
  });

  it('npm run content:check exits 1 and prints every problem', async () => {
    const dir = await contentDir({
      'tracks/t.yaml': track(step('a', ['ghost', 'r-one']) + step('b', ['r-one'])),
      'resources/r.yaml': resource('r-one'),
    });
    const error = await run(process.execPath, ['--import', 'tsx', 'src/content/check.ts', dir], { cwd: join(import.meta.dirname, '../..') }).catch(
      (e: { code: number; stdout: string }) => e,
    );
    expect('code' in error && error.code).toBe(1);
    expect(error.stdout).toContain('tracks/t.yaml:12:17: steps[0].resources[0]: unknown resource "ghost"');
    expect(error.stdout).toContain('tracks/t.yaml:20:16: steps[1](b).resources: needs at least 2 resources');
  });
});

describe('renamed steps in references', () => {
  it('a resource or prompt naming a former step id follows it to the current step', async () => {
    const dir = await contentDir({
      'tracks/t.yaml': track(step('new-name', undefined, '\n    replaces: [old-name]') + step('b')),
      'resources/r.yaml': resource('r-one', ['old-name']) + resource('r-two'),
      'prompts/p.yaml': '- id: p1\n  step: old-name\n  topic: x\n  text: Hello\n',
    });
    const { content, problems } = await loadContent(dir);
    expect(problems.map(formatProblem)).toEqual([]);
    expect(content.resources.get('r-one')?.steps).toEqual(['new-name']);
    expect(content.prompts[0]?.step).toBe('new-name');
  });
});

const FIXTURE = join(import.meta.dirname, '../fixtures/branches');

/** A track file with a core and branches; each branch is `{ id, after, steps }` (steps as YAML from `step()` indented). */
function branchedTrack(core: string, branches: { id: string; after: string; steps: string }[], id = 't') {
  const indent = (yaml: string) => yaml.replace(/\n/g, '\n    ');
  const list = branches.map((b) => `\n  - id: ${b.id}\n    title: Branch ${b.id}\n    summary: About ${b.id}.\n    after: ${b.after}\n    steps:${indent(b.steps)}`).join('');
  return `id: ${id}\ntitle: Track ${id}\nsummary: A track.\nsteps:${core}\nbranches:${list || ' []'}\n`;
}
const pre = (...ids: string[]) => `\n    prerequisites: [${ids.join(', ')}]`;
const twoResources = resource('r-one') + resource('r-two');

describe('branches and prerequisites', () => {
  it('loads the fixture with branches, and a track in the old format alongside it', async () => {
    const { content, problems } = await loadContent(FIXTURE);
    expect(problems.map(formatProblem)).toEqual([]);
    const track = content.tracksById.get('fixture-ml')!;
    expect(track.branches.map((b) => b.id)).toEqual(['nlp', 'vision', 'rl', 'mlops', 'genai']);
    expect(content.steps.get('transformers')).toMatchObject({ branch: { id: 'nlp', after: 'deep-learning' }, index: 2, track: { id: 'fixture-ml' } });
    expect(content.steps.get('transformers')!.step.prerequisites).toEqual(['embeddings']);
    expect(content.steps.get('python')!.branch).toBeUndefined();
    expect(content.steps.get('history-of-ml')!.step).toMatchObject({ optional: true, prerequisites: ['ml-basics'] });
    const old = content.tracksById.get('old-style')!;
    expect(old.branches).toEqual([]);
    expect(old.steps.map((s) => [s.prerequisites, s.optional])).toEqual([
      [[], false],
      [[], false],
    ]);
    // Prompts, resources and challenges may name branch steps like any step.
    expect(content.prompts.map((p) => p.step)).toContain('transformers');
    expect(content.challengesById.get('fixture-nlp-challenge')!.steps).toEqual(['transformers']);
    expect(content.resources.get('fixture-book')!.steps).toEqual(['transformers']);
  });

  it('refuses unknown prerequisites and prerequisites in another track', async () => {
    const dir = await contentDir({
      'tracks/a.yaml': branchedTrack(step('a1') + step('a2', undefined, pre('a1', 'ghost', 'b1')), [], 'a'),
      'tracks/b.yaml': branchedTrack(step('b1'), [], 'b'),
      'resources/r.yaml': twoResources,
    });
    const { content, problems } = await loadContent(dir);
    expect(problems.map(formatProblem)).toEqual([
      'tracks/a.yaml:21:25: steps[1].prerequisites[1]: unknown prerequisite step "ghost"',
      'tracks/a.yaml:21:32: steps[1].prerequisites[2]: "b1" is a step of track "b"; prerequisites must be in the same track',
    ]);
    expect(content.steps.get('a2')!.step.prerequisites).toEqual(['a1']);
  });

  it('refuses a cycle and names it', async () => {
    const dir = await contentDir({
      'tracks/t.yaml': branchedTrack(step('a', undefined, pre('c')) + step('b', undefined, pre('a')) + step('c', undefined, pre('b')) + step('d', undefined, pre('d')), []),
      'resources/r.yaml': twoResources,
    });
    const { content, problems } = await loadContent(dir);
    expect(problems.map((p) => `${p.field}: ${p.message}`)).toEqual([
      'steps[1].prerequisites[0]: prerequisites form a cycle: a → c → b → a',
      'steps[3].prerequisites[0]: prerequisites form a cycle: d → d',
    ]);
    // What is served has no cycle left: the prerequisite that closed it is dropped.
    expect(content.steps.get('b')!.step.prerequisites).toEqual([]);
    expect(content.steps.get('a')!.step.prerequisites).toEqual(['c']);
    expect(content.steps.get('d')!.step.prerequisites).toEqual([]);
  });

  it('counts a branch’s after step in cycles: a core step cannot wait for a branch that waits for it', async () => {
    const dir = await contentDir({
      'tracks/t.yaml': branchedTrack(step('core-a') + step('core-b', undefined, pre('nlp-1')), [{ id: 'nlp', after: 'core-b', steps: step('nlp-1') }]),
      'resources/r.yaml': twoResources,
    });
    const { problems } = await loadContent(dir);
    expect(problems.map((p) => `${p.field}: ${p.message}`)).toEqual([
      'steps[1].prerequisites[0]: prerequisites form a cycle: core-b → nlp-1 → core-b ("nlp-1" is in branch "nlp", which starts after "core-b")',
    ]);
  });

  it('refuses a branch whose after is not a core step of its track, and serves it after the whole core', async () => {
    const dir = await contentDir({
      'tracks/t.yaml': branchedTrack(step('a') + step('b'), [
        { id: 'one', after: 'x-1', steps: step('one-1') },
        { id: 'two', after: 'one-1', steps: step('two-1') },
        { id: 'three', after: 'other-1', steps: step('three-1') },
        { id: 'four', after: 'a', steps: step('four-1') },
      ]),
      'tracks/u.yaml': branchedTrack(step('other-1'), [], 'u'),
      'resources/r.yaml': twoResources,
    });
    const { content, problems } = await loadContent(dir);
    expect(problems.map((p) => `${p.field}: ${p.message}`)).toEqual([
      'branches[0].after: must name a core step of this track: unknown step "x-1"',
      'branches[1].after: must name a core step of this track: "one-1" is a step of branch "one"',
      'branches[2].after: must name a core step of this track: "other-1" is a step of track "u"',
    ]);
    expect(content.tracksById.get('t')!.branches.map((b) => b.after)).toEqual(['b', 'b', 'b', 'a']);
  });

  it('refuses duplicate step ids across core and branches, and duplicate branch ids', async () => {
    const dir = await contentDir({
      'tracks/t.yaml': branchedTrack(step('a') + step('b'), [
        { id: 'nlp', after: 'a', steps: step('n1') + step('b') },
        { id: 'nlp', after: 'b', steps: step('n2') },
        { id: 'cv', after: 'b', steps: step('n1') + step('c1') },
      ]),
      'resources/r.yaml': twoResources,
    });
    const { content, problems } = await loadContent(dir);
    expect(problems.map((p) => `${p.field}: ${p.message}`)).toEqual([
      'branches[0].steps[1].id: duplicate step id "b" (first in tracks/t.yaml steps[1])',
      'branches[1].id: duplicate branch id "nlp" (first is branches[0])',
      'branches[2].steps[0].id: duplicate step id "n1" (first in tracks/t.yaml branches[0].steps[0])',
    ]);
    const track = content.tracksById.get('t')!;
    expect(track.branches.map((b) => [b.id, b.steps.map((s) => s.id)])).toEqual([
      ['nlp', ['n1']],
      ['cv', ['c1']],
    ]);
    expect(content.steps.get('b')!.branch).toBeUndefined();
    expect(content.steps.get('c1')).toMatchObject({ branch: { id: 'cv' }, index: 0 });
  });

  it('a renamed branch step keeps its progress through replaces, like a core step', async () => {
    const dir = await contentDir({
      'tracks/t.yaml': branchedTrack(step('a'), [{ id: 'nlp', after: 'a', steps: step('new-nlp', undefined, '\n    replaces: [old-nlp]') }]),
      'resources/r.yaml': resource('r-one', ['old-nlp']) + resource('r-two'),
    });
    const { content, problems } = await loadContent(dir);
    expect(problems.map(formatProblem)).toEqual([]);
    expect(findStep(content, 'old-nlp')).toMatchObject({ step: { id: 'new-nlp' }, branch: { id: 'nlp' } });
    expect(content.resources.get('r-one')!.steps).toEqual(['new-nlp']);
  });

  it('reports a bad field of a branch once and keeps the rest of the track', async () => {
    const dir = await contentDir({
      'tracks/t.yaml': branchedTrack(step('a'), [
        { id: 'nlp', after: 'a', steps: step('n1') },
        { id: 'Bad Id', after: 'a', steps: step('v1') },
      ]),
      'resources/r.yaml': resource('r-one', ['v1']) + resource('r-two'),
    });
    const { content, problems } = await loadContent(dir);
    expect(problems.map((p) => `${p.field}: ${p.message}`)).toEqual(['branches[1](Bad Id).id: must be a slug: lower-case letters, digits and single hyphens']);
    expect(content.tracksById.get('t')!.branches.map((b) => b.id)).toEqual(['nlp']);
  });
});

describe('content:check is helpful (issue 11)', () => {
  it('gives a YAML syntax error as file:line:column', async () => {
    const dir = await contentDir({
      'tracks/t.yaml': track(step('a') + step('b')),
      'resources/r.yaml': twoResources,
      'prompts/p.yaml': '- id: p1\n  step: a\n  topic: x\n  text: Why: this?\n- id: p2\n  step: b\n  topic: x\n  text: Fine.\n',
    });
    const problems = (await loadContent(dir)).problems.map(formatProblem);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^prompts\/p\.yaml:4:9: Nested mappings are not allowed in compact mappings$/);
  });

  it('one bad field of a step is one problem, not one more per reference to that step', async () => {
    const references = Array.from({ length: 15 }, (_, i) => `- id: p${i}\n  step: b\n  topic: x\n  text: Prompt ${i}\n`).join('');
    const dir = await contentDir({
      'tracks/t.yaml': track(step('a') + step('b', undefined, pre('a')).replace('hours: 10', 'hours: ten') + step('c', undefined, pre('b'))),
      'resources/r.yaml': resource('r-one', ['b']) + resource('r-two'),
      'prompts/p.yaml': references,
      'challenges/c.yaml':
        '- id: ch\n  title: C\n  url: https://www.kaggle.com/competitions/titanic\n  difficulty: beginner\n  skills: [x]\n  steps: [b]\n  goal: Do it.\n',
    });
    const { content, problems } = await loadContent(dir);
    expect(problems.map(formatProblem)).toEqual(['tracks/t.yaml:19:12: steps[1](b).hours: Invalid input: expected number, received string']);
    // Served without the broken step, and nothing points at it.
    expect(content.prompts).toEqual([]);
    expect(content.steps.get('c')!.step.prerequisites).toEqual([]);
    expect(content.resources.get('r-one')!.steps).toEqual([]);
  });

  it('a bad resource is one problem, not one more per step listing it', async () => {
    const dir = await contentDir({
      'tracks/t.yaml': track(step('a') + step('b') + step('c')),
      'resources/r.yaml': resource('r-one').replace('kind: docs', 'kind: podcast') + resource('r-two'),
    });
    const problems = (await loadContent(dir)).problems.map((p) => `${p.field}: ${p.message}`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\[0\]\(r-one\)\.kind: /);
  });

  it('a broken track file gives its syntax error only, not an unknown step for every reference into it', async () => {
    const dir = await contentDir({
      'tracks/t.yaml': track(step('a') + step('b').replace('summary: Summary of b', 'summary: Summary: of b')),
      'resources/r.yaml': resource('r-one', ['a', 'b']) + resource('r-two', ['b']),
      'prompts/p.yaml': '- id: p1\n  step: b\n  topic: x\n  text: Hello\n',
    });
    const problems = (await loadContent(dir)).problems.map(formatProblem);
    expect(problems).toEqual([expect.stringMatching(/^tracks\/t\.yaml:\d+:\d+: Nested mappings are not allowed in compact mappings$/)]);
  });

  it('an unknown step that is really unknown is still reported', async () => {
    const dir = await contentDir({
      'tracks/t.yaml': track(step('a').replace('hours: 10', 'hours: ten') + step('b')),
      'resources/r.yaml': resource('r-one', ['a', 'typo']) + resource('r-two'),
    });
    const problems = (await loadContent(dir)).problems.map((p) => `${p.field}: ${p.message}`);
    expect(problems).toEqual(['[0](r-one).steps[1]: unknown step "typo"', 'steps[0](a).hours: Invalid input: expected number, received string']);
  });
});

describe('prerequisites are named (issue 26)', () => {
  it('warns about a core step after the first that names no prerequisites; an explicit [] and branch steps are fine', async () => {
    const dir = await contentDir({
      'tracks/t.yaml': branchedTrack(step('first') + step('second') + step('third', undefined, '\n    prerequisites: []') + step('fourth', undefined, pre('first')), [
        { id: 'b', after: 'first', steps: step('b-1') },
      ]),
      'resources/r.yaml': twoResources,
    });
    const { problems, warnings } = await loadContent(dir);
    expect(problems).toEqual([]);
    const named = warnings.filter((w) => w.message.startsWith('names no prerequisites'));
    expect(named.map(formatProblem)).toEqual([
      'tracks/t.yaml:13:9: steps[1](second): names no prerequisites: list the steps it needs, or write "prerequisites: []" if it needs none (only the first core step goes without)',
    ]);
  });

  it('content:check prints warnings and still exits 0', async () => {
    const dir = await contentDir({ 'tracks/t.yaml': track(step('a') + step('b')), 'resources/r.yaml': twoResources });
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/content/check.ts', dir], { cwd: join(import.meta.dirname, '../..') });
    expect(stdout).toContain('warning: tracks/t.yaml:13:9: steps[1](b): names no prerequisites');
    expect(stdout).toMatch(/content OK: .* \d+ warning\(s\) about the house rules/);
  });

  it('the shipped core names prerequisites everywhere and stays walkable in file order', async () => {
    const { content, warnings } = await loadContent(join(import.meta.dirname, '../../content'));
    expect(warnings.filter((w) => w.message.startsWith('names no prerequisites')).map(formatProblem)).toEqual([]);
    for (const track of content.tracks) {
      const order = new Map(track.steps.map((s, i) => [s.id, i]));
      track.steps.forEach((s, i) => {
        for (const p of s.prerequisites) expect(order.get(p), `${s.id} waits for ${p}, which must be an earlier core step`).toBeLessThan(i);
      });
    }
    // More than the handful of steps that used to show 🔒 from day one.
    const ml = content.tracksById.get('ml-engineer')!;
    expect(ml.steps.slice(1).every((s) => s.optional || s.prerequisites.length > 0)).toBe(true);
  });
});

describe('a track reuses steps of another track (use:)', () => {
  const use = (id: string, extra = '') => `\n  - use: ${id}${extra}`;

  it('puts the shared step in place, keeps one id for both tracks, and lets the track give its own prerequisites', async () => {
    const dir = await contentDir({
      'tracks/a.yaml': branchedTrack(step('a1') + step('a2', undefined, pre('a1')) + step('a3', undefined, pre('a2')), [], 'a'),
      'tracks/b.yaml': branchedTrack(use('a1') + step('b1', undefined, pre('a1')) + use('a3', `\n    prerequisites: [b1]`), [], 'b'),
      'resources/r.yaml': twoResources,
    });
    const { content, problems } = await loadContent(dir);
    expect(problems.map(formatProblem)).toEqual([]);
    const b = content.tracksById.get('b')!;
    expect(b.steps.map((s) => [s.id, s.prerequisites])).toEqual([
      ['a1', []],
      ['b1', ['a1']],
      ['a3', ['b1']],
    ]);
    // One step, two tracks: it is indexed once, under the track that writes it in full.
    expect(content.steps.get('a3')).toMatchObject({ track: { id: 'a' }, index: 2 });
    expect(content.tracksById.get('a')!.steps.find((s) => s.id === 'a3')!.prerequisites).toEqual(['a2']);
    // Progress on a shared step counts in both tracks.
    const done = ['a1', 'a3'];
    expect(trackProgress(content.tracksById.get('a')!, done)).toMatchObject({ done: 2, total: 3 });
    expect(trackProgress(b, done)).toMatchObject({ done: 2, total: 3 });
    expect(trackProgress(b, done).current?.step.id).toBe('b1');
  });

  it('reports an unknown or repeated step, a branch step, a bad entry and an inherited prerequisite the track lacks, at their lines', async () => {
    const dir = await contentDir({
      'tracks/a.yaml': branchedTrack(step('a1') + step('a2', undefined, pre('a1')) + step('a3', undefined, pre('a2')), [{ id: 'br', after: 'a1', steps: step('br-1') }], 'a'),
      'tracks/b.yaml': branchedTrack(
        step('b1') + use('ghost') + use('b1') + use('a3') + use('a1') + use('a1') + use('br-1') + '\n  - use: a1\n    hours: 3',
        [],
        'b',
      ),
      'resources/r.yaml': twoResources,
    });
    const { content, problems } = await loadContent(dir);
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.field}: ${p.message}`)).toEqual([
      'tracks/b.yaml:13: steps[1].use: unknown step "ghost"',
      'tracks/b.yaml:14: steps[2].use: "b1" is already a step of this track',
      'tracks/b.yaml:15: steps[3].prerequisites[0]: "a2" (a prerequisite of "a3" in track "a") is not a step of this track: give "prerequisites:" for this track on the use: entry',
      'tracks/b.yaml:17: steps[5].use: "a1" is used twice in this track',
      'tracks/b.yaml:18: steps[6].use: "br-1" is a step of branch "br" of track "a"; only core steps can be reused',
      'tracks/b.yaml:19: steps[7]: Unrecognized key: "hours"',
    ]);
    // Served: what could be placed, with the prerequisite that cannot be met dropped.
    expect(content.tracksById.get('b')!.steps.map((s) => [s.id, s.prerequisites])).toEqual([
      ['b1', []],
      ['a3', []],
      ['a1', []],
    ]);
  });
});

describe('the shipped content (issue 26)', () => {
  it('meets the house rules and the targets: 40+ steps over two tracks, 220 prompts, 200 resources, 30 challenges', async () => {
    const { content, problems, warnings } = await loadContent(join(import.meta.dirname, '../../content'));
    expect(problems.map(formatProblem)).toEqual([]);
    expect(warnings.map(formatProblem)).toEqual([]);
    expect(content.tracks.map((t) => t.id)).toEqual(['ml-engineer', 'ai-engineer']);
    expect(content.steps.size).toBeGreaterThanOrEqual(40);
    expect(content.prompts.length).toBeGreaterThanOrEqual(220);
    expect(content.resources.size).toBeGreaterThanOrEqual(200);
    expect(content.challenges.length).toBeGreaterThanOrEqual(30);
    const ai = content.tracksById.get('ai-engineer')!;
    const shared = ai.steps.filter((s) => content.steps.get(s.id)!.track.id !== ai.id).map((s) => s.id);
    expect(shared).toEqual(['python-programming', 'statistics-probability', 'ml-engineering-practices', 'ml-ethics']);
  });
});


describe('a challenge’s metric (issue 24)', () => {
  const challenge = (metric: string) =>
    `- id: ch\n  title: C\n  url: https://www.kaggle.com/competitions/titanic\n  difficulty: beginner\n  skills: [x]\n  steps: [a]\n  goal: Do it.\n${metric}`;

  it('is higher, lower or left out; anything else is a problem at its place', async () => {
    const base = { 'tracks/t.yaml': track(step('a')), 'resources/r.yaml': resource('r-one', ['a']) + resource('r-two') };
    for (const [text, expected] of [
      ['  metric: lower\n', 'lower'],
      ['  metric: higher\n', 'higher'],
      ['', undefined],
    ] as const) {
      const { content, problems } = await loadContent(await contentDir({ ...base, 'challenges/c.yaml': challenge(text) }));
      expect(problems).toEqual([]);
      expect(content.challengesById.get('ch')!.metric).toBe(expected);
    }
    const { problems } = await loadContent(await contentDir({ ...base, 'challenges/c.yaml': challenge('  metric: rmse\n') }));
    expect(problems.map(formatProblem)).toEqual([expect.stringMatching(/^challenges\/c\.yaml:8:11: \[0\]\(ch\)\.metric: /)]);
  });

  it('is set on every shipped challenge with a leaderboard, from its competition’s metric', async () => {
    const { content } = await loadContent(join(import.meta.dirname, '../../content'));
    const without = content.challenges.filter((c) => !c.metric).map((c) => c.id);
    expect(without).toEqual(['gpt-oss-red-teaming', 'gemma-3n-impact', 'gemini-long-context']);
    expect(content.challengesById.get('house-prices')!.metric).toBe('lower');
    expect(content.challengesById.get('titanic')!.metric).toBe('higher');
  });
});
