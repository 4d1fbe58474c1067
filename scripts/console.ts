/**
 * `npm run console`: the real Cohort (startCohort: router, commands, jobs) against the fake Discord
 * from the tests, on the local database (DATA_DIR or DATABASE_URL) and content (CONTENT_DIR), with
 * a clock that starts at the real time and moves only when told (+1d). Works piped, too:
 *   printf '/next\npress 1\nquit\n' | npm run -s console
 */
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { startCohort } from '../src/app.js';
import { ManualClock } from '../src/clock.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { ConsoleSession, type Actor, type ConsoleDriver, type Post } from '../src/console/session.js';
import { DatabaseUnavailableError } from '../src/db/client.js';
import { FAKE_TOKEN, MEMBER_DEFAULT_PERMISSIONS, Perm, startFakeDiscord, type Json } from '../src/sim/index.js';
import { button, chatInput, modalSubmit, OptionsRefusedError, select } from '../src/sim/interactions.js';

const STEP_MS = 15 * 60_000;
const REPLY_TIMEOUT_MS = 15_000;
const interactive = Boolean(process.stdin.isTTY);
const out = (text: string) => process.stdout.write(`${text}\n`);

/** Stable ids, so that the same names find the same progress in the database across sessions. */
function stableId(kind: string, name: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(`${kind}:${name}`).digest('hex').slice(0, 15)}`) % 10n ** 17n;
  return `${{ guild: 1, user: 2, channel: 3, role: 4 }[kind] ?? 9}${digits.toString().padStart(17, '0')}`;
}

const GUILD_ID = stableId('guild', 'console');

async function main(): Promise<number> {
  // Violations are shown after each command (newViolations), so closing the fake need not fail on them.
  const fake = await startFakeDiscord({ botUsername: 'Cohort', failOnViolations: false });
  fake.addGuild({
    id: GUILD_ID,
    name: 'Cohort console',
    ownerId: fake.makeUser({ id: stableId('user', '(owner)'), username: 'owner' }).id as string,
    channels: [{ id: stableId('channel', 'general'), name: 'general', type: 0 }],
  });
  const general = stableId('channel', 'general');

  let config;
  try {
    config = loadConfig({
      ...process.env,
      DISCORD_TOKEN: FAKE_TOKEN,
      DISCORD_API_URL: fake.apiUrl,
      DISCORD_DEV_GUILD_ID: '',
      SHARD_COUNT: '',
      SHARD_IDS: '',
      HTTP_PORT: '',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      await fake.close();
      return 1;
    }
    throw error;
  }
  // Logs go to stderr so that stdout is only the conversation.
  const logger = process.stderr.isTTY
    ? pino({ level: config.LOG_LEVEL, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss' } } })
    : pino({ level: config.LOG_LEVEL }, pino.destination(2));
  const clock = new ManualClock(new Date());

  let app;
  try {
    app = await startCohort({ config, clock, logger });
    await app.ready;
  } catch (error) {
    console.error(error instanceof DatabaseUnavailableError ? error.message : error);
    await fake.close();
    return 1;
  }

  const guild = () => fake.guild(GUILD_ID)!;
  const guildChannels = () => [...fake.channels.values()].filter((c) => c.guild_id === GUILD_ID);
  const seen = new Set<string>();
  let violationsSeen = 0;

  const userId = (name: string): string => {
    const id = stableId('user', name);
    if (!fake.users.has(id)) fake.makeUser({ id, username: name });
    return id;
  };
  const as = (actor: Actor) => ({
    guildId: GUILD_ID,
    channelId: general,
    user: userId(actor.name),
    memberPermissions: (actor.moderator ? MEMBER_DEFAULT_PERMISSIONS | Perm.ManageMessages : MEMBER_DEFAULT_PERMISSIONS).toString(),
  });
  const reply = async (id: string) => {
    const record = await fake.waitForInteractionReply(id, REPLY_TIMEOUT_MS);
    return { callback: record.callback, original: record.original, followups: record.followups };
  };
  const newPosts = (): Post[] => {
    const posts: (Post & { id: string })[] = [];
    for (const channel of guildChannels()) {
      const parent = channel.parent_id ? fake.channel(channel.parent_id as string) : undefined;
      const label = parent && channel.type !== 0 ? `${parent.name as string} › ${channel.name as string}` : (channel.name as string);
      for (const message of fake.channelMessages(channel.id as string)) {
        if (seen.has(message.id as string) || (message.author as Json | undefined)?.id !== fake.botUser.id) continue;
        seen.add(message.id as string);
        posts.push({ channel: label, message, id: message.id as string });
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
    channelId(name) {
      const existing = guildChannels().find((c) => c.name === name);
      if (existing) return existing.id as string;
      return fake.addChannel(GUILD_ID, { id: stableId('channel', name), name, type: 0 }).id as string;
    },
    roleId(name) {
      const existing = (guild().roles as Json[]).find((r) => String(r.name).toLowerCase() === name);
      if (existing) return existing.id as string;
      return fake.addRole(GUILD_ID, { id: stableId('role', name), name }).id as string;
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
      return reply(fake.sendInteraction(payload));
    },
    component(actor, customId, message, values) {
      if (!values) return reply(fake.sendInteraction(button(fake, { ...as(actor), customId, message: { channel_id: general, ...message } })));
      const menu = ((message.components ?? []) as Json[]).flatMap((row) => (row.components ?? []) as Json[]).find((c) => c.custom_id === customId);
      return reply(fake.sendInteraction(select(fake, { ...as(actor), customId, values, componentType: (menu?.type as number | undefined) ?? 3, message: { channel_id: general, ...message } })));
    },
    modal: (actor, customId, fields, message) =>
      reply(fake.sendInteraction(modalSubmit(fake, { ...as(actor), customId, fields, ...(message ? { message } : {}) }))),
    now: () => clock.now(),
    async advance(ms, onStep) {
      for (let left = ms; left > 0; left -= STEP_MS) {
        clock.advance(Math.min(STEP_MS, left));
        await scheduler.runDue();
        const posts = newPosts();
        if (posts.length) onStep(clock.now(), posts);
      }
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
  const { content } = app.ctx;
  out(`Cohort console: server “Cohort console”, channel #general, ${content.tracks.length} track(s), ${content.steps.size} steps, ${content.prompts.length} prompts.`);
  out(`Database: ${app.database.kind === 'postgres' ? 'DATABASE_URL' : `PGlite in ${config.DATA_DIR}`}. Clock: ${clock.now().toISOString()}. You are “you”. Type help for help.`);

  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: interactive });
  const prompt = () => {
    if (!interactive) return;
    rl.setPrompt(`${session.who.name}${session.who.moderator ? ' (mod)' : ''}> `);
    rl.prompt();
  };
  prompt();
  for await (const line of rl) {
    if (!interactive && line.trim()) out(`› ${line}`);
    if (!(await session.run(line))) break;
    prompt();
  }
  rl.close();
  await app.stop();
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
