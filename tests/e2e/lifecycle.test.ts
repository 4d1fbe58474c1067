import { mkdtempSync, rmSync } from 'node:fs';
import { freePort } from '../../src/sim/net.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_TOKEN, startFakeDiscord, type FakeDiscord } from '../../src/sim/index.js';
import { button, chatInput } from '../../src/sim/interactions.js';
import { buttonsOf, MODERATOR, shown, textOf, until } from '../support/bot.js';
import { openTestDatabase } from '../support/db.js';
import { startHoldingProxy } from '../support/holding-proxy.js';
import { exitOf, getJson, killChildrenAfterEach, startMain, startSilentServer, waitUntil, type Running } from '../support/main-process.js';
import type { OptionsInput } from '../../src/sim/interactions.js';
import { startCohort, type App } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { loadContent } from '../../src/content/loader.js';

/** The shipped track's core, read from content/ so the expected counts follow the content. */
const shippedCore = (await loadContent(join(import.meta.dirname, '../../content'))).content.tracks[0]!.steps;
const coreLength = shippedCore.length;

const dataDir = mkdtempSync(join(tmpdir(), 'cohort-lifecycle-'));
let fake: FakeDiscord;
let guildId: string;

beforeAll(async () => {
  fake = await startFakeDiscord();
  guildId = fake.addGuild({ name: 'Lifecycle' }).id as string;
});
afterAll(async () => {
  await fake?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

killChildrenAfterEach();

const env = (port: number) => ({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl, DATA_DIR: dataDir, HTTP_PORT: String(port), LOG_LEVEL: 'info' });
const user = '400000000000000001';

describe('the process', () => {
  // Two starts of the bot from source (tsx) and a fresh PGlite: ~25 s alone, several times that on a loaded machine.
  it('serves /healthz and /metrics, stops cleanly on SIGTERM, and a restart keeps progress', { timeout: 300_000 }, async () => {
    const port = await freePort();
    const first = startMain(env(port));
    const health = await waitUntil('healthy', async () => {
      const r = await getJson(`http://127.0.0.1:${port}/healthz`);
      return r.status === 200 ? r : undefined;
    }, first);
    expect(health.body).toEqual({ status: 'ok', checks: { database: 'ok', gateway: 'ok', scheduler: 'ok' } });
    expect(first.output()).toMatch(/https:\/\/discord\.com\/oauth2\/authorize\?client_id=\d+&scope=bot\+applications\.commands&permissions=17901693291520/);

    const next = shown(await fake.waitForInteractionReply(fake.sendInteraction(chatInput(fake, { guildId, name: 'next', user })), 60_000));
    expect(textOf(next)).toContain('step 1 of');
    const markDone = buttonsOf(next).find((b) => b.label?.includes('Mark done'))!;
    const after = shown(await fake.waitForInteractionReply(fake.sendInteraction(button(fake, { guildId, customId: markDone.customId!, user })), 60_000));
    expect(textOf(after)).toContain('step 2 of');

    // The reply reaches Discord before the router records the interaction: wait until /metrics has it.
    const metrics = await waitUntil('the interactions in /metrics', async () => {
      const r = await getJson(`http://127.0.0.1:${port}/metrics`);
      return r.status === 200 && r.text.includes('kind="component",outcome="ok"} 1') ? r : undefined;
    }, first);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('cohort_interactions_total{command="next",kind="command",outcome="ok"} 1');
    expect(metrics.text).toContain('cohort_interactions_total{command="next",kind="component",outcome="ok"} 1');
    expect(metrics.text).toMatch(/cohort_interaction_duration_seconds_count\{command="next",kind="command"\} 1/);
    expect(metrics.text).toContain('# TYPE cohort_interaction_duration_seconds histogram');

    first.child.kill('SIGTERM');
    expect(await exitOf(first)).toBe(0);
    expect(first.output()).toContain('stopped cleanly');

    const second = startMain(env(port));
    await waitUntil('healthy again', async () => ((await getJson(`http://127.0.0.1:${port}/healthz`)).status === 200 ? true : undefined), second);
    const again = shown(await fake.waitForInteractionReply(fake.sendInteraction(chatInput(fake, { guildId, name: 'next', user })), 60_000));
    expect(textOf(again)).toContain('step 2 of');

    // Losing the gateway turns /healthz to 503 and names the failing check.
    fake.dropGatewayConnections(4004); // authentication failed: discord.js does not reconnect
    const unhealthy = await waitUntil('unhealthy', async () => {
      const r = await getJson(`http://127.0.0.1:${port}/healthz`);
      return r.status === 503 ? r : undefined;
    }, second);
    expect(unhealthy.body).toMatchObject({ status: 'unhealthy', failed: ['gateway'] });

    second.child.kill('SIGINT');
    expect(await exitOf(second)).toBe(0);
  });

  it('exits 1 naming DISCORD_TOKEN when it is missing', { timeout: 120_000 }, async () => {
    const running = startMain({ DATA_DIR: dataDir });
    expect(await exitOf(running)).toBe(1);
    expect(running.output()).toContain('DISCORD_TOKEN');
    expect(running.output()).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  });

  it('exits 1 with a clear message when the database is unreachable', { timeout: 120_000 }, async () => {
    const running = startMain({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl, DATABASE_URL: 'postgres://cohort:secret@127.0.0.1:1/cohort' });
    expect(await exitOf(running)).toBe(1);
    expect(running.output()).toContain('Cannot use the database at postgres://cohort:***@127.0.0.1:1/cohort');
    expect(running.output()).not.toContain('secret');
  });
});

describe('signals', () => {
  const fresh = () => mkdtempSync(join(dataDir, 'signals-'));
  const healthy = (port: number, running: Running) =>
    waitUntil('healthy', async () => ((await getJson(`http://127.0.0.1:${port}/healthz`)).status === 200 ? true : undefined), running, 120_000);
  const logged = (running: Running, text: string) => waitUntil(`"${text}" in the log`, () => Promise.resolve(running.output().includes(text) ? true : undefined), running, 120_000);

  it('SIGTERM while the database does not answer during start-up ends the process at the deadline, with exit code 1 and a log line', { timeout: 180_000 }, async () => {
    const database = await startSilentServer();
    try {
      const running = startMain({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl, DATABASE_URL: `postgres://postgres@127.0.0.1:${database.port}/cohort`, SHUTDOWN_TIMEOUT: '1', LOG_LEVEL: 'info' });
      // Connecting to the database happens inside start-up, after the handlers are installed.
      await waitUntil('a connection to the database', () => Promise.resolve(database.connections() > 0 ? true : undefined), running, 120_000);
      running.child.kill('SIGTERM');
      expect(await exitOf(running)).toBe(1);
      expect(running.output()).toContain('shutting down once start-up has finished');
      expect(running.output()).toContain('did not stop within 1 s of SIGTERM; exiting anyway');
    } finally {
      await database.close();
    }
  });

  it('SIGTERM while Discord does not answer during start-up stops cleanly', { timeout: 180_000 }, async () => {
    const discord = await startSilentServer();
    try {
      const running = startMain({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: `http://127.0.0.1:${discord.port}/api`, DATA_DIR: fresh(), SHUTDOWN_TIMEOUT: '120', LOG_LEVEL: 'info' });
      await waitUntil('a request to Discord', () => Promise.resolve(discord.connections() > 0 ? true : undefined), running, 120_000);
      running.child.kill('SIGTERM');
      expect(await exitOf(running, 150_000)).toBe(0);
      expect(running.output()).toMatch(/"signal":"SIGTERM".*"msg":"shutting down/);
      expect(running.output()).toContain('stopped cleanly');
    } finally {
      await discord.close();
    }
  });

  /** A running bot with one interaction in flight whose reply Discord never takes: stopping waits for it. */
  async function stuckBot(shutdownTimeout: string): Promise<{ running: Running; close: () => Promise<void> }> {
    const proxy = await startHoldingProxy(fake.apiUrl, (method, path) => method === 'POST' && /^\/interactions\/\d+\/[^/]+\/callback$/.test(path));
    const port = await freePort();
    const running = startMain({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: proxy.url, DATA_DIR: fresh(), HTTP_PORT: String(port), SHUTDOWN_TIMEOUT: shutdownTimeout, LOG_LEVEL: 'info' });
    await healthy(port, running);
    fake.sendInteraction(chatInput(fake, { guildId, name: 'next', user: '400000000000000002' }));
    await waitUntil('the reply, held', () => Promise.resolve(proxy.held.some((h) => h.open) ? true : undefined), running, 120_000);
    return { running, close: () => (proxy.releaseAll(), proxy.close()) };
  }

  it('a stop that hangs still ends the process at the deadline, with exit code 1 and a log line', { timeout: 180_000 }, async () => {
    const { running, close } = await stuckBot('1');
    try {
      running.child.kill('SIGTERM');
      expect(await exitOf(running)).toBe(1);
      expect(running.output()).toContain('did not stop within 1 s of SIGTERM; exiting anyway');
      expect(running.output()).not.toContain('stopped cleanly');
    } finally {
      await close();
    }
  });

  it('a second signal while stopping ends the process at once (exit code 128 + the signal)', { timeout: 180_000 }, async () => {
    const { running, close } = await stuckBot('120');
    try {
      running.child.kill('SIGTERM');
      await logged(running, '"msg":"shutting down"');
      running.child.kill('SIGINT');
      expect(await exitOf(running)).toBe(130);
      expect(running.output()).toContain('second SIGINT while stopping: exiting now');
      expect(running.output()).not.toContain('stopped cleanly');
    } finally {
      await close();
    }
  });
});

describe('starting', () => {
  it('logs in to Discord while the database opens, and answers an interaction that arrives meanwhile once it is open', { timeout: 120_000 }, async () => {
    const database = await openTestDatabase();
    let opened: (db: Database) => void = () => {};
    const opening = new Promise<Database>((resolve) => (opened = resolve));
    const starting = startCohort({ config: loadConfig({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl, LOG_LEVEL: 'silent' }), database: opening });
    try {
      await fake.waitForGateway(1, 60_000);
      const id = fake.sendInteraction(chatInput(fake, { guildId, name: 'next', user: '300000000000000777' }));
      await new Promise((r) => setTimeout(r, 300));
      expect(fake.interaction(id).callback).toBeUndefined();
      opened(database);
      const app = await starting;
      await app.ready;
      const record = await fake.waitForInteractionReply(id, 60_000);
      expect(textOf(shown(record))).toContain(`step 1 of ${coreLength}`);
      await app.stop();
    } finally {
      opened(database);
      await database.close();
    }
  });
});

describe('a slow scheduled job', () => {
  it('a prompts run held for three minutes of clock time: challenges still post and /healthz stays 200', { timeout: 180_000 }, async () => {
    const own = await startFakeDiscord();
    const guild = own.addGuild({ name: 'Slow Discord' }).id as string;
    const prompts = own.addChannel(guild, { name: 'prompts', type: 0 }).id as string;
    const challenges = own.addChannel(guild, { name: 'challenges', type: 0 }).id as string;
    // Discord does not answer the prompt post (like a fan-out to a thousand servers, 50 requests/s).
    const proxy = await startHoldingProxy(own.apiUrl, (method, path) => method === 'POST' && path === `/channels/${prompts}/messages`);
    const database = await openTestDatabase();
    const clock = new ManualClock('2026-03-04T11:59:30Z');
    let app: App | undefined;
    try {
      const port = await freePort();
      // The real node-cron, ticking every second of real time; the test moves the clock minute by minute.
      app = await startCohort({
        config: loadConfig({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: proxy.url, HTTP_PORT: String(port), LOG_LEVEL: 'silent' }),
        clock,
        database,
        scheduler: { expression: '* * * * * *' },
      });
      await app.ready;
      const scheduler = app.scheduler;
      const command = async (subcommand: string, options: OptionsInput) =>
        own.waitForInteractionReply(own.sendInteraction(chatInput(own, { guildId: guild, name: 'setup', subcommand, options, user: '400000000000000009', ...MODERATOR })), 30_000);
      const healthz = async () => {
        const response = await fetch(`http://127.0.0.1:${port}/healthz`);
        return { status: response.status, body: (await response.json()) };
      };
      /** Waits for the tick at the clock's current time (ticks come every real second). */
      const tickAtClock = () => until(() => scheduler.lastTick()?.getTime() === clock.now().getTime(), `a tick at ${clock.now().toISOString()}`, 60_000);

      await command('prompts', { channel: { type: 7, value: prompts }, time: '12:00' });
      clock.set('2026-03-04T12:00:00Z');
      await until(() => proxy.held.some((h) => h.open), 'the prompt post, held', 60_000);

      await command('challenges', { channel: { type: 7, value: challenges } });
      const posted = (channelId: string) => own.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages` && r.status < 300);
      for (let minute = 1; minute <= 3; minute++) {
        clock.advance(60_000);
        await tickAtClock();
        expect(await healthz(), `after ${minute} min`).toEqual({ status: 200, body: { status: 'ok', checks: { database: 'ok', gateway: 'ok', scheduler: 'ok' } } });
        if (minute === 1) await until(() => posted(challenges).length > 0, 'the challenge announcement', 60_000);
      }
      // Three minutes (more than the 150 s /healthz allows a silent scheduler) and the prompts run is still waiting.
      expect(clock.now().getTime() - Date.parse('2026-03-04T12:00:00Z')).toBe(180_000);
      expect(posted(challenges).map((r) => (r.body as { content?: string }).content)).toEqual([expect.stringContaining('new weekly challenge starts now')]);
      expect(posted(prompts)).toEqual([]);
      expect(proxy.held.length).toBeGreaterThan(0);

      // Once Discord answers, the prompt is posted, once.
      proxy.releaseAll();
      await until(() => posted(prompts).length > 0, 'the prompt post', 60_000);
      await scheduler.runDue();
      expect(posted(prompts)).toHaveLength(1);
    } finally {
      proxy.releaseAll();
      await app?.stop();
      await proxy.close();
      await own.close();
      await database.close();
    }
  });
});
