/**
 * The bot under test in a child process of its own (bot-worker.ts), as `npm start` runs Cohort:
 * compiled JavaScript (tsconfig.bench.json, built once per run into dist/bench) with npm start's
 * node flags, no TypeScript loader. Under tsx every `require` goes through its resolve hooks, and
 * discord.js requires modules lazily on each reply, which cost both bots the same ~10-30 µs per
 * interaction that production does not pay. BENCH_TSX=1 runs the TypeScript sources under tsx
 * instead (quicker to iterate on). The fake Discord and the load stay in the benchmark's process,
 * so the child's process.cpuUsage() is the bot's CPU alone.
 */
import { execFileSync, fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../../src/paths.js';
import type { FakeDiscord } from '../../src/sim/index.js';
import { scriptNodeArgs } from './common.js';

export type BotName = 'cohort' | 'bare';

export interface BotWorker {
  file: string;
  loader: string[];
}

let built: BotWorker | undefined;

/** Builds the bot worker once per run (or points at its TypeScript source under BENCH_TSX). */
export function buildBotWorker(): BotWorker {
  if (built) return built;
  if (process.env.BENCH_TSX) built = { file: fileURLToPath(new URL('./bot-worker.ts', import.meta.url)), loader: ['--import', 'tsx'] };
  else {
    execFileSync(join(projectRoot, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.bench.json'], { cwd: projectRoot, stdio: 'inherit' });
    built = { file: join(projectRoot, 'dist', 'bench', 'scripts', 'bench', 'bot-worker.js'), loader: [] };
  }
  return built;
}

/** The bot's counters: SQL round trips, event-loop busy ms, CPU µs (user + system, whole process), voice events received. */
export interface BotCounters {
  queries: number;
  eluMs: number;
  cpuMicros: number;
  received: number;
}

export type BotProcess = Awaited<ReturnType<typeof startBot>>;

/**
 * Starts a bot (bot-worker) in a child process, as `npm start` runs node, logged in to `fake`.
 * `env`: BENCH_BOT_DATABASE_URL, BENCH_BOT_CLOCK (see bot-worker.ts).
 */
export async function startBot(fake: FakeDiscord, bot: BotName, env: Record<string, string> = {}) {
  const worker = buildBotWorker();
  const nodeArgs = scriptNodeArgs('start').filter((a) => a.startsWith('--'));
  const child = fork(worker.file, [bot, fake.apiUrl, process.env.BENCH_LOG_LEVEL ?? 'silent'], {
    execArgv: [...worker.loader, ...nodeArgs],
    env: { ...process.env, ...env },
    // The bot's own log lines (BENCH_LOG_LEVEL=info: what logging costs) go nowhere.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  type Message = { id?: number; error?: string; [key: string]: unknown };
  let ready: (m: Message) => void = () => {};
  const started = new Promise<Message>((resolve) => (ready = resolve));
  const waiting = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  child.on('message', (message: Message) => {
    if (message.id === undefined) return ready(message);
    const w = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error) w?.reject(new Error(`${bot} bot: ${message.error}`));
    else w?.resolve(message);
  });
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) {
      console.error(`${bot} bot exited with ${code}`);
      process.exit(1);
    }
  });
  let next = 0;
  /** Sends one message to the bot and waits for its answer. */
  const ask = (op: string, args: object = {}) =>
    new Promise<Message>((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      child.send({ id, op, ...args });
    });
  const { steps } = (await started) as unknown as { steps: string[] };
  return {
    steps,
    pid: child.pid!,
    ask,
    async counters(): Promise<BotCounters> {
      const m = await ask('count');
      return { queries: m.queries as number, eluMs: m.elu as number, cpuMicros: m.cpuMicros as number, received: m.received as number };
    },
    async stop() {
      const m = await ask('stop');
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
      return m.profile as string | undefined;
    },
  };
}
