import { afterEach, describe, expect, it } from 'vitest';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { FAKE_TOKEN, startFakeDiscord, type FakeDiscord, type Json } from '../../../src/sim/index.js';

/** The console keeps the fake's world between runs: a snapshot restored in a new fake is the same server. */
const fakes: FakeDiscord[] = [];
let client: Client | undefined;
afterEach(async () => {
  await client?.destroy();
  client = undefined;
  for (const fake of fakes.splice(0)) await fake.close();
});

const APP_ID = '500000000000000001';

async function fakeDiscord(): Promise<FakeDiscord> {
  const fake = await startFakeDiscord({ appId: APP_ID });
  fakes.push(fake);
  return fake;
}

describe('fake.snapshot() and fake.restore()', () => {
  it('carry users, roles, channels, messages and voice states over to a new fake', async () => {
    const first = await fakeDiscord();
    const guild = first.addGuild({ id: '100000000000000001', name: 'Kept', channels: [{ id: '300000000000000001', name: 'general', type: 0 }] });
    first.addRole(guild.id as string, { id: '400000000000000001', name: 'scholar', position: 1 });
    first.addChannel(guild.id as string, { id: '300000000000000002', name: 'study-hall', type: 2 });
    first.makeUser({ id: '200000000000000001', username: 'alice' });
    first.setVoiceState(guild.id as string, '200000000000000001', { channelId: '300000000000000002' });
    const message = first.addMessage('300000000000000001', { content: 'a card', author: first.botUser });
    first.setDmsClosed('200000000000000001', true);
    // Through JSON, as the console writes it to a file.
    const snapshot = JSON.parse(JSON.stringify(first.snapshot())) as ReturnType<FakeDiscord['snapshot']>;

    const second = await fakeDiscord();
    second.restore(snapshot);
    expect(second.users.get('200000000000000001')?.username).toBe('alice');
    expect((second.guild(guild.id as string)?.roles as Json[]).map((r) => r.name)).toContain('scholar');
    expect(second.channelMessages('300000000000000001').map((m) => m.id)).toEqual([message.id]);
    expect(second.voiceStates(guild.id as string)).toMatchObject([{ user_id: '200000000000000001', channel_id: '300000000000000002' }]);

    // A bot that logs in finds the server as it was: GUILD_CREATE with the channels and who is in voice.
    const c = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates], rest: { api: second.apiUrl } });
    client = c;
    const ready = new Promise<void>((resolve) => c.once(Events.ClientReady, () => resolve()));
    await c.login(FAKE_TOKEN);
    await ready;
    const cached = c.guilds.cache.get(guild.id as string)!;
    expect(cached.channels.cache.map((ch) => ch.name).sort()).toEqual(['general', 'study-hall']);
    expect(cached.voiceStates.cache.get('200000000000000001')?.channelId).toBe('300000000000000002');
    const fetched = await c.channels.fetch('300000000000000001');
    expect(fetched?.isTextBased() && (await fetched.messages.fetch(message.id as string)).content).toBe('a card');
  });

  it('refuses a snapshot of another application, or once a bot is connected', async () => {
    const first = await fakeDiscord();
    const snapshot = first.snapshot();
    const other = await startFakeDiscord({ appId: '500000000000000002' });
    fakes.push(other);
    expect(() => other.restore(snapshot)).toThrow('snapshot is of application');

    const second = await fakeDiscord();
    second.addGuild({ name: 'Live' });
    const c = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: second.apiUrl } });
    client = c;
    const ready = new Promise<void>((resolve) => c.once(Events.ClientReady, () => resolve()));
    await c.login(FAKE_TOKEN);
    await ready;
    expect(() => second.restore(snapshot)).toThrow('before the bot connects');
  });
});
