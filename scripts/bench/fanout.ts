/**
 * Benchmark 2: scheduler fan-out. 10,000 servers whose daily prompt is due in the same minute;
 * the fake Discord enforces a global rate limit (429 + retry_after beyond it). Reports the request
 * rate achieved against the allowed rate, 429s, duplicate and missing posts.
 */
import { startCohort } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { guildSettings } from '../../src/db/schema.js';
import { FAKE_TOKEN, startFakeDiscord } from '../../src/sim/index.js';
import { duplicatesIn, freshPostgres, round, sendingRate, table } from './common.js';

export async function benchFanout(options: { servers?: number; ratePerSecond?: number } = {}) {
  const servers = options.servers ?? Number(process.env.BENCH_FANOUT_SERVERS ?? 10_000);
  const ratePerSecond = options.ratePerSecond ?? 50;
  const due = new Date('2026-03-02T12:00:00Z');
  const fake = await startFakeDiscord({ rateLimitPerSecond: ratePerSecond });
  const channels: { guildId: string; channelId: string }[] = [];
  for (let i = 0; i < servers; i++) {
    const guild = fake.addGuild({ name: `Fan-out ${i}` });
    channels.push({ guildId: guild.id as string, channelId: guild.system_channel_id as string });
  }
  const database = await freshPostgres();
  const setAt = new Date(due.getTime() - 86_400_000);
  for (let i = 0; i < channels.length; i += 1000) {
    await database.db.insert(guildSettings).values(
      channels.slice(i, i + 1000).map(({ guildId, channelId }) => ({
        guildId,
        timezone: 'UTC',
        promptsChannelId: channelId,
        promptsTime: '12:00',
        promptsEnabled: true,
        createdAt: setAt,
        updatedAt: setAt,
      })),
    );
  }

  const clock = new ManualClock(new Date(due.getTime() + 5_000));
  const config = loadConfig({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent' });
  const app = await startCohort({ config, clock, database });
  await app.ready;
  // The scheduler's first tick starts at ready; runDue waits for it and runs once more (which must find nothing left).
  const started = Date.now();
  await app.scheduler.runDue();
  const finished = Date.now();

  const limited = fake.requests.filter((r) => r.method === 'POST' && /^\/channels\/\d+\/messages(\/\d+\/threads)?$/.test(r.path));
  const posts = limited.filter((r) => r.status === 200 && /\/messages$/.test(r.path));
  const threads = limited.filter((r) => r.status < 300 && /\/threads$/.test(r.path));
  const perChannel = new Map<string, number>();
  for (const r of posts) perChannel.set(r.path.split('/')[2]!, (perChannel.get(r.path.split('/')[2]!) ?? 0) + 1);
  const duplicates = duplicatesIn(perChannel.values());
  const missing = channels.filter((c) => !perChannel.has(c.channelId)).length;
  const { seconds, requestRate } = sendingRate(limited);
  const budget = config.SCHEDULED_REQUESTS_PER_SECOND;
  await app.stop();
  await fake.close();
  await database.close();

  const result = {
    servers,
    allowedRequestsPerSecond: ratePerSecond,
    /** The app's outbound budget for scheduled sends (SCHEDULED_REQUESTS_PER_SECOND), below the limit. */
    budgetRequestsPerSecond: budget,
    requestsPerPost: round((posts.length + threads.length) / Math.max(1, posts.length), 2),
    achievedRequestsPerSecond: round(requestRate),
    fractionOfAllowed: round(requestRate / ratePerSecond, 3),
    fractionOfBudget: round(requestRate / budget, 3),
    postsPerSecond: round(posts.length / seconds),
    posts: posts.length,
    threads: threads.length,
    rateLimited429: fake.stats.rateLimited,
    duplicates,
    missing,
    seconds: round(seconds, 1),
    runDueSeconds: round((finished - started) / 1000, 1),
    targets: { minFractionOfBudget: 0.9, rateLimited429: 0, duplicates: 0, missing: 0 },
  };
  table(`Scheduler fan-out: ${servers} servers due in the same minute, fake limit ${ratePerSecond} requests/s, budget ${budget}/s`, [
    {
      'posts': result.posts,
      'threads': result.threads,
      'req/s': result.achievedRequestsPerSecond,
      'of allowed': result.fractionOfAllowed,
      'of budget': result.fractionOfBudget,
      'posts/s': result.postsPerSecond,
      '429s': result.rateLimited429,
      duplicates,
      missing,
      seconds: result.seconds,
    },
  ]);
  return result;
}
