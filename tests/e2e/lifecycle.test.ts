import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { freePort } from '../../src/sim/net.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_TOKEN, startFakeDiscord, type FakeDiscord } from '../../src/sim/index.js';
import { button, chatInput } from '../../src/sim/interactions.js';
import { buttonsOf, shown, textOf } from '../support/bot.js';
import { openTestDatabase } from '../support/db.js';
import { startCohort } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { loadContent } from '../../src/content/loader.js';

/** The shipped track's core, read from content/ so the expected counts follow the content. */
const shippedCore = (await loadContent(join(import.meta.dirname, '../../content'))).content.tracks[0]!.steps;
const coreLength = shippedCore.length;

const root = join(import.meta.dirname, '../..');
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

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** src/main.ts as `npm run dev` runs it (`npm start` runs the same code compiled), with the given environment only. */
function startMain(env: Record<string, string>): Running {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DISCORD_|DATABASE_URL|DATA_DIR|HTTP_PORT|SHARD_|LOG_LEVEL|TEST_)/.test(k)));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Fails (instead of hanging) if the process does not exit within `ms`. */
async function exitOf(running: Running, ms = 20_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      running.child.kill('SIGKILL');
      reject(new Error(`process did not exit within ${ms} ms:\n${running.output()}`));
    }, ms);
  });
  try {
    return await Promise.race([running.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function getJson(url: string): Promise<{ status: number; body: unknown; text: string }> {
  const response = await fetch(url);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text };
}

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, running: Running, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${running.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const env = (port: number) => ({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl, DATA_DIR: dataDir, HTTP_PORT: String(port), LOG_LEVEL: 'info' });
const user = '400000000000000001';

describe('the process', () => {
  it('serves /healthz and /metrics, stops cleanly on SIGTERM, and a restart keeps progress', async () => {
    const port = await freePort();
    const first = startMain(env(port));
    const health = await waitUntil('healthy', async () => {
      const r = await getJson(`http://127.0.0.1:${port}/healthz`);
      return r.status === 200 ? r : undefined;
    }, first);
    expect(health.body).toEqual({ status: 'ok', checks: { database: 'ok', gateway: 'ok', scheduler: 'ok' } });
    expect(first.output()).toMatch(/https:\/\/discord\.com\/oauth2\/authorize\?client_id=\d+&scope=bot\+applications\.commands&permissions=309237763072/);

    const next = shown(await fake.waitForInteractionReply(fake.sendInteraction(chatInput(fake, { guildId, name: 'next', user })), 10_000));
    expect(textOf(next)).toContain('step 1 of');
    const markDone = buttonsOf(next).find((b) => b.label?.includes('Mark done'))!;
    const after = shown(await fake.waitForInteractionReply(fake.sendInteraction(button(fake, { guildId, customId: markDone.customId!, user })), 10_000));
    expect(textOf(after)).toContain('step 2 of');

    const metrics = await getJson(`http://127.0.0.1:${port}/metrics`);
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
    const again = shown(await fake.waitForInteractionReply(fake.sendInteraction(chatInput(fake, { guildId, name: 'next', user })), 10_000));
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

  it('exits 1 naming DISCORD_TOKEN when it is missing', async () => {
    const running = startMain({ DATA_DIR: dataDir });
    expect(await exitOf(running)).toBe(1);
    expect(running.output()).toContain('DISCORD_TOKEN');
    expect(running.output()).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  });

  it('exits 1 with a clear message when the database is unreachable', async () => {
    const running = startMain({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl, DATABASE_URL: 'postgres://cohort:secret@127.0.0.1:1/cohort' });
    expect(await exitOf(running)).toBe(1);
    expect(running.output()).toContain('Cannot use the database at postgres://cohort:***@127.0.0.1:1/cohort');
    expect(running.output()).not.toContain('secret');
  });
});

describe('starting', () => {
  it('logs in to Discord while the database opens, and answers an interaction that arrives meanwhile once it is open', async () => {
    const database = await openTestDatabase();
    let opened: (db: Database) => void = () => {};
    const opening = new Promise<Database>((resolve) => (opened = resolve));
    const starting = startCohort({ config: loadConfig({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl, LOG_LEVEL: 'silent' }), database: opening });
    try {
      await fake.waitForGateway(1, 10_000);
      const id = fake.sendInteraction(chatInput(fake, { guildId, name: 'next', user: '300000000000000777' }));
      await new Promise((r) => setTimeout(r, 300));
      expect(fake.interaction(id).callback).toBeUndefined();
      opened(database);
      const app = await starting;
      await app.ready;
      const record = await fake.waitForInteractionReply(id, 10_000);
      expect(textOf(shown(record))).toContain(`step 1 of ${coreLength}`);
      await app.stop();
    } finally {
      opened(database);
      await database.close();
    }
  });
});
