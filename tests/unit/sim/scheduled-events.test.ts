import { Client, DiscordAPIError, Events, GatewayIntentBits, Routes } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { BOT_DEFAULT_PERMISSIONS, FAKE_TOKEN, Perm, startFakeDiscord, type FakeDiscord, type Json } from '../../../src/sim/index.js';

/** The fake's guild scheduled events: Discord's checks on create and modify, permissions, and the gateway events. */
let fake: FakeDiscord | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.destroy();
  await fake?.close();
  client = undefined;
  fake = undefined;
});

const NOW = Date.parse('2026-03-02T12:00:00Z');
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

async function world(options: { botPermissions?: bigint; intents?: GatewayIntentBits[]; failOnViolations?: boolean } = {}) {
  fake = await startFakeDiscord({ failOnViolations: options.failOnViolations ?? true });
  fake.setWallClock(() => NOW);
  const g = fake.addGuild({ name: 'Events', botPermissions: options.botPermissions ?? BOT_DEFAULT_PERMISSIONS });
  const guildId = g.id as string;
  const voice = fake.addChannel(guildId, { name: 'study-hall', type: 2 }).id as string;
  const stage = fake.addChannel(guildId, { name: 'talks', type: 13 }).id as string;
  const text = fake.defaultChannelId(guildId);
  const c = new Client({ intents: options.intents ?? [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
  client = c;
  const ready = new Promise<void>((resolve) => c.once(Events.ClientReady, () => resolve()));
  await c.login(FAKE_TOKEN);
  await ready;
  const raw: { t: string; d: Json }[] = [];
  c.on('raw', (packet: { t?: string; d?: Json }) => {
    if (packet.t?.startsWith('GUILD_SCHEDULED_EVENT')) raw.push({ t: packet.t, d: packet.d! });
  });
  const create = (body: Json) => c.rest.post(Routes.guildScheduledEvents(guildId), { body }) as Promise<Json>;
  const modify = (id: string, body: Json) => c.rest.patch(Routes.guildScheduledEvent(guildId, id), { body }) as Promise<Json>;
  const remove = (id: string) => c.rest.delete(Routes.guildScheduledEvent(guildId, id));
  return { guildId, voice, stage, text, create, modify, remove, raw };
}

/** Discord's error code, and the field Invalid Form Body names. */
async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'accepted';
  } catch (error) {
    if (!(error instanceof DiscordAPIError)) throw error;
    const fields = error.code === 50035 ? Object.keys((error.rawError as { errors?: Json }).errors ?? {}) : [];
    return [error.code, ...fields].join(' ');
  }
}

const voiceEvent = (channelId: string, extra: Json = {}): Json => ({
  name: 'Study hall',
  privacy_level: 2,
  entity_type: 2,
  channel_id: channelId,
  scheduled_start_time: iso(NOW + HOUR),
  scheduled_end_time: iso(NOW + 2 * HOUR),
  ...extra,
});
const externalEvent = (extra: Json = {}): Json => ({
  name: 'Paper reading',
  privacy_level: 2,
  entity_type: 3,
  entity_metadata: { location: '#papers' },
  scheduled_start_time: iso(NOW + HOUR),
  scheduled_end_time: iso(NOW + 2 * HOUR),
  ...extra,
});

describe('POST /guilds/:id/scheduled-events', () => {
  it('stores a voice event and an external one as Discord returns them, listed and fetched', async () => {
    const w = await world();
    const voice = await w.create(voiceEvent(w.voice, { description: 'Bring a notebook' }));
    expect(voice).toMatchObject({ guild_id: w.guildId, channel_id: w.voice, entity_type: 2, status: 1, privacy_level: 2, name: 'Study hall', entity_metadata: null, description: 'Bring a notebook' });
    const external = await w.create(externalEvent());
    expect(external).toMatchObject({ channel_id: null, entity_type: 3, entity_metadata: { location: '#papers' }, scheduled_end_time: iso(NOW + 2 * HOUR) });
    expect(fake!.scheduledEvents(w.guildId).map((e) => e.id)).toEqual([voice.id, external.id]);
    expect(((await client!.rest.get(Routes.guildScheduledEvents(w.guildId))) as Json[]).length).toBe(2);
    expect(((await client!.rest.get(Routes.guildScheduledEvent(w.guildId, voice.id as string))) as Json).name).toBe('Study hall');
  });

  it('refuses what Discord refuses: fields by entity type, a start not in the future, an end before the start, the name and description lengths, the channel type', async () => {
    const w = await world({ failOnViolations: false });
    expect(await refusal(w.create(voiceEvent(w.voice, { channel_id: undefined })))).toBe('50035 channel_id');
    expect(await refusal(w.create(externalEvent({ entity_metadata: {} })))).toMatch(/^50035 entity_metadata/);
    expect(await refusal(w.create(externalEvent({ scheduled_end_time: undefined })))).toBe('50035 scheduled_end_time');
    expect(await refusal(w.create(externalEvent({ channel_id: w.voice })))).toBe('50035 channel_id');
    expect(await refusal(w.create(voiceEvent(w.voice, { scheduled_start_time: iso(NOW - 60_000) })))).toBe('50035 scheduled_start_time');
    expect(await refusal(w.create(voiceEvent(w.voice, { scheduled_start_time: iso(NOW) })))).toBe('50035 scheduled_start_time');
    expect(await refusal(w.create(voiceEvent(w.voice, { scheduled_end_time: iso(NOW + HOUR) })))).toBe('50035 scheduled_end_time');
    expect(await refusal(w.create(voiceEvent(w.voice, { name: '' })))).toBe('50035 name');
    expect(await refusal(w.create(voiceEvent(w.voice, { name: 'x'.repeat(101) })))).toBe('50035 name');
    expect(await refusal(w.create(voiceEvent(w.voice, { description: 'x'.repeat(1001) })))).toBe('50035 description');
    expect(await refusal(w.create(voiceEvent(w.text)))).toBe('50035 channel_id');
    expect(await refusal(w.create(voiceEvent(w.stage)))).toBe('50035 channel_id');
    expect(await refusal(w.create({ ...voiceEvent(w.stage), entity_type: 1 }))).toBe('50013'); // a stage needs a stage moderator's permissions
    const botRole = (fake!.guild(w.guildId)!.roles as Json[]).find((r) => r.managed)!;
    botRole.permissions = (BOT_DEFAULT_PERMISSIONS | Perm.ManageChannels | Perm.MuteMembers | Perm.MoveMembers).toString();
    expect(await refusal(w.create({ ...voiceEvent(w.stage), entity_type: 1 }))).toBe('accepted');
    expect(await refusal(w.create(voiceEvent('490000000000000077')))).toBe('10003');
    expect(await refusal(w.create(voiceEvent(w.voice, { name: 'x'.repeat(100), description: 'x'.repeat(1000) })))).toBe('accepted');
    expect(fake!.scheduledEvents(w.guildId)).toHaveLength(2);
    // The over-long name and description also break Discord's spec, which the fake records.
    expect(fake!.violations.length).toBeGreaterThanOrEqual(2);
    fake!.violations.length = 0;
  });

  it('needs Manage Events or Create Events, and View Channel and Connect in the voice channel', async () => {
    const w = await world({ botPermissions: BOT_DEFAULT_PERMISSIONS & ~Perm.CreateEvents });
    expect(await refusal(w.create(externalEvent()))).toBe('50013');
    expect(await refusal(w.create(voiceEvent(w.voice)))).toBe('50013');
    const guild = fake!.guild(w.guildId)!;
    const botRole = (guild.roles as Json[]).find((r) => r.managed)!;
    botRole.permissions = (BOT_DEFAULT_PERMISSIONS | Perm.ManageEvents).toString();
    expect(await refusal(w.create(externalEvent()))).toBe('accepted');
    const locked = fake!.addChannel(w.guildId, { name: 'locked', type: 2, permission_overwrites: [{ id: botRole.id, type: 0, allow: '0', deny: Perm.Connect.toString() }] }).id as string;
    expect(await refusal(w.create(voiceEvent(locked)))).toBe('50013');
  });
});

describe('PATCH and DELETE /guilds/:id/scheduled-events/:event', () => {
  it('modifies with the same checks, follows Discord’s status transitions, deletes; GUILD_SCHEDULED_EVENT_* reach a client with the intent', async () => {
    const w = await world({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildScheduledEvents] });
    const event = await w.create(voiceEvent(w.voice));
    const id = event.id as string;
    const moved = await w.modify(id, { name: 'Office hours', scheduled_start_time: iso(NOW + 3 * HOUR), scheduled_end_time: iso(NOW + 4 * HOUR) });
    expect(moved).toMatchObject({ name: 'Office hours', scheduled_start_time: iso(NOW + 3 * HOUR), channel_id: w.voice });
    expect(await refusal(w.modify(id, { scheduled_start_time: iso(NOW - HOUR) }))).toBe('50035 scheduled_start_time');
    expect(await refusal(w.modify(id, { scheduled_end_time: iso(NOW + HOUR) }))).toBe('50035 scheduled_end_time');
    expect(await refusal(w.modify(id, { status: 3 }))).toBe('50035 status');
    // To external: the location and an end come with it, the channel goes.
    expect(await refusal(w.modify(id, { entity_type: 3 }))).toMatch(/^50035 entity_metadata/);
    expect(await w.modify(id, { entity_type: 3, channel_id: null, entity_metadata: { location: 'Library' } })).toMatchObject({ entity_type: 3, channel_id: null });
    expect(await w.modify(id, { status: 4 })).toMatchObject({ status: 4 });
    expect(await refusal(w.modify(id, { name: 'again' }))).toBe('180000');
    await w.remove(id);
    expect(await refusal(w.remove(id))).toBe('10070');
    expect(fake!.scheduledEvents(w.guildId)).toEqual([]);
    await new Promise((r) => setTimeout(r, 50));
    expect(w.raw.map((e) => e.t)).toEqual([
      'GUILD_SCHEDULED_EVENT_CREATE',
      'GUILD_SCHEDULED_EVENT_UPDATE',
      'GUILD_SCHEDULED_EVENT_UPDATE',
      'GUILD_SCHEDULED_EVENT_UPDATE',
      'GUILD_SCHEDULED_EVENT_DELETE',
    ]);
  });

  it('sends no scheduled-event gateway events to a client without the intent', async () => {
    const w = await world();
    const event = await w.create(externalEvent());
    await w.remove(event.id as string);
    await new Promise((r) => setTimeout(r, 50));
    expect(w.raw).toEqual([]);
  });
});
