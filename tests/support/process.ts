import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** A Cohort started as `npm run dev` starts it (src/main.ts under tsx), in a process of its own. */
export interface BotProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** The exit code (null when a signal ended it). */
  exited: Promise<number | null>;
}

const root = join(import.meta.dirname, '../..');
const running = new Set<BotProcess>();
process.once('exit', () => {
  for (const bot of running) bot.child.kill('SIGKILL');
});

/** Starts src/main.ts with only the given Cohort settings (none inherited from this process's environment). */
export function spawnBot(env: Record<string, string>): BotProcess {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DISCORD_|DATABASE_URL|DATA_DIR|HTTP_PORT|SHARD_|SHUTDOWN_|LOG_LEVEL|LEASE_|TEST_)/.test(k)));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const bot = { child, output: () => output, exited };
  running.add(bot);
  void exited.then(() => running.delete(bot));
  return bot;
}

/** SIGKILLs every bot process still running and waits until they are gone. */
export async function killAllBots(): Promise<void> {
  const left = [...running];
  for (const bot of left) bot.child.kill('SIGKILL');
  await Promise.all(left.map((bot) => bot.exited));
}

/** Polls `check` until it holds; `ms` only bounds a failure (a guard far above any expected time). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 120_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
