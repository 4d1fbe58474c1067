import { MessageFlags } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { customId, guildCommand, type Command } from '../../src/discord/command.js';
import { UserError } from '../../src/errors.js';
import { startFakeDiscord, type FakeDiscord, type InteractionRecord } from '../../src/sim/index.js';
import { button, chatInput } from '../../src/sim/interactions.js';
import { shown, startTestBot, textOf, until, type TestBot } from '../support/bot.js';
import { openTestDatabase } from '../support/db.js';
import { startHoldingProxy, type HoldingProxy } from '../support/holding-proxy.js';

/**
 * The router's one deadline (src/discord/answer.ts): an interaction its handler has not answered
 * 1.5 s after it arrived is deferred by the router, and the handler's answer becomes the edit. The
 * slow handlers here wait until Discord has seen the router's deferral, so the test waits for a
 * condition, not for time.
 */
let fake: FakeDiscord;
let bot: TestBot;
let proxy: HoldingProxy;
let database: Awaited<ReturnType<typeof openTestDatabase>>;
/** Callbacks the proxy holds while this is true (the race test). */
let holdCallbacks = false;
/** Callbacks the proxy answers with a 502 after the fake took them, while this is above 0. */
let badGateways = 0;

const deferralSeen = (interaction: { id: string }) => until(() => fake.interactions.get(interaction.id)?.callback !== undefined, 'the router’s deferral', 60_000);

const slow: Command = {
  data: guildCommand('slow', 'Answers after the router deferred it').addStringOption((o) => o.setName('then').setDescription('what it does next')).toJSON(),
  async execute(interaction) {
    const then = interaction.options.getString('then') ?? 'reply';
    if (then === 'now') {
      await interaction.reply({ content: 'at once', flags: MessageFlags.Ephemeral });
      return;
    }
    await deferralSeen(interaction);
    if (then === 'fail') throw new UserError('That did not work, in our words.');
    if (then === 'defer') await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    if (then === 'defer') await interaction.editReply({ content: 'deferred twice, edited once' });
    else await interaction.reply({ content: 'late but true', flags: MessageFlags.Ephemeral });
  },
  components: {
    async update(interaction) {
      await deferralSeen(interaction);
      if (interaction.isMessageComponent()) await interaction.update({ content: 'card updated', components: [] });
    },
    async note(interaction) {
      await deferralSeen(interaction);
      await interaction.reply({ content: 'a private note', flags: MessageFlags.Ephemeral });
    },
  },
};

const loud: Command = {
  data: guildCommand('loud', 'Replies to the channel, late').toJSON(),
  replies: 'public',
  async execute(interaction) {
    await deferralSeen(interaction);
    await interaction.reply({ content: 'for everyone' });
  },
};

beforeAll(async () => {
  fake = await startFakeDiscord();
  proxy = await startHoldingProxy(fake.apiUrl, (method, path) => holdCallbacks && method === 'POST' && path.endsWith('/callback'), {
    answerInstead: (method, path) => (method === 'POST' && path.endsWith('/callback') && badGateways > 0 ? (badGateways--, 502) : undefined),
  });
  database = await openTestDatabase();
  bot = await startTestBot({ database, fake, commands: [...commands, slow, loud], config: { DISCORD_API_URL: proxy.url } });
});

afterAll(async () => {
  await bot?.stop();
  await proxy?.close();
  await fake?.close();
  await database?.close();
});

