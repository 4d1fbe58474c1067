/**
 * Benchmark 1: a real discord.js client (the whole app via startCohort), the fake Discord and a
 * real Postgres. 5,000 interactions mixing /next, Mark done, /checkin, /streak and /leaderboard
 * from 1,000 members in 50 servers, 50 in flight. Latency is measured from the gateway dispatch
 * (fake.sendInteraction) to the interaction callback reaching the fake.
 *
 * Then the same load for Cohort and for a bare discord.js bot (a fixed embed, no database;
 * bot-worker.ts): /next and /checkin alternating, each bot in a process of its own and on a fake
 * Discord of its own built alike (one gateway session each), and the bot's CPU (user + system) per
 * interaction, beside each other. The two take turns in rounds (BENCH_VERSUS_ROUNDS, 10), the order
 * swapped each round, so that the machine's drift during the run (other tenants, CPU frequency)
 * falls on both bots alike instead of on whichever ran second. Twice: at each bot's top speed (50
 * in flight, closed loop) and at one rate for both (BENCH_VERSUS_RATE per second, 500, open loop;
 * 0 skips it).
 */
import { startFakeDiscord, type FakeDiscord, type Json } from '../../src/sim/index.js';
import { button, chatInput } from '../../src/sim/interactions.js';
import { startBot, type BotName } from './bot.js';
import { percentile, round, sleep, table } from './common.js';
export interface InteractionBenchOptions {
  total: number;
  members: number;
  guilds: number;
  inFlight: number;
  warmup: number;
  calibration: number;
}

export type Kind = 'next' | 'mark_done' | 'checkin' | 'streak' | 'leaderboard' | 'ping';
export const WEIGHTS: [Kind, number][] = [
  ['next', 0.25],
  ['mark_done', 0.2],
  ['checkin', 0.25],
  ['streak', 0.15],
  ['leaderboard', 0.15],
];

