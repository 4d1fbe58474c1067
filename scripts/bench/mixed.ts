/**
 * `npm run bench mixed`: do commands stay fast while voice flows and a fan-out sends? Three loads at
 * once on one bot (its own process, bot-worker.ts; PostgreSQL; the fake Discord enforcing 50
 * requests/s): the interaction mix of the interactions benchmark (/next, Mark done, /checkin,
 * /streak, /leaderboard from 1,000 members in 50 servers) at 200 a second, open loop; voice churn at
 * 500 events a second over 10,000 members in 100 servers; and the daily prompts of 600 servers due
 * at once, paced by the outbound budget. The latency is from the gateway dispatch of an interaction
 * to its callback reaching the fake, printed beside the same interactions sent alone just before.
 * The bot's event-loop delay is printed beside each, to tell a busy loop from a wait for the database.
 *
 * Options: BENCH_MIXED_SECONDS (30), BENCH_MIXED_RATE (200 interactions/s), BENCH_MIXED_VOICE_RATE
 * (500 events/s), BENCH_MIXED_FANOUT (600 servers).
 */
import { guildSettings } from '../../src/db/schema.js';
import { updateGuildSettings } from '../../src/db/queries/settings.js';
import { startFakeDiscord, type FakeDiscord, type Json } from '../../src/sim/index.js';
import { button, chatInput } from '../../src/sim/interactions.js';
import { startBot } from './bot.js';
import { freshPostgres, loadAverage, percentile, round, sendingRate, table } from './common.js';
import { WEIGHTS, prng, runPaced, runPool, type Kind } from './interactions.js';
import { voiceChurn } from './voice.js';

