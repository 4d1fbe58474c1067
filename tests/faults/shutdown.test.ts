import { mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_TOKEN, startFakeDiscord, type FakeDiscord } from '../../src/sim/index.js';
import { chatInput } from '../../src/sim/interactions.js';
import { freePort } from '../../src/sim/net.js';
import { startHoldingProxy } from '../support/holding-proxy.js';
import { exitOf, healthy, killChildrenAfterEach, startMain, startReader, waitUntil } from '../support/main-process.js';

/**
 * A process told to stop, stops: whatever the network, the database or the log destination does.
 * The bot runs as `npm run dev` runs it, its stdout and stderr going to another process (as under
 * a supervisor or `| tee`), and that process goes away.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'cohort-faults-shutdown-'));
const fresh = () => mkdtempSync(join(dataDir, 'run-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
killChildrenAfterEach();

let fake: FakeDiscord;
let guildId: string;
beforeAll(async () => {
  fake = await startFakeDiscord();
  guildId = fake.addGuild({ name: 'Faults' }).id as string;
});
afterAll(async () => {
  await fake?.close();
});

/** The bot with stdout and stderr piped into a reader process; resolves once it is healthy. */
async function botWritingToReader(env: Record<string, string>) {
  const reader = startReader();
  const port = await freePort();
  const running = startMain({ DISCORD_TOKEN: FAKE_TOKEN, DATA_DIR: fresh(), HTTP_PORT: String(port), LOG_LEVEL: 'debug', ...env }, ['ignore', reader.stdin!, reader.stdin!]);
  reader.stdin!.destroy(); // only the reader holds the reading end, the bot the writing end
  await healthy(port, running);
  return { running, reader, port };
}

describe('SIGTERM with the log reader gone', () => {
  it('and Discord unreachable: the process stops', { timeout: 240_000 }, async () => {
    const own = await startFakeDiscord({ failOnViolations: false });
    own.addGuild({ name: 'Gone' });
    const { running, reader } = await botWritingToReader({ DISCORD_API_URL: own.apiUrl, SHUTDOWN_TIMEOUT: '5' });
    reader.kill('SIGKILL');
    await waitUntil('the reader to exit', () => (reader.exitCode !== null || reader.signalCode !== null ? true : undefined));
    await own.close(); // Discord unreachable: the gateway drops, REST refuses connections
    running.child.kill('SIGTERM');
    // Before, pino's exit hook retried the EPIPE write forever: still running after any wait, only SIGKILL ended it.
    expect(await exitOf(running, 90_000)).toBe(0);
  });

  it('and a stop that hangs: a second SIGTERM ends the process at once', { timeout: 240_000 }, async () => {
    // Discord never answers the interaction's reply: stopping waits for it (up to its own 10 s cap; SHUTDOWN_TIMEOUT is far longer).
    const proxy = await startHoldingProxy(fake.apiUrl, (method, path) => method === 'POST' && /^\/interactions\/\d+\/[^/]+\/callback$/.test(path));
    try {
      const { running, reader } = await botWritingToReader({ DISCORD_API_URL: proxy.url, SHUTDOWN_TIMEOUT: '600' });
      await waitUntil('the commands registered', () => (fake.globalCommands().length > 0 ? true : undefined), running);
      fake.sendInteraction(chatInput(fake, { guildId, name: 'next', user: '400000000000000031' }));
      await waitUntil('the reply, held', () => (proxy.held.some((h) => h.open) ? true : undefined), running);
      reader.kill('SIGKILL');
      await waitUntil('the reader to exit', () => (reader.exitCode !== null || reader.signalCode !== null ? true : undefined));
      running.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500)); // two signals apart, not merged into one by the kernel
      running.child.kill('SIGTERM');
      expect(await exitOf(running, 90_000)).toBe(128 + 15);
    } finally {
      proxy.releaseAll();
      await proxy.close();
    }
  });
});

describe('a log destination on a full disk', () => {
  it('never stops the bot: it starts, answers, and stops cleanly with every log line failing (ENOSPC)', { timeout: 240_000 }, async () => {
    const full = openSync('/dev/full', 'w'); // every write fails with ENOSPC, like a full disk
    try {
      const port = await freePort();
      const running = startMain({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl, DATA_DIR: fresh(), HTTP_PORT: String(port), LOG_LEVEL: 'debug', SHUTDOWN_TIMEOUT: '30' }, ['ignore', full, 'pipe']);
      await healthy(port, running);
      await waitUntil('the commands registered', () => (fake.globalCommands().length > 0 ? true : undefined), running);
      const id = fake.sendInteraction(chatInput(fake, { guildId, name: 'next', user: '400000000000000032' }));
      // It answers (whether within Discord's 3 s on a loaded machine is the router's concern, tested elsewhere).
      await waitUntil('an answer to /next', () => (fake.interaction(id).callback ? true : undefined), running);
      running.child.kill('SIGTERM');
      expect(await exitOf(running, 90_000)).toBe(0);
      // Nothing went to stderr either (no crash, no stack).
      expect(running.output()).toBe('');
    } finally {
      closeSync(full);
    }
  });
});
