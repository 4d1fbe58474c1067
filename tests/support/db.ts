import { openDatabase, type Database } from '../../src/db/client.js';
import type { DatabaseDeadlines } from '../../src/db/deadlines.js';
import { scratchPostgres } from '../../src/sim/postgres.js';

/**
 * A migrated database for one test file: in-memory PGlite by default, or a fresh database on the
 * server named by TEST_DATABASE_URL (created here, dropped on close). Close it in afterAll.
 */
export async function openTestDatabase(options: { deadlines?: DatabaseDeadlines } = {}): Promise<Database & { url?: string }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) return openDatabase({ memory: true });
  const scratch = await scratchPostgres(serverUrl, 'cohort_test');
  const database = await openDatabase({ url: scratch.url }, options);
  return {
    ...database,
    url: scratch.url,
    async close() {
      await database.close();
      await scratch.drop();
    },
  };
}

/** A guild id unique within a test run, so that tests sharing a database never see each other's rows. */
let counter = 0;
export function uniqueGuildId(): string {
  counter += 1;
  return (BigInt(Date.now()) * 1_000_000n + BigInt(process.pid % 1000) * 1000n + BigInt(counter)).toString();
}
