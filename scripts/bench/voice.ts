/**
 * `npm run bench voice`: 10,000 members join and leave study rooms across 100 servers, through
 * the real discord.js client against the fake Discord, with PostgreSQL. Then a 60 s gateway outage
 * with members leaving during it, to measure the error of the reconciled minutes; sustained churn;
 * and a restart with everyone in voice.
 *
 * The bot runs in a process of its own (bot-worker.ts, as `npm start` runs it), the fake Discord and
 * the load in this one: "bot CPU per event" is the bot process's alone (process.cpuUsage there, every
 * thread), and SQL statements are counted on its sockets. The bot's clock is frozen and moved by this
 * process (so the minutes of the outage are exact), and flows with real time during the churn.
 *
 * BENCH_VOICE_PHASES (a comma list of batches, outage, churn, restart; all by default) runs only
 * those; BENCH_PROFILE=file.cpuprofile writes a CPU profile of the bot's restart, from the new start
 * to the end of its reconciliation (summed by scripts/bench/profile-summary.ts).
 */
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { updateGuildSettings } from '../../src/db/queries/settings.js';
import { studySessions } from '../../src/db/schema.js';
import { startFakeDiscord } from '../../src/sim/index.js';
import { startBot } from './bot.js';
import { freshPostgres, loadAverage, round, sleep, table } from './common.js';

const PHASES = ['batches', 'outage', 'churn', 'restart'] as const;

