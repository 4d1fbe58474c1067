/**
 * Benchmark: one cohort of 5,000 members (BENCH_COHORT_MEMBERS) in a server, through its first two
 * weeks: the week-1 announcement, the reminder 24 hours before the week-1 deadline (pinging only the
 * members who have not finished, in messages of 50 mentions), then after the week-2 deadline the
 * private catch-up notes to everyone two units behind. The fake Discord enforces a global rate
 * limit (429 + retry_after beyond it); the cohort job sends under the app's outbound budget. Each
 * step is one scheduler run at the due minute. Prints, per step: messages, requests per second
 * against the budget, 429s, duplicates (a member pinged or written to twice) and missing (a member
 * who should have been and was not).
 */
import { startCohort } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createCohort, unitsOf } from '../../src/db/queries/cohorts.js';
import { cohortMembers, stepProgress } from '../../src/db/schema.js';
import { FAKE_TOKEN, startFakeDiscord } from '../../src/sim/index.js';
import { duplicatesIn, freshPostgres, round, sendingRate, table } from './common.js';

const STEPS = ['python-programming', 'statistics-probability', 'linear-algebra-calculus', 'data-handling'];
const TRACK = 'ml-engineer';

export async function benchCohort(options: { members?: number; ratePerSecond?: number } = {}) {
  const members = options.members ?? Number(process.env.BENCH_COHORT_MEMBERS ?? 5_000);
  const ratePerSecond = options.ratePerSecond ?? 50;
  const fake = await startFakeDiscord({ rateLimitPerSecond: ratePerSecond });
  const guildId = fake.addGuild({ name: 'Cohort bench' }).id as string;
  const channelId = fake.addChannel(guildId, { name: 'cohort', type: 0 }).id as string;
  const database = await freshPostgres();
  const created = new Date('2026-03-01T12:00:00Z');
  const cohort = await createCohort(database.db, {
    guildId,
    name: 'Bench spring',
    trackId: TRACK,
    weeks: STEPS.map((s) => [s]),
    challenges: STEPS.map(() => null),
    timezone: 'Europe/Berlin',
    startDay: '2026-03-02',
    openTime: '09:00',
    deadlineWeekday: 1,
    deadlineTime: '23:59',
    channelId,
    joinUntil: new Date('2026-03-09T00:00:00Z'),
    secret: 'ab'.repeat(32),
    createdBy: '1',
    createdAt: created,
    updatedAt: created,
  });
  const units = unitsOf(cohort);
  const userIds = Array.from({ length: members }, (_, i) => String(910_000_000_000_000_000n + BigInt(i)));
  for (let i = 0; i < userIds.length; i += 1000)
    await database.db.insert(cohortMembers).values(userIds.slice(i, i + 1000).map((userId) => ({ cohortId: cohort.id, userId, joinedAt: created })));
  // Two in five finish week 1 before its reminder; the rest do nothing, so they are two units behind after week 2.
  const finished = userIds.filter((_, i) => i % 5 < 2);
  const doneAt = new Date(units[0]!.opensAt.getTime() + 3_600_000);
  for (let i = 0; i < finished.length; i += 1000)
    await database.db.insert(stepProgress).values(finished.slice(i, i + 1000).map((userId) => ({ guildId, userId, stepId: STEPS[0]!, trackId: TRACK, completedAt: doneAt })));
  const open = userIds.filter((_, i) => i % 5 >= 2);

  const clock = new ManualClock(created);
  const config = loadConfig({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent' });
  const app = await startCohort({ config, clock, database });
  await app.ready;
  await app.scheduler.runDue();

  const phases = [
    { name: 'announcement', at: units[0]!.opensAt, expected: ['(channel)'] },
    { name: 'reminder', at: units[0]!.reminderAt!, expected: open },
    { name: 'catch-up notes', at: units[1]!.deadline, expected: open },
  ];
  const rows: Record<string, string | number>[] = [];
  const results = [];
  for (const phase of phases) {
    const fromRequest = fake.requests.length;
    clock.set(new Date(phase.at.getTime() + 30_000));
    const started = performance.now();
    await app.scheduler.runDue();
    const ms = performance.now() - started;
    const sent = fake.requests.slice(fromRequest).filter((r) => r.method === 'POST' && (r.path === '/users/@me/channels' || /^\/channels\/\d+\/messages$/.test(r.path)));
    const { ok, requestRate } = sendingRate(sent);
    const reached = new Map<string, number>();
    if (phase.name === 'announcement') {
      reached.set('(channel)', fake.channelMessages(channelId).filter((m) => /starts now/.test(String(m.content))).length);
    } else if (phase.name === 'reminder') {
      for (const m of fake.channelMessages(channelId)) {
        for (const id of String(m.content).match(/<@(\d+)>/g) ?? []) {
          const user = id.slice(2, -1);
          reached.set(user, (reached.get(user) ?? 0) + 1);
        }
      }
    } else {
      for (const user of phase.expected) {
        const n = fake.dmMessages(user).length;
        if (n > 0) reached.set(user, n);
      }
    }
    const missing = phase.expected.filter((u) => !reached.has(u)).length;
    const unexpected = [...reached.keys()].filter((u) => !phase.expected.includes(u)).length;
    const result = {
      phase: phase.name,
      recipients: phase.expected.length,
      /** Every message the run posted: the phase's own, and any other post due at the same minute (the next week's announcement). */
      messages: sent.filter((r) => r.status < 300 && r.path !== '/users/@me/channels').length,
      requests: ok,
      // A rate needs at least two requests.
      requestsPerSecond: ok > 1 ? round(requestRate) : null,
      fractionOfBudget: ok > 1 ? round(requestRate / config.SCHEDULED_REQUESTS_PER_SECOND, 3) : null,
      rateLimited429: sent.filter((r) => r.status === 429).length,
      duplicates: duplicatesIn(reached.values()),
      missing,
      unexpected,
      seconds: round(ms / 1000, 1),
    };
    results.push(result);
    rows.push({
      phase: result.phase,
      recipients: result.recipients,
      messages: result.messages,
      requests: result.requests,
      'req/s': result.requestsPerSecond ?? '–',
      'of budget': result.fractionOfBudget ?? '–',
      '429s': result.rateLimited429,
      duplicates: result.duplicates,
      missing: result.missing,
      unexpected: result.unexpected,
      seconds: result.seconds,
    });
  }
  await app.stop();
  await fake.close();
  await database.close();
  table(`Cohort of ${members} members: week 1 announcement, reminder and catch-up notes; fake limit ${ratePerSecond} requests/s, budget ${config.SCHEDULED_REQUESTS_PER_SECOND}/s`, rows);
  return { members, allowedRequestsPerSecond: ratePerSecond, budgetRequestsPerSecond: config.SCHEDULED_REQUESTS_PER_SECOND, phases: results, targets: { rateLimited429: 0, duplicates: 0, missing: 0, unexpected: 0 } };
}
