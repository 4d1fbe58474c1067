/**
 * The rules real Discord enforces and the fake must too: a first answer within 3 s, once; a token
 * good for 15 minutes; option values the client lets through; enforce_nonce; two sessions on one
 * shard; and REST faults on demand. Deadlines run on a clock the test moves by hand.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscordAPIError} from 'discord.js';
import { Client, Routes, Events, GatewayIntentBits, MessageFlags, type Interaction, type TextChannel } from 'discord.js';
import { FAKE_TOKEN, ownTimeClock, realClock, startFakeDiscord, type FakeDiscord, type Json } from '../../../src/sim/index.js';
import { autocomplete, chatInput, OptionsRefusedError, OptionType } from '../../../src/sim/interactions.js';
import { optionProblems, type CommandDefinition } from '../../../src/sim/options.js';

/** A hand-moved clock for the fake's deadlines (ms). */
function manualClock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

async function loggedIn(fake: FakeDiscord, onInteraction?: (i: Interaction) => Promise<void>, rest: { timeout?: number; retries?: number } = {}): Promise<Client> {
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl, ...rest } });
  if (onInteraction) client.on(Events.InteractionCreate, (i) => void onInteraction(i).catch(() => undefined));
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(FAKE_TOKEN);
  await ready;
  return client;
}

/** A promise the test resolves: the handler waits on it, so the test decides when the bot answers. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

const apiError = (e: unknown): { code: unknown; status: unknown } => ({ code: (e as DiscordAPIError).code, status: (e as DiscordAPIError).status });

describe('answering interactions in time, once', () => {
  const clock = manualClock();
  let fake: FakeDiscord;
  let client: Client;
  let guildId: string;
  const gates = new Map<string, { wait: Promise<void>; open: () => void }>();
  const outcomes = new Map<string, unknown[]>();
  const note = (id: string, what: unknown) => outcomes.set(id, [...(outcomes.get(id) ?? []), what]);
  const attempt = async (id: string, step: () => Promise<unknown>) => {
    try {
      await step();
      note(id, 'ok');
    } catch (e) {
      note(id, apiError(e));
    }
  };

  beforeAll(async () => {
    fake = await startFakeDiscord({ clock: clock.now });
    guildId = fake.addGuild({ name: 'Deadlines' }).id as string;
    client = await loggedIn(fake, async (i) => {
      if (!i.isChatInputCommand()) return;
      const g = gates.get(i.id);
      if (i.commandName === 'late') {
        await g?.wait;
        await attempt(i.id, () => i.reply('late answer'));
      } else if (i.commandName === 'twice') {
        await attempt(i.id, () => i.reply('first'));
        // discord.js itself refuses a second reply, so the second callback goes over REST as a retry would
        await attempt(i.id, () => i.client.rest.post(Routes.interactionCallback(i.id, i.token), { body: { type: 5 }, auth: false }));
      } else if (i.commandName === 'defer') {
        await attempt(i.id, () => i.deferReply({ flags: MessageFlags.Ephemeral }));
        await g?.wait;
        await attempt(i.id, () => i.editReply('edited'));
        await attempt(i.id, () => i.followUp('follow-up'));
      }
    });
    await client.application!.commands.set([
      { name: 'late', description: 'answers when told' },
      { name: 'twice', description: 'answers twice' },
      { name: 'defer', description: 'defers, edits when told' },
    ]);
  });
  afterAll(async () => {
    await client?.destroy();
    await fake?.close();
  });

  /** Sends a command whose handler waits for the test to open its gate. */
  const held = (name: string) => {
    const payload = chatInput(fake, { guildId, name });
    gates.set(payload.id as string, gate());
    const id = fake.sendInteraction(payload);
    return { id, open: () => gates.get(id)!.open() };
  };
  const settled = (id: string, count: number) => expect.poll(() => outcomes.get(id)?.length ?? 0).toBe(count);

  it('takes a first answer 2.9 s after the interaction', async () => {
    const { id, open } = held('late');
    clock.advance(2_900);
    open();
    const rec = await fake.waitForInteractionReply(id);
    expect(rec.callback?.data?.content).toBe('late answer');
  });

  it('refuses a first answer 3.1 s after the interaction: 404 10062, and says so to a waiting test', async () => {
    const { id, open } = held('late');
    const waiting = fake.waitForInteractionReply(id);
    clock.advance(3_100);
    open();
    await expect(waiting).rejects.toThrow(/3\.1 s after the interaction.*10062/);
    await settled(id, 1);
    expect(outcomes.get(id)).toEqual([{ code: 10062, status: 404 }]);
    expect(fake.interaction(id).callback).toBeUndefined();
    expect(fake.interaction(id).refused).toEqual([{ code: 10062, afterMs: 3_100 }]);
  });

  it('acknowledges once: a second initial callback is 400 40060', async () => {
    const id = fake.sendInteraction(chatInput(fake, { guildId, name: 'twice' }));
    await settled(id, 2);
    expect(outcomes.get(id)).toEqual(['ok', { code: 40060, status: 400 }]);
    expect(fake.interaction(id).callback?.data?.content).toBe('first');
  });

  it('takes edits and follow-ups for 15 minutes after a defer', async () => {
    const { id, open } = held('defer');
    await expect.poll(() => fake.interaction(id).callback?.type).toBe(5);
    clock.advance(14 * 60_000);
    open();
    await settled(id, 3);
    expect(outcomes.get(id)).toEqual(['ok', 'ok', 'ok']);
    expect(fake.interaction(id).original?.content).toBe('edited');
  });

  it('refuses edits and follow-ups after 15 minutes: 401 50027 Invalid Webhook Token', async () => {
    const { id, open } = held('defer');
    await expect.poll(() => fake.interaction(id).callback?.type).toBe(5);
    clock.advance(15 * 60_000 + 1);
    open();
    await settled(id, 3);
    expect(outcomes.get(id)).toEqual(['ok', { code: 50027, status: 401 }, { code: 50027, status: 401 }]);
    expect(fake.interaction(id).followups).toHaveLength(0);
  });
});

