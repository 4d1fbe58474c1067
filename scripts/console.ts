/**
 * `npm run console`: the real Cohort (startCohort: router, commands, jobs) against the fake Discord
 * from the tests, with a clock that starts at the real time and moves only when told (+1d), minute
 * by minute as real time does. Works piped, too:
 *   printf '/next\npress 1\nquit\n' | npm run -s console
 *
 * Without DATA_DIR or DATABASE_URL it starts on a fresh temporary database, removed at the end.
 * With one, the fake server (channels, members, roles, messages, voice) and the clock are kept
 * beside it in cohort-console.json, so that the next run finds what this one set up.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Events } from 'discord.js';
import pino from 'pino';
import { startCohort } from '../src/app.js';
import { ManualClock } from '../src/clock.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { ConsoleSession, type Actor, type ConsoleDriver, type Post } from '../src/console/session.js';
import { DatabaseUnavailableError } from '../src/db/client.js';
import { FAKE_TOKEN, MEMBER_DEFAULT_PERMISSIONS, Perm, startFakeDiscord, type Json, type WorldSnapshot } from '../src/sim/index.js';
import { button, chatInput, modalSubmit, OptionsRefusedError, select } from '../src/sim/interactions.js';

const MINUTE_MS = 60_000;
/** Only a bot that never hears of an interaction waits this long; an answer is waited for until the handler is done, however slow the machine. */
const DELIVERY_TIMEOUT_MS = 120_000;
const interactive = Boolean(process.stdin.isTTY);
const out = (text: string) => process.stdout.write(`${text}\n`);

/** Stable ids, so that the same names find the same progress in the database across sessions. */
function stableId(kind: string, name: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(`${kind}:${name}`).digest('hex').slice(0, 15)}`) % 10n ** 17n;
  return `${{ guild: 1, user: 2, channel: 3, role: 4, app: 5 }[kind] ?? 9}${digits.toString().padStart(17, '0')}`;
}

const GUILD_ID = stableId('guild', 'console');
const APP_ID = stableId('app', 'cohort');
/** Where the bot's role sits: console roles go below it (so milestone roles can be given), `admin` above it. */
const BOT_ROLE_POSITION = 100;
const CHANNEL_KINDS: Record<number, string> = { 0: 'text channel', 2: 'voice channel', 4: 'category', 5: 'announcement channel', 13: 'stage channel', 15: 'forum' };
const VOICE_TYPES = [2, 13];

/** What the console keeps beside a named database: the fake server and the clock. */
interface SavedConsole {
  clock: string;
  world: WorldSnapshot;
}

/** Where the console keeps the fake server for this database; undefined for a temporary one. */
function savedStatePath(env: NodeJS.ProcessEnv, dataDir: string): string {
  const url = env.DATABASE_URL?.trim();
  return url ? join(dataDir, `cohort-console-${createHash('sha256').update(url).digest('hex').slice(0, 12)}.json`) : join(dataDir, 'cohort-console.json');
}

function readSaved(path: string): SavedConsole | undefined {
  if (!existsSync(path)) return undefined;
  let saved: SavedConsole;
  try {
    saved = JSON.parse(readFileSync(path, 'utf8')) as SavedConsole;
  } catch (error) {
    throw new ConsoleSetupError(`${path} cannot be read (${(error as Error).message}). It holds the console's fake server for this database; move it away to start the server afresh.`);
  }
  if (typeof saved.clock !== 'string' || Number.isNaN(Date.parse(saved.clock)) || saved.world?.version !== 1 || saved.world.appId !== APP_ID) {
    throw new ConsoleSetupError(`${path} is not a console state this version understands. Move it away to start the fake server afresh.`);
  }
  return saved;
}

class ConsoleSetupError extends Error {}

