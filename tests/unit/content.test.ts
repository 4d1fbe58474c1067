import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { findStep, formatProblem, loadContent } from '../../src/content/loader.js';

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
    expect(mlTrack.steps.length).toBeLessThanOrEqual(20);
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
    expect(problems.map(formatProblem)).toEqual(['tracks/t.yaml: steps[1](b).hours: Invalid input: expected number, received string']);
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
        expect.stringMatching(/^resources\/r\.yaml: .*\.id: duplicate resource id "r-one"/),
        expect.stringMatching(/^tracks\/t\.yaml: steps\[1\]\.id: duplicate step id "a"/),
        expect.stringMatching(/^tracks\/t\.yaml: steps\[0\]\.resources\[1\]: unknown resource "nope"/),
        expect.stringMatching(/^resources\/r\.yaml: .*steps\[0\]: unknown step "missing-step"/),
        expect.stringMatching(/^prompts\/p\.yaml: .*\.step: unknown step "zzz"/),
        expect.stringMatching(/^challenges\/c\.yaml: /),
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
      'tracks/t.yaml: steps[1].replaces[0]: "new-name" is still a current step id',
      'tracks/t.yaml: steps[1].replaces[1]: "old-name" is already replaced by "new-name"',
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
    expect(error.stdout).toContain('tracks/t.yaml: steps[0].resources[0]: unknown resource "ghost"');
    expect(error.stdout).toContain('tracks/t.yaml: steps[1](b).resources: needs at least 2 resources');
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
