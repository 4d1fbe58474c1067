import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MessageFlags } from 'discord.js';
import { eq } from 'drizzle-orm';
import { guildSettings } from '../../src/db/schema.js';
import { claimWelcome } from '../../src/db/queries/welcome.js';
import { INVITE_PERMISSIONS, invitePermissions, inviteUrl } from '../../src/discord/invite.js';
import { MODERATOR, startTestBot, shown, textOf, useTestBot } from '../support/bot.js';
import { openTestDatabase, uniqueGuildId } from '../support/db.js';
import { BOT_DEFAULT_PERMISSIONS, FAKE_TOKEN, Perm, startFakeDiscord, type Json } from '../../src/sim/index.js';
import { freePort } from '../../src/sim/net.js';

const { bot, database } = useTestBot();

const fieldNames = (message: Json): string[] => ((message.embeds?.[0]?.fields ?? []) as Json[]).map((f) => f.name as string);
/** A list field's text, joined with its continuation fields ("<name> (more)") when it was split at 1024 characters. */
const field = (message: Json, name: string): string =>
  ((message.embeds?.[0]?.fields ?? []) as Json[])
    .filter((f) => f.name === name || f.name === `${name} (more)`)
    .map((f) => f.value as string)
    .join('\n');

describe('/help', () => {
  it('shows a member every member command with one line each, privately, and no moderator section', async () => {
    const record = await bot.command('help', {}, { user: '300000000000000001' });
    const message = shown(record);
    expect(message.flags & MessageFlags.Ephemeral).toBeTruthy();
    const everyone = field(message, 'For everyone');
    for (const name of ['next', 'roadmap', 'done', 'undo', 'help']) expect(everyone).toMatch(new RegExp(`</${name}:\\d+> — \\S`));
    expect(everyone).not.toContain('</setup');
    expect(fieldNames(message)).not.toContain('For moderators');
    expect(fieldNames(message)).not.toContain('Still to set up in this server');
  });

  it('lists every registered command exactly once across the groups', async () => {
    const message = shown(await bot.command('help', {}, { user: '300000000000000002', ...MODERATOR }));
    const text = `${field(message, 'For everyone')}\n${field(message, 'For moderators')}`;
    for (const registered of bot.fake.globalCommands()) {
      const mentions = text.match(new RegExp(`</${registered.name}[ :]`, 'g')) ?? [];
      expect(mentions.length, registered.name as string).toBeGreaterThanOrEqual(1);
    }
    expect(field(message, 'For moderators')).toMatch(/<\/setup:\d+> — configure Cohort/);
  });

  it('shows moderators the setup steps still missing, and updates once they are done', async () => {
    const before = shown(await bot.command('help', {}, { user: '300000000000000003', ...MODERATOR }));
    expect(field(before, 'Still to set up in this server')).toContain('/setup prompts');
    await bot.command('setup', { channel: { type: 7, value: bot.channelId }, time: '18:00' }, { user: '300000000000000003', subcommand: 'prompts', ...MODERATOR });
    const after = shown(await bot.command('help', {}, { user: '300000000000000003', ...MODERATOR }));
    expect(field(after, 'Still to set up in this server')).not.toContain('/setup prompts');
    expect(field(after, 'Still to set up in this server')).toContain('/setup challenges');
  });
});

