import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  ButtonStyle,
  ActionRowBuilder,
  ButtonBuilder,
  EmbedBuilder,
  AttachmentBuilder,
  type TextChannel,
} from 'discord.js';
import { startFakeDiscord, FAKE_TOKEN, Perm, type FakeDiscord, type Json } from '../../../src/sim/index.js';
import { autocomplete, button, chatInput, modalSubmit, sendChatInput } from '../../../src/sim/interactions.js';
import { expectNoViolations, validateDiscordRequest } from '../../../src/sim/spec.js';

describe('fake discord selftest', () => {
  let fake: FakeDiscord;
  let client: Client;
  let guild: Json;
  let channelId: string;

  beforeAll(async () => {
    fake = await startFakeDiscord();
    guild = fake.addGuild({ name: 'Cohort Test' });
    channelId = fake.defaultChannelId(guild.id as string);
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });

    client.on(Events.InteractionCreate, (interaction) => void (async () => {
      if (interaction.isChatInputCommand()) {
        if (interaction.commandName === 'hello') {
          await interaction.reply({ content: 'hi', flags: MessageFlags.Ephemeral });
        } else if (interaction.commandName === 'slow') {
          await interaction.deferReply();
          await interaction.editReply({
            content: `done ${interaction.options.getSubcommand()} ${interaction.options.getString('track')} ${interaction.options.getInteger('n')} ${interaction.options.getUser('who')?.username}`,
            embeds: [new EmbedBuilder().setTitle('T').setDescription('D').addFields({ name: 'a', value: 'b' })],
            components: [
              new ActionRowBuilder<ButtonBuilder>().addComponents(
                new ButtonBuilder().setCustomId('btn:1').setLabel('Go').setStyle(ButtonStyle.Primary),
              ),
            ],
          });
          await interaction.followUp({ content: 'followup', flags: MessageFlags.Ephemeral });
        } else if (interaction.commandName === 'withresp') {
          const res = await interaction.reply({ content: 'resp', withResponse: true });
          await interaction.editReply(`msg ${res.resource?.message?.id ?? 'none'}`);
        } else if (interaction.commandName === 'toolong') {
          await interaction.reply({ content: 'x'.repeat(2001) }).catch(() => undefined);
        }
      } else if (interaction.isButton()) {
        await interaction.update({ content: `clicked ${interaction.customId}`, components: [] });
      } else if (interaction.isAutocomplete()) {
        const focused = interaction.options.getFocused();
        await interaction.respond([
          { name: `${focused}-one`, value: `${focused}1` },
          { name: `${focused}-two`, value: `${focused}2` },
        ]);
      } else if (interaction.isModalSubmit()) {
        await interaction.reply({ content: `got ${interaction.fields.getTextInputValue('answer')}`, flags: MessageFlags.Ephemeral });
      }
    })());

    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(FAKE_TOKEN);
    await ready;
  }, 10_000);

  afterAll(async () => {
    await client?.destroy();
    await fake?.close();
  });

  it('logs in and caches the guild', () => {
    expect(client.user?.id).toBe(fake.appId);
    expect(client.application?.id).toBe(fake.appId);
    const g = client.guilds.cache.get(guild.id as string);
    expect(g?.name).toBe('Cohort Test');
    expect(g?.channels.cache.get(channelId)?.name).toBe('general');
    expect(g?.members.me?.permissions.has('SendMessages')).toBe(true);
  });

  it('registers commands', async () => {
    const cmds = await client.application!.commands.set([
      { name: 'hello', description: 'Say hi' },
      {
        name: 'slow',
        description: 'Deferred',
        options: [
          {
            type: 1,
            name: 'join',
            description: 'join',
            options: [
              { type: 3, name: 'track', description: 'track', required: true, autocomplete: true },
              { type: 4, name: 'n', description: 'n' },
              { type: 6, name: 'who', description: 'who' },
            ],
          },
        ],
      },
      { name: 'withresp', description: 'Replies with the response' },
      { name: 'toolong', description: 'Replies too long' },
    ]);
    expect(cmds.size).toBe(4);
    expect(fake.globalCommands().map((c) => c.name)).toEqual(['hello', 'slow', 'withresp', 'toolong']);
    expect(fake.requests.some((r) => r.method === 'PUT' && r.path === `/applications/${fake.appId}/commands`)).toBe(true);
    const fetched = await client.application!.commands.fetch();
    expect(fetched.size).toBe(4);
  });

  it('ephemeral reply', async () => {
    const id = fake.sendInteraction(chatInput(fake, { guildId: guild.id as string, name: 'hello' }));
    const rec = await fake.waitForInteractionReply(id);
    expect(rec.callback?.type).toBe(4);
    expect(rec.callback?.data?.content).toBe('hi');
    expect(rec.callback?.data?.flags).toBe(MessageFlags.Ephemeral);
    expect(rec.original?.content).toBe('hi');
  });

  it('many waiters at once: each gets the answer to its own interaction, two on one interaction both do', async () => {
    const ids = Array.from({ length: 30 }, () => fake.sendInteraction(chatInput(fake, { guildId: guild.id as string, name: 'hello' })));
    const [first, again, ...rest] = await Promise.all([fake.waitForInteractionReply(ids[0]!), fake.waitForInteractionReply(ids[0]!), ...ids.slice(1).map((id) => fake.waitForInteractionReply(id))]);
    expect(first.id).toBe(ids[0]);
    expect(again).toBe(first);
    expect(rest.map((r) => r.id)).toEqual(ids.slice(1));
    expect(rest.every((r) => r.callback?.data?.content === 'hi')).toBe(true);
  });

  it('defer + editReply + followUp with options', async () => {
    const who = fake.makeUser({ username: 'alice' });
    const id = sendChatInput(fake, {
      guildId: guild.id as string,
      name: 'slow',
      subcommand: 'join',
      options: { track: 'ml', n: 3, who: { type: 6, value: who.id as string } },
    });
    const rec = await fake.waitForInteractionReply(id);
    expect(rec.callback?.type).toBe(5);
    expect(rec.original?.content).toBe('done join ml 3 alice');
    expect(rec.original?.embeds[0].title).toBe('T');
    await fake.waitFor((r) => r.method === 'POST' && r.path.startsWith(`/webhooks/${fake.appId}/`));
    await expect.poll(() => rec.followups.length).toBe(1);
    expect(rec.followups[0]!.content).toBe('followup');
    expect(rec.edits).toHaveLength(1);
  });

  it('button update', async () => {
    const host = fake.addMessage(channelId, {
      author: fake.botUser,
      content: 'pick',
      components: [{ type: 1, components: [{ type: 2, style: 1, label: 'Go', custom_id: 'btn:1' }] }],
    });
    const id = fake.sendInteraction(button(fake, { guildId: guild.id as string, customId: 'btn:1', message: host }));
    const rec = await fake.waitForInteractionReply(id);
    expect(rec.callback?.type).toBe(7);
    expect(rec.original?.content).toBe('clicked btn:1');
    expect(fake.channelMessages(channelId).find((m) => m.id === host.id)?.content).toBe('clicked btn:1');
  });

  it('autocomplete respond', async () => {
    const id = fake.sendInteraction(
      autocomplete(fake, { guildId: guild.id as string, name: 'slow', subcommand: 'join', focused: 'track', value: 'ml' }),
    );
    const rec = await fake.waitForInteractionReply(id);
    expect(rec.callback?.type).toBe(8);
    expect(rec.callback?.data?.choices).toEqual([
      { name: 'ml-one', value: 'ml1' },
      { name: 'ml-two', value: 'ml2' },
    ]);
  });

  it('modal submit', async () => {
    const id = fake.sendInteraction(modalSubmit(fake, { guildId: guild.id as string, customId: 'm', fields: { answer: '42' } }));
    const rec = await fake.waitForInteractionReply(id);
    expect(rec.original?.content).toBe('got 42');
  });

  it('channel send, thread, files, DM', async () => {
    const ch = (await client.channels.fetch(channelId)) as TextChannel;
    const msg = await ch.send({
      content: 'announcement',
      embeds: [new EmbedBuilder().setTitle('Week 1')],
      files: [new AttachmentBuilder(Buffer.from('hello'), { name: 'a.txt' })],
    });
    expect(msg.id).toBeTruthy();
    const stored = fake.channelMessages(channelId).at(-1)!;
    expect(stored.content).toBe('announcement');
    const req = fake.requests.findLast((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`)!;
    expect(req.files[0]?.name).toBe('a.txt');
    expect(req.files[0]?.bytes.toString()).toBe('hello');
    expect((req.body as Json).content).toBe('announcement');

    const thread = await msg.startThread({ name: 'discussion' });
    expect(thread.id).toBe(msg.id);
    await thread.send('in thread');
    expect(fake.channelMessages(thread.id).map((m) => m.content)).toEqual(['in thread']);

    const user = fake.makeUser({ username: 'bob' });
    const u = await client.users.fetch(user.id as string);
    const dm = await u.send('private');
    expect(fake.channelMessages(dm.channelId).map((m) => m.content)).toEqual(['private']);

    const member = await client.guilds.cache.get(guild.id as string)!.members.fetch(fake.testUser.id as string).catch(() => null);
    expect(member === null || member.id === fake.testUser.id).toBe(true);
  });

  it('valid traffic produced no violations', () => {
    expectNoViolations(fake);
  });

  it('flags over-long content', async () => {
    const id = fake.sendInteraction(chatInput(fake, { guildId: guild.id as string, name: 'toolong' }));
    await fake.waitFor((r) => r.path.startsWith(`/interactions/${id}/`));
    expect(fake.violations.length).toBeGreaterThan(0);
    expect(fake.violations.at(-1)!.problems.join('\n')).toMatch(/2000/);
    expect(() => expectNoViolations(fake)).toThrow(/content/);
    expect(validateDiscordRequest('POST', '/api/v10/channels/1/messages', { content: 'ok' })).toEqual([]);
    expect(
      validateDiscordRequest('POST', '/interactions/1/t/callback', {
        type: 8,
        data: { choices: Array.from({ length: 26 }, (_, i) => ({ name: `n${i}`, value: `v${i}` })) },
      }).join(),
    ).toMatch(/25/);
    fake.violations.length = 0;
  });

  it('injected 50013 surfaces as DiscordAPIError', async () => {
    fake.failWith({ method: 'POST', path: /^\/channels\/\d+\/messages$/, status: 403, code: 50013, message: 'Missing Permissions', times: 1 });
    const ch = (await client.channels.fetch(channelId)) as TextChannel;
    const err = await ch.send('nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscordAPIError);
    expect((err as DiscordAPIError).code).toBe(50013);
    await expect(ch.send('works again')).resolves.toBeTruthy();
  });

  it('permission overwrites denying the bot are enforced', async () => {
    const denied = fake.addChannel(guild.id as string, {
      name: 'locked',
      permission_overwrites: [{ id: guild.id, type: 0, allow: '0', deny: String(Perm.SendMessages) }],
    });
    await expect.poll(() => client.channels.cache.has(denied.id as string)).toBe(true);
    const ch = client.channels.cache.get(denied.id as string) as TextChannel;
    const err = await ch.send('x').catch((e: unknown) => e);
    expect((err as DiscordAPIError).code).toBe(50013);
  });

  it('with_response=true returns an InteractionCallbackResponse', async () => {
    const id = fake.sendInteraction(chatInput(fake, { guildId: guild.id as string, name: 'withresp' }));
    const token = fake.interaction(id).token;
    await fake.waitFor((r) => r.method === 'PATCH' && r.path === `/webhooks/${fake.appId}/${token}/messages/@original`);
    const rec = fake.interaction(id);
    expect(rec.callback?.type).toBe(4);
    expect(rec.original?.content).toBe(`msg ${rec.original?.id as string}`);
  });

  it('survives a gateway drop (resume)', async () => {
    const resumed = new Promise<void>((r) => client.once(Events.ShardResume, () => r()));
    fake.dropGatewayConnections(4000);
    await resumed;
    expect(fake.stats.resumes).toBe(1);
    const id = fake.sendInteraction(chatInput(fake, { guildId: guild.id as string, name: 'hello' }));
    await fake.waitForInteractionReply(id);
  });

  it('unknown route is a Discord 404', async () => {
    const res = await fetch(`${fake.apiUrl}/v10/nope`, { headers: { authorization: 'Bot x' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: '404: Not Found', code: 0 });
  });

  it('everything after the over-long test was valid too', () => {
    expectNoViolations(fake);
  });
});

describe('spec violations', () => {
  const tooLong = async (fake: FakeDiscord) => {
    const guild = fake.addGuild();
    const res = await fetch(`${fake.apiUrl}/v10/channels/${fake.defaultChannelId(guild.id as string)}/messages`, {
      method: 'POST',
      headers: { authorization: `Bot ${FAKE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'x'.repeat(2001) }),
    });
    expect(res.status).toBe(200);
    expect(fake.violations).toHaveLength(1);
  };

  it('close() fails when a request broke the spec, even if the test never asked', async () => {
    const fake = await startFakeDiscord();
    await tooLong(fake);
    await expect(fake.close()).rejects.toThrow(/POST \/channels\/\d+\/messages[\s\S]*content length 2001 > 2000/);
  });

  it('close() passes once the violations are dealt with, and when told they are shown elsewhere', async () => {
    const cleared = await startFakeDiscord();
    await tooLong(cleared);
    cleared.violations.length = 0;
    await expect(cleared.close()).resolves.toBeUndefined();
    const shown = await startFakeDiscord({ failOnViolations: false });
    await tooLong(shown);
    await expect(shown.close()).resolves.toBeUndefined();
  });
});

