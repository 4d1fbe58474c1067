import { Events, Status, type Client, type Guild, type VoiceState } from 'discord.js';
import type { Context } from '../context.js';
import {
  beatStudyHeartbeat,
  closeVoiceSession,
  lastHeartbeats,
  openSessionsIn,
  openVoiceSession,
  studyRoomsOf,
  voiceSnapshot,
  type ClosedStudy,
  type StudyRoomSettings,
} from '../db/queries/study.js';
import { countedChannel, formatStudyTime, reconcile, voiceTransition, type VoicePlace } from '../domain/study.js';
import type { Job } from '../jobs/scheduler.js';

/**
 * Voice study time: VOICE_STATE_UPDATE opens and closes study sessions, and the bot's view is
 * reconciled with who is really in voice whenever it may have missed events.
 *
 * - Events of one member in one server apply one after the other, in arrival order (a queue per
 *   guild:user); each server counts its own sessions, so a member in two servers has two.
 * - A shard's view is trusted only between its READY (or RESUMED) and its next disconnect. While a
 *   shard is down or resuming, its voice events are not applied: when it is back (shardReady,
 *   shardResume) or a server becomes available (GUILD_CREATE), the open sessions are reconciled
 *   with the voice states in the cache (domain `reconcile`): a session whose member is gone is
 *   closed at the server's last heartbeat, never at "now", and everyone in a study room gets a
 *   session from now.
 * - The heartbeat (a scheduler job, every minute) stores, per server of a live shard, the last
 *   moment the bot knew who was in voice.
 */

export interface VoiceTracker {
  /** The heartbeat job (every minute): the last known moment per server of a live shard. */
  job: Job;
  /** Resolves once every queued voice event and reconciliation has been applied (tests, shutdown). */
  idle(): Promise<void>;
}

interface Present {
  userId: string;
  place: VoicePlace;
}

function placeOf(state: VoiceState): VoicePlace {
  return { channelId: state.channelId, parentId: state.channel?.parentId ?? null, serverDeaf: state.serverDeaf === true };
}

function roomsFor(guild: Guild, settings: StudyRoomSettings | undefined) {
  return { channelIds: settings?.channelIds ?? [], categoryIds: settings?.categoryIds ?? [], afkChannelId: guild.afkChannelId };
}

