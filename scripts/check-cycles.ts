/**
 * `npm run lint` runs this after eslint: it fails on any import cycle among the project's own
 * modules, type-only imports included (eslint-plugin-import-x's no-cycle skips `import type`, and
 * a cycle of types still ties two modules together: neither can be read or moved alone).
 * Imports are read with TypeScript's own pre-processor; relative `.js` specifiers resolve to `.ts`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
const roots = ['src', 'commands', 'scripts', 'tests'].map((d) => join(root, d));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sources(path);
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return undefined;
}

const files = roots.filter((d) => existsSync(d)).flatMap(sources);
const edges = new Map<string, string[]>();
for (const file of files) {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  edges.set(file, [...new Set(importedFiles.map((f) => resolveImport(file, f.fileName)).filter((f): f is string => f !== undefined))]);
}

// Tarjan's strongly connected components: every component of more than one module is a cycle.
let index = 0;
const indices = new Map<string, number>();
const lowlink = new Map<string, number>();
const stack: string[] = [];
const onStack = new Set<string>();
const cycles: string[][] = [];
function connect(v: string): void {
  indices.set(v, index);
  lowlink.set(v, index++);
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v) ?? []) {
    if (!indices.has(w)) {
      connect(w);
      lowlink.set(v, Math.min(lowlink.get(v)!, lowlink.get(w)!));
    } else if (onStack.has(w)) lowlink.set(v, Math.min(lowlink.get(v)!, indices.get(w)!));
  }
  if (lowlink.get(v) === indices.get(v)) {
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (edges.get(v) ?? []).includes(v)) cycles.push(component);
  }
}
for (const file of files) if (!indices.has(file)) connect(file);

if (cycles.length > 0) {
  for (const cycle of cycles) console.error(`import cycle (type imports included): ${cycle.map((f) => relative(root, f)).sort().join(' ↔ ')}`);
  console.error(`${cycles.length} import cycle${cycles.length === 1 ? '' : 's'}: move the shared types to the module both sides depend on.`);
  process.exit(1);
}
console.log(`no import cycles among ${files.length} modules (type imports included)`);
