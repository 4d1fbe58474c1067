import { ButtonStyle, ChannelType, ComponentType, Events, PermissionFlagsBits } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createClient } from '../../src/discord/client.js';
import { actionRow, button } from '../../src/discord/views/parts.js';
import { FAKE_TOKEN, startFakeDiscord } from '../../src/sim/index.js';

describe('createClient', () => {
  it('sends the views’ API objects as they are (no snake_case re-keying on every reply)', async () => {
    const client = createClient(loadConfig({ DISCORD_TOKEN: FAKE_TOKEN }));
    try {
      const row = actionRow(button({ customId: 'next:done:x', label: 'Mark done', style: ButtonStyle.Success, emoji: '✅' }));
      const embed = { title: 'Step', fields: [{ name: 'a', value: 'b', inline: true }], footer: { text: 'f', icon_url: 'https://example.com/i.png' } };
      expect(client.options.jsonTransformer!(row)).toBe(row);
      expect(client.options.jsonTransformer!(embed)).toBe(embed);
      expect(row.components[0]).toEqual({ type: ComponentType.Button, custom_id: 'next:done:x', label: 'Mark done', style: ButtonStyle.Success, emoji: { name: '✅', animated: false } });
    } finally {
      await client.destroy();
    }
  });

  it('caches what Cohort reads (guilds, channels, roles, itself) and nothing else: one shared empty collection for the rest', async () => {
    const fake = await startFakeDiscord();
    const first = fake.addGuild({ name: 'First', members: [{ user: { id: '200000000000000001', username: 'member' }, roles: [] }] });
    fake.guild(first.id as string)!.emojis = [{ id: '300000000000000001', name: 'study', roles: [], require_colons: true, managed: false, animated: false, available: true }];
    const second = fake.addGuild({ name: 'Second' });
    const client = createClient(loadConfig({ DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl }));
    try {
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      await client.login(FAKE_TOKEN);
      await ready;
      const [a, b] = [client.guilds.cache.get(first.id as string)!, client.guilds.cache.get(second.id as string)!];
      expect(a.channels.cache.get(fake.defaultChannelId(a.id))?.name).toBe('general');
      expect(a.roles.cache.size).toBe(2); // @everyone and the bot's role
      expect([...a.members.cache.keys()]).toEqual([client.user!.id]); // not the owner, not the member
      expect(a.members.me?.permissions.has(PermissionFlagsBits.SendMessages)).toBe(true);
      expect([...client.users.cache.keys()]).toEqual([client.user!.id]);
      expect(a.members.me?.user).toBe(client.user); // one user object for its member in every guild
      expect(b.members.me?.user).toBe(client.user);
      expect(a.emojis.cache.size).toBe(0);
      const unread = [a.emojis, a.stickers, a.bans, a.invites, a.scheduledEvents, a.stageInstances, a.autoModerationRules, a.presences, a.commands, b.emojis];
      for (const manager of unread) expect(manager.cache).toBe(a.emojis.cache);
      const channel = a.channels.cache.get(fake.defaultChannelId(a.id));
      if (channel?.type !== ChannelType.GuildText) throw new Error('expected #general to be a text channel');
      expect(channel.messages.cache).toBe(a.emojis.cache);
      expect(channel.threads.cache).toBe(a.emojis.cache);
    } finally {
      await client.destroy();
      await fake.close();
    }
  });
});
