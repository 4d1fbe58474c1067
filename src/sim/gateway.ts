/**
 * The gateway: a WebSocket server on the REST server's port. Hello, heartbeat ACKs, IDENTIFY
 * (READY, then GUILD_CREATE for each guild of the shard), RESUME, and dispatch of events to the
 * shard of a guild (`(guild_id >> 22) % shard_count`). As on Discord, every IDENTIFY opens a new
 * session and sessions identified on the same shard each receive every event of that shard (two
 * processes running shard 0 both get each interaction). A closed session stays resumable: its
 * events wait in its backlog (up to MAX_BACKLOG, then the session is forgotten: RESUME gets op 9).
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { clone, type Obj } from './model.js';
import type { GatewayLink, SimState } from './state.js';

interface ShardConn {
  ws: WebSocket;
  shardId: number;
  shardCount: number;
  seq: number;
  sessionId: string;
  identified: boolean;
  /** the intents bitfield the shard identified with */
  intents: number;
  /** events sent while the socket was closed, replayed on RESUME */
  backlog: { t: string; s: number; d: unknown }[];
}

/**
 * Events Discord sends only to connections that asked for a privileged intent, with the intent's bit:
 * GUILD_MEMBER_UPDATE needs GUILD_MEMBERS (1 << 1), except for the bot's own member (see memberUpdate).
 */
const GUILD_MEMBERS_INTENT = 1 << 1;
/** GUILD_SCHEDULED_EVENT_* go only to sessions that asked for GUILD_SCHEDULED_EVENTS (not privileged). */
const GUILD_SCHEDULED_EVENTS_INTENT = 1 << 16;

const MAX_BACKLOG = 5_000;

export const shardOf = (guildId: string, count: number): number => Number((BigInt(guildId) >> 22n) % BigInt(count));

export class Gateway implements GatewayLink {
  /** every session, identified or closed-but-resumable */
  private sessions: ShardConn[] = [];
  /** while held, IDENTIFY and RESUME wait (a gateway outage); released in order */
  private held: (() => void)[] | null = null;
  private readonly wss: WebSocketServer;

  /** `url()`: the gateway's ws:// URL (known once the server listens), sent as resume_gateway_url. */
  constructor(
    private readonly state: SimState,
    server: Server,
    private readonly url: () => string,
  ) {
    this.wss = new WebSocketServer({ server });
    this.wss.on('connection', (ws: WebSocket) => this.accept(ws));
    state.gateway = this;
  }

