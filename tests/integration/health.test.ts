import { sql } from 'drizzle-orm';
import { createServer, type AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCohort, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { checkDatabaseWrites, describeWriteFailure } from '../../src/db/queries/health.js';
import { StartupError } from '../../src/errors.js';
import { startHttpServer } from '../../src/http/server.js';
import { createMetrics } from '../../src/http/metrics.js';
import { FAKE_TOKEN, startFakeDiscord, type FakeDiscord } from '../../src/sim/index.js';
import { freePort } from '../../src/sim/net.js';
import type { TestDatabase } from '../support/bot.js';
import { openTestDatabase } from '../support/db.js';

let database: TestDatabase;
let fake: FakeDiscord;
let app: App;
let port: number;
beforeAll(async () => {
  database = await openTestDatabase();
  fake = await startFakeDiscord();
  fake.addGuild({ name: 'Health' });
  port = await freePort();
  app = await startCohort({ config: loadConfig({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl, HTTP_PORT: String(port), LOG_LEVEL: 'silent' }), database });
  await app.ready;
});
afterAll(async () => {
  await app?.stop();
  await fake?.close();
  await database?.close();
});

const healthz = async () => {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, string> } };
};

/** Makes every write to the probe row fail with `sqlstate` (as the server reports a full disk, 53100), or lifts it. */
async function failProbeWrites(sqlstate: string | undefined, message = 'could not extend file "base/5/16384": No space left on device'): Promise<void> {
  await database.db.execute(sql`drop trigger if exists health_probe_fails on health_probe`);
  if (!sqlstate) return;
  await database.db.execute(
    sql.raw(`create or replace function health_probe_fails() returns trigger language plpgsql as $$
      begin raise exception '${message}' using errcode = '${sqlstate}'; end $$`),
  );
  await database.db.execute(sql`create trigger health_probe_fails before insert or update on health_probe for each row execute function health_probe_fails()`);
}

describe('/healthz checks that the database can write', () => {
  it('is 200 while a write goes through, and the probe row holds the time of the last check', async () => {
    expect(await healthz()).toEqual({ status: 200, body: { status: 'ok', checks: { database: 'ok', gateway: 'ok', scheduler: 'ok' } } });
    const rows = await database.db.execute<{ checked_at: unknown }>(sql`select checked_at from health_probe where id = 1`);
    const found: unknown = rows;
    expect(Array.isArray(found) ? found : (found as { rows: unknown[] }).rows).toHaveLength(1);
  });

  it('a database that answers `select 1` but cannot write (a full disk): 503, "database cannot write: no space left"', async () => {
    await failProbeWrites('53100');
    try {
      await database.ping(); // reads still work
      expect(await healthz()).toEqual({
        status: 503,
        body: { status: 'unhealthy', failed: ['database'], checks: { database: 'database cannot write: no space left', gateway: 'ok', scheduler: 'ok' } },
      });
    } finally {
      await failProbeWrites(undefined);
    }
    expect((await healthz()).status).toBe(200);
  });

  it('a read-only database: says so', async () => {
    await failProbeWrites('25006', 'cannot execute INSERT in a read-only transaction');
    try {
      const { status, body } = await healthz();
      expect(status).toBe(503);
      expect(body.checks.database).toBe('database cannot write: it is read-only (a standby, or default_transaction_read_only is on)');
    } finally {
      await failProbeWrites(undefined);
    }
  });
});

describe('describeWriteFailure', () => {
  it('reads PGlite\'s and the operating system\'s words for a full disk too', async () => {
    expect(describeWriteFailure(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }))).toBe('database cannot write: no space left');
    expect(describeWriteFailure(new Error('Failed query: insert ...', { cause: new Error('could not write to file "pg_wal/xlogtemp.42": No space left on device') }))).toBe('database cannot write: no space left');
    expect(describeWriteFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe('database cannot write: the server refuses connections (is it running?)');
    expect(describeWriteFailure(new Error('Failed query: insert into "health_probe"\nparams: 1', { cause: new Error('something new') }))).toBe('database cannot write: something new');
    await expect(checkDatabaseWrites(database.db, new Date())).resolves.toBeUndefined();
  });
});

describe('the HTTP server', () => {
  const metrics = createMetrics();
  const logger = pino({ level: 'silent' });

  it('listens on 127.0.0.1 by default (HTTP_HOST), so /metrics is not on every interface', async () => {
    const config = loadConfig({ DISCORD_TOKEN: FAKE_TOKEN, HTTP_PORT: String(await freePort()) });
    const server = await startHttpServer({ port: config.HTTP_PORT!, host: config.HTTP_HOST, checks: {}, metrics, logger });
    try {
      expect(server.address).toBe('127.0.0.1');
    } finally {
      await server.close();
    }
  });

  it('a port in use is one sentence naming HTTP_PORT', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const busy = (taken.address() as AddressInfo).port;
    try {
      const error = await startHttpServer({ port: busy, host: '127.0.0.1', checks: {}, metrics, logger }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StartupError);
      expect((error as Error).message).toBe(`HTTP_PORT ${busy} is already in use on 127.0.0.1 (another process, perhaps another Cohort, listens there): stop it or choose another HTTP_PORT.`);
    } finally {
      taken.close();
    }
  });
});
