import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { createPglite, PGLITE_SHARED_BUFFERS, pgliteTemplatePath, pgliteVersion } from '../../src/db/pglite.js';

// The embedded database itself (whatever TEST_DATABASE_URL says): how a new one is made and reopened.
const scratch = mkdtempSync(join(tmpdir(), 'cohort-pglite-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const tables = `select table_name from information_schema.tables where table_schema = 'public' order by table_name`;
/** Rows of a statement on an embedded database (PGlite's result shape). */
const rows = async (database: Database, statement: string) => {
  const result: unknown = await database.db.execute(statement);
  return (result as { rows: unknown[] }).rows;
};

// initdb inside PGlite's WebAssembly is CPU work: ~8 s alone, over a minute on a loaded machine.
// These tests do it (or unpack a template) and get a timeout sized for that, not for a fast machine.
const INITDB_TIMEOUT = 300_000;

describe('embedded database', () => {
  it('a new data directory is unpacked from the initdb template of this PGlite version (npm run db:template), migrated, and reopened as it was', { timeout: INITDB_TIMEOUT }, async () => {
    const dataDir = join(scratch, 'data');
    const first = await openDatabase({ dataDir });
    expect(first.opened?.init).toBe('template');
    await rows(first, `insert into guild_settings (guild_id) values ('100000000000000001')`);
    const created = await rows(first, tables);
    expect(created.length).toBeGreaterThan(5);
    await first.close();

    const again = await openDatabase({ dataDir });
    expect(again.opened?.init).toBe('existing');
    expect(await rows(again, tables)).toEqual(created);
    expect(await rows(again, `select guild_id from guild_settings`)).toEqual([{ guild_id: '100000000000000001' }]);
    expect(await rows(again, `show shared_buffers`)).toEqual([{ shared_buffers: PGLITE_SHARED_BUFFERS }]);
    await again.close();
  });

  it('a template that breaks off midway leaves nothing behind: initdb runs in the same directory', { timeout: INITDB_TIMEOUT }, async () => {
    const whole = readFileSync(pgliteTemplatePath(pgliteVersion()));
    const truncated = join(scratch, 'truncated.tar.br');
    writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const dataDir = join(scratch, 'after-truncated');
    const { client, init } = await createPglite(dataDir, { templatePath: truncated });
    expect(init).toBe('initdb');
    expect((await client.query<{ ok: number }>('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
    await client.close();
    // The same files as a directory initdb made from nothing: no piece of the template is left.
    const clean = await createPglite(join(scratch, 'clean'), { templatePath: join(scratch, 'no-such-template.tar.br') });
    await clean.client.close();
    const files = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();
    expect(files(dataDir)).toEqual(files(join(scratch, 'clean')));
  });

  it('without a template for the installed version it runs initdb (same settings)', { timeout: INITDB_TIMEOUT }, async () => {
    const { client, init } = await createPglite(undefined, { templatePath: join(scratch, 'no-such-template.tar.br') });
    expect(init).toBe('initdb');
    expect((await client.query<{ shared_buffers: string }>('show shared_buffers')).rows).toEqual([{ shared_buffers: PGLITE_SHARED_BUFFERS }]);
    expect((await client.query<{ ok: number }>('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
    await client.close();
  });
});