export async function benchMixed() {
  const seconds = Number(process.env.BENCH_MIXED_SECONDS ?? 30);
  const rate = Number(process.env.BENCH_MIXED_RATE ?? 200);
  const voiceRate = Number(process.env.BENCH_MIXED_VOICE_RATE ?? 500);
  const fanoutServers = Number(process.env.BENCH_MIXED_FANOUT ?? 600);
  const due = Date.parse('2026-03-02T12:00:00Z');
  const fake = await startFakeDiscord({ rateLimitPerSecond: 50 });
  const database = await freshPostgres(2);

  // 100 servers with two study rooms; members of the first 50 send the interactions.
  const voiceGuilds: { id: string; hall: string; annex: string }[] = [];
  for (let i = 0; i < 100; i++) {
    const id = fake.addGuild({ name: `Mixed ${i}` }).id as string;
    const hall = fake.addChannel(id, { name: 'study-hall', type: 2 }).id as string;
    const annex = fake.addChannel(id, { name: 'annex', type: 2 }).id as string;
    await updateGuildSettings(database.db, id, { studyChannelIds: [hall, annex] }, new Date(due - 86_400_000));
    voiceGuilds.push({ id, hall, annex });
  }
  const members = Array.from({ length: 1000 }, (_, i) => ({ guildId: voiceGuilds[i % 50]!.id, userId: fake.makeUser({ username: `member${i}` }).id as string, step: 0 }));
  // The fan-out: servers whose daily prompt is due at 12:00 UTC.
  const setAt = new Date(due - 86_400_000);
  const promptChannels = new Set<string>();
  const prompts = Array.from({ length: fanoutServers }, (_, i) => {
    const guild = fake.addGuild({ name: `Prompts ${i}` });
    promptChannels.add(guild.system_channel_id as string);
    return { guildId: guild.id as string, timezone: 'UTC', promptsChannelId: guild.system_channel_id as string, promptsTime: '12:00', promptsEnabled: true, createdAt: setAt, updatedAt: setAt };
  });
  for (let i = 0; i < prompts.length; i += 1000) await database.db.insert(guildSettings).values(prompts.slice(i, i + 1000));

  // The bot's clock flows from an hour before the prompts are due.
  const bot = await startBot(fake, 'cohort', { BENCH_BOT_DATABASE_URL: database.url, BENCH_BOT_CLOCK: new Date(due - 3_600_000).toISOString() });
  await bot.ask('clock', { at: due - 3_600_000, flowing: true });

  const random = prng(42);
  const weightSum = WEIGHTS.reduce((s, [, w]) => s + w, 0);
  const pickKind = (): Kind => {
    let r = random() * weightSum;
    for (const [kind, w] of WEIGHTS) if ((r -= w) <= 0) return kind;
    return WEIGHTS[0]![0];
  };
  const payload = (f: FakeDiscord, kind: Kind, m: (typeof members)[number]): Json => {
    if (kind === 'mark_done') return button(f, { guildId: m.guildId, user: m.userId, customId: `next:done:${bot.steps[m.step++ % bot.steps.length]!}` });
    return chatInput(f, { guildId: m.guildId, user: m.userId, name: kind });
  };
  const latencies: number[] = [];
  let errors = 0;
  /** Interactions without a final answer within 30 s (counted, not in the percentiles). */
  let unanswered = 0;
  const one = async ([kind, m]: readonly [Kind, (typeof members)[number]]) => {
    const started = performance.now();
    const id = fake.sendInteraction(payload(fake, kind, m));
    const record = await fake.waitForInteractionReply(id, 30_000).catch(() => undefined);
    if (!record?.callback) {
      unanswered += 1;
      if (process.env.BENCH_MIXED_DEBUG) console.error('unanswered', kind, JSON.stringify(fake.interaction(id)).slice(0, 400));
      return;
    }
    latencies.push(record.callback.at - started);
    if (JSON.stringify(record.original ?? record.callback?.data ?? {}).includes('Something went wrong')) errors += 1;
  };
  const work = (n: number) => Array.from({ length: n }, () => [pickKind(), members[Math.floor(random() * members.length)]!] as const);

  /** One measured run of interactions at `rate`, with `beside` running at the same time. */
  const measure = async (label: string, beside: () => Promise<unknown> = async () => {}) => {
    latencies.length = 0;
    errors = 0;
    unanswered = 0;
    await bot.ask('lag');
    const c0 = await bot.counters();
    const load = loadAverage();
    const t0 = performance.now();
    const [, besideResult] = await Promise.all([runPaced(work(rate * seconds), rate, one), beside()]);
    const wallMs = performance.now() - t0;
    const lag = await bot.ask('lag');
    const c1 = await bot.counters();
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      label,
      interactions: sorted.length,
      p50: round(percentile(sorted, 50)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted.at(-1) ?? Number.NaN),
      errors,
      unanswered,
      botEventLoopUtilization: round((c1.eluMs - c0.eluMs) / wallMs, 2),
      eventLoopDelayMs: { p50: round(lag.p50 as number), p99: round(lag.p99 as number), max: round(lag.max as number) },
      sqlStatements: c1.queries - c0.queries,
      botCpuSeconds: round((c1.cpuMicros - c0.cpuMicros) / 1e6, 2),
      loadAverage: load,
      beside: besideResult,
    };
  };

  // Warm-up (JIT, connection pool), not measured.
  await runPool(work(300), 50, one);
  const alone = await measure('interactions alone');
  console.log(`alone: p50 ${alone.p50}, p99 ${alone.p99}, max ${alone.max} ms; ${alone.unanswered} unanswered (load average ${alone.loadAverage})`);

  let fanout: Promise<unknown> = Promise.resolve();
  let fanoutFinished = false;
  const mixed = await measure('with voice churn and the fan-out', async () => {
    let done = false;
    // The prompts fall due now: the scheduler sends them, paced by the budget, while the rest goes on.
    await bot.ask('clock', { at: due + 5_000, flowing: true });
    fanout = bot.ask('run-due').then(() => void (fanoutFinished = true));
    const churn = await voiceChurn({
      rate: voiceRate,
      seconds,
      members: 10_000,
      bot,
      send: (i, channel) => fake.setVoiceState(voiceGuilds[i % 100]!.id, (400000000000000000n + BigInt(i)).toString(), { channelId: channel(voiceGuilds[i % 100]!) }),
      until: () => done,
    });
    done = true;
    return { churn, fanoutFinishedWithinRun: fanoutFinished };
  });
  await fanout;
  // The fan-out's pace: its posts and threads from the first to the last (it may end after the interactions).
  const fanoutRequests = fake.requests.filter((r) => r.method === 'POST' && /^\/channels\/\d+\/messages(\/\d+\/threads)?$/.test(r.path));
  const { requestRate, ok, seconds: fanoutSeconds } = sendingRate(fanoutRequests);
  const postsSent = new Set(fake.requests.filter((r) => r.method === 'POST' && r.status === 200 && /^\/channels\/\d+\/messages$/.test(r.path)).map((r) => r.path.split('/')[2]!));
  const missing = [...promptChannels].filter((c) => !postsSent.has(c)).length;
  if (process.env.BENCH_MIXED_DEBUG) {
    const routes = new Map<string, number>();
    for (const r of fake.requests) {
      const k = `${r.method} ${r.path.replace(/fake-itoken-[^/]+/g, ':token').replace(/\d{6,}/g, ':id')} ${r.status}`;
      routes.set(k, (routes.get(k) ?? 0) + 1);
    }
    console.error([...routes].sort((a, b) => b[1] - a[1]).slice(0, 15));
  }
  await bot.stop();
  await fake.close();
  await database.close();

  const beside = mixed.beside as { churn: Awaited<ReturnType<typeof voiceChurn>>; fanoutFinishedWithinRun: boolean };
  const fanoutFigures = { requests: ok, requestsPerSecond: round(requestRate, 1), seconds: round(fanoutSeconds, 1), rateLimited429: fake.stats.rateLimited, finishedWithinRun: beside.fanoutFinishedWithinRun };
  table(`Interactions at ${rate}/s for ${seconds} s (ms from gateway dispatch to callback); target p99 < 100 ms`, [alone, mixed].map((r) => ({
    run: r.label,
    interactions: r.interactions,
    p50: r.p50,
    p99: r.p99,
    max: r.max,
    errors: r.errors,
    unanswered: r.unanswered,
    'bot busy': r.botEventLoopUtilization,
    'loop delay p99/max ms': `${r.eventLoopDelayMs.p99} / ${r.eventLoopDelayMs.max}`,
    'bot CPU s': r.botCpuSeconds,
    'load average': r.loadAverage,
  })));
  console.log(
    `beside them: voice churn ${beside.churn.events} events at ${voiceRate}/s offered (all applied ${beside.churn.tailMs} ms after the last, ${beside.churn.roundTripsPerEvent} round trips per event); ` +
      `fan-out ${fanoutFigures.requests} requests at ${fanoutFigures.requestsPerSecond}/s over ${fanoutFigures.seconds} s, ${fanoutFigures.rateLimited429} 429s, ${missing} of ${fanoutServers} servers without their prompt`,
  );
  return { seconds, rate, voiceRate, fanoutServers, alone, mixed: { ...mixed, beside }, fanout: fanoutFigures, missingPrompts: missing, targets: { p99UnderMs: 100 } };
}