async function main(): Promise<number> {
  // A database is named with DATA_DIR or DATABASE_URL; otherwise a fresh one lives for this run only.
  const named = Boolean(process.env.DATA_DIR?.trim() || process.env.DATABASE_URL?.trim());
  const tempDir = named ? undefined : mkdtempSync(join(tmpdir(), 'cohort-console-'));
  try {
    return await run(tempDir);
  } finally {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
}

async function run(tempDir: string | undefined): Promise<number> {
  let config;
  // One clock for the bot and for Discord's own deadlines (3 s for a first answer, 15 minutes of a
  // token): console time moves only when told, so a slow machine never makes an answer late.
  const clock = new ManualClock(new Date());
  // Violations are shown after each command (newViolations), so closing the fake need not fail on them.
  const fake = await startFakeDiscord({ botUsername: 'Cohort', appId: APP_ID, failOnViolations: false, clock: () => clock.now().getTime() });
  try {
    config = loadConfig({
      ...process.env,
      ...(tempDir ? { DATA_DIR: tempDir } : {}),
      DISCORD_TOKEN: FAKE_TOKEN,
      DISCORD_API_URL: fake.apiUrl,
      DISCORD_DEV_GUILD_ID: '',
      SHARD_COUNT: '',
      SHARD_IDS: '',
      HTTP_PORT: '',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    });
  } catch (error) {
    await fake.close();
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
  const statePath = tempDir ? undefined : savedStatePath(process.env, config.DATA_DIR);
  let saved: SavedConsole | undefined;
  try {
    saved = statePath ? readSaved(statePath) : undefined;
  } catch (error) {
    await fake.close();
    if (error instanceof ConsoleSetupError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }

  const general = stableId('channel', 'general');
  if (saved) {
    fake.restore(saved.world);
  } else {
    fake.addGuild({
      id: GUILD_ID,
      name: 'Cohort console',
      ownerId: fake.makeUser({ id: stableId('user', '(owner)'), username: 'owner' }).id as string,
      channels: [{ id: general, name: 'general', type: 0 }],
    });
    // The bot's role above the roles the console makes, as a server owner sets it up for milestone
    // roles; one role, admin, above the bot, to see what Cohort says about a role it cannot give.
    const roles = fake.guild(GUILD_ID)!.roles as Json[];
    roles.find((r) => r.id === fake.guild(GUILD_ID)!._botRoleId)!.position = BOT_ROLE_POSITION;
    fake.addRole(GUILD_ID, { id: stableId('role', 'admin'), name: 'admin', position: BOT_ROLE_POSITION + 1 });
  }

  // Logs go to stderr so that stdout is only the conversation.
  const logger = process.stderr.isTTY
    ? pino({ level: config.LOG_LEVEL, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss' } } })
    : pino({ level: config.LOG_LEVEL }, pino.destination(2));
  // Time never goes back: a saved clock that ran ahead of the real one goes on from where it was.
  clock.set(new Date(Math.max(Date.now(), saved ? Date.parse(saved.clock) : 0)));

  let app;
  try {
    app = await startCohort({ config, clock, logger });
    await app.ready;
  } catch (error) {
    console.error(error instanceof DatabaseUnavailableError ? error.message : error);
    await fake.close();
    return 1;
  }
  const save = () => {
    if (!statePath) return;
    mkdirSync(config.DATA_DIR, { recursive: true });
    const saving: SavedConsole = { clock: clock.now().toISOString(), world: fake.snapshot() };
    writeFileSync(`${statePath}.tmp`, JSON.stringify(saving));
    renameSync(`${statePath}.tmp`, statePath);
  };

  const guild = () => fake.guild(GUILD_ID)!;
  const guildChannels = () => [...fake.channels.values()].filter((c) => c.guild_id === GUILD_ID);
  const seen = new Set<string>();
  let violationsSeen = 0;

  const userId = (name: string): string => {
    const id = stableId('user', name);
    if (!fake.users.has(id)) fake.makeUser({ id, username: name });
    return id;
  };
  const isDm = (channelId: unknown) => fake.channel(String(channelId))?.type === 1;
  const as = (actor: Actor, channelId: string = general) => {
    const user = userId(actor.name);
    // A DM's buttons (the digest's Stop these) are pressed in the DM, outside the server.
    if (isDm(channelId)) return { channelId, user };
    return {
      guildId: GUILD_ID,
      channelId,
      user,
      memberPermissions: (actor.moderator ? MEMBER_DEFAULT_PERMISSIONS | Perm.ManageMessages : MEMBER_DEFAULT_PERMISSIONS).toString(),
    };
  };
  /** Where a message's components are pressed: its own channel when the fake knows it, else #general. */
  const channelOf = (message: Json) => (typeof message.channel_id === 'string' && fake.channel(message.channel_id) ? message.channel_id : general);
  /** Sends an interaction and resolves with what Discord recorded once the bot has handled it to the end (reply, edits, follow-ups, milestone roles). */
  const send = async (payload: Json) => {
    const id = String(payload.id);
    let timer: NodeJS.Timeout | undefined;
    let listener: ((interaction: { id: string }) => void) | undefined;
    const received = new Promise<void>((resolve, reject) => {
      listener = (interaction) => {
        if (interaction.id === id) resolve();
      };
      app.client.on(Events.InteractionCreate, listener);
      timer = setTimeout(() => reject(new Error(`The bot did not receive the interaction within ${DELIVERY_TIMEOUT_MS / 1000} s.`)), DELIVERY_TIMEOUT_MS);
    });
    try {
      fake.sendInteraction(payload);
      await received;
    } finally {
      clearTimeout(timer);
      app.client.off(Events.InteractionCreate, listener!);
    }
    await app.interactionsIdle();
    const record = fake.interaction(id);
    return { callback: record.callback, original: record.original, followups: record.followups };
  };
  const label = (channel: Json): string => {
    const parent = channel.parent_id ? fake.channel(channel.parent_id as string) : undefined;
    return parent && channel.type !== 0 ? `${parent.name as string} › ${channel.name as string}` : (channel.name as string);
  };
  const newPosts = (): Post[] => {
    const posts: (Post & { id: string })[] = [];
    for (const channel of fake.channels.values()) {
      const dm = channel.type === 1;
      if (!dm && channel.guild_id !== GUILD_ID) continue;
      const where = dm ? (((channel.recipients as Json[] | undefined)?.[0]?.username as string | undefined) ?? 'someone') : label(channel);
      for (const message of fake.channelMessages(channel.id as string)) {
        if (seen.has(message.id as string) || (message.author as Json | undefined)?.id !== fake.botUser.id) continue;
        seen.add(message.id as string);
        posts.push({ channel: where, ...(dm ? { dm: true } : {}), message, id: message.id as string });
      }
    }
    return posts.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  };
  const scheduler = app.scheduler;

  const driver: ConsoleDriver = {
    commands: () => fake.globalCommands() as never,
    names: {
      channel: (id) => fake.channel(id)?.name as string | undefined,
      user: (id) => (fake.users.get(id)?.username as string | undefined) ?? `member-${id.slice(-4)}`,
      role: (id) => ((guild().roles as Json[]).find((r) => r.id === id)?.name as string | undefined)?.replace(/^@/, ''),
    },
    channelId(name, types) {
      const existing = guildChannels().find((c) => c.name === name && c.type !== 1 && ![10, 11, 12].includes(c.type as number));
      if (existing) {
        if (types?.length && !types.includes(existing.type as number)) {
          throw new Error(`#${name} is a ${CHANNEL_KINDS[existing.type as number] ?? 'channel'}; this option takes a ${types.map((t) => CHANNEL_KINDS[t] ?? String(t)).join(' or ')}.`);
        }
        return existing.id as string;
      }
      return fake.addChannel(GUILD_ID, { id: stableId('channel', name), name, type: types?.[0] ?? 0 }).id as string;
    },
    roleId(name) {
      // @everyone is the server's own role, whose id is the server's id, as in Discord.
      if (name === 'everyone' || name === '@everyone') return GUILD_ID;
      const roles = guild().roles as Json[];
      const existing = roles.find((r) => String(r.name).toLowerCase() === name);
      if (existing) return existing.id as string;
      const below = roles.filter((r) => (r.position as number) < BOT_ROLE_POSITION).map((r) => r.position as number);
      return fake.addRole(GUILD_ID, { id: stableId('role', name), name, position: Math.min(Math.max(0, ...below) + 1, BOT_ROLE_POSITION - 1) }).id as string;
    },
    userId,
    command(actor, name, options) {
      let payload;
      try {
        payload = chatInput(fake, { ...as(actor), name, options });
      } catch (error) {
        // The limits Discord's client enforces, in the validator's words: "rollover_hour must be between 0 and 23".
        if (error instanceof OptionsRefusedError) return Promise.reject(new Error(error.problems.join('\n⚠️  ')));
        throw error;
      }
      return send(payload);
    },
    component(actor, customId, message, values) {
      const where = as(actor, channelOf(message));
      const recipient = isDm(where.channelId) ? ((fake.channel(where.channelId)!.recipients as Json[] | undefined)?.[0]?.id as string | undefined) : undefined;
      if (recipient && recipient !== where.user) throw new Error(`That DM went to ${String(fake.users.get(recipient)?.username)}: only they can press its buttons (\`as ${String(fake.users.get(recipient)?.username)}\`).`);
      const shown = { channel_id: where.channelId, ...message };
      if (!values) return send(button(fake, { ...where, customId, message: shown }));
      const menu = ((message.components ?? []) as Json[]).flatMap((row) => (row.components ?? []) as Json[]).find((c) => c.custom_id === customId);
      return send(select(fake, { ...where, customId, values, componentType: (menu?.type as number | undefined) ?? 3, message: shown }));
    },
    current(message) {
      if (typeof message.id !== 'string' || typeof message.channel_id !== 'string') return message;
      return fake.channelMessages(message.channel_id, { includeInteractionResponses: true }).find((m) => m.id === message.id) ?? message;
    },
    async voice(actor, name) {
      const user = userId(actor.name);
      const now = fake.voiceStates(GUILD_ID).find((v) => v.user_id === user && v.channel_id);
      let channelId: string | null = null;
      if (name === null) {
        if (!now) return `🎧 ${actor.name} is not in a voice channel.`;
      } else {
        channelId = driver.channelId(name, VOICE_TYPES);
        if (now?.channel_id === channelId) return `🎧 ${actor.name} is already in #${name}.`;
      }
      // Wait until the bot has heard of it and applied it, as the next command would see it in Discord.
      const heard = new Promise<void>((resolve) => {
        const on = (_old: unknown, next: { id: string; guild: { id: string } }) => {
          if (next.id !== user || next.guild.id !== GUILD_ID) return;
          app.client.off(Events.VoiceStateUpdate, on);
          resolve();
        };
        app.client.on(Events.VoiceStateUpdate, on);
      });
      fake.setVoiceState(GUILD_ID, user, { channelId });
      await heard;
      await app.voice.idle();
      const from = now ? `#${String(fake.channel(String(now.channel_id))?.name)}` : undefined;
      if (name === null) return `🎧 ${actor.name} left ${from ?? 'voice'} at ${clock.now().toISOString().slice(11, 16)} UTC.`;
      return from ? `🎧 ${actor.name} moved from ${from} to #${name}.` : `🎧 ${actor.name} joined #${name} at ${clock.now().toISOString().slice(11, 16)} UTC.`;
    },
    modal: (actor, customId, fields, message) =>
      send(modalSubmit(fake, { ...as(actor, message ? channelOf(message) : general), customId, fields, ...(message ? { message } : {}) })),
    now: () => clock.now(),
    async advance(ms, onStep) {
      // As real time: the scheduler ticks at every whole minute passed, each job deciding what is due then.
      // A long jump shows on a terminal where it is (about a minute of waiting per simulated day).
      const end = clock.now().getTime() + ms;
      let progress = false;
      const clearProgress = () => {
        if (progress) process.stdout.write('\r\x1b[K');
        progress = false;
      };
      for (let tick = Math.floor(clock.now().getTime() / MINUTE_MS + 1) * MINUTE_MS; tick <= end; tick += MINUTE_MS) {
        clock.set(new Date(tick));
        await scheduler.runDue();
        const posts = newPosts();
        if (posts.length) {
          clearProgress();
          onStep(clock.now(), posts);
        }
        if (interactive && process.stdout.isTTY && tick % (60 * MINUTE_MS) === 0) {
          process.stdout.write(`\r⏳ ${new Date(tick).toISOString().slice(0, 16).replace('T', ' ')} UTC …`);
          progress = true;
        }
      }
      clearProgress();
      clock.set(new Date(end));
    },
    newPosts,
    newViolations() {
      const fresh = fake.violations.slice(violationsSeen);
      violationsSeen = fake.violations.length;
      return fresh.map((v) => `${v.method} ${v.path}: ${v.problems.join('; ')}`);
    },
    channelMessages(name) {
      const channel = guildChannels().find((c) => c.name === name);
      if (!channel) throw new Error(`There is no #${name}. Channels: ${guildChannels().filter((c) => c.type === 0).map((c) => `#${c.name as string}`).join(' ')}`);
      return fake.channelMessages(channel.id as string, { includeInteractionResponses: true });
    },
  };

  for (const name of ['you', 'mod']) userId(name);
  newPosts(); // what is already there is not news
  const session = new ConsoleSession(driver, out);
  const content = app.ctx.contents.builtin;
  out(`Cohort console: server “Cohort console”, channel #general, ${content.tracks.length} track(s), ${content.steps.size} steps, ${content.prompts.length} prompts.`);
  const where = tempDir
    ? 'a fresh temporary one, gone when you quit (set DATA_DIR to a folder to keep it and this server between runs)'
    : `${app.database.kind === 'postgres' ? 'DATABASE_URL' : `PGlite in ${config.DATA_DIR}`}${saved ? ', with the server from last time' : ''}`;
  out(`Database: ${where}. Clock: ${clock.now().toISOString()}. You are “you”. Type help for help.`);

  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: interactive });
  const prompt = () => {
    if (!interactive) return;
    rl.setPrompt(`${session.who.name}${session.who.moderator ? ' (mod)' : ''}> `);
    rl.prompt();
  };
  prompt();
  for await (const line of rl) {
    if (!interactive && line.trim()) out(`› ${line}`);
    const goOn = await session.run(line);
    save();
    if (!goOn) break;
    prompt();
  }
  rl.close();
  await app.stop();
  save();
  await fake.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
