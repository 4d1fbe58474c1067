import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../src/db/client.js';

/**
 * A migrated database for one test file: in-memory PGlite by default, or a fresh database on the
 * server named by TEST_DATABASE_URL (created here, dropped on close). Close it in afterAll.
 */
export async function openTestDatabase(): Promise<Database & { url?: string }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) return openDatabase({ memory: true });

  const name = `cohort_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString() });
  return {
    ...database,
    url: url.toString(),
    async close() {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 1 });
    },
  };
}

/** A guild id unique within a test run, so that tests sharing a database never see each other's rows. */
let counter = 0;
export function uniqueGuildId(): string {
  counter += 1;
  return (BigInt(Date.now()) * 1_000_000n + BigInt(process.pid % 1000) * 1000n + BigInt(counter)).toString();
}