/** A small deterministic PRNG (mulberry32) so that every run sends the same mix. */
export function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function benchInteractions(options: Partial<InteractionBenchOptions> = {}) {
  const o: InteractionBenchOptions = { total: 5000, members: 1000, guilds: 50, inFlight: 50, warmup: 300, calibration: 40, ...options };
  /** A fake Discord with the benchmark's servers and members (one per bot, built alike). */
  const populate = async () => {
    const fake = await startFakeDiscord();
    const guildIds = Array.from({ length: o.guilds }, (_, i) => fake.addGuild({ name: `Bench ${i}` }).id as string);
    const members = Array.from({ length: o.members }, (_, i) => ({ index: i, guildId: guildIds[i % o.guilds]!, userId: fake.makeUser({ username: `member${i}` }).id as string, step: 0 }));
    return { fake, members };
  };
  type Population = Awaited<ReturnType<typeof populate>>;
  type Member = Population['members'][number];
  const main = await populate();
  const { fake, members } = main;
  const cohort = await startBot(fake, 'cohort');
  const { steps } = cohort;

  const available = new Set(fake.globalCommands().map((c) => c.name as string));
  // BENCH_KINDS=next,leaderboard runs only those (to isolate a command's cost).
  const only = process.env.BENCH_KINDS?.split(',');
  // `ping` (the harness's floor, see bot-worker.ts) runs only when asked for.
  const kinds = [...WEIGHTS, ['ping', 1] as [Kind, number]].filter(
    ([kind]) => (kind === 'mark_done' ? available.has('next') : available.has(kind)) && (only ? only.includes(kind) : kind !== 'ping'),
  );
  const missing = WEIGHTS.filter(([kind]) => !kinds.some(([k]) => k === kind)).map(([k]) => k);
  const weightSum = kinds.reduce((s, [, w]) => s + w, 0);

  const payloadFor = (fake: FakeDiscord, kind: Kind, m: Member): Json => {
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
  const one = async (kind: Kind, m: Member, { fake } = main) => {
    const payload = payloadFor(fake, kind, m);
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
  type Result = { kind: Kind; callbackMs: number; completeMs: number; failed: boolean; deferred: boolean };

  type Work = (readonly [Kind, Member])[];
  /**
   * How a run sends its interactions: `inFlight` (closed loop: the next goes out when one is
   * answered, so each bot runs at its own top speed) or `perSecond` (open loop: on a fixed
   * schedule whatever the answers, so both bots get the same rate).
   */
  type Drive = { inFlight: number } | { perSecond: number };
  /** One measured run of `work` against `bot` (on `population`): latencies, wall time, and the bot's round trips, event loop and CPU. */
  const measure = async (bot: Awaited<ReturnType<typeof startBot>>, work: Work, population = main, drive: Drive = { inFlight: o.inFlight }) => {
    const results: Result[] = [];
    const before = await bot.counters();
    const eluBefore = performance.eventLoopUtilization();
    const started = performance.now();
    const send = async ([kind, m]: Work[number]) => void results.push({ kind, ...(await one(kind, m, population)) });
    await ('inFlight' in drive ? runPool(work, drive.inFlight, send) : runPaced(work, drive.perSecond, send));
    const wallMs = performance.now() - started;
    const fakeUtilization = performance.eventLoopUtilization(eluBefore).utilization;
    const after = await bot.counters();
    const cpuMs = (after.cpuMicros - before.cpuMicros) / 1000;
    return {
      results,
      wallMs,
      fakeUtilization,
      sqlTotal: after.queries - before.queries,
      botUtilization: (after.eluMs - before.eluMs) / wallMs,
      cpuMs,
      cpuMsPerInteraction: cpuMs / results.length,
    };
  };
  type Run = Awaited<ReturnType<typeof measure>>;
  /** Several runs of one bot as one (figures weighted by wall time and interactions). */
  const combine = (runs: readonly Run[]): Run => {
    const results = runs.flatMap((r) => r.results);
    const wallMs = runs.reduce((s, r) => s + r.wallMs, 0);
    const cpuMs = runs.reduce((s, r) => s + r.cpuMs, 0);
    const weighted = (f: (r: Run) => number) => runs.reduce((s, r) => s + f(r) * r.wallMs, 0) / wallMs;
    return {
      results,
      wallMs,
      fakeUtilization: weighted((r) => r.fakeUtilization),
      sqlTotal: runs.reduce((s, r) => s + r.sqlTotal, 0),
      botUtilization: weighted((r) => r.botUtilization),
      cpuMs,
      cpuMsPerInteraction: cpuMs / results.length,
    };
  };

  // Warm-up (JIT, connection pool), not measured.
  await runPool(Array.from({ length: o.warmup }, () => [pickKind(), pickMember()] as const), o.inFlight, ([k, m]) => one(k, m));

  // SQL statements per command: each kind alone, one at a time, counted on the SQL sockets (countingStatements).
  const sqlPerCommand: Record<string, number> = {};
  for (const [kind] of kinds) {
    const before = (await cohort.counters()).queries;
    for (let i = 0; i < o.calibration; i++) await one(kind, pickMember());
    sqlPerCommand[kind] = round(((await cohort.counters()).queries - before) / o.calibration, 2);
  }

  // The measured run.
  const mixed = await measure(cohort, Array.from({ length: o.total }, () => [pickKind(), pickMember()] as const));
  const { results, wallMs } = mixed;

  // Beside bare discord.js: /next and /checkin alternating, the same members (the bare bot's are
  // their namesakes on its own fake Discord), the two bots taking turns in rounds.
  const alternating = (n: number): Work => Array.from({ length: n }, (_, i) => [i % 2 ? 'checkin' : 'next', pickMember()] as const);
  // Twice the mixed run, in ten rounds: the figure of one round of 1,000 swings by ±40% on a shared
  // machine (bare discord.js 0.23-0.59 ms in one run), the sum of ten far less.
  const versusTotal = Number(process.env.BENCH_VERSUS_TOTAL ?? 2 * o.total);
  const rounds = Math.max(1, Math.floor(Number(process.env.BENCH_VERSUS_ROUNDS ?? 10)) || 1);
  // The same comparison at one fixed rate for both (open loop), below either bot's top speed: at top
  // speed the bare bot answers twice as many per second as Cohort, and a busier process batches
  // more socket reads and writes per wake-up, so the two are not then under the same load.
  const versusRate = Number(process.env.BENCH_VERSUS_RATE ?? 500);
  const profiles: (string | undefined)[] = [];
  type SideBySide = { drive: Drive; cohort: Run; bare: Run; roundRatios: number[]; roundCpu: Record<BotName, number[]> };
  const sides: SideBySide[] = [];
  if (available.has('next') && available.has('checkin') && versusTotal > 0) {
    const other = await populate();
    const bare = await startBot(other.fake, 'bare');
    const there = (work: Work): Work => work.map(([kind, m]) => [kind, other.members[m.index]!] as const);
    await runPool(there(alternating(o.warmup)), o.inFlight, ([k, m]) => one(k, m, other));
    /** Both bots in turn, `rounds` rounds of `total / rounds` each, the order swapped each round. */
    const sideBySide = async (drive: Drive, total: number): Promise<SideBySide> => {
      const runs: Record<BotName, Run[]> = { cohort: [], bare: [] };
      const perRound = Math.ceil(total / rounds);
      for (let r = 0; r < rounds; r++) {
        const work = alternating(perRound);
        const order: BotName[] = r % 2 ? ['bare', 'cohort'] : ['cohort', 'bare'];
        for (const name of order) runs[name].push(name === 'cohort' ? await measure(cohort, work, main, drive) : await measure(bare, there(work), other, drive));
      }
      return {
        drive,
        cohort: combine(runs.cohort),
        bare: combine(runs.bare),
        roundRatios: runs.cohort.map((c, r) => c.cpuMsPerInteraction / runs.bare[r]!.cpuMsPerInteraction),
        roundCpu: { cohort: runs.cohort.map((c) => c.cpuMsPerInteraction), bare: runs.bare.map((b) => b.cpuMsPerInteraction) },
      };
    };
    sides.push(await sideBySide({ inFlight: o.inFlight }, versusTotal));
    if (versusRate > 0) sides.push(await sideBySide({ perSecond: versusRate }, versusTotal / 2));
    profiles.push(await bare.stop());
    await other.fake.close();
  }
  profiles.unshift(await cohort.stop());
  await fake.close();

  const summarize = (list: readonly Result[]) => {
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
  const side = (run: Awaited<ReturnType<typeof measure>>) => ({
    ...summarize(run.results),
    interactionsPerSecond: round((run.results.length / run.wallMs) * 1000),
    botCpuMsPerInteraction: round(run.cpuMsPerInteraction, 3),
    botEventLoopUtilization: round(run.botUtilization, 2),
    fakeEventLoopUtilization: round(run.fakeUtilization, 2),
    sqlRoundTripsPerInteraction: round(run.sqlTotal / run.results.length, 2),
  });
  const load = (d: SideBySide) =>
    `${d.cohort.results.length} alternating /next and /checkin each, in ${rounds} rounds taken in turn, ${'inFlight' in d.drive ? `${d.drive.inFlight} in flight` : `${d.drive.perSecond} per second (open loop)`}`;
  const beside = (d: SideBySide) => ({
    load: load(d),
    cohort: side(d.cohort),
    bare: side(d.bare),
    cpuRatio: round(d.cohort.cpuMsPerInteraction / d.bare.cpuMsPerInteraction, 2),
    cpuRatioByRound: d.roundRatios.map((r) => round(r, 2)),
    cpuMsByRound: { cohort: d.roundCpu.cohort.map((c) => round(c, 3)), bare: d.roundCpu.bare.map((c) => round(c, 3)) },
  });
  const [topSpeed, atRate] = sides;
  const result = {
    options: o,
    commandsUsed: kinds.map(([k]) => k),
    commandsMissing: missing,
    overall: { ...all, interactionsPerSecond: round((results.length / wallMs) * 1000), wallSeconds: round(wallMs / 1000, 2),
      // How busy each thread's event loop was during the run (1 = saturated): which side limits the rate.
      botEventLoopUtilization: round(mixed.botUtilization, 2),
      fakeEventLoopUtilization: round(mixed.fakeUtilization, 2), sqlRoundTripsPerInteraction: round(mixed.sqlTotal / results.length, 2),
      botCpuMsPerInteraction: round(mixed.cpuMsPerInteraction, 3) },
    byKind,
    ...(topSpeed ? { besideBareDiscordJs: beside(topSpeed) } : {}),
    ...(atRate ? { besideBareDiscordJsAtRate: beside(atRate) } : {}),
    profiles: profiles.filter(Boolean),
    targets: { p99UnderMs: 50, minPerSecond: 500, maxCpuRatio: 2 },
  };
  table(
    `Interactions: ${o.total} from ${o.members} members in ${o.guilds} servers, ${o.inFlight} in flight (ms from gateway dispatch to callback)`,
    [
      ...Object.entries(byKind).map(([kind, s]) => ({ command: kind, count: s.count, p50: s.p50, p95: s.p95, p99: s.p99, max: s.max, 'SQL/cmd': s.sqlRoundTrips ?? '', errors: s.errors })),
      { command: 'all', count: all.count, p50: all.p50, p95: all.p95, p99: all.p99, max: all.max, 'SQL/cmd': result.overall.sqlRoundTripsPerInteraction, errors: all.errors },
    ],
  );
  console.log(`throughput: ${result.overall.interactionsPerSecond} interactions/s over ${result.overall.wallSeconds} s (event loop busy: bot ${result.overall.botEventLoopUtilization}, fake ${result.overall.fakeEventLoopUtilization}); bot CPU ${result.overall.botCpuMsPerInteraction} ms per interaction${missing.length ? `; not in this run: ${missing.join(', ')}` : ''}`);
  for (const d of [result.besideBareDiscordJs, result.besideBareDiscordJsAtRate]) {
    if (!d) continue;
    table(
      `Beside bare discord.js: ${d.load}, a fake Discord each`,
      (['bare', 'cohort'] as const).map((bot) => {
        const s = d[bot];
        return { bot: bot === 'bare' ? 'bare discord.js' : 'Cohort', 'CPU ms/interaction': s.botCpuMsPerInteraction, 'interactions/s': s.interactionsPerSecond, p50: s.p50, p99: s.p99, 'SQL/interaction': s.sqlRoundTripsPerInteraction, 'bot busy': s.botEventLoopUtilization, errors: s.errors };
      }),
    );
    console.log(`CPU per interaction, Cohort / bare discord.js: ${d.cpuRatio} (target ≤ 2; by round ${Math.min(...d.cpuRatioByRound)}–${Math.max(...d.cpuRatioByRound)})`);
  }
  if (result.profiles.length) console.log(`Profiles: ${result.profiles.join(', ')}`);
  return result;
}

/**
 * Runs `fn` over `items` on a schedule: item i starts i / perSecond seconds after the first,
 * whether or not the earlier ones have finished (open loop), checked every millisecond.
 */
export async function runPaced<T>(items: readonly T[], perSecond: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  const started = performance.now();
  const running: Promise<unknown>[] = [];
  let sent = 0;
  while (sent < items.length) {
    const due = Math.min(items.length, Math.floor(((performance.now() - started) * perSecond) / 1000) + 1);
    while (sent < due) running.push(fn(items[sent++]!));
    if (sent < items.length) await sleep(1);
  }
  await Promise.all(running);
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function runPool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