export async function benchVoice(options: { members?: number; guilds?: number } = {}) {
  const members = options.members ?? Number(process.env.BENCH_VOICE_MEMBERS ?? 10_000);
  const guildCount = options.guilds ?? 100;
  const wanted = new Set(process.env.BENCH_VOICE_PHASES?.split(',') ?? PHASES);
  // The benchmark's own connection: setting up and checking what the bot stored (not counted as the bot's).
  const database = await freshPostgres(2);
  const fake = await startFakeDiscord();
  let now = Date.parse('2026-03-02T12:00:00Z');
  const guilds: { id: string; hall: string; annex: string }[] = [];
  for (let i = 0; i < guildCount; i++) {
    const id = fake.addGuild({ name: `Bench ${i}` }).id as string;
    const hall = fake.addChannel(id, { name: 'study-hall', type: 2 }).id as string;
    const annex = fake.addChannel(id, { name: 'annex', type: 2 }).id as string;
    await updateGuildSettings(database.db, id, { studyChannelIds: [hall, annex] }, new Date(now));
    guilds.push({ id, hall, annex });
  }
  const bot = await startBot(fake, 'cohort', { BENCH_BOT_DATABASE_URL: database.url, BENCH_BOT_CLOCK: new Date(now).toISOString(), BENCH_WORKER_PROFILE: '0' });
  /** Sets the bot's clock (frozen unless `flowing`). */
  const setClock = async (at: number, flowing = false) => {
    now = at;
    await bot.ask('clock', { at, flowing });
  };
  const heartbeat = () => bot.ask('heartbeat');
  const userId = (i: number) => (400000000000000000n + BigInt(i)).toString();
  const guildOf = (i: number) => guilds[i % guildCount]!;
  const guildIds = guilds.map((g) => g.id);

  /** Sends the events (in slices, so the socket keeps flowing) and waits until the bot applied all of them. */
  async function run(events: { guildId: string; userId: string; channelId: string | null }[]) {
    const c0 = await bot.counters();
    const t0 = performance.now();
    for (let i = 0; i < events.length; i += 200) {
      for (const e of events.slice(i, i + 200)) fake.setVoiceState(e.guildId, e.userId, { channelId: e.channelId });
      await sleep(0);
    }
    await bot.ask('settle', { received: c0.received + events.length });
    const ms = performance.now() - t0;
    const c1 = await bot.counters();
    return { events: events.length, ms, queries: c1.queries - c0.queries, cpuMs: (c1.cpuMicros - c0.cpuMicros) / 1000 };
  }

  const rows: { figure: string; value: string }[] = [];
  const result: Record<string, unknown> = { members, guilds: guildCount, loadAverageBefore: loadAverage() };

  // Phase 1: everyone joins a study room, a tenth moves to the other room, everyone leaves.
  if (wanted.has('batches')) {
    const all = Array.from({ length: members }, (_, i) => i);
    const joins = await run(all.map((i) => ({ guildId: guildOf(i).id, userId: userId(i), channelId: guildOf(i).hall })));
    await setClock(now + 20_000);
    const moves = await run(all.filter((i) => i % 10 === 0).map((i) => ({ guildId: guildOf(i).id, userId: userId(i), channelId: guildOf(i).annex })));
    await setClock(now + 20_000);
    const leaves = await run(all.map((i) => ({ guildId: guildOf(i).id, userId: userId(i), channelId: null })));
    const phases = [joins, moves, leaves];
    const events = phases.reduce((n, p) => n + p.events, 0);
    const ms = phases.reduce((n, p) => n + p.ms, 0);
    const queries = phases.reduce((n, p) => n + p.queries, 0);
    const cpuMs = phases.reduce((n, p) => n + p.cpuMs, 0);
    const [counts] = await database.db
      .select({
        sessions: sql<number>`count(*)::int`,
        open: sql<number>`count(*) filter (where ${studySessions.endedAt} is null)::int`,
        members: sql<number>`count(distinct ${studySessions.userId})::int`,
      })
      .from(studySessions)
      .where(inArray(studySessions.guildId, guildIds));
    const expectedSessions = members + Math.ceil(members / 10); // one per member, a second for each mover
    const lost = Math.max(0, expectedSessions - counts!.sessions) + (members - counts!.members);
    const duplicated = Math.max(0, counts!.sessions - expectedSessions) + counts!.open;
    const perPhase = phases.map((p) => ({ events: p.events, eventsPerSecond: round(p.events / (p.ms / 1000), 0), roundTripsPerEvent: round(p.queries / p.events, 2), botCpuMsPerEvent: round(p.cpuMs / p.events, 3) }));
    const batches = { events, seconds: round(ms / 1000, 2), eventsPerSecond: round(events / (ms / 1000), 0), perPhase, roundTripsPerEvent: round(queries / events, 3), botCpuMsPerEvent: round(cpuMs / events, 3), sessions: counts!.sessions, expectedSessions, lost, duplicated };
    result.batches = batches;
    const [j, m, l] = perPhase;
    rows.push(
      { figure: 'events (join, move, leave)', value: `${events} in ${batches.seconds} s` },
      { figure: 'events per second', value: `${batches.eventsPerSecond} (join ${j!.eventsPerSecond}, move ${m!.eventsPerSecond}, leave ${l!.eventsPerSecond})` },
      { figure: 'SQL round trips per event', value: `${batches.roundTripsPerEvent} (join ${j!.roundTripsPerEvent}, move ${m!.roundTripsPerEvent}, leave ${l!.roundTripsPerEvent})` },
      { figure: 'bot CPU per event (its own process)', value: `${batches.botCpuMsPerEvent} ms (join ${j!.botCpuMsPerEvent}, move ${m!.botCpuMsPerEvent}, leave ${l!.botCpuMsPerEvent})` },
      { figure: 'sessions lost / duplicated', value: `${lost} / ${duplicated} (of ${expectedSessions})` },
    );
  }

  // Phase 2: 1,000 members in voice, a heartbeat, then a 60 s outage during which half of them leave.
  if (wanted.has('outage')) {
    const dropMembers = Math.min(1000, members);
    const inVoice = Array.from({ length: dropMembers }, (_, i) => i + members);
    const t0 = now;
    await run(inVoice.map((i) => ({ guildId: guildOf(i).id, userId: userId(i), channelId: guildOf(i).hall })));
    await setClock(t0 + 60_000);
    await heartbeat(); // at +60 s
    fake.holdGateway();
    await bot.ask('wait-down');
    await setClock(t0 + 90_000);
    const leavers = inVoice.filter((i) => i % 2 === 0);
    for (const i of leavers) fake.setVoiceState(guildOf(i).id, userId(i), { channelId: null }); // really left at +90 s
    await setClock(t0 + 120_000);
    const tDrop = performance.now();
    fake.releaseGateway();
    await bot.ask('wait-resumed');
    const reconcileMs = performance.now() - tDrop;
    // The truth: leavers studied 90 s, stayers 120 s so far. Counted: closed sessions plus open ones up to now (+120 s).
    const end = t0 + 120_000;
    const stored = await database.db
      .select({ userId: studySessions.userId, startedAt: studySessions.startedAt, endedAt: studySessions.endedAt })
      .from(studySessions)
      .where(and(inArray(studySessions.guildId, guildIds), sql`${studySessions.startedAt} >= ${new Date(t0).toISOString()}::timestamptz`));
    const counted = new Map<string, number>();
    for (const r of stored) counted.set(r.userId, (counted.get(r.userId) ?? 0) + ((r.endedAt?.getTime() ?? end) - r.startedAt.getTime()));
    let addedMs = 0;
    let lostMs = 0;
    for (const i of inVoice) {
      const truth = i % 2 === 0 ? 90_000 : 120_000;
      const got = counted.get(userId(i)) ?? 0;
      addedMs += Math.max(0, got - truth);
      lostMs += Math.max(0, truth - got);
    }
    const drop = { members: dropMembers, leftDuringOutage: leavers.length, outageSeconds: 60, minutesAdded: round(addedMs / 60_000, 2), minutesLost: round(lostMs / 60_000, 2), reconcileMs: round(reconcileMs, 0) };
    result.drop = drop;
    rows.push(
      { figure: '60 s outage: minutes added / lost', value: `${drop.minutesAdded} / ${drop.minutesLost} (${dropMembers} members, ${leavers.length} left during it)` },
      { figure: 'reconcile after the resume', value: `${drop.reconcileMs} ms` },
    );
    // They leave, so that the phases after start from an empty voice.
    await run(inVoice.filter((i) => i % 2 === 1).map((i) => ({ guildId: guildOf(i).id, userId: userId(i), channelId: null })));
  }

  // Phase 3: sustained churn, open loop: `rate` events a second for `seconds`, each a random member
  // joining a room, moving to the other or leaving (10,000 members across 100 servers). The bot's
  // clock flows, so sessions have their real lengths.
  if (wanted.has('churn')) {
    const rate = Number(process.env.BENCH_VOICE_RATE ?? 1000);
    const seconds = Number(process.env.BENCH_VOICE_SECONDS ?? 20);
    const churn = await voiceChurn({ rate, seconds, members, send: (i, channel) => fake.setVoiceState(guildOf(i).id, userId(i), { channelId: channel(guildOf(i)) }), bot, setClock: (flowing, elapsedMs) => setClock(now + elapsedMs, flowing) });
    result.churn = churn;
    rows.push(
      { figure: `sustained churn, ${churn.offeredPerSecond}/s offered`, value: `${churn.events} events sent in ${churn.sendSeconds} s, all applied ${churn.tailMs} ms after the last` },
      { figure: 'sustained churn: round trips, bot CPU per event', value: `${churn.roundTripsPerEvent}, ${churn.botCpuMsPerEvent} ms (bot busy ${churn.botEventLoopUtilization})` },
    );
  }

  // Phase 4: a restart with everyone in voice: READY and GUILD_CREATE carry every voice state, and the
  // new process reconciles them all (closes each session at the last heartbeat, opens one from now).
  if (wanted.has('restart')) {
    const everyone = Array.from({ length: members }, (_, i) => i);
    await run(everyone.map((i) => ({ guildId: guildOf(i).id, userId: userId(i), channelId: guildOf(i).hall })));
    await heartbeat();
    const profile = process.env.BENCH_PROFILE?.replace(/(\.cpuprofile)?$/, '-restart.cpuprofile');
    const loadBefore = loadAverage();
    const restarted = await bot.ask('restart', { advanceMs: 30_000, ...(profile ? { profile } : {}) });
    const [reopened] = await database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(studySessions)
      .where(and(inArray(studySessions.guildId, guildIds), isNull(studySessions.endedAt), eq(studySessions.source, 'voice')));
    const restart = { membersInVoice: members, readyMs: round(restarted.readyMs as number, 0), reconcileMs: round(restarted.reconcileMs as number, 0), statements: restarted.statements as number, openAfter: reopened!.n, loadAverage: loadBefore, profile };
    result.restart = restart;
    rows.push({
      figure: `restart with ${members} in voice`,
      value: `reconciled ${restart.reconcileMs} ms after ready (ready in ${restart.readyMs} ms), ${restart.statements} statements in all, ${restart.openAfter} open after${profile ? `; profile ${profile}` : ''}`,
    });
  }
  result.loadAverageAfter = loadAverage();
  table(`voice study time (load average ${result.loadAverageBefore as string} before, ${result.loadAverageAfter as string} after)`, rows);
  await bot.stop();
  await fake.close();
  await database.close();
  return result;
}

