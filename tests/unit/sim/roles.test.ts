import { afterEach, describe, expect, it } from 'vitest';
import { Client, DiscordAPIError, Events, GatewayIntentBits, type Guild } from 'discord.js';
import { BOT_DEFAULT_PERMISSIONS, FAKE_TOKEN, Perm, startFakeDiscord, type FakeDiscord, type Json } from '../../../src/sim/index.js';

/** The fake's member role routes: Discord's hierarchy checks, and GUILD_MEMBER_UPDATE as Discord sends it. */
let fake: FakeDiscord | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.destroy();
  await fake?.close();
  client = undefined;
  fake = undefined;
});

async function world(intents: GatewayIntentBits[], botPermissions: bigint) {
  fake = await startFakeDiscord();
  const g = fake.addGuild({ name: 'Roles', botPermissions, roles: [{ name: 'low', position: 1 }] });
  const guildId = g.id as string;
  const botRole = (g.roles as Json[]).find((r) => r.managed === true)!;
  botRole.position = 5;
  const low = (g.roles as Json[]).find((r) => r.name === 'low')!;
  const high = fake.addRole(guildId, { name: 'high', position: 9 });
  const member = fake.addMember(guildId, { user: { id: '490000000000000001', username: 'ada' } });
  const c = new Client({ intents, rest: { api: fake.apiUrl } });
  client = c;
  const ready = new Promise<void>((resolve) => c.once(Events.ClientReady, () => resolve()));
  await c.login(FAKE_TOKEN);
  await ready;
  const guild: Guild = c.guilds.cache.get(guildId) ?? (await c.guilds.fetch(guildId));
  const events: string[] = [];
  c.on('raw', (packet: { t?: string }) => {
    if (packet.t) events.push(packet.t);
  });
  return { guild, guildId, low: low.id as string, high: high.id as string, userId: member.user.id, events };
}

const code = async (p: Promise<unknown>) => p.then(() => 0, (e: unknown) => (e instanceof DiscordAPIError ? e.code : -1));

describe('PUT/DELETE /guilds/:guild/members/:user/roles/:role', () => {
  it('grants and removes a role below the bot, and refuses one above it, a managed one and @everyone (50013)', async () => {
    const w = await world([GatewayIntentBits.Guilds], BOT_DEFAULT_PERMISSIONS);
    const roles = () => (fake!.guild(w.guildId)!.members as Json[]).find((m) => m.user.id === w.userId)!.roles;
    await w.guild.members.addRole({ user: w.userId, role: w.low });
    expect(roles()).toEqual([w.low]);
    await w.guild.members.addRole({ user: w.userId, role: w.low }); // idempotent, like Discord
    expect(roles()).toEqual([w.low]);
    expect(await code(w.guild.members.addRole({ user: w.userId, role: w.high }))).toBe(50013);
    const botRole = (fake!.guild(w.guildId)!.roles as Json[]).find((r) => r.managed)!.id as string;
    expect(await code(w.guild.members.addRole({ user: w.userId, role: botRole }))).toBe(50013);
    expect(await code(w.guild.members.addRole({ user: w.userId, role: w.guildId }))).toBe(50013);
    expect(await code(w.guild.members.addRole({ user: w.userId, role: '490000000000000099' }))).toBe(10011);
    expect(await code(w.guild.members.addRole({ user: '490000000000000098', role: w.low }))).toBe(10007);
    await w.guild.members.removeRole({ user: w.userId, role: w.low });
    expect(roles()).toEqual([]);
  });

  it('refuses every change without Manage Roles', async () => {
    const w = await world([GatewayIntentBits.Guilds], BOT_DEFAULT_PERMISSIONS & ~Perm.ManageRoles);
    expect(await code(w.guild.members.addRole({ user: w.userId, role: w.low }))).toBe(50013);
    expect(await code(w.guild.members.removeRole({ user: w.userId, role: w.low }))).toBe(50013);
  });

  it('dispatches GUILD_MEMBER_UPDATE to a bot with the Guild Members intent', async () => {
    const w = await world([GatewayIntentBits.Guilds, GatewayIntentBits.GuildMembers], BOT_DEFAULT_PERMISSIONS);
    const updated = new Promise<string[]>((resolve) => client!.once(Events.GuildMemberUpdate, (_old, m) => resolve([...m.roles.cache.keys()])));
    await w.guild.members.addRole({ user: w.userId, role: w.low });
    expect(await updated).toContain(w.low);
  });

  it('sends no GUILD_MEMBER_UPDATE about other members without that privileged intent', async () => {
    const w = await world([GatewayIntentBits.Guilds], BOT_DEFAULT_PERMISSIONS);
    await w.guild.members.addRole({ user: w.userId, role: w.low });
    // Events arrive in order: once the role created after the grant is here, an update would be too.
    const marker = fake!.addRole(w.guildId, { name: 'marker' }).id as string;
    await new Promise<void>((resolve) => {
      const check = () => (w.guild.roles.cache.has(marker) ? resolve() : setTimeout(check, 5));
      check();
    });
    expect(w.events).toContain('GUILD_ROLE_CREATE');
    expect(w.events).not.toContain('GUILD_MEMBER_UPDATE');
  });
});
