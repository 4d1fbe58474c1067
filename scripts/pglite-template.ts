/**
 * `npm run db:template`: runs PGlite's initdb once, applies the migrations, and stores the data
 * directory as migrations/pglite/initdb-<pglite version>.tar.br, which src/db/pglite.ts unpacks
 * instead of running initdb for every new embedded database. Run it again after upgrading
 * @electric-sql/pglite (until then new databases fall back to initdb: correct, only slower) and,
 * optionally, after adding a migration (until then new databases apply it at start). Templates of
 * other versions are removed.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { pgliteOptions, pgliteTemplateDir, pgliteTemplatePath, pgliteVersion } from '../src/db/pglite.js';
import { migrationsDir } from '../src/paths.js';

const scratch = mkdtempSync(join(tmpdir(), 'cohort-initdb-'));
try {
  const dataDir = join(scratch, 'data');
  // initdb on disk, the migrations of this checkout, then a clean shutdown (shutdown checkpoint), so
  // the files need no recovery. A database made from the template later applies only the
  // migrations added since; running them in the template spares each new database their time and
  // the WebAssembly memory they touch (which PGlite never gives back).
  const initialised = await PGlite.create(dataDir, await pgliteOptions());
  await migrate(drizzle(initialised), { migrationsFolder: migrationsDir });
  await initialised.close();
  // Mount the stopped data directory without starting a backend, and let PGlite tar it.
  const mounted = await PGlite.create(dataDir, { noInitDb: true });
  const tar = new Uint8Array(await (await mounted.dumpDataDir('none')).arrayBuffer());
  await mounted.close();
  const compressed = brotliCompressSync(tar, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24, [constants.BROTLI_PARAM_SIZE_HINT]: tar.length },
  });
  mkdirSync(pgliteTemplateDir, { recursive: true });
  const target = pgliteTemplatePath(pgliteVersion());
  for (const name of readdirSync(pgliteTemplateDir)) {
    if (name.startsWith('initdb-') && join(pgliteTemplateDir, name) !== target) rmSync(join(pgliteTemplateDir, name));
  }
  writeFileSync(target, compressed);
  console.log(`${target}: ${(compressed.length / 1e6).toFixed(2)} MB (${(tar.length / 1e6).toFixed(1)} MB unpacked)`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
