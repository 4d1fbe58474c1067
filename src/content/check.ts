/**
 * `npm run content:check [-- DIR] [--server SERVER_DIR] [--links]`: validates content/ (with a server's
 * own files from SERVER_DIR layered over it, laid out like content/: docs/server-content.md) and prints every problem as
 * `file: field: message`. Exits 1 when there is any problem. Breaches of the house rules (a core step
 * that names no prerequisites, a step with fewer than 4 prompts or resources...) are printed as
 * `warning: ...` and do not change the exit code.
 * With `--links` it also checks every resource and challenge URL (src/content/links.ts): dead
 * links exit 1; links that could not be checked (offline, blocked) are listed and exit 0.
 */
import { resolve } from 'node:path';
import { checkLinks, formatLinkReport } from './links.js';
import { buildContent, formatProblem, readContentFiles } from './loader.js';

const args = process.argv.slice(2);
const serverAt = args.indexOf('--server');
const serverDir = serverAt >= 0 ? args[serverAt + 1] : undefined;
const dir = resolve(args.find((a, i) => !a.startsWith('--') && (serverAt < 0 || i !== serverAt + 1)) ?? process.env.CONTENT_DIR ?? 'content');

const { content, problems, warnings } = buildContent(await readContentFiles(dir), serverDir ? await readContentFiles(resolve(serverDir), 'server/') : []);
for (const problem of problems) console.log(formatProblem(problem));
for (const warning of warnings) console.log(`warning: ${formatProblem(warning)}`);

const steps = content.steps.size;
const summary = `${content.tracks.length} track(s), ${steps} steps, ${content.resources.size} resources, ${content.prompts.length} prompts, ${content.challenges.length} challenges`;
if (problems.length > 0) {
  console.log(`\n${problems.length} problem(s) in ${dir} (${summary} valid)`);
  process.exitCode = 1;
} else {
  console.log(`content OK: ${summary}${warnings.length > 0 ? `, ${warnings.length} warning(s) about the house rules (content/README.md)` : ''}`);
}

if (args.includes('--links')) {
  const owners = new Map<string, string>();
  for (const r of content.resources.values()) owners.set(r.url, `resource ${r.id} <${r.url}>`);
  for (const c of content.challenges) owners.set(c.url, `challenge ${c.id} <${c.url}>`);
  console.log(`\nchecking ${owners.size} link(s)…`);
  const report = await checkLinks([...owners.keys()]);
  for (const line of formatLinkReport(report, (url) => owners.get(url) ?? url)) console.log(line);
  if (report.dead > 0) process.exitCode = 1;
}
