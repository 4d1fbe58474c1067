import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REQUIRED_NODE_MAJOR } from '../../src/node-version.js';
import { FAKE_TOKEN } from '../../src/sim/index.js';
import { freePort } from '../../src/sim/net.js';
import { exitOf, killChildrenAfterEach, startMain, startProcess, startSilentServer } from '../support/main-process.js';

/** Start-up tells the truth: one sentence for the supervisor, no stack, nothing opened in vain. */

const dataDir = mkdtempSync(join(tmpdir(), 'cohort-faults-startup-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
killChildrenAfterEach();

/** A stack trace line, as Node prints them. */
const STACK = /^\s+at .+[:(]\d+/m;

describe('HTTP_PORT already in use', () => {
  it('is one sentence, before the database or Discord is opened', { timeout: 120_000 }, async () => {
    // Something else listens on the port (any listener will do: the one that never answers).
    const taken = await startSilentServer();
    const port = taken.port;
    const database = await startSilentServer();
    const discord = await startSilentServer();
    try {
      const running = startMain({
        DISCORD_TOKEN: FAKE_TOKEN,
        DISCORD_API_URL: `http://127.0.0.1:${discord.port}/api`,
        DATABASE_URL: `postgres://cohort@127.0.0.1:${database.port}/cohort`,
        HTTP_PORT: String(port),
        LOG_LEVEL: 'info',
      });
      expect(await exitOf(running)).toBe(1);
      const fatal = running.output().split('\n').filter((line) => line.includes('"level":60'));
      expect(fatal).toHaveLength(1);
      expect(JSON.parse(fatal[0]!).msg).toBe(`HTTP_PORT ${port} is already in use on 127.0.0.1 (another process, perhaps another Cohort, listens there): stop it or choose another HTTP_PORT.`);
      expect(running.output()).not.toMatch(STACK);
      expect(running.output()).not.toContain('EADDRINUSE');
      // Nothing else was opened first.
      expect(database.connections()).toBe(0);
      expect(discord.connections()).toBe(0);
    } finally {
      await taken.close();
      await database.close();
      await discord.close();
    }
  });
});

describe('Discord unreachable at start', () => {
  /** Starts the bot against `apiUrl` with a short DISCORD_CONNECT_TIMEOUT; its fatal line once it has exited 1. */
  async function giveUp(apiUrl: string, seconds: string): Promise<{ fatal: string; output: string }> {
    const running = startMain({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: apiUrl, DATA_DIR: mkdtempSync(join(dataDir, 'run-')), DISCORD_CONNECT_TIMEOUT: seconds, LOG_LEVEL: 'info' });
    expect(await exitOf(running, 150_000)).toBe(1);
    const output = running.output();
    expect(output).not.toMatch(STACK);
    const fatal = output.split('\n').filter((line) => line.includes('"level":60'));
    expect(fatal, output).toHaveLength(1);
    return { fatal: JSON.parse(fatal[0]!).msg as string, output };
  }

  it('refused: one sentence naming the URL and the cause, after retrying with backoff', { timeout: 180_000 }, async () => {
    const url = `http://127.0.0.1:${await freePort()}/api`;
    const { fatal, output } = await giveUp(url, '4');
    expect(fatal).toMatch(new RegExp(`^Cannot reach Discord at ${url.replace(/[.]/g, '\\.')}: the connection was refused .*; gave up after [2-9] tries in \\d+ s \\(DISCORD_CONNECT_TIMEOUT is 4 s\\)\\.$`));
    expect(output).toContain(`Cannot reach Discord at ${url}: the connection was refused (nothing listens there, or a firewall rejects it); trying again in 1 s.`);
  });

  it('a name that does not resolve: says DNS', { timeout: 180_000 }, async () => {
    const { fatal } = await giveUp('http://discord.invalid/api', '2');
    expect(fatal).toMatch(/^Cannot reach Discord at http:\/\/discord\.invalid\/api: the host name does not resolve \(DNS lookup failed: E[A-Z_]+\); gave up after \d+ tr/);
  });

  it('a Discord that never answers: says so within DISCORD_CONNECT_TIMEOUT, not after a minute of silence', { timeout: 180_000 }, async () => {
    const silent = await startSilentServer();
    try {
      const { fatal } = await giveUp(`http://127.0.0.1:${silent.port}/api`, '2');
      expect(fatal).toMatch(new RegExp(`^Cannot reach Discord at http://127\\.0\\.0\\.1:${silent.port}/api: no answer within \\d+ s .*; gave up after`));
      expect(silent.connections()).toBeGreaterThan(0);
    } finally {
      await silent.close();
    }
  });
});

/** A Node older than the one Cohort needs, when this machine has one (the system's node, say). */
function olderNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (!existsSync(candidate)) continue;
    try {
      const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' }).trim();
      if (Number(/^v(\d+)/.exec(version)?.[1]) < REQUIRED_NODE_MAJOR) return candidate;
    } catch {
      // not runnable
    }
  }
  return undefined;
}

describe('an older Node', () => {
  const node = olderNode();
  // Needs an older Node on this machine (Debian's nodejs package gives one); unit tests cover the sentence itself.
  it.skipIf(!node)('is refused at start with one sentence saying which version to install', { timeout: 120_000 }, async () => {
    const running = startProcess(['--import', 'tsx', 'src/main.ts'], { node: node!, env: { DISCORD_TOKEN: FAKE_TOKEN } });
    expect(await exitOf(running)).toBe(1);
    expect(running.output().trim()).toMatch(new RegExp(`^Cohort needs Node\\.js ${REQUIRED_NODE_MAJOR} or newer, and this is Node\\.js v\\d+\\.\\d+\\.\\d+: install Node\\.js ${REQUIRED_NODE_MAJOR} LTS .*\\.$`));
  });
});
