/**
 * Benchmark: the weekly digest fan-out. 10,000 members (BENCH_DIGEST_MEMBERS) in 10 servers whose
 * digest is due within one hour, spread over its minutes and over four time zones; the fake Discord
 * enforces a global rate limit (429 + retry_after beyond it). The scheduler is ticked once per
 * simulated minute (each tick waits for the job), so the hour is compressed: the figures show the
 * request rate while sending against the allowed rate, how long the whole hour's DMs took, 429s,
 * duplicate and missing DMs.
 */
import { startCohort } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { memberSettings } from '../../src/db/schema.js';
import { FAKE_TOKEN, startFakeDiscord } from '../../src/sim/index.js';
import { duplicatesIn, freshPostgres, round, sendingRate, table } from './common.js';

/** Zones whose local time `hour` is 12:00 UTC on Monday 2 March 2026. */
const ZONES = [
  { zone: 'UTC', hour: 12 },
  { zone: 'Europe/Berlin', hour: 13 },
  { zone: 'America/New_York', hour: 7 },
  { zone: 'Asia/Tokyo', hour: 21 },
];

export async function benchDigest(options: { members?: number; servers?: number; ratePerSecond?: number } = {}) {
  const members = options.members ?? Number(process.env.BENCH_DIGEST_MEMBERS ?? 10_000);
  const servers = options.servers ?? 10;
  const ratePerSecond = options.ratePerSecond ?? 50;
  const hourStart = Date.parse('2026-03-02T12:00:00Z'); // a Monday
  const fake = await startFakeDiscord({ rateLimitPerSecond: ratePerSecond });
  const guildIds = Array.from({ length: servers }, (_, i) => fake.addGuild({ name: `Digest ${i}` }).id as string);
  const database = await freshPostgres();
  const setAt = new Date(hourStart - 86_400_000);
  const rows = Array.from({ length: members }, (_, i) => {
    const { zone, hour } = ZONES[i % ZONES.length]!;
    const minute = Math.floor((i / members) * 60);
    return {
      guildId: guildIds[i % servers]!,
      userId: String(900_000_000_000_000_000n + BigInt(i)),
      timezone: zone,
      digestEnabled: true,
      digestDay: 1,
      digestTime: `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`,
      digestUpdatedAt: setAt,
      updatedAt: setAt,
    };
  });
  for (let i = 0; i < rows.length; i += 1000) await database.db.insert(memberSettings).values(rows.slice(i, i + 1000));

  const clock = new ManualClock(new Date(hourStart - 60_000));
  const config = loadConfig({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent' });
  const app = await startCohort({ config, clock, database });
  await app.ready;
  await app.scheduler.runDue(); // the start-up run: nothing due yet
  const started = Date.now();
  for (let minute = 0; minute < 60; minute++) {
    clock.set(new Date(hourStart + minute * 60_000 + 5_000));
    await app.scheduler.runDue();
  }
  const finished = Date.now();

  const limited = fake.requests.filter((r) => r.method === 'POST' && (r.path === '/users/@me/channels' || /^\/channels\/\d+\/messages$/.test(r.path)));
  const dms = limited.filter((r) => r.status === 200 && r.path !== '/users/@me/channels');
  const perUser = new Map<string, number>();
  for (const id of rows.map((r) => r.userId)) {
    const n = fake.dmMessages(id).length;
    if (n > 0) perUser.set(id, n);
  }
  const duplicates = duplicatesIn(perUser.values());
  const missing = rows.length - perUser.size;
  const { seconds, ok, requestRate } = sendingRate(limited);
  const budget = config.SCHEDULED_REQUESTS_PER_SECOND;
  await app.stop();
  await fake.close();
  await database.close();

  const result = {
    members,
    servers,
    allowedRequestsPerSecond: ratePerSecond,
    /** The app's outbound budget for scheduled sends (SCHEDULED_REQUESTS_PER_SECOND), below the limit. */
    budgetRequestsPerSecond: budget,
    requestsPerDigest: round(ok / Math.max(1, dms.length), 2),
    achievedRequestsPerSecond: round(requestRate),
    fractionOfAllowed: round(requestRate / ratePerSecond, 3),
    fractionOfBudget: round(requestRate / budget, 3),
    /** The share of the hour's global budget (3600 s × the limit) the digests use when their minutes come in real time. */
    fractionOfHourBudget: round(ok / (3600 * ratePerSecond), 3),
    digestsPerSecond: round(dms.length / seconds),
    digests: dms.length,
    rateLimited429: fake.stats.rateLimited,
    duplicates,
    missing,
    seconds: round(seconds, 1),
    runDueSeconds: round((finished - started) / 1000, 1),
    targets: { minFractionOfBudget: 0.9, rateLimited429: 0, duplicates: 0, missing: 0 },
  };
  table(`Digest fan-out: ${members} members due within one hour (ticked minute by minute), fake limit ${ratePerSecond} requests/s, budget ${budget}/s`, [
    {
      digests: result.digests,
      'req/digest': result.requestsPerDigest,
      'req/s': result.achievedRequestsPerSecond,
      'of allowed': result.fractionOfAllowed,
      'of budget': result.fractionOfBudget,
      'of the hour': result.fractionOfHourBudget,
      '429s': result.rateLimited429,
      duplicates,
      missing,
      seconds: result.seconds,
    },
  ]);
  return result;
}
