import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf, type Db, type Database } from '../../src/db/client.js';
import * as schema from '../../src/db/schema.js';
import { openTestDatabase, uniqueGuildId } from '../support/db.js';

let database: Database & { url?: string };
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe('rowsOf (raw statements)', () => {
  it('returns the rows, whatever the driver', async () => {
    const guildId = uniqueGuildId();
    const rows = await rowsOf<{ id: string; n: number }>(database.db, sql`select ${guildId}::text as id, ${2}::int + 1 as n`);
    expect(rows).toEqual([{ id: guildId, n: 3 }]);
    // Inside a transaction too (a savepoint's handle is a Tx).
    const inTx = await database.db.transaction((tx) => rowsOf<{ n: number }>(tx, sql`select ${5}::int as n`));
    expect(inTx).toEqual([{ n: 5 }]);
  });

  // One connection, so that pg_prepared_statements (per session) sees what rowsOf left there.
  it.skipIf(!process.env.TEST_DATABASE_URL)('runs the statement prepared on PostgreSQL: parsed once per connection, not on every call', async () => {
    const client = postgres(database.url!, { max: 1, onnotice: () => {} });
    try {
      const db = drizzle(client, { schema }) as unknown as Db;
      const marker = `rows_of_probe_${Date.now()}`;
      const statement = (n: number) => sql`select ${n}::int as n, ${marker}::text as marker`;
      for (let n = 0; n < 3; n++) expect(await rowsOf<{ n: number }>(db, statement(n))).toEqual([{ n, marker }]);
      const prepared = await client<{ statement: string }[]>`select statement from pg_prepared_statements where statement like ${'%::text as marker%'}`;
      expect(prepared).toHaveLength(1);
      // drizzle's own execute (unprepared) leaves nothing behind: the check above can fail.
      await db.execute(sql`select ${1}::int as other_probe`);
      const after = await client`select count(*)::int as n from pg_prepared_statements where statement like ${'%other_probe%'}`;
      expect(after[0]!.n).toBe(0);
    } finally {
      await client.end({ timeout: 1 });
    }
  });
});
