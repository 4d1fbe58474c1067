import { eq, sql } from 'drizzle-orm';
import { activities } from '../../src/db/schema.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { startTestBot, shown, textOf } from '../support/bot.js';
import { openTestDatabase } from '../support/db.js';
import { button, chatInput } from '../../src/sim/interactions.js';
import { startFakeDiscord, type FakeDiscord } from '../../src/sim/index.js';
import { join } from 'node:path';
import { loadContent } from '../../src/content/loader.js';

/** The shipped track's core, read from content/ so the expected counts follow the content. */
const shippedCore = (await loadContent(join(import.meta.dirname, '../../content'))).content.tracks[0]!.steps;
const coreLength = shippedCore.length;

let database: Database;
let fake: FakeDiscord;

beforeAll(async () => {
  database = await openTestDatabase();
  fake = await startFakeDiscord();
});
afterAll(async () => {
  await fake?.close();
  await database?.close();
});

const commandWrites = () => fake.requests.filter((r) => r.method === 'PUT' && /\/commands$/.test(r.path)).length;

describe('command registration', () => {
  it('registers when the commands changed and skips when Discord already has them', async () => {
    const first = await startTestBot({ database, fake });
    await first.stop();
    expect(commandWrites()).toBe(1);
    expect(fake.globalCommands().map((c) => c.name).sort()).toEqual(commands.map((c) => c.data.name).sort());

    const second = await startTestBot({ database, fake });
    await second.stop();
    expect(commandWrites()).toBe(1);

    const changed = commands.map((c) => (c.data.name === 'next' ? { ...c, data: { ...c.data, description: 'A new description' } } : c));
    const third = await startTestBot({ database, fake, commands: changed });
    await third.stop();
    expect(commandWrites()).toBe(2);
    expect(fake.globalCommands().find((c) => c.name === 'next')?.description).toBe('A new description');
  });

  it('registers guild commands when DISCORD_DEV_GUILD_ID is set', async () => {
    const guildId = fake.addGuild({ name: 'Dev' }).id as string;
    const bot = await startTestBot({ database, fake, guildId, config: { DISCORD_DEV_GUILD_ID: guildId } });
    await bot.stop();
    expect(fake.guildCommands(guildId).map((c) => c.name)).toContain('roadmap');
  });
});

describe('the one error path', () => {
  it('shows an apology with an error id, not the driver message, when a query fails; a UserError stays as written', async () => {
    const bot = await startTestBot({ database, fake });
    try {
      const ok = shown(await bot.command('done', { step: 'no-such-step' }, { user: '300000000000000001' }));
      expect(textOf(ok)).toContain('There is no roadmap step called');

      // Break the schema under the running bot: the driver now fails with "relation does not exist".
      await database.db.execute(sql`alter table step_progress rename to step_progress_gone`);
      try {
        const failed = shown(await bot.command('next', {}, { user: '300000000000000001' }));
        const text = textOf(failed);
        expect(text).toMatch(/Something went wrong on our side, sorry\. .*error id `[0-9a-f]{8}`/);
        expect(text).not.toMatch(/relation|step_progress|does not exist|stack/i);
      } finally {
        await database.db.execute(sql`alter table step_progress_gone rename to step_progress`);
      }
      expect(textOf(shown(await bot.command('next', {}, { user: '300000000000000001' })))).toContain(`step 1 of ${coreLength}`);
    } finally {
      await bot.stop();
    }
  });

  it('keeps serving after Discord rejects a reply', async () => {
    const bot = await startTestBot({ database, fake });
    try {
      fake.failWith({ method: 'POST', path: /^\/interactions\/.+\/callback$/, status: 400, code: 50035, message: 'Invalid Form Body', times: 1 });
      const rejected = fake.sendInteraction(chatInput(fake, { guildId: bot.guildId, name: 'next', user: '300000000000000002' }));
      await fake.waitFor((r) => r.status === 400 && r.path.startsWith(`/interactions/${rejected}/`));
      const record = await bot.command('next', {}, { user: '300000000000000002' });
      expect(textOf(shown(record))).toContain(`step 1 of ${coreLength}`);
    } finally {
      await bot.stop();
    }
  });

  it('a custom id naming an inherited property (toString) is an expired button, not an error', async () => {
    const bot = await startTestBot({ database, fake });
    try {
      const pressed = await bot.press('next:toString', { user: '300000000000000004' });
      expect(textOf(shown(pressed))).toContain('This button has expired');
      const dm = await fake.waitForInteractionReply(fake.sendInteraction(button(fake, { customId: 'settings:constructor:1', user: '300000000000000004' })));
      expect(textOf(shown(dm))).toContain('Cohort works inside a server');
    } finally {
      await bot.stop();
    }
  });

  it('answers an interaction from a server it has not loaded, and a command in a DM, in our words, recording nothing', async () => {
    const bot = await startTestBot({ database, fake });
    try {
      // A server that added Cohort without its bot user: the payload names a guild the client never received.
      const payload = chatInput(fake, { guildId: bot.guildId, name: 'checkin', user: '300000000000000003' }) as Record<string, unknown>;
      const elsewhere = fake.snowflake();
      payload.guild_id = elsewhere;
      payload.guild = { id: elsewhere, locale: 'en-US', features: [] };
      payload.channel = { ...(payload.channel as object), guild_id: elsewhere };
      const unseen = await fake.waitForInteractionReply(fake.sendInteraction(payload));
      expect(textOf(shown(unseen))).toContain('Cohort can’t see this server yet');
      const inDm = await fake.waitForInteractionReply(fake.sendInteraction(chatInput(fake, { name: 'checkin', user: '300000000000000003' })));
      expect(textOf(shown(inDm))).toContain('Cohort works inside a server');
      expect(await database.db.select().from(activities).where(eq(activities.userId, '300000000000000003'))).toEqual([]);
    } finally {
      await bot.stop();
    }
  });

  it('refuses to start with a clear message when the database cannot be reached', async () => {
    await expect(openDatabase({ url: 'postgres://postgres:hunter2@127.0.0.1:1/test' })).rejects.toThrow(
      /Cannot use the database at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/test: .*ECONNREFUSED/,
    );
  });
});

