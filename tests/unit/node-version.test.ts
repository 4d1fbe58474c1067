import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REQUIRED_NODE_MAJOR, unsupportedNode } from '../../src/node-version.js';

const root = join(import.meta.dirname, '../..');

describe('the Node version', () => {
  it('an older Node gets one sentence saying which version to install', () => {
    expect(unsupportedNode('20.20.2')).toBe(
      'Cohort needs Node.js 24 or newer, and this is Node.js v20.20.2: install Node.js 24 LTS (https://nodejs.org, or `nvm install 24`), then run `npm ci` again.',
    );
    expect(unsupportedNode('v23.11.0')).toMatch(/^Cohort needs Node\.js 24 or newer, and this is Node\.js v23\.11\.0:/);
    expect(unsupportedNode('24.0.0')).toBeUndefined();
    expect(unsupportedNode('26.1.0')).toBeUndefined();
  });

  it('is one number everywhere: package.json engines, the Dockerfile base image, and npm refuses an older one (engine-strict)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${REQUIRED_NODE_MAJOR}`);
    expect(readFileSync(join(root, 'Dockerfile'), 'utf8')).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${REQUIRED_NODE_MAJOR}-`, 'm'));
    expect(readFileSync(join(root, '.npmrc'), 'utf8')).toMatch(/^engine-strict=true$/m);
  });

  it('main.ts checks it before it loads anything else (only node-version.ts is imported statically)', () => {
    const main = readFileSync(join(root, 'src/main.ts'), 'utf8');
    const staticImports = [...main.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
    expect(staticImports).toEqual(['./node-version.js']);
    expect(readFileSync(join(root, 'src/node-version.ts'), 'utf8')).not.toMatch(/^import /m);
  });
});
