/**
 * `npm run content:check [-- DIR]`: validates content/ and prints every problem as
 * `file: field: message`. Exits 1 when there is any problem.
 */
import { resolve } from 'node:path';
import { formatProblem, loadContent } from './loader.js';

const args = process.argv.slice(2);
const dir = resolve(args.find((a) => !a.startsWith('--')) ?? process.env.CONTENT_DIR ?? 'content');

const { content, problems } = await loadContent(dir);
for (const problem of problems) console.log(formatProblem(problem));

const steps = content.tracks.reduce((n, t) => n + t.steps.length, 0);
const summary = `${content.tracks.length} track(s), ${steps} steps, ${content.resources.size} resources, ${content.prompts.length} prompts, ${content.challenges.length} challenges`;
if (problems.length > 0) {
  console.log(`\n${problems.length} problem(s) in ${dir} (${summary} valid)`);
  process.exitCode = 1;
} else {
  console.log(`content OK: ${summary}`);
}
