import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/** The repository root (src/main.ts is started from here, as `npm run dev` does). */
export const root = join(import.meta.dirname, '../..');

export interface Running {
  child: ChildProcess;
  /** What the process wrote to the pipes this test reads (empty for a descriptor given elsewhere). */
  output: () => string;
  /** The exit code, or the signal's name when a signal ended it. */
  exited: Promise<number | string | null>;
}

// Every process a test starts is killed when the test ends, passed or failed, and when this worker exits.
const children = new Set<ChildProcess>();
const killAll = () => {
  for (const child of children) child.kill('SIGKILL');
};
process.once('exit', killAll);

/** Kills, after each test, every process the tests of this file started (call once at module level). */
export function killChildrenAfterEach(): void {
  afterEach(async () => {
    const left = [...children];
    killAll();
    await Promise.all(left.map((child) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())))));
  });
}

/** Starts a process and tracks it; `stdio` as for child_process.spawn (default: stdout and stderr piped to this test). */
export function startProcess(args: string[], options: { env: Record<string, string>; stdio?: StdioOptions; node?: string; inheritEnv?: boolean }): Running {
  const clean = options.inheritEnv === false ? {} : Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DISCORD_|DATABASE_URL|DATA_DIR|HTTP_|SHARD_|SHUTDOWN_|LOG_LEVEL|TEST_)/.test(k)));
  const child = spawn(options.node ?? process.execPath, args, { cwd: root, env: { ...clean, ...options.env }, stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal);
    }),
  );
  return { child, output: () => output, exited };
}

/** src/main.ts as `npm run dev` runs it (`npm start` runs the same code compiled), with the given environment only. */
export function startMain(env: Record<string, string>, stdio?: StdioOptions): Running {
  return startProcess(['--import', 'tsx', 'src/main.ts'], { env, ...(stdio ? { stdio } : {}) });
}

/** The exit code; fails (instead of hanging) if the process has not exited after `ms`, a guard far above any expected time. */
export async function exitOf(running: Running, ms = 60_000): Promise<number | string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      running.child.kill('SIGKILL');
      reject(new Error(`process did not exit within ${ms / 1000} s (killed with SIGKILL):\n${running.output()}`));
    }, ms);
  });
  try {
    return await Promise.race([running.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `probe` until it gives a value; `ms` only bounds a failure (a guard far above any expected time), it is not a speed limit. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, running?: Running, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (value !== undefined) return value;
    if (running && (running.child.exitCode !== null || running.child.signalCode !== null)) {
      throw new Error(`the process exited (${running.child.exitCode ?? running.child.signalCode}) while waiting for ${what}:\n${running.output()}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${running?.output() ?? ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** GET a URL; the status and the body (parsed when JSON). */
export async function getJson(url: string): Promise<{ status: number; body: unknown; text: string }> {
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

/** Waits until GET /healthz on `port` answers 200. */
export function healthy(port: number, running: Running): Promise<true> {
  return waitUntil('/healthz to answer 200', async () => ((await getJson(`http://127.0.0.1:${port}/healthz`)).status === 200 ? true : undefined), running);
}

/** A process that reads its standard input and throws it away: the reading end of the bot's stdout and stderr. */
export function startReader(): ChildProcess {
  const reader = spawn(process.execPath, ['-e', "process.stdin.on('data', () => {})"], { stdio: ['pipe', 'ignore', 'ignore'] });
  children.add(reader);
  reader.once('exit', () => children.delete(reader));
  return reader;
}

/** A TCP server that accepts connections and never answers (a database or Discord that hangs); counts connections. */
export async function startSilentServer(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createNetServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