describe('welcome on joining a server', () => {
  const welcomes = (channelId: string) => bot.fake.channelMessages(channelId).filter((m) => textOf(m).includes('Thanks for adding Cohort'));

  it('posts one welcome in the system channel of a newly joined server, telling moderators to run /setup', async () => {
    const guild = bot.fake.addGuild({ name: 'New Group' });
    const system = guild.system_channel_id as string;
    await bot.fake.waitFor((r) => r.method === 'POST' && r.path === `/channels/${system}/messages`);
    expect(welcomes(system)).toHaveLength(1);
    expect(textOf(welcomes(system)[0]!)).toContain('/setup');
    expect(textOf(welcomes(system)[0]!)).toContain('/help');

    // A gateway drop and resume, and a second process that sees the same server join: still one welcome.
    const resumes = bot.fake.stats.resumes;
    bot.fake.dropGatewayConnections();
    for (let i = 0; i < 500 && bot.fake.stats.resumes === resumes; i++) await new Promise((r) => setTimeout(r, 20));
    expect(bot.fake.stats.resumes).toBeGreaterThan(resumes);
    await bot.fake.waitForGateway(1, 10_000);
    const other = await startTestBot({ database });
    try {
      other.fake.addGuild({ id: guild.id as string, name: 'New Group' });
      // The second process is ready for the new server once it answers a command there.
      await other.command('help', {}, { guildId: guild.id as string, user: '300000000000000004' });
      expect(other.fake.requests.filter((r) => r.method === 'POST' && /^\/channels\/\d+\/messages$/.test(r.path))).toHaveLength(0);
    } finally {
      await other.stop();
    }
    expect(welcomes(system)).toHaveLength(1);
  });

  it('falls back to the first text channel it may write in when the system channel is closed to it', async () => {
    const deny = (guildId: string) => [{ id: guildId, type: 0, allow: '0', deny: Perm.SendMessages.toString() }];
    const id = uniqueGuildId();
    const guild = bot.fake.addGuild({
      id,
      name: 'Locked Group',
      channels: [
        { name: 'announcements', type: 0, position: 0, permission_overwrites: deny(id) },
        { name: 'category', type: 4, position: 1 },
        { name: 'study', type: 0, position: 2 },
      ],
    });
    const study = [...bot.fake.channels.values()].find((c) => c.guild_id === guild.id && c.name === 'study')!;
    await bot.fake.waitFor((r) => r.method === 'POST' && r.path === `/channels/${study.id}/messages`);
    expect(welcomes(study.id as string)).toHaveLength(1);
    expect(welcomes(guild.system_channel_id as string)).toHaveLength(0);
  });

  it('posts nothing where it may write nowhere, and gives the claim back for a later join', async () => {
    const id = uniqueGuildId();
    const readOnly = (Perm.ViewChannel | Perm.ReadMessageHistory).toString();
    bot.fake.addGuild({ id, name: 'Read-only Group', botPermissions: readOnly, everyonePermissions: readOnly });
    // The welcome path ends without a request: wait until the bot's claim exists and was given back (welcomed_at null).
    let row: { welcomedAt: Date | null } | undefined;
    for (let i = 0; i < 250 && !(row && row.welcomedAt === null); i++) {
      [row] = await database.db.select({ welcomedAt: guildSettings.welcomedAt }).from(guildSettings).where(eq(guildSettings.guildId, id));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(row).toEqual({ welcomedAt: null });
    expect(await claimWelcome(database.db, id, new Date())).toBe(true);
    expect(bot.fake.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/channels/') && bot.fake.channel(r.path.split('/')[2]!)?.guild_id === id)).toHaveLength(0);
  });

  it('claims a server exactly once when several processes race', async () => {
    const guildId = uniqueGuildId();
    const now = new Date('2026-03-02T12:00:00Z');
    const results = await Promise.all(Array.from({ length: 8 }, () => claimWelcome(database.db, guildId, now)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});

describe('invite link', () => {
  it('asks for bot + applications.commands and exactly the permissions the bot runs with in the tests', () => {
    const url = new URL(inviteUrl('123456789012345678'));
    expect(url.origin + url.pathname).toBe('https://discord.com/oauth2/authorize');
    expect(url.searchParams.get('client_id')).toBe('123456789012345678');
    expect(url.searchParams.get('scope')).toBe('bot applications.commands');
    expect(BigInt(url.searchParams.get('permissions')!)).toBe(invitePermissions());
    // The e2e suite runs the bot with the fake's default bot role: the invite must grant the same, no more.
    expect(invitePermissions()).toBe(BOT_DEFAULT_PERMISSIONS);
    expect(invitePermissions() & (Perm.Administrator | Perm.ManageMessages | Perm.ManageGuild | Perm.MentionEveryone)).toBe(0n);
    expect(new Set(INVITE_PERMISSIONS.map((p) => p.flag)).size).toBe(10);
  });
});

describe('scale out with shards', () => {
  it('a process running shard 0 of 2 connects only that shard and only caches its guilds', async () => {
    const fake = await startFakeDiscord({ shards: 2 });
    const byShard: [string[], string[]] = [[], []];
    while (byShard[0].length < 3 || byShard[1].length < 3) {
      const id = fake.snowflake();
      const shard = Number((BigInt(id) >> 22n) % 2n);
      if (byShard[shard]!.length < 3) {
        fake.addGuild({ id, name: `Group ${id.slice(-4)}` });
        byShard[shard]!.push(id);
      }
      await new Promise((r) => setTimeout(r, 1)); // next snowflake timestamp
    }
    const shardDb = await openTestDatabase();
    const zero = await startTestBot({ database: shardDb, fake, guildId: byShard[0][0], config: { SHARD_COUNT: '2', SHARD_IDS: '0' } });
    try {
      expect(fake.connectedShards()).toEqual([0]);
      expect([...zero.app.client.guilds.cache.keys()].sort()).toEqual([...byShard[0]].sort());
      expect(textOf(shown(await zero.command('next', {}, { user: '300000000000000009' })))).toContain('step 1 of');
    } finally {
      await zero.stop();
      await fake.close();
      await shardDb.close();
    }
  });
});

describe('starting the process as a new user does', () => {
  const root = join(import.meta.dirname, '../..');
  const tsx = pathToFileURL(createRequire(join(root, 'package.json')).resolve('tsx')).href;
  const started = new Set<ChildProcess>();
  const scratch = mkdtempSync(join(tmpdir(), 'cohort-first-contact-'));
  afterAll(() => {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
  });

  /** src/main.ts as `npm run dev` runs it, in `cwd` (where it looks for .env), with only the given settings from the environment. */
  function startMain(cwd: string, env: Record<string, string>) {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DISCORD_|DATABASE_URL|DATA_DIR|CONTENT_DIR|HTTP_PORT|SHARD|LOG_LEVEL|CATCHUP_HOURS|TEST_)/.test(k)));
    const child = spawn(process.execPath, ['--import', tsx, join(root, 'src/main.ts')], { cwd, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    started.add(child);
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, output: () => output };
  }

  const folder = (name: string) => {
    const dir = join(scratch, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const noStackTrace = /\n\s+at [^\n]+:\d+:\d+/;

  it('starts with .env.example copied to .env and only DISCORD_TOKEN filled in (its empty SHARD_COUNT= included)', async () => {
    const fake = await startFakeDiscord();
    const cwd = folder('copied-env');
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    expect(example).toMatch(/^SHARD_COUNT=$/m);
    writeFileSync(join(cwd, '.env'), example.replace(/^DISCORD_TOKEN=$/m, `DISCORD_TOKEN=${FAKE_TOKEN}`));
    // The environment supplies only what a test must point elsewhere: the fake Discord, a port, the repository's content.
    const port = await freePort();
    const running = startMain(cwd, { DISCORD_API_URL: fake.apiUrl, HTTP_PORT: String(port), CONTENT_DIR: join(root, 'content') });
    try {
      let healthy = false;
      while (!healthy && running.child.exitCode === null) {
        healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
        if (!healthy) await new Promise((r) => setTimeout(r, 100));
      }
      expect(healthy, running.output()).toBe(true);
      expect(running.output()).not.toContain('shardCount');
      expect(running.output()).not.toContain(FAKE_TOKEN);
      running.child.kill('SIGTERM');
      expect(await running.exited).toBe(0);
    } finally {
      running.child.kill('SIGKILL');
      await fake.close();
    }
  });

  it('reports every bad setting in one message, SHARD_IDS without SHARD_COUNT among them', async () => {
    const running = startMain(folder('bad-settings'), { DISCORD_TOKEN: FAKE_TOKEN, HTTP_PORT: 'abc', LOG_LEVEL: 'INFO', SHARD_IDS: '0,1' });
    expect(await running.exited).toBe(1);
    expect(running.output()).toBe(
      [
        'Cohort cannot start; fix these settings (see .env.example):',
        "  - HTTP_PORT must be a whole number between 1 and 65535, got 'abc'",
        '  - SHARD_IDS needs SHARD_COUNT as well (the total number of shards of the bot, the same in every process)',
        '',
      ].join('\n'),
    );
  });

  it('says in one sentence that DATA_DIR is a file', async () => {
    const fake = await startFakeDiscord();
    const file = join(folder('data-file'), 'data');
    writeFileSync(file, 'not a folder');
    try {
      const running = startMain(folder('data-file'), { DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl, DATA_DIR: file, CONTENT_DIR: join(root, 'content') });
      expect(await running.exited).toBe(1);
      expect(running.output()).toContain(`DATA_DIR ${file} cannot hold the embedded database (it, or a folder above it, is a file): point DATA_DIR at a folder`);
      expect(running.output()).not.toMatch(noStackTrace);
      expect(running.output()).not.toContain('"stack"');
    } finally {
      await fake.close();
    }
  });

  it('stops when CONTENT_DIR holds no roadmap, instead of serving an empty bot', async () => {
    const fake = await startFakeDiscord();
    const content = folder('empty-content');
    mkdirSync(join(content, 'tracks'));
    try {
      const running = startMain(folder('empty-content-cwd'), { DISCORD_TOKEN: FAKE_TOKEN, DISCORD_API_URL: fake.apiUrl, DATA_DIR: join(scratch, 'empty-content-data'), CONTENT_DIR: content });
      expect(await running.exited).toBe(1);
      expect(running.output()).toContain(`CONTENT_DIR ${content} has no roadmap: its tracks/ folder holds no track.`);
      expect(running.output()).not.toMatch(noStackTrace);
      expect(running.output()).not.toContain('"tracks":0');
    } finally {
      await fake.close();
    }
  });
});