const run = (name: string, then?: string) => fake.waitForInteractionReply(fake.sendInteraction(chatInput(fake, { guildId: bot.guildId, name, ...(then ? { options: { then } } : {}) })), 60_000);
const callbacksOf = (record: InteractionRecord) => fake.requests.filter((r) => r.path === `/interactions/${record.id}/${record.token}/callback`);
const flagsOf = (record: InteractionRecord) => Number(record.callback?.data?.flags ?? 0);
/** How many `slow` interactions the router finished with `outcome` (its metric). */
async function handled(outcome: string): Promise<number> {
  const match = new RegExp(`cohort_interactions_total\\{command="slow",kind="command",outcome="${outcome}"\\} (\\d+)`).exec(await bot.app.metrics.render());
  return Number(match?.[1] ?? 0);
}
async function untilHandled(outcome: string, count: number): Promise<void> {
  for (let i = 0; i < 6000 && (await handled(outcome)) < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
}
const edits = (record: InteractionRecord) => record.edits.filter((e) => e.messageId === '@original');

describe('an interaction not answered in time', () => {
  it('a slash command is deferred privately, and its reply becomes the edit: one acknowledgement', async () => {
    const record = await run('slow');
    expect(record.callback?.type).toBe(5);
    expect(flagsOf(record) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(edits(record)).toHaveLength(1);
    expect(shown(record).content).toBe('late but true');
    expect(callbacksOf(record).map((r) => r.status)).toEqual([204]);
    // A fast answer is the reply itself, with no deferral.
    const fast = await run('slow', 'now');
    expect(fast.callback?.type).toBe(4);
    expect(fast.edits).toHaveLength(0);
  });

  it('a command that replies publicly is deferred publicly', async () => {
    const record = await run('loud');
    expect(record.callback?.type).toBe(5);
    expect(flagsOf(record) & MessageFlags.Ephemeral).toBe(0);
    expect(shown(record).content).toBe('for everyone');
  });

  it('a handler deferring after the router did is not refused: its edit lands', async () => {
    const record = await run('slow', 'defer');
    expect(record.callback?.type).toBe(5);
    expect(shown(record).content).toBe('deferred twice, edited once');
    expect(callbacksOf(record)).toHaveLength(1);
  });

  it('an error after the deferral replaces the “thinking…” placeholder, in our words', async () => {
    const record = await run('slow', 'fail');
    expect(record.callback?.type).toBe(5);
    expect(textOf(shown(record))).toBe('That did not work, in our words.');
  });

  it('a button: the router defers the update; the handler’s update edits the message, its reply becomes a follow-up', async () => {
    const updated = await fake.waitForInteractionReply(fake.sendInteraction(button(fake, { guildId: bot.guildId, customId: customId('slow', 'update') })), 60_000);
    expect(updated.callback?.type).toBe(6);
    expect(shown(updated).content).toBe('card updated');

    const id = fake.sendInteraction(button(fake, { guildId: bot.guildId, customId: customId('slow', 'note') }));
    await until(() => fake.interaction(id).followups.length > 0, 'the follow-up', 60_000);
    const noted = fake.interaction(id);
    expect(noted.callback?.type).toBe(6);
    expect(noted.followups[0]).toMatchObject({ content: 'a private note' });
    expect(Number(noted.followups[0]!.flags) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
  });

  it('a reply Discord took though its answer was a 502 is a success: the retry’s 40060 is no error', async () => {
    const okBefore = await handled('ok');
    badGateways = 1;
    const id = fake.sendInteraction(chatInput(fake, { guildId: bot.guildId, name: 'slow', options: { then: 'now' } }));
    const record = await fake.waitForInteractionReply(id, 60_000);
    // discord.js retried the 502; the fake refused the second acknowledgement.
    await until(() => callbacksOf(record).length === 2, 'the retried callback');
    expect(callbacksOf(record).map((r) => r.status)).toEqual([204, 400]);
    expect(record.callback?.type).toBe(4);
    expect(shown(record).content).toBe('at once');
    await untilHandled('ok', okBefore + 1);
    expect(await handled('ok')).toBe(okBefore + 1);
    const metrics = await bot.app.metrics.render();
    expect(metrics).not.toMatch(/cohort_interactions_total\{command="slow",kind="command",outcome="error"\}/);
    expect(metrics).not.toMatch(/code="40060"/);
    // Nothing was said twice: no apology followed the reply.
    expect(record.followups).toHaveLength(0);
  });

  it('the router’s timer firing while the handler’s reply is on its way does not acknowledge twice', async () => {
    holdCallbacks = true;
    const okBefore = await handled('ok');
    const id = fake.sendInteraction(chatInput(fake, { guildId: bot.guildId, name: 'slow', options: { then: 'now' } }));
    await until(() => proxy.held.length === 1, 'the reply on its way');
    // The router's timer (1.5 s after the interaction was created) was set before this one: it has fired when this ends.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    proxy.releaseAll();
    const record = await fake.waitForInteractionReply(id, 60_000);
    expect(record.callback?.type).toBe(4);
    expect(shown(record).content).toBe('at once');
    await untilHandled('ok', okBefore + 1);
    expect(callbacksOf(record).map((r) => r.status)).toEqual([204]);
  });
});