describe('option values Discord\'s client lets through', () => {
  let fake: FakeDiscord;
  let guildId: string;
  let voiceId: string;
  let roleId: string;
  const setup: Json = {
    name: 'setup',
    description: 'settings',
    options: [
      {
        type: OptionType.Subcommand,
        name: 'streaks',
        description: 'streaks',
        options: [
          { type: OptionType.Integer, name: 'rollover_hour', description: 'h', min_value: 0, max_value: 23 },
          { type: OptionType.Number, name: 'hours', description: 'h', min_value: 0.5 },
          { type: OptionType.String, name: 'note', description: 'n', max_length: 10 },
          { type: OptionType.String, name: 'track', description: 't', choices: [{ name: 'Machine learning', value: 'ml' }, { name: 'Web', value: 'web' }] },
          { type: OptionType.String, name: 'step', description: 's', autocomplete: true },
          { type: OptionType.Boolean, name: 'public', description: 'p' },
          { type: OptionType.Channel, name: 'channel', description: 'c', channel_types: [0, 5] },
          { type: OptionType.Role, name: 'role', description: 'r' },
          { type: OptionType.User, name: 'who', description: 'w' },
        ],
      },
      { type: OptionType.Subcommand, name: 'pings', description: 'p', options: [{ type: OptionType.Integer, name: 'every', description: 'e', required: true }] },
    ],
  };

  beforeAll(async () => {
    fake = await startFakeDiscord();
    const guild = fake.addGuild({ name: 'Options', channels: [{ name: 'general', type: 0 }, { name: 'Lounge', type: 2 }] });
    guildId = guild.id as string;
    voiceId = (guild.channels as Json[] | undefined)?.[1]?.id ?? [...fake.channels.values()].find((c) => c.guild_id === guildId && c.type === 2)!.id;
    roleId = fake.addRole(guildId, { name: 'Helpers' }).id as string;
    const res = await fetch(`${fake.apiUrl}/v10/applications/${fake.appId}/commands`, {
      method: 'PUT',
      headers: { authorization: `Bot ${FAKE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify([setup]),
    });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await fake?.close();
  });

  const build = (options: Json, subcommand = 'streaks') => chatInput(fake, { guildId, name: 'setup', subcommand, options });
  const refused = (options: Json, subcommand = 'streaks'): string[] => {
    try {
      build(options, subcommand);
    } catch (e) {
      if (e instanceof OptionsRefusedError) return e.problems;
      throw e;
    }
    throw new Error('the builder sent it');
  };

  it('builds valid options with their declared types and resolved data', () => {
    const generalId = fake.defaultChannelId(guildId);
    const who = fake.makeUser({ username: 'ada' }).id as string;
    const payload = build({ rollover_hour: 23, hours: 2, note: 'ten chars!', track: 'ml', public: false, channel: generalId, role: roleId, who });
    const leaf = (payload.data.options[0].options as Json[]).map((o) => [o.name, o.type, o.value]);
    expect(leaf).toEqual([
      ['rollover_hour', OptionType.Integer, 23],
      ['hours', OptionType.Number, 2],
      ['note', OptionType.String, 'ten chars!'],
      ['track', OptionType.String, 'ml'],
      ['public', OptionType.Boolean, false],
      ['channel', OptionType.Channel, generalId],
      ['role', OptionType.Role, roleId],
      ['who', OptionType.User, who],
    ]);
    expect(Object.keys(payload.data.resolved)).toEqual(['channels', 'roles', 'users', 'members']);
  });

  it('refuses values outside the declared limits, with the words a member would read', () => {
    expect(refused({ rollover_hour: 25 })).toEqual(['rollover_hour must be between 0 and 23']);
    expect(refused({ rollover_hour: -1 })).toEqual(['rollover_hour must be between 0 and 23']);
    expect(refused({ hours: 0.25 })).toEqual(['hours must be at least 0.5']);
    expect(refused({ note: 'eleven chars' })).toEqual(['note must be at most 10 characters (it has 12)']);
    expect(refused({ note: '' })).toEqual(['note must be filled in']);
    expect(refused({ track: 'Machine learning' })).toEqual(['track must be one of: Machine learning, Web']);
  });

  it('refuses values of another type than declared', () => {
    expect(refused({ rollover_hour: 2.5 })).toEqual(['rollover_hour must be a whole number']);
    expect(refused({ rollover_hour: '4' })).toEqual(['rollover_hour must be a whole number']);
    expect(refused({ public: 'yes' })).toEqual(['public must be true or false']);
    expect(refused({ note: { type: OptionType.Integer, value: 3 } })).toEqual(['note must be text (sent as option type 4)']);
  });

  it('refuses channels, roles and users that are not there, and channels of another kind', () => {
    expect(refused({ channel: voiceId })).toEqual(['channel must be a text channel or announcement channel']);
    expect(refused({ channel: '123456789012345678' })).toEqual(['channel must be a channel of this server (123456789012345678 is not one)']);
    const elsewhere = fake.defaultChannelId(fake.addGuild({ name: 'Elsewhere' }).id as string);
    expect(refused({ channel: elsewhere })).toEqual([`channel must be a channel of this server (${elsewhere} is not one)`]);
    expect(refused({ role: '123456789012345678' })).toEqual(['role must be a role of this server (123456789012345678 is not one)']);
  });

  it('refuses unknown options and subcommands and a missing required option', () => {
    expect(refused({ colour: 'red' })).toEqual(['/setup streaks has no option “colour”. Options: rollover_hour, hours, note, track, step, public, channel, role, who']);
    expect(refused({}, 'pings')).toEqual(['Missing required option: every:']);
    expect(() => chatInput(fake, { guildId, name: 'setup', subcommand: 'nope' })).toThrow(/has no subcommand “nope”; it needs one of: streaks, pings/);
    expect(() => chatInput(fake, { guildId, name: 'setup' })).toThrow(/\/setup needs one of: streaks, pings/);
    expect(() => chatInput(fake, { guildId, name: 'unregistered' })).toThrow(/\/unregistered is not registered/);
  });

  it('autocomplete: only a declared autocomplete option is focused; what is typed is not checked yet', () => {
    const payload = autocomplete(fake, { guildId, name: 'setup', subcommand: 'streaks', focused: 'step', value: '' , options: { rollover_hour: 3 } });
    expect(payload.data.options[0].options).toEqual([
      { name: 'rollover_hour', type: OptionType.Integer, value: 3 },
      { name: 'step', type: OptionType.String, value: '', focused: true },
    ]);
    expect(() => autocomplete(fake, { guildId, name: 'setup', subcommand: 'streaks', focused: 'note', value: 'x' })).toThrow(/note has no autocomplete/);
    expect(() => autocomplete(fake, { guildId, name: 'setup', subcommand: 'streaks', focused: 'step', value: 'x', options: { rollover_hour: 99 } })).toThrow(
      /rollover_hour must be between 0 and 23/,
    );
  });

  it('the validator alone: the console and the builders share it', () => {
    const command = setup as CommandDefinition;
    const sent = [{ name: 'streaks', type: OptionType.Subcommand, options: [{ name: 'rollover_hour', type: OptionType.Integer, value: 24 }] }];
    expect(optionProblems(command, sent, undefined)).toEqual(['rollover_hour must be between 0 and 23']);
    expect(optionProblems(command, [{ ...sent[0]!, options: [{ name: 'rollover_hour', type: OptionType.Integer, value: 0 }] }], undefined)).toEqual([]);
  });
});

describe('enforce_nonce', () => {
  const clock = manualClock();
  let fake: FakeDiscord;
  let channelId: string;
  let otherChannelId: string;
  const post = async (channel: string, body: Json): Promise<Json> => {
    const res = await fetch(`${fake.apiUrl}/v10/channels/${channel}/messages`, {
      method: 'POST',
      headers: { authorization: `Bot ${FAKE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Json;
  };

  beforeAll(async () => {
    fake = await startFakeDiscord({ clock: clock.now });
    const guildId = fake.addGuild({ name: 'Nonces' }).id as string;
    channelId = fake.defaultChannelId(guildId);
    otherChannelId = fake.addChannel(guildId, { name: 'other', type: 0 }).id as string;
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('returns the first message for a nonce seen in the last few minutes, instead of posting again', async () => {
    const first = await post(channelId, { content: 'once', nonce: 'n-1', enforce_nonce: true });
    clock.advance(60_000);
    const again = await post(channelId, { content: 'once, retried', nonce: 'n-1', enforce_nonce: true });
    expect(again.id).toBe(first.id);
    expect(again.content).toBe('once');
    // the same author's nonce, whatever the channel (Discord's docs: "by the same author")
    expect((await post(otherChannelId, { content: 'elsewhere', nonce: 'n-1', enforce_nonce: true })).id).toBe(first.id);
    expect(fake.channelMessages(channelId).map((m) => m.content)).toEqual(['once']);
    expect(fake.channelMessages(otherChannelId)).toEqual([]);
  });

  it('posts again without enforce_nonce, or once the nonce is older than the window', async () => {
    await post(channelId, { content: 'a', nonce: 'n-2' });
    await post(channelId, { content: 'b', nonce: 'n-2' });
    await post(channelId, { content: 'c', nonce: 'n-3', enforce_nonce: true });
    clock.advance(2 * 60_000 + 1);
    await post(channelId, { content: 'd', nonce: 'n-3', enforce_nonce: true });
    expect(fake.channelMessages(channelId).map((m) => m.content)).toEqual(['once', 'a', 'b', 'c', 'd']);
  });
});

describe('two sessions on one shard', () => {
  it('both receive every event, and neither is kicked off', async () => {
    const fake = await startFakeDiscord();
    const guildId = fake.addGuild({ name: 'Twice' }).id as string;
    const seen: Record<string, string[]> = { a: [], b: [] };
    const handler = (who: 'a' | 'b') => async (i: Interaction) => {
      seen[who]!.push(i.id);
      if (i.isChatInputCommand()) await (i).reply(who).catch(() => undefined);
    };
    const a = await loggedIn(fake, handler('a'));
    const b = await loggedIn(fake, handler('b'));
    try {
      await a.application!.commands.set([{ name: 'ping', description: 'p' }]);
      expect(fake.connectedShards()).toEqual([0]);
      expect(fake.gatewaySessions()).toEqual({ 0: 2 });
      const ids = [1, 2, 3].map(() => fake.sendInteraction(chatInput(fake, { guildId, name: 'ping' })));
      await expect.poll(() => [seen.a!.length, seen.b!.length]).toEqual([3, 3]);
      expect(seen.a).toEqual(ids);
      expect(seen.b).toEqual(ids);
      // each interaction is acknowledged once: the other process's callback got 40060
      for (const id of ids) await expect.poll(() => fake.interaction(id).refused.map((r) => r.code)).toEqual([40060]);
      expect(fake.stats.identifies).toBe(2);
      expect(fake.stats.resumes).toBe(0);
    } finally {
      await a.destroy();
      await b.destroy();
      await fake.close();
    }
  });
});

describe('REST faults on demand', () => {
  let fake: FakeDiscord;
  let client: Client;
  let guildId: string;
  let channel: TextChannel;
  const gates = new Map<string, { wait: Promise<void>; open: () => void }>();
  const results = new Map<string, unknown>();

  beforeAll(async () => {
    fake = await startFakeDiscord();
    guildId = fake.addGuild({ name: 'Faults' }).id as string;
    client = await loggedIn(
      fake,
      async (i) => {
        if (!i.isChatInputCommand()) return;
        try {
          await i.reply('answer');
          results.set(i.id, 'ok');
        } catch (e) {
          results.set(i.id, apiError(e));
        }
      },
      { timeout: 300, retries: 2 },
    );
    await client.application!.commands.set([{ name: 'ask', description: 'a' }]);
    channel = client.channels.cache.get(fake.defaultChannelId(guildId)) as TextChannel;
  });
  afterAll(async () => {
    for (const g of gates.values()) g.open();
    await client?.destroy();
    await fake?.close();
  });

  const posts = () => fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channel.id}/messages`);

  it('a 503 N times: discord.js retries, the message is posted once', async () => {
    const before = posts().length;
    const rule = fake.failWith({ method: 'POST', path: /^\/channels\/\d+\/messages$/, status: 503, times: 2 });
    await channel.send('after two 503s');
    expect(rule.hits).toBe(2);
    expect(posts().slice(before).map((r) => r.status)).toEqual([503, 503, 200]);
    expect(fake.channelMessages(channel.id).filter((m) => m.content === 'after two 503s')).toHaveLength(1);
  });

  it('a 502 after the message was posted: the retry posts it again unless a nonce is enforced', async () => {
    fake.failWith({ method: 'POST', path: /^\/channels\/\d+\/messages$/, status: 502, applied: true, times: 1 });
    await channel.send('posted twice');
    expect(fake.channelMessages(channel.id).filter((m) => m.content === 'posted twice')).toHaveLength(2);
    fake.failWith({ method: 'POST', path: /^\/channels\/\d+\/messages$/, status: 502, applied: true, times: 1 });
    await channel.send({ content: 'posted once', nonce: 'fault-1', enforceNonce: true });
    expect(fake.channelMessages(channel.id).filter((m) => m.content === 'posted once')).toHaveLength(1);
  });

  it('a 502 after an interaction callback took effect: the retry meets 40060', async () => {
    fake.failWith({ path: /^\/interactions\/\d+\/[^/]+\/callback$/, status: 502, applied: true, times: 1 });
    const id = fake.sendInteraction(chatInput(fake, { guildId, name: 'ask' }));
    await expect.poll(() => results.get(id)).toEqual({ code: 40060, status: 400 });
    expect(fake.interaction(id).callback?.data?.content).toBe('answer');
  });

  it('a hang: no answer until the client gives up', async () => {
    const rule = fake.failWith({ method: 'POST', path: /^\/channels\/\d+\/messages$/, fault: 'hang' });
    const error = await channel.send('into the void').catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(rule.hits).toBe(3); // the first try and two retries
    expect(posts().slice(-3).map((r) => r.status)).toEqual([0, 0, 0]);
    fake.clearFailures();
    expect(fake.channelMessages(channel.id).some((m) => m.content === 'into the void')).toBe(false);
  });

  it('a closed connection, before or after the request took effect', async () => {
    const url = `${fake.apiUrl}/v10/channels/${channel.id}/messages`;
    const send = (content: string) =>
      fetch(url, { method: 'POST', headers: { authorization: `Bot ${FAKE_TOKEN}`, 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify({ content }) });
    fake.failWith({ path: /\/messages$/, fault: 'reset', times: 1 });
    await expect(send('lost')).rejects.toThrow(/fetch failed/);
    fake.failWith({ path: /\/messages$/, fault: 'reset', applied: true, times: 1 });
    await expect(send('kept')).rejects.toThrow(/fetch failed/);
    const contents = fake.channelMessages(channel.id).map((m) => m.content);
    expect(contents).toContain('kept');
    expect(contents).not.toContain('lost');
  });
});

describe('the default clock of the deadlines: the real clock less waits for a CPU', () => {
  const schedstat = '/proc/thread-self/schedstat';
  const threadCpuMs = () => Number(readFileSync(schedstat, 'utf8').split(' ')[0]) / 1e6;

  it.skipIf(!existsSync(schedstat))('counts a wait for a timer, and every millisecond the thread ran; never more than the real clock', async () => {
    const own = ownTimeClock();
    try {
      const [real0, own0] = [realClock(), own.now()];
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Not a CPU clock: a wait counts (less only the moments the thread, woken for something else, waited for a CPU).
      expect(own.now() - own0).toBeGreaterThanOrEqual(100);
      const cpu0 = threadCpuMs();
      const busy0 = own.now();
      while (own.now() - busy0 < 100) {
        /* a blocked event loop: the bot's own slowness counts */
      }
      const ran = threadCpuMs() - cpu0;
      expect(own.now() - busy0).toBeGreaterThanOrEqual(ran - 5);
      expect(own.now() - own0).toBeLessThanOrEqual(realClock() - real0);
    } finally {
      own.close();
    }
  });
});