/**
 * Open-loop voice churn: `rate` events a second for `seconds`, each a random one of `members`
 * joining the hall, moving to the other room or leaving; returns when the bot has applied them all.
 * Shared with the mixed benchmark.
 */
export async function voiceChurn(o: {
  rate: number;
  seconds: number;
  members: number;
  send: (member: number, channel: (g: { hall: string; annex: string }) => string | null) => void;
  bot: Awaited<ReturnType<typeof startBot>>;
  /** Lets the bot's clock flow at the start, and freezes it after (`elapsedMs`: the churn's length, a second more). */
  setClock?: (flowing: boolean, elapsedMs: number) => Promise<void>;
  /** Stops sending early (the mixed benchmark stops with its other loads). */
  until?: () => boolean;
}) {
  const where = new Map<number, 'hall' | 'annex' | null>();
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  const total = o.rate * o.seconds;
  const c0 = await o.bot.counters();
  await o.setClock?.(true, 0);
  const t0 = performance.now();
  let sent = 0;
  while (sent < total && !o.until?.()) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * o.rate));
    for (; sent < due; sent++) {
      const i = Math.floor(random() * o.members);
      const here = where.get(i) ?? null;
      const next = here === null ? 'hall' : random() < 0.3 ? (here === 'hall' ? 'annex' : 'hall') : null;
      where.set(i, next);
      o.send(i, (g) => (next === null ? null : g[next]));
    }
    await sleep(5);
  }
  const sendMs = performance.now() - t0;
  await o.bot.ask('settle', { received: c0.received + sent });
  const ms = performance.now() - t0;
  await o.setClock?.(false, Math.ceil(ms) + 1000);
  const c1 = await o.bot.counters();
  return {
    events: sent,
    offeredPerSecond: o.rate,
    sendSeconds: round(sendMs / 1000, 2),
    seconds: round(ms / 1000, 2),
    tailMs: round(ms - sendMs, 0),
    roundTripsPerEvent: round((c1.queries - c0.queries) / sent, 3),
    botCpuMsPerEvent: round((c1.cpuMicros - c0.cpuMicros) / 1000 / sent, 3),
    botEventLoopUtilization: round((c1.eluMs - c0.eluMs) / ms, 2),
  };
}