  private accept(ws: WebSocket): void {
    this.state.stats.gatewayConnections++;
    let conn: ShardConn | undefined;
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41250, _trace: ['fake-discord'] }, s: null, t: null }));
    ws.on('message', (data: RawData) => {
      let msg: { op?: unknown; d?: unknown };
      try {
        msg = JSON.parse(rawText(data)) as { op?: unknown; d?: unknown };
      } catch {
        ws.close(4002, 'Error while decoding payload.');
        return;
      }
      switch (msg.op) {
        case 1: // heartbeat
          ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
          break;
        case 2: // identify
          this.whenOpen(() => (conn = this.identify(ws, (msg.d ?? {}) as Obj)));
          break;
        case 6: // resume
          this.whenOpen(() => (conn = this.resume(ws, (msg.d ?? {}) as Obj) ?? conn));
          break;
        default:
          // op 3 presence, op 4 voice, op 8 request members, ... ignored
          break;
      }
    });
    ws.on('close', (code: number) => {
      if (!conn || conn.ws !== ws) return;
      conn.identified = false;
      // A client closing with 1000 or 1001 ends its session (Discord forgets it: no RESUME).
      const ended = conn;
      if (code === 1000 || code === 1001) this.sessions = this.sessions.filter((c) => c !== ended);
    });
    ws.on('error', () => {});
  }

  private whenOpen(run: () => void): void {
    if (this.held) this.held.push(run);
    else run();
  }

  /** A gateway outage: every socket is closed and nobody can identify or resume until `release()`. */
  hold(code = 4000): void {
    this.held ??= [];
    this.drop(code);
  }

  /** Ends the outage: waiting IDENTIFYs and RESUMEs are answered (a resume replays the missed events). */
  release(): void {
    const waiting = this.held ?? [];
    this.held = null;
    for (const run of waiting) run();
  }

  private identify(ws: WebSocket, d: Obj): ShardConn {
    this.state.stats.identifies++;
    const [shardId, shardCount] = (d.shard as [number, number] | undefined) ?? [0, 1];
    // A socket that identifies again ends its earlier session; other sessions on the shard stay.
    this.sessions = this.sessions.filter((c) => c.ws !== ws);
    const conn: ShardConn = { ws, shardId, shardCount, seq: 0, sessionId: randomBytes(16).toString('hex'), identified: true, intents: Number(d.intents ?? 0), backlog: [] };
    this.sessions.push(conn);
    const { state } = this;
    const myGuilds = [...state.guilds.values()].filter((g) => shardOf(g.id, shardCount) === shardId);
    this.dispatchTo(conn, 'READY', {
      v: 10,
      user: clone(state.botUser),
      user_settings: {},
      guilds: myGuilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: conn.sessionId,
      session_type: 'normal',
      resume_gateway_url: this.url(),
      application: { id: state.appId, flags: 0 },
      shard: [shardId, shardCount],
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      auth: {},
      _trace: ['fake-discord'],
    });
    for (const g of myGuilds) this.dispatchTo(conn, 'GUILD_CREATE', state.guildForGateway(g));
    state.events.emit('identify', conn);
    return conn;
  }

  /** The resumed connection, or undefined (op 9 Invalid Session sent) when the session is unknown. */
  private resume(ws: WebSocket, d: Obj): ShardConn | undefined {
    this.state.stats.resumes++;
    const existing = this.sessions.find((c) => c.sessionId === d.session_id);
    if (!existing) {
      ws.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
      return undefined;
    }
    if (existing.ws !== ws && existing.ws.readyState === 1) existing.ws.terminate();
    existing.ws = ws;
    existing.identified = true;
    const since = typeof d.seq === 'number' ? d.seq : 0;
    for (const e of existing.backlog) if (e.s > since && ws.readyState === 1) ws.send(JSON.stringify({ op: 0, t: e.t, s: e.s, d: e.d }));
    existing.backlog = [];
    this.dispatchTo(existing, 'RESUMED', {});
    return existing;
  }

  /** GUILD_MEMBER_UPDATE reaches a bot with the GUILD_MEMBERS intent, or one whose own member changed. */
  private memberUpdateWanted(conn: ShardConn, d: unknown): boolean {
    const userId = (d as { user?: { id?: string } } | null)?.user?.id;
    return userId === this.state.botUser.id || (conn.intents & GUILD_MEMBERS_INTENT) !== 0;
  }

  private dispatchTo(conn: ShardConn, t: string, d: unknown): void {
    conn.seq += 1;
    if (conn.ws.readyState === 1 && conn.identified) conn.ws.send(JSON.stringify({ op: 0, t, s: conn.seq, d }));
    else if (t !== 'RESUMED') {
      conn.backlog.push({ t, s: conn.seq, d });
      if (conn.backlog.length > MAX_BACKLOG) this.sessions = this.sessions.filter((c) => c !== conn);
    }
  }

  /** The sessions of the shard guildId belongs to (without a guild: of every shard); `identified` ones only unless told. */
  private sessionsFor(guildId: string | undefined, includeClosed = false): ShardConn[] {
    const conns = includeClosed ? this.sessions : this.sessions.filter((c) => c.identified);
    if (guildId === undefined) return conns;
    return conns.filter((c) => c.shardId === shardOf(guildId, c.shardCount));
  }

  dispatchToSession(t: string, d: unknown, guildId: string): void {
    for (const conn of this.sessionsFor(guildId, true)) this.dispatchTo(conn, t, d);
  }

  connected(guildId: string | undefined): boolean {
    return this.sessionsFor(guildId).length > 0;
  }

  dispatch(t: string, d: unknown, guildId?: string): void {
    for (const conn of this.sessionsFor(guildId)) {
      if (t === 'GUILD_MEMBER_UPDATE' && !this.memberUpdateWanted(conn, d)) continue;
      if (t.startsWith('GUILD_SCHEDULED_EVENT_') && (conn.intents & GUILD_SCHEDULED_EVENTS_INTENT) === 0) continue;
      this.dispatchTo(conn, t, d);
    }
  }

  /** Records the interaction and dispatches INTERACTION_CREATE to every session of its guild's shard; returns its id. */
  sendInteraction(payload: Obj): string {
    const guildId = payload.guild_id as string | undefined;
    // A DM interaction goes to shard 0, as Discord sends DMs.
    const conns = guildId === undefined ? this.sessionsFor(undefined).filter((c) => c.shardId === 0) : this.sessionsFor(guildId);
    if (conns.length === 0) throw new Error(`fake-discord: no identified gateway shard for guild ${String(guildId)}; is the client logged in?`);
    const rec = this.state.addInteraction(payload);
    for (const conn of conns) this.dispatchTo(conn, 'INTERACTION_CREATE', rec.payload);
    return rec.id;
  }

  /** The shards with at least one identified session (each once). */
  connectedShards(): number[] {
    return [...new Set(this.sessions.filter((c) => c.identified).map((c) => c.shardId))].sort((a, b) => a - b);
  }

  /** Identified sessions per shard id (two processes on one shard: 2). */
  sessionCounts(): Record<number, number> {
    const counts: Record<number, number> = {};
    for (const c of this.sessions) if (c.identified) counts[c.shardId] = (counts[c.shardId] ?? 0) + 1;
    return counts;
  }

  /** resolves once `count` sessions have identified */
  waitForGateway(count = 1, timeoutMs = 5000): Promise<void> {
    const n = (): number => this.sessions.filter((c) => c.identified).length;
    if (n() >= count) return Promise.resolve();
    const { events } = this.state;
    return new Promise((resolve, reject) => {
      const on = (): void => {
        if (n() >= count) {
          clearTimeout(timer);
          events.off('identify', on);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        events.off('identify', on);
        reject(new Error(`fake.waitForGateway(${count}) timed out`));
      }, timeoutMs);
      events.on('identify', on);
    });
  }

  /** close all gateway sockets with a code (discord.js will resume/reconnect) */
  drop(code = 4000): void {
    for (const c of this.sessions) if (c.ws.readyState === 1) c.ws.close(code, 'fake-discord drop');
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString();
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString();
  return data.toString();
}