export function createVoiceTracker(ctx: Context, client: Client): VoiceTracker {
  const { db, logger, clock } = ctx;
  const capMs = ctx.config.STUDY_SESSION_CAP;
  /** Shards whose view of voice is complete (between READY/RESUMED and the next disconnect). */
  const live = new Set<number>();
  /** The tail of each member's queue (guild:user), and of each server's reconciliation. */
  const members = new Map<string, Promise<void>>();
  const guildBarriers = new Map<string, Promise<void>>();
  const pending = new Set<Promise<void>>();

  function track(task: Promise<void>): Promise<void> {
    const done = task.catch((error: unknown) => logger.error({ err: error }, 'voice study time: update failed'));
    pending.add(done);
    void done.finally(() => pending.delete(done));
    return done;
  }

  function logClosed(closed: ClosedStudy | null, why: string): void {
    if (!closed) return;
    const fields = { guildId: closed.guildId, userId: closed.userId, channelId: closed.channelId, sessionId: closed.id, why };
    if (closed.cutMs > 0) {
      logger.warn({ ...fields, cutMs: closed.cutMs, capMs }, `study session capped: ${formatStudyTime(closed.cutMs)} not counted (STUDY_SESSION_CAP)`);
    }
    for (const day of closed.days.filter((d) => d.counted)) logger.info({ ...fields, day: day.day, studyMs: day.totalMs }, 'study time counted the day for the streak');
  }

  /** Applies one voice event of a member: close the open session and/or open one (voiceTransition). */
  async function apply(guildId: string, userId: string, place: VoicePlace, afkChannelId: string | null): Promise<void> {
    const member = { guildId, userId };
    const { rooms, open } = await voiceSnapshot(db, member);
    const counted = countedChannel(place, { channelIds: rooms.channelIds, categoryIds: rooms.categoryIds, afkChannelId });
    const step = voiceTransition(open, counted);
    const now = clock.now();
    if (step.close && open) logClosed(await closeVoiceSession(db, open.id, now, { capMs }), 'voice');
    if (step.open) await openVoiceSession(db, { ...member, channelId: step.open, startedAt: now });
  }

  function onVoiceState(_old: VoiceState, state: VoiceState): void {
    const { guild } = state;
    if (!live.has(guild.shardId)) {
      // The shard is (re)connecting: the reconciliation after it is back applies this.
      logger.debug({ guildId: guild.id, userId: state.id }, 'voice event while the shard is not live; left to reconciliation');
      return;
    }
    const key = `${guild.id}:${state.id}`;
    const place = placeOf(state);
    const afk = guild.afkChannelId;
    const before = Promise.all([members.get(key), guildBarriers.get(guild.id)]);
    const task = track(before.then(() => apply(guild.id, state.id, place, afk)));
    members.set(key, task);
    void task.finally(() => {
      if (members.get(key) === task) members.delete(key);
    });
  }

  /**
   * Reconciles these servers (all of one shard, or one that became available) with who is in
   * voice now, as the cache says at the call. Later voice events of these servers wait for it.
   */
  function reconcileGuilds(guilds: Guild[], why: string): Promise<void> {
    if (guilds.length === 0) return Promise.resolve();
    const present = new Map<string, Present[]>(
      guilds.map((g) => [g.id, [...g.voiceStates.cache.values()].filter((s) => s.channelId).map((s) => ({ userId: s.id, place: placeOf(s) }))]),
    );
    const ids = new Set(guilds.map((g) => g.id));
    const waitFor: Promise<void>[] = [
      ...guilds.flatMap((g) => guildBarriers.get(g.id) ?? []),
      ...[...members.entries()].filter(([key]) => ids.has(key.slice(0, key.indexOf(':')))).map(([, task]) => task),
    ];
    const run = async () => {
      await Promise.all(waitFor);
      for (let i = 0; i < guilds.length; i += 500) {
        const chunk = guilds.slice(i, i + 500).map((g) => g.id);
        const [open, beats, rooms] = await Promise.all([openSessionsIn(db, chunk), lastHeartbeats(db, chunk), studyRoomsOf(db, chunk)]);
        const now = clock.now();
        let closed = 0;
        let opened = 0;
        for (const guild of guilds.slice(i, i + 500)) {
          const settings = roomsFor(guild, rooms.get(guild.id));
          const here = (present.get(guild.id) ?? []).flatMap((p) => {
            const channelId = countedChannel(p.place, settings);
            return channelId ? [{ userId: p.userId, channelId }] : [];
          });
          const sessions = open.filter((s) => s.guildId === guild.id).map((s) => ({ ...s, startedAt: s.startedAt.getTime() }));
          const knownUntil = beats.get(guild.id)?.getTime() ?? Number.NEGATIVE_INFINITY;
          const plan = reconcile(sessions, here, knownUntil, now.getTime());
          for (const c of plan.close) {
            logClosed(await closeVoiceSession(db, Number(c.id), new Date(c.endedAt), { capMs }), why);
            closed++;
          }
          for (const o of plan.open) {
            if ((await openVoiceSession(db, { guildId: guild.id, userId: o.userId, channelId: o.channelId, startedAt: new Date(o.startedAt) })) !== null) opened++;
          }
        }
        await beatStudyHeartbeat(db, chunk, now);
        if (closed + opened > 0) logger.info({ why, guilds: chunk.length, closed, opened }, 'study sessions reconciled with who is in voice');
      }
    };
    const task = track(run());
    for (const g of guilds) guildBarriers.set(g.id, task);
    void task.finally(() => {
      for (const g of guilds) if (guildBarriers.get(g.id) === task) guildBarriers.delete(g.id);
    });
    return task;
  }

  const guildsOfShard = (shardId: number) => [...client.guilds.cache.values()].filter((g) => g.shardId === shardId && g.available);

  client.on(Events.VoiceStateUpdate, onVoiceState);
  client.on(Events.ShardReady, (shardId) => {
    live.add(shardId);
    void reconcileGuilds(guildsOfShard(shardId), 'ready');
  });
  client.on(Events.ShardResume, (shardId) => {
    live.add(shardId);
    void reconcileGuilds(guildsOfShard(shardId), 'resume');
  });
  client.on(Events.ShardReconnecting, (shardId) => live.delete(shardId));
  client.on(Events.ShardDisconnect, (_event, shardId) => live.delete(shardId));
  client.on(Events.GuildCreate, (guild) => {
    if (live.has(guild.shardId)) void reconcileGuilds([guild], 'guild-create');
  });
  client.on(Events.GuildAvailable, (guild) => {
    if (live.has(guild.shardId)) void reconcileGuilds([guild], 'guild-available');
  });

  // Shards that became ready before the tracker existed (the bot logs in while the database opens).
  for (const shard of client.ws.shards.values()) {
    if (shard.status === Status.Ready) {
      live.add(shard.id);
      void reconcileGuilds(guildsOfShard(shard.id), 'ready');
    }
  }

  return {
    job: {
      name: 'study-heartbeat',
      async run(now) {
        // Only servers whose shard is live and that are not being reconciled (which beats itself).
        const ids = [...client.guilds.cache.values()].filter((g) => live.has(g.shardId) && g.available && !guildBarriers.has(g.id)).map((g) => g.id);
        for (let i = 0; i < ids.length; i += 1000) await beatStudyHeartbeat(db, ids.slice(i, i + 1000), now);
      },
    },
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
