import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { prettyAvailable } from '../../src/logger.js';

const root = join(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Packages the production code loads only when they are there (and works without them). */
const OPTIONAL_AT_RUNTIME = new Set(['pino-pretty']);

/**
 * The packages that `node dist/src/main.js` loads: every runtime import (type-only imports are
 * dropped by compiling each file as tsc does) of the files reachable from src/main.ts, plus the
 * packages resolved by name (`require.resolve('x')`, handed to a worker).
 */
function runtimePackages(): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const queue = [join(root, 'src/main.ts')];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.NodeNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true } }).outputText;
    const specifiers = ts.preProcessFile(js, true, true).importedFiles.map((f) => f.fileName);
    for (const match of source.matchAll(/\.resolve\('([^'.][^']*)'\)/g)) specifiers.push(match[1]!);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
        if (existsSync(target)) queue.push(target);
      } else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
        packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
      }
    }
  }
  return packages;
}

describe('production dependencies', () => {
  it('are exactly the packages the bot loads at run time (tsx and pino-pretty are development tools)', () => {
    const used = runtimePackages();
    expect(used.has('discord.js')).toBe(true); // the walk reaches the code
    const required = [...used].filter((name) => !OPTIONAL_AT_RUNTIME.has(name)).sort();
    expect(Object.keys(manifest.dependencies).sort()).toEqual(required);
  });

  it('keep pino-pretty out of the production install; logs are JSON without it', () => {
    expect(Object.keys(manifest.devDependencies)).toContain('pino-pretty');
    expect(prettyAvailable()).toBe(true); // installed here, as a development dependency
    expect(
      prettyAvailable(() => {
        throw Object.assign(new Error("Cannot find module 'pino-pretty'"), { code: 'MODULE_NOT_FOUND' });
      }),
    ).toBe(false);
  });
});
