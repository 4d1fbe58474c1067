import { afterAll, beforeAll } from 'vitest';
import { startCohort, type App } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import type { Command } from '../../src/discord/command.js';
import { expectNoViolations } from '../../src/sim/spec.js';
import { FAKE_TOKEN, startFakeDiscord, type FakeDiscord, type InteractionRecord, type Json } from '../../src/sim/index.js';
import { autocomplete, button, chatInput, type AutocompleteOptions, type ButtonOptions, type ChatInputOptions, type OptionsInput } from '../../src/sim/interactions.js';
import { openTestDatabase } from './db.js';

export interface TestBot {
  fake: FakeDiscord;
  app: App;
  clock: ManualClock;
  guildId: string;
  channelId: string;
  /** Runs a slash command and waits for its reply. */
  command(name: string, options?: OptionsInput, extra?: Partial<ChatInputOptions>): Promise<InteractionRecord>;
  /** Presses a button (by custom id) and waits for the reply or update. */
  press(customId: string, extra?: Partial<ButtonOptions>): Promise<InteractionRecord>;
  /** Asks for autocomplete choices. */
  suggest(name: string, focused: string, value: string, extra?: Partial<AutocompleteOptions>): Promise<{ name: string; value: string }[]>;
  stop(): Promise<void>;
}

/**
 * Starts the real Cohort (startCohort: router, commands, registration) against a fake Discord,
 * on the given database. Every payload the bot sends is validated against Discord's spec; `stop()`
 * fails the test if any was invalid.
 */
export interface TestBotOptions {
  database: Database;
  /** Start time of the bot's ManualClock (ISO). */
  now?: string;
  /** Extra env settings, as strings like in the environment. */
  config?: Record<string, string>;
  /** A fake Discord to share (e.g. a restart or a second process); else a fresh one, closed on stop. */
  fake?: FakeDiscord;
  commands?: readonly Command[];
  /** Use this existing guild of the shared fake instead of adding a new one. */
  guildId?: string;
  /** Lease the shards as a real process does (default false: apps of one test may run the same servers). */
  leaseShards?: boolean;
}

let testApps = 0;

export async function startTestBot(options: TestBotOptions): Promise<TestBot> {
  const fake = options.fake ?? (await startFakeDiscord());
  const guildId = options.guildId ?? (fake.addGuild({ name: 'Study Group' }).id as string);
  const clock = new ManualClock(options.now ?? '2026-03-02T12:00:00Z');
  // Discord and the bot agree on the time (a scheduled event's start must be in the future).
  fake.setWallClock(() => clock.now().getTime());
  const config: Config = loadConfig({
    DISCORD_TOKEN: FAKE_TOKEN,
    DISCORD_API_URL: fake.apiUrl,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.config,
  });
  // Each app is a process of its own in the leases; apps of one test may share servers (see LeaseIdentity.leaseShards).
  testApps += 1;
  const lease = { host: 'test-host', pid: 1_000_000 + testApps, instance: `test-app-${testApps}`, isRunning: () => true, leaseShards: options.leaseShards ?? false };
  const app = await startCohort({ config, clock, database: options.database, lease, ...(options.commands ? { commands: options.commands } : {}) });
  await app.ready;
  // Let the start-up catch-up run finish: it took its `now` from the start clock, and settings a
  // test writes while it is still running would be planned at that old time (a prompt posted early).
  await app.scheduler.runDue();

  const reply = async (id: string) => fake.waitForInteractionReply(id, 10_000);
  return {
    fake,
    app,
    clock,
    guildId,
    channelId: fake.defaultChannelId(guildId),
    command: (name, opts, extra) => reply(fake.sendInteraction(chatInput(fake, { guildId, name, options: opts, ...extra }))),
    press: (customId, extra) => reply(fake.sendInteraction(button(fake, { guildId, customId, ...extra }))),
    async suggest(name, focused, value, extra) {
      const record = await reply(fake.sendInteraction(autocomplete(fake, { guildId, name, focused, value, ...extra })));
      return (record.callback?.data?.choices ?? []) as { name: string; value: string }[];
    },
    async stop() {
      await app.stop();
      if (!options.fake) await fake.close();
      expectNoViolations(fake);
    },
  };
}

export type TestDatabase = Awaited<ReturnType<typeof openTestDatabase>>;

/**
 * The usual set-up of a test file: one test database and one bot on it, opened and started in
 * beforeAll, stopped and closed in afterAll. `bot` and `database` stand for the two from the first
 * hook on (tests, hooks, and helpers they call); touching them at module load throws.
 */
export function useTestBot(options: Omit<TestBotOptions, 'database'> = {}): { bot: TestBot; database: TestDatabase } {
  let database: TestDatabase | undefined;
  let bot: TestBot | undefined;
  beforeAll(async () => {
    database = await openTestDatabase();
    bot = await startTestBot({ ...options, database });
  });
  afterAll(async () => {
    await bot?.stop();
    await database?.close();
  });
  const notYet = (): never => {
    throw new Error('useTestBot: the bot and its database exist from beforeAll on');
  };
  const liveBot = () => bot ?? notYet();
  const liveDatabase = () => database ?? notYet();
  return {
    bot: {
      get fake() {
        return liveBot().fake;
      },
      get app() {
        return liveBot().app;
      },
      get clock() {
        return liveBot().clock;
      },
      get guildId() {
        return liveBot().guildId;
      },
      get channelId() {
        return liveBot().channelId;
      },
      command: (...args) => liveBot().command(...args),
      press: (...args) => liveBot().press(...args),
      suggest: (...args) => liveBot().suggest(...args),
      stop: () => liveBot().stop(),
    },
    database: {
      get db() {
        return liveDatabase().db;
      },
      get kind() {
        return liveDatabase().kind;
      },
      get url() {
        return liveDatabase().url;
      },
      get opened() {
        return liveDatabase().opened;
      },
      ping: () => liveDatabase().ping(),
      close: () => liveDatabase().close(),
    },
  };
}

/** What the member sees for an interaction: the latest state of its reply. */
export function shown(record: InteractionRecord): Json {
  return record.original ?? record.callback?.data ?? {};
}

/** All visible text of a message (content, embed titles, descriptions, fields, footers), for assertions. */
export function textOf(message: Json): string {
  const parts: string[] = [message.content ?? ''];
  for (const e of (message.embeds ?? []) as Json[]) {
    parts.push(e.author?.name ?? '', e.title ?? '', e.description ?? '', e.footer?.text ?? '');
    for (const f of (e.fields ?? []) as Json[]) parts.push(f.name, f.value);
  }
  return parts.filter(Boolean).join('\n');
}

/** Custom ids of all buttons on a message. */
export function buttonsOf(message: Json): { customId?: string; label?: string; disabled?: boolean; url?: string }[] {
  return ((message.components ?? []) as Json[]).flatMap((row) =>
    ((row.components ?? []) as Json[]).map((c) => ({ customId: c.custom_id, label: c.label, disabled: c.disabled, url: c.url })),
  );
}

/** Interaction options of a moderator (Manage Messages). */
export const MODERATOR = { memberPermissions: (1n << 13n).toString() };

/** Polls `check` until it holds (for work the bot does in the background, e.g. scheduled posts). */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
