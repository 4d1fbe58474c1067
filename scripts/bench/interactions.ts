/**
 * Benchmark 1: a real discord.js client (the whole app via startCohort), the fake Discord and a
 * real Postgres. 5,000 interactions mixing /next, Mark done, /checkin, /streak and /leaderboard
 * from 1,000 members in 50 servers, 50 in flight. Latency is measured from the gateway dispatch
 * (fake.sendInteraction) to the interaction callback reaching the fake.
 */
import { Worker } from 'node:worker_threads';
import { startFakeDiscord, type Json } from '../../src/sim/index.js';
import { button, chatInput } from '../../src/sim/interactions.js';
import { percentile, round, scriptNodeArgs, table } from './common.js';

export interface InteractionBenchOptions {
  total: number;
  members: number;
  guilds: number;
  inFlight: number;
  warmup: number;
  calibration: number;
}

type Kind = 'next' | 'mark_done' | 'checkin' | 'streak' | 'leaderboard' | 'ping';
const WEIGHTS: [Kind, number][] = [
  ['next', 0.25],
  ['mark_done', 0.2],
  ['checkin', 0.25],
  ['streak', 0.15],
  ['leaderboard', 0.15],
];

/** A small deterministic PRNG (mulberry32) so that every run sends the same mix. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function benchInteractions(options: Partial<InteractionBenchOptions> = {}) {
  const o: InteractionBenchOptions = { total: 5000, members: 1000, guilds: 50, inFlight: 50, warmup: 300, calibration: 40, ...options };
  const fake = await startFakeDiscord();
  const guildIds = Array.from({ length: o.guilds }, (_, i) => fake.addGuild({ name: `Bench ${i}` }).id as string);
  const members = Array.from({ length: o.members }, (_, i) => ({ guildId: guildIds[i % o.guilds]!, userId: fake.makeUser({ username: `member${i}` }).id as string, step: 0 }));
  // The bot runs in a worker thread so that the fake Discord (main thread) does not share its event loop.
  const entry = JSON.stringify(new URL('./bot-worker.ts', import.meta.url).href);
  const semiSpaceMb = Number(/^--max-semi-space-size=(\d+)$/.exec(scriptNodeArgs('start').find((a) => a.startsWith('--max-semi-space-size=')) ?? '')?.[1] ?? 0);
  const worker = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${entry}); })`, {
    eval: true,
    workerData: { apiUrl: fake.apiUrl, logLevel: process.env.BENCH_LOG_LEVEL ?? 'silent' },
    // The heap limits `npm start` gives node: its young generation is three semi-spaces.
    ...(semiSpaceMb ? { resourceLimits: { maxYoungGenerationSizeMb: 3 * semiSpaceMb } } : {}),
  });
  const inbox: ((message: { type: string; [key: string]: unknown }) => void)[] = [];
  worker.on('message', (message: { type: string }) => inbox.shift()?.(message));
  worker.on('error', (error) => {
    console.error('bot worker failed:', error);
    process.exit(1);
  });
  const receive = () => new Promise<{ type: string; [key: string]: unknown }>((resolve) => inbox.push(resolve));
  const { steps } = (await receive()) as unknown as { steps: string[] };
  let botElu = 0;
  const queries = async () => {
    const answer = receive();
    worker.postMessage('count');
    const message = await answer;
    botElu = message.elu as number;
    return message.queries as number;
  };

  const available = new Set(fake.globalCommands().map((c) => c.name as string));
  // BENCH_KINDS=next,leaderboard runs only those (to isolate a command's cost).
  const only = process.env.BENCH_KINDS?.split(',');
  // `ping` (the harness's floor, see bot-worker.ts) runs only when asked for.
  const kinds = [...WEIGHTS, ['ping', 1] as [Kind, number]].filter(
    ([kind]) => (kind === 'mark_done' ? available.has('next') : available.has(kind)) && (only ? only.includes(kind) : kind !== 'ping'),
  );
  const missing = WEIGHTS.filter(([kind]) => !kinds.some(([k]) => k === kind)).map(([k]) => k);
  const weightSum = kinds.reduce((s, [, w]) => s + w, 0);

  const payloadFor = (kind: Kind, m: (typeof members)[number]): Json => {
    const base = { guildId: m.guildId, user: m.userId };
    switch (kind) {
      case 'next':
        return chatInput(fake, { ...base, name: 'next' });
      case 'mark_done': {
        const step = steps[m.step % steps.length]!;
        m.step += 1;
        return button(fake, { ...base, customId: `next:done:${step}` });
      }
      case 'checkin':
        return chatInput(fake, { ...base, name: 'checkin' });
      case 'streak':
        return chatInput(fake, { ...base, name: 'streak' });
      case 'leaderboard':
        return chatInput(fake, { ...base, name: 'leaderboard' });
      case 'ping':
        return chatInput(fake, { ...base, name: 'ping' });
    }
  };

  /** Sends one interaction; resolves with ms from dispatch to callback, and whether the member saw an error. */
  const one = async (kind: Kind, m: (typeof members)[number]) => {
    const payload = payloadFor(kind, m);
    const started = performance.now();
    const id = fake.sendInteraction(payload);
    const record = await fake.waitForInteractionReply(id, 30_000);
    const callbackMs = record.callback!.at - started;
    const shown = JSON.stringify(record.original ?? record.callback?.data ?? {});
    return { callbackMs, completeMs: performance.now() - started, failed: shown.includes('Something went wrong'), deferred: record.callback?.type === 5 || record.callback?.type === 6 };
  };

  const random = prng(42);
  const pickKind = (): Kind => {
    let r = random() * weightSum;
    for (const [kind, w] of kinds) if ((r -= w) <= 0) return kind;
    return kinds[0]![0];
  };
  const pickMember = () => members[Math.floor(random() * members.length)]!;

  // Warm-up (JIT, connection pool), not measured.
  await runPool(Array.from({ length: o.warmup }, () => [pickKind(), pickMember()] as const), o.inFlight, ([k, m]) => one(k, m));

  // SQL round trips per command: each kind alone, one at a time, counted at the driver.
  const sqlPerCommand: Record<string, number> = {};
  for (const [kind] of kinds) {
    const before = await queries();
    for (let i = 0; i < o.calibration; i++) await one(kind, pickMember());
    sqlPerCommand[kind] = round(((await queries()) - before) / o.calibration, 2);
  }

  // The measured run.
  const work = Array.from({ length: o.total }, () => [pickKind(), pickMember()] as const);
  const results: { kind: Kind; callbackMs: number; completeMs: number; failed: boolean; deferred: boolean }[] = [];
  const queriesBefore = await queries();
  const botEluBefore = botElu;
  const eluBefore = performance.eventLoopUtilization();
  const started = performance.now();
  await runPool(work, o.inFlight, async ([kind, m]) => results.push({ kind, ...(await one(kind, m)) }));
  const wallMs = performance.now() - started;
  const fakeUtilization = performance.eventLoopUtilization(eluBefore).utilization;
  const sqlTotal = (await queries()) - queriesBefore;
  const botUtilization = (botElu - botEluBefore) / wallMs;

  const stopped = receive();
  worker.postMessage('stop');
  await stopped;
  await worker.terminate();
  await fake.close();

  const summarize = (list: typeof results) => {
    const sorted = list.map((r) => r.callbackMs).sort((a, b) => a - b);
    return {
      count: list.length,
      p50: round(percentile(sorted, 50)),
      p95: round(percentile(sorted, 95)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted.at(-1) ?? Number.NaN),
      errors: list.filter((r) => r.failed).length,
      deferred: list.filter((r) => r.deferred).length,
    };
  };
  const byKind = Object.fromEntries(kinds.map(([kind]) => [kind, { ...summarize(results.filter((r) => r.kind === kind)), sqlRoundTrips: sqlPerCommand[kind] }]));
  const all = summarize(results);
  const result = {
    options: o,
    commandsUsed: kinds.map(([k]) => k),
    commandsMissing: missing,
    overall: { ...all, interactionsPerSecond: round((results.length / wallMs) * 1000), wallSeconds: round(wallMs / 1000, 2),
      // How busy each thread's event loop was during the run (1 = saturated): which side limits the rate.
      botEventLoopUtilization: round(botUtilization, 2),
      fakeEventLoopUtilization: round(fakeUtilization, 2), sqlRoundTripsPerInteraction: round(sqlTotal / results.length, 2) },
    byKind,
    targets: { p99UnderMs: 50, minPerSecond: 500 },
  };
  table(
    `Interactions: ${o.total} from ${o.members} members in ${o.guilds} servers, ${o.inFlight} in flight (ms from gateway dispatch to callback)`,
    [
      ...Object.entries(byKind).map(([kind, s]) => ({ command: kind, count: s.count, p50: s.p50, p95: s.p95, p99: s.p99, max: s.max, 'SQL/cmd': s.sqlRoundTrips ?? '', errors: s.errors })),
      { command: 'all', count: all.count, p50: all.p50, p95: all.p95, p99: all.p99, max: all.max, 'SQL/cmd': result.overall.sqlRoundTripsPerInteraction, errors: all.errors },
    ],
  );
  console.log(`throughput: ${result.overall.interactionsPerSecond} interactions/s over ${result.overall.wallSeconds} s (event loop busy: bot ${result.overall.botEventLoopUtilization}, fake ${result.overall.fakeEventLoopUtilization})${missing.length ? `; not in this run: ${missing.join(', ')}` : ''}`);
  return result;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function runPool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

