import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCohort, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { StartupError } from '../../src/errors.js';
import { scratchPostgres } from '../../src/sim/postgres.js';
import { FAKE_TOKEN, startFakeDiscord } from '../../src/sim/index.js';
import { openTestDatabase } from '../support/db.js';
import { eventually, killAllBots, spawnBot } from '../support/process.js';

afterEach(async () => {
  await killAllBots();
});

describe('two processes with overlapping SHARD_IDS', () => {
  it('the second refuses to run shard 1, naming the shard and the process and host that hold it, and never connects', async () => {
    const fake = await startFakeDiscord({ shards: 2 });
    const database = await openTestDatabase();
    const apps: App[] = [];
    try {
      fake.addGuild({ name: 'Sharded' });
      const config = (ids: string) => loadConfig({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl, LOG_LEVEL: 'silent', SHARD_COUNT: '2', SHARD_IDS: ids });
      const first = await startCohort({ config: config('0,1'), database, lease: { host: 'study-1', pid: 4242, instance: 'one', isRunning: () => true } });
      apps.push(first);
      await first.ready;
      const second = startCohort({ config: config('1'), database, lease: { host: 'study-2', pid: 777, instance: 'two', isRunning: () => true } });
      const refused = await second.then(
        (app) => (apps.push(app), undefined),
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(StartupError);
      expect((refused as Error).message).toMatch(/^Shard 1 is already run by process 4242 on host study-1 \(/);
      expect(fake.connectedShards().sort()).toEqual([0, 1]); // the first's two sessions only
      const identifies = fake.requests.filter((r) => r.path === '/gateway/bot').length;
      expect(identifies).toBe(1); // the second never asked for the gateway
    } finally {
      for (const app of apps) await app.stop();
      await database.close();
      await fake.close();
    }
  });

  // Two real processes need one database both can reach: PostgreSQL (the embedded one is for one process).
  it.skipIf(!process.env.TEST_DATABASE_URL)(
    'as processes on PostgreSQL: the second exits 1 with one line naming shard 1 and its holder; once the holder is killed, a new process takes shard 1 within the lease',
    { timeout: 300_000 },
    async () => {
      const fake = await startFakeDiscord({ shards: 2 });
      const scratch = await scratchPostgres(process.env.TEST_DATABASE_URL!, 'cohort_shards');
      const dataDir = mkdtempSync(join(tmpdir(), 'cohort-shards-'));
      try {
        fake.addGuild({ name: 'Sharded' });
        // Migrate once, so that the processes do not race on the migrations.
        await (await openDatabase({ url: scratch.url })).close();
        const env = (ids: string, dir: string) => ({
          DISCORD_TOKEN: FAKE_TOKEN,
          DISCORD_API_URL: fake.apiUrl,
          DATABASE_URL: scratch.url,
          DATA_DIR: join(dataDir, dir),
          SHARD_COUNT: '2',
          SHARD_IDS: ids,
          LOG_LEVEL: 'info',
          LEASE_TTL: '3',
        });
        const first = spawnBot(env('0,1', 'a'));
        await eventually(() => first.output().includes('connected to Discord'), 'the first process connected');
        const second = spawnBot(env('1', 'b'));
        expect(await second.exited).toBe(1);
        const fatal = second.output().split('\n').filter((line) => line.includes('"level":60'));
        expect(fatal).toHaveLength(1);
        expect(JSON.parse(fatal[0]!).msg).toMatch(new RegExp(`^Shard 1 is already run by process ${first.child.pid} on host \\S+ \\(`));
        expect(second.output()).not.toContain('connected to Discord');

        first.child.kill('SIGKILL');
        await first.exited;
        // The dead holder's lease lapses within LEASE_TTL; a process started meanwhile is refused, so keep starting.
        await eventually(
          async () => {
            const next = spawnBot(env('1', 'c'));
            const outcome = await Promise.race([next.exited.then(() => 'exited'), eventuallyConnected(next)]);
            return outcome === 'connected';
          },
          'a new process on shard 1 once the dead holder’s lease lapsed',
          240_000,
        );
      } finally {
        await killAllBots();
        await fake.close();
        await scratch.drop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );
});

async function eventuallyConnected(bot: ReturnType<typeof spawnBot>): Promise<string> {
  while (!bot.output().includes('connected to Discord')) {
    if (bot.child.exitCode !== null || bot.child.signalCode !== null) return 'exited';
    await new Promise((r) => setTimeout(r, 25));
  }
  return 'connected';
}
