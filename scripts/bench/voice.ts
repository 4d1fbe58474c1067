/**
 * `npm run bench voice`: 10,000 members join and leave study rooms across 100 servers, through
 * the real discord.js client against the fake Discord, with PostgreSQL. Then a 60 s gateway outage
 * with members leaving during it, to measure the error of the reconciled minutes.
 *
 * The bot and the fake Discord run in this one process, so "CPU per event" is the CPU of both
 * (the fake's share: serialising and sending the dispatch). The bot's clock is a ManualClock, so
 * the minutes of phase 2 are exact.
 */
import { Events, Status } from 'discord.js';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { startCohort } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { updateGuildSettings } from '../../src/db/queries/settings.js';
import { studySessions } from '../../src/db/schema.js';
import { FAKE_TOKEN, startFakeDiscord } from '../../src/sim/index.js';
import { freshPostgres, round, sleep, table } from './common.js';

export async function benchVoice(options: { members?: number; guilds?: number } = {}) {
  const members = options.members ?? Number(process.env.BENCH_VOICE_MEMBERS ?? 10_000);
  const guildCount = options.guilds ?? 100;
  const database = await freshPostgres(10);
  const fake = await startFakeDiscord();
  const clock = new ManualClock('2026-03-02T12:00:00Z');
  const guilds: { id: string; hall: string; annex: string }[] = [];
  for (let i = 0; i < guildCount; i++) {
    const id = fake.addGuild({ name: `Bench ${i}` }).id as string;
    const hall = fake.addChannel(id, { name: 'study-hall', type: 2 }).id as string;
    const annex = fake.addChannel(id, { name: 'annex', type: 2 }).id as string;
    await updateGuildSettings(database.db, id, { studyChannelIds: [hall, annex] }, clock.now());
    guilds.push({ id, hall, annex });
  }
  const config = loadConfig({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent' });
  const app = await startCohort({ config, clock, database });
  await app.ready;
  await app.voice.idle();

  let received = 0;
  app.client.on(Events.VoiceStateUpdate, () => void (received += 1));
  const userId = (i: number) => (400000000000000000n + BigInt(i)).toString();
  const guildOf = (i: number) => guilds[i % guildCount]!;

  /** Sends the events (in slices, so the socket keeps flowing) and waits until the bot applied all of them. */
  async function run(events: { guildId: string; userId: string; channelId: string | null }[]) {
    const target = received + events.length;
    const q0 = database.queries();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < events.length; i += 200) {
      for (const e of events.slice(i, i + 200)) fake.setVoiceState(e.guildId, e.userId, { channelId: e.channelId });
      await sleep(0);
    }
    while (received < target) await sleep(5);
    await app.voice.idle();
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { events: events.length, ms, queries: database.queries() - q0, cpuMs: (cpu.user + cpu.system) / 1000 };
  }

  // Phase 1: everyone joins a study room, a tenth moves to the other room, everyone leaves.
  const all = Array.from({ length: members }, (_, i) => i);
  const joins = await run(all.map((i) => ({ guildId: guildOf(i).id, userId: userId(i), channelId: guildOf(i).hall })));
  clock.advance(20_000);
  const moves = await run(all.filter((i) => i % 10 === 0).map((i) => ({ guildId: guildOf(i).id, userId: userId(i), channelId: guildOf(i).annex })));
  clock.advance(20_000);
  const leaves = await run(all.map((i) => ({ guildId: guildOf(i).id, userId: userId(i), channelId: null })));
  const phases = [joins, moves, leaves];
  const events = phases.reduce((n, p) => n + p.events, 0);
  const ms = phases.reduce((n, p) => n + p.ms, 0);
  const queries = phases.reduce((n, p) => n + p.queries, 0);
  const cpuMs = phases.reduce((n, p) => n + p.cpuMs, 0);

  const guildIds = guilds.map((g) => g.id);
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

  // Phase 2: 1,000 members in voice, a heartbeat, then a 60 s outage during which half of them leave.
  const dropMembers = Math.min(1000, members);
  const inVoice = Array.from({ length: dropMembers }, (_, i) => i + members);
  const t0 = clock.now().getTime();
  await run(inVoice.map((i) => ({ guildId: guildOf(i).id, userId: userId(i), channelId: guildOf(i).hall })));
  clock.set(new Date(t0 + 60_000));
  await app.voice.job.run(clock.now(), new AbortController().signal); // heartbeat at +60 s
  const resumed = new Promise<void>((resolve) => app.client.once(Events.ShardResume, () => resolve()));
  fake.holdGateway();
  while (app.client.ws.shards.every((s) => s.status === Status.Ready)) await sleep(5);
  clock.set(new Date(t0 + 90_000));
  const leavers = inVoice.filter((i) => i % 2 === 0);
  for (const i of leavers) fake.setVoiceState(guildOf(i).id, userId(i), { channelId: null }); // really left at +90 s
  clock.set(new Date(t0 + 120_000));
  const tDrop = performance.now();
  fake.releaseGateway();
  await resumed;
  await sleep(50);
  await app.voice.idle();
  const reconcileMs = performance.now() - tDrop;
  // The truth: leavers studied 90 s, stayers 120 s so far. Counted: closed sessions plus open ones up to now (+120 s).
  const now = t0 + 120_000;
  const rows = await database.db
    .select({ userId: studySessions.userId, startedAt: studySessions.startedAt, endedAt: studySessions.endedAt })
    .from(studySessions)
    .where(and(inArray(studySessions.guildId, guildIds), sql`${studySessions.startedAt} >= ${new Date(t0).toISOString()}::timestamptz`));
  const counted = new Map<string, number>();
  for (const r of rows) counted.set(r.userId, (counted.get(r.userId) ?? 0) + ((r.endedAt?.getTime() ?? now) - r.startedAt.getTime()));
  let addedMs = 0;
  let lostMs = 0;
  for (const i of inVoice) {
    const truth = i % 2 === 0 ? 90_000 : 120_000;
    const got = counted.get(userId(i)) ?? 0;
    addedMs += Math.max(0, got - truth);
    lostMs += Math.max(0, truth - got);
  }
  const stillOpen = await database.db
    .select({ n: sql<number>`count(*)::int` })
    .from(studySessions)
    .where(and(inArray(studySessions.guildId, guildIds), isNull(studySessions.endedAt), eq(studySessions.source, 'voice')));

  // Phase 3: sustained churn, open loop: `rate` events a second for `seconds`, each a random member
  // joining a room, moving to the other or leaving (10,000 members across 100 servers).
  const rate = Number(process.env.BENCH_VOICE_RATE ?? 1000);
  const seconds = Number(process.env.BENCH_VOICE_SECONDS ?? 20);
  const where = new Map<number, string | null>();
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  const churn = await (async () => {
    const total = rate * seconds;
    const target = received + total;
    const q0 = database.queries();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let sent = 0;
    let maxBacklog = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      for (; sent < due; sent++) {
        const i = Math.floor(random() * members);
        const g = guildOf(i);
        const now = where.get(i) ?? null;
        const next = now === null ? g.hall : random() < 0.3 ? (now === g.hall ? g.annex : g.hall) : null;
        where.set(i, next);
        fake.setVoiceState(g.id, userId(i), { channelId: next });
      }
      maxBacklog = Math.max(maxBacklog, sent - (received - (target - total)));
      clock.advance(1);
      await sleep(5);
    }
    const sendMs = performance.now() - t0;
    while (received < target) await sleep(5);
    await app.voice.idle();
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { events: total, offeredPerSecond: rate, sendSeconds: round(sendMs / 1000, 2), seconds: round(ms / 1000, 2), tailMs: round(ms - sendMs, 0), maxBacklog, roundTripsPerEvent: round((database.queries() - q0) / total, 3), cpuMsPerEvent: round((cpu.user + cpu.system) / 1000 / total, 3) };
  })();

  // Phase 4: a restart with everyone in voice: READY and GUILD_CREATE carry every voice state, and the
  // new process reconciles them all (closes each session at the last heartbeat, opens one from now).
  const everyone = Array.from({ length: members }, (_, i) => i);
  await run(everyone.map((i) => ({ guildId: guildOf(i).id, userId: userId(i), channelId: guildOf(i).hall })));
  await app.voice.job.run(clock.now(), new AbortController().signal);
  await app.stop();
  clock.advance(30_000);
  const q0 = database.queries();
  const tStart = performance.now();
  const restarted = await startCohort({ config, clock, database });
  await restarted.ready;
  const readyMs = performance.now() - tStart;
  await restarted.voice.idle();
  const reconcileAfterReadyMs = performance.now() - tStart - readyMs;
  const restartStatements = database.queries() - q0;
  const [reopened] = await database.db
    .select({ n: sql<number>`count(*)::int` })
    .from(studySessions)
    .where(and(inArray(studySessions.guildId, guildIds), isNull(studySessions.endedAt)));
  const restart = { membersInVoice: members, readyMs: round(readyMs, 0), reconcileMs: round(reconcileAfterReadyMs, 0), statements: restartStatements, openAfter: reopened!.n };

  const result = {
    members,
    guilds: guildCount,
    events,
    seconds: round(ms / 1000, 2),
    eventsPerSecond: round(events / (ms / 1000), 0),
    perPhase: phases.map((p) => ({ events: p.events, eventsPerSecond: round(p.events / (p.ms / 1000), 0), roundTripsPerEvent: round(p.queries / p.events, 2) })),
    roundTripsPerEvent: round(queries / events, 2),
    cpuMsPerEvent: round(cpuMs / events, 3),
    sessions: counts!.sessions,
    expectedSessions,
    lost,
    duplicated,
    drop: {
      members: dropMembers,
      leftDuringOutage: leavers.length,
      outageSeconds: 60,
      minutesAdded: round(addedMs / 60_000, 2),
      minutesLost: round(lostMs / 60_000, 2),
      openAfter: stillOpen[0]!.n,
      reconcileMs: round(reconcileMs, 0),
    },
    churn,
    restart,
  };
  table('voice study time', [
    { figure: 'events (join, move, leave)', value: `${events} in ${result.seconds} s` },
    { figure: 'events per second', value: `${result.eventsPerSecond} (join ${result.perPhase[0]!.eventsPerSecond}, move ${result.perPhase[1]!.eventsPerSecond}, leave ${result.perPhase[2]!.eventsPerSecond})` },
    { figure: 'SQL round trips per event', value: `${result.roundTripsPerEvent} (join ${result.perPhase[0]!.roundTripsPerEvent}, move ${result.perPhase[1]!.roundTripsPerEvent}, leave ${result.perPhase[2]!.roundTripsPerEvent})` },
    { figure: 'CPU per event (bot + fake, one process)', value: `${result.cpuMsPerEvent} ms` },
    { figure: 'sessions lost / duplicated', value: `${lost} / ${duplicated} (of ${expectedSessions})` },
    { figure: '60 s outage: minutes added / lost', value: `${result.drop.minutesAdded} / ${result.drop.minutesLost} (${dropMembers} members, ${leavers.length} left during it)` },
    { figure: 'reconcile after the resume', value: `${result.drop.reconcileMs} ms` },
    {
      figure: `sustained churn, ${churn.offeredPerSecond}/s offered`,
      value: `${churn.events} events sent in ${churn.sendSeconds} s, all applied ${churn.tailMs} ms after the last; at most ${churn.maxBacklog} sent and not yet received`,
    },
    { figure: 'sustained churn: round trips, CPU per event', value: `${churn.roundTripsPerEvent}, ${churn.cpuMsPerEvent} ms (bot + fake)` },
    {
      figure: `restart with ${restart.membersInVoice} in voice`,
      value: `reconciled ${restart.reconcileMs} ms after ready (ready in ${restart.readyMs} ms), ${restart.statements} statements in all, ${restart.openAfter} open after`,
    },
  ]);
  await restarted.stop();
  await fake.close();
  await database.close();
  return result;
}