describe('rate limiting', () => {
  it('leaves interaction callbacks and the webhook edits of an answer out of the global rate', async () => {
    const fake = await startFakeDiscord({ rateLimitPerSecond: 2, failOnViolations: false });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          fetch(`${fake.apiUrl}/v10/webhooks/1/token-${i}/messages/@original`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: 'x' }) }).then((r) => r.status),
        ),
      );
      expect(statuses).not.toContain(429);
      expect(fake.stats.rateLimited).toBe(0);
      // A bot route beyond the rate is still refused.
      const posts = await Promise.all(Array.from({ length: 6 }, () => fetch(`${fake.apiUrl}/v10/users/@me`).then((r) => r.status)));
      expect(posts).toContain(429);
    } finally {
      await fake.close();
    }
  });

  it('answers 429 beyond the global rate and discord.js retries', async () => {
    const fake = await startFakeDiscord({ rateLimitPerSecond: 5 });
    const guild = fake.addGuild();
    const channelId = fake.defaultChannelId(guild.id as string);
    const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
    try {
      await client.login(FAKE_TOKEN);
      await fake.waitForGateway();
      await new Promise<void>((r) => (client.isReady() ? r() : client.once(Events.ClientReady, () => r())));
      const ch = client.channels.cache.get(channelId) as TextChannel;
      await Promise.all(Array.from({ length: 10 }, (_, i) => ch.send(`m${i}`)));
      expect(fake.channelMessages(channelId)).toHaveLength(10);
      expect(fake.stats.rateLimited).toBeGreaterThan(0);
      expectNoViolations(fake);
    } finally {
      await client.destroy();
      await fake.close();
    }
  }, 10_000);
});
