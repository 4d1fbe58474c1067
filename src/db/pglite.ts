import type { PGlite, PGliteOptions } from '@electric-sql/pglite';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { brotliDecompress } from 'node:zlib';
import { projectRoot } from '../paths.js';

/**
 * shared_buffers of the embedded database. initdb picks Postgres' default of 128MB and the backend
 * touches all of it at start: ~130 MB of resident memory and ~0.3 s per start for a database that
 * is a few MB. 16MB keeps PGlite's own footprint near 160 MB; the OS page cache still holds the files.
 */
export const PGLITE_SHARED_BUFFERS = '16MB';

/**
 * V8 flags set before PGlite compiles its WebAssembly (9 MB of it): the baseline compiler
 * (Liftoff) only, no tier-up of hot functions to the optimizing compiler (TurboFan). With V8's
 * defaults that tier-up runs in the first seconds of use and briefly takes some 450 MB of native
 * memory (RSS falls back after it, the peak stays): a start on a new database with 10,000 servers
 * peaked at 862 MB, 363 MB with these flags. `--no-wasm-tier-up --no-wasm-dynamic-tiering` are
 * the two that matter (either alone leaves the peak). The price is CPU inside the database: point
 * statements cost about the same, long scans and sorts two to three times as much. The flags
 * concern WebAssembly only, and the whole process: once set they hold for every module compiled
 * after. PGLITE_V8_FLAGS replaces them (`none`: V8's defaults).
 */
export const PGLITE_V8_FLAGS: readonly string[] = ['--liftoff-only', '--no-wasm-tier-up', '--no-wasm-dynamic-tiering'];

/** Sets V8 flags for the WebAssembly compiled from now on (none: nothing changes). */
export function applyV8Flags(flags: readonly string[]): void {
  if (flags.length > 0) setFlagsFromString(flags.join(' '));
}

/** Where the data directory PGlite's initdb produces is kept, per PGlite version (see scripts/pglite-template.ts). */
export const pgliteTemplateDir = join(projectRoot, 'migrations', 'pglite');

export function pgliteTemplatePath(version: string): string {
  return join(pgliteTemplateDir, `initdb-${version}.tar.br`);
}

/** The installed PGlite version (the template is only valid for the exact version that made it). */
export function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve('@electric-sql/pglite'));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === '@electric-sql/pglite' && parsed.version) return parsed.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

/** Backend options for every PGlite we open (initdb included, so a new postgresql.conf says the same). */
export async function pgliteOptions(): Promise<PGliteOptions> {
  const { PGlite } = await import('@electric-sql/pglite');
  return {
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
    initDbStartParams: ['--set', `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
  };
}

export type PgliteInit = 'existing' | 'template' | 'initdb';

/**
 * Creates (or opens) an embedded database. A new one is not made by running initdb — ~3.5 s of
 * WebAssembly and ~700 MB of peak memory — but from the data directory that initdb made for this
 * PGlite version: unpacked straight into the data directory (PG_VERSION last, so an interrupted
 * unpack is redone on the next start), or for an in-memory database handed to PGlite's loadDataDir.
 * Without a template for the installed version it falls back to initdb. `v8Flags` are set first
 * (see PGLITE_V8_FLAGS).
 */
export async function createPglite(
  dataDir: string | undefined,
  { templatePath = pgliteTemplatePath(pgliteVersion()), v8Flags = PGLITE_V8_FLAGS }: { templatePath?: string; v8Flags?: readonly string[] } = {},
): Promise<{ client: PGlite; init: PgliteInit }> {
  applyV8Flags(v8Flags);
  const { PGlite } = await import('@electric-sql/pglite');
  const options = await pgliteOptions();
  if (dataDir && existsSync(join(dataDir, 'PG_VERSION'))) return { client: await PGlite.create(dataDir, options), init: 'existing' };
  if (dataDir) {
    // Unpacked in a call of its own, so that the 40 MB tar is garbage before PGlite starts.
    const unpacked = await unpackTemplate(templatePath, dataDir);
    return { client: await PGlite.create(dataDir, options), init: unpacked ? 'template' : 'initdb' };
  }
  const tar = await readTemplate(templatePath);
  if (tar) return { client: await PGlite.create({ ...options, loadDataDir: new Blob([tar], { type: 'application/x-tar' }) }), init: 'template' };
  return { client: await PGlite.create(options), init: 'initdb' };
}

/** Unpacks the template into `dir`; false when there is none (initdb will run). */
async function unpackTemplate(templatePath: string, dir: string): Promise<boolean> {
  const tar = await readTemplate(templatePath);
  if (tar) unpackTar(tar, dir);
  return tar !== undefined;
}

/** More than the unpacked template (about 40 MB); brotli's output is cut into chunks of this size. */
const TEMPLATE_CHUNK_BYTES = 64 * 1024 * 1024;

/** The template as a tar, or undefined when there is none (or it is unreadable): then initdb runs. */
async function readTemplate(path: string): Promise<Buffer | undefined> {
  try {
    // One output chunk for the whole tar (about 40 MB), not zlib's 16 KB chunks joined at the end:
    // freed, those thousands of small allocations stayed resident (some 90 MB of RSS, against 44).
    return await promisify(brotliDecompress)(await readFile(path), { chunkSize: TEMPLATE_CHUNK_BYTES });
  } catch {
    return undefined;
  }
}

/** Writes the directories and files of a (ustar) tar below `dir`; PG_VERSION, which marks a data directory as made, last. */
function unpackTar(tar: Buffer, dir: string): void {
  const text = (from: number, length: number) => {
    const field = tar.subarray(from, from + length);
    const end = field.indexOf(0);
    return field.subarray(0, end < 0 ? length : end).toString('utf8');
  };
  const root = normalize(dir + sep);
  const made = new Set<string>();
  const mkdir = (path: string) => {
    if (made.has(path)) return;
    mkdirSync(path, { recursive: true, mode: 0o700 });
    made.add(path);
  };
  let last: { path: string; data: Buffer } | undefined;
  for (let offset = 0; offset + 512 <= tar.length && tar[offset] !== 0; ) {
    const prefix = text(offset + 345, 131);
    const name = prefix ? `${prefix}/${text(offset, 100)}` : text(offset, 100);
    const size = Number.parseInt(text(offset + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(tar[offset + 156]!);
    const path = normalize(join(dir, name));
    if (!path.startsWith(root)) throw new Error(`PGlite template: entry outside the data directory: ${name}`);
    const data = tar.subarray(offset + 512, offset + 512 + size);
    if (type === '5') mkdir(path);
    else if (type === '0' || type === '\0') {
      mkdir(dirname(path));
      if (name.replace(/^\/+/, '') === 'PG_VERSION') last = { path, data };
      else writeFileSync(path, data, { mode: 0o600 });
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  if (!last) throw new Error('PGlite template: no PG_VERSION in it');
  writeFileSync(last.path, last.data, { mode: 0o600 });
}
