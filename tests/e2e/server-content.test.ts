import { afterAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { parse } from 'yaml';
import { auditLog, serverContentFiles, stepProgress } from '../../src/db/schema.js';
import { modalSubmit } from '../../src/sim/interactions.js';
import { startFakeDiscord, type FakeDiscord, type InteractionRecord, type Json } from '../../src/sim/index.js';
import { MODERATOR, shown, startTestBot, textOf, until, useTestBot, type TestBot } from '../support/bot.js';

const MOD = '520000000000000001';
const MEMBER = '520000000000000002';

const { bot, database } = useTestBot({ now: '2026-03-02T12:00:00Z' });

async function newGuild(name: string): Promise<string> {
  const guildId = bot.fake.addGuild({ name }).id as string;
  await until(() => bot.app.client.guilds.cache.has(guildId), 'the guild');
  return guildId;
}

const say = (record: InteractionRecord) => textOf(shown(record));

async function upload(on: TestBot, guildId: string, filename: string, text: string, extra: Record<string, string> = {}) {
  const id = on.fake.uploadAttachment({ filename, data: text, contentType: 'application/yaml' });
  return on.command('content', { file: { type: 11, value: id }, ...extra }, { guildId, user: MOD, subcommand: 'upload', ...MODERATOR });
}

const logOf = (guildId: string) => database.db.select().from(auditLog).where(eq(auditLog.guildId, guildId));

const TRACK = (title: string, stepId = 'club-intro', replaces: string[] = []) => `id: study-club
title: ${title}
summary: Our own path, for this server only.
order: 50
steps:
  - id: ${stepId}
    title: Club intro
    summary: Meet the club and its ways.
    why: A study group works when people know each other.
    learn: Read the pinned post and say hello.
    checklist: [Say hello, Read the rules, Pick a study buddy]
    hours: 2
    resources: [cs50-python, python-tutorial]
    replaces: [${replaces.join(', ')}]
`;

const BROKEN = `- id: club-first
  step: club-intro
  topic: Not A Slug
  text: What brought you here?

- id: club-second
  step: no-such-step
  topic: machine-learning
  text: What do you want to learn first?
`;

describe('/content upload, download, remove', () => {
  it('refuses a broken file with each problem at its line and column, and stores nothing', async () => {
    const guildId = await newGuild('Broken');
    const reply = await upload(bot, guildId, 'prompts.mine.yaml', BROKEN);
    expect(shown(reply).flags & 64).toBe(64);
    const text = say(reply);
    expect(text).toContain('**prompts/mine.yaml** was not saved: 2 problem(s)');
    expect(text).toContain('prompts/mine.yaml:3:10: [0](club-first).topic: must be a slug');
    expect(text).toContain('prompts/mine.yaml:7:9: [1](club-second).step: unknown step "no-such-step"');
    expect(await database.db.select().from(serverContentFiles).where(eq(serverContentFiles.guildId, guildId))).toEqual([]);
    expect(await logOf(guildId)).toEqual([]);
  });

  it('keeps a long list of problems within 2000 characters and says how many more', async () => {
    const guildId = await newGuild('Many problems');
    const many = Array.from({ length: 80 }, (_, i) => `- id: p-${i}\n  step: nowhere-${i}\n  topic: machine-learning\n  text: Question ${i}\n`).join('');
    const text = say(await upload(bot, guildId, 'prompts.many.yaml', many));
    expect(text.length).toBeLessThanOrEqual(2000);
    expect(text).toContain('80 problem(s)');
    const listed = text.split('\n').filter((l) => l.startsWith('prompts/many.yaml:')).length;
    expect(text).toContain(`…and ${80 - listed} more.`);
  });

  it('takes a good file, uses it at once in that server only, logs it, and gives it back with /content download', async () => {
    const guildId = await newGuild('Club');
    const other = await newGuild('Other');
    const ok = await upload(bot, guildId, 'club.yaml', TRACK('Study Club'), { folder: 'tracks' });
    expect(say(ok)).toContain('tracks/club.yaml** is saved');
    expect((await bot.suggest('next', 'track', 'Study', { guildId })).map((c) => c.name)).toContain('Study Club');
    expect((await bot.suggest('next', 'track', 'Study', { guildId: other })).map((c) => c.name)).not.toContain('Study Club');
    expect(bot.app.ctx.contents.builtin.tracksById.has('study-club')).toBe(false); // the built-in content is untouched

    // A prompts file that overrides one built-in prompt by id and hides another.
    const builtin = bot.app.ctx.contents.builtin.prompts;
    const [changed, hidden] = [builtin[0]!, builtin[1]!];
    const prompts = `- id: ${changed.id}\n  step: ${changed.step}\n  topic: ${changed.topic}\n  text: Our own wording of this prompt.\n- hide: [${hidden.id}]\n- id: club-hello\n  step: club-intro\n  topic: python\n  text: Introduce yourself to the club.\n`;
    expect(say(await upload(bot, guildId, 'prompts.club.yaml', prompts))).toContain('is saved');
    const content = await bot.app.ctx.contents.forGuild(guildId);
    expect(content.prompts.find((p) => p.id === changed.id)?.text).toBe('Our own wording of this prompt.');
    expect(content.prompts.some((p) => p.id === hidden.id)).toBe(false);
    expect(content.prompts.find((p) => p.id === 'club-hello')?.step).toBe('club-intro');
    expect(content.prompts).toHaveLength(builtin.length + 1 - 1);

    const log = await logOf(guildId);
    expect(log.map((e) => [e.action, e.actorId, (e.details as Json).file])).toEqual([
      ['content.upload', MOD, 'tracks/club.yaml'],
      ['content.upload', MOD, 'prompts/club.yaml'],
    ]);

    const download = await bot.command('content', {}, { guildId, user: MOD, subcommand: 'download', ...MODERATOR });
    const names = (shown(download).attachments as Json[]).map((a) => a.filename as string);
    expect(names.sort()).toEqual(['prompts.club.yaml', 'tracks.club.yaml']);
    const sent = bot.fake.requests.filter((r) => r.path.startsWith(`/interactions/${download.id}/`) && r.files.length > 0);
    const files = new Map(sent.at(-1)!.files.map((f) => [f.name, f.bytes.toString('utf8')]));
    expect(files.get('tracks.club.yaml')).toBe(TRACK('Study Club'));
    // What download gives, upload takes back: same name, same file.
    expect(say(await upload(bot, guildId, 'tracks.club.yaml', files.get('tracks.club.yaml')!))).toContain('tracks/club.yaml** is saved');
    expect(await database.db.select({ name: serverContentFiles.name }).from(serverContentFiles).where(eq(serverContentFiles.guildId, guildId))).toHaveLength(2);

    const withBuiltin = await bot.command('content', { builtin: true }, { guildId, user: MOD, subcommand: 'download', ...MODERATOR });
    const total = 2 + bot.app.ctx.contents.builtinFiles().length;
    await until(() => bot.fake.interaction(withBuiltin.id).followups.length === Math.ceil(total / 10) - 1, 'the follow-ups with the rest of the files');
    const all = [shown(withBuiltin), ...bot.fake.interaction(withBuiltin.id).followups].flatMap((m: Json) => (m.attachments as Json[]).map((a) => a.filename as string));
    expect(all).toContain('prompts.core-ml.yaml');
    expect(all).toContain('tracks.ml-engineer.yaml');
    expect(all.length).toBe(total);
  });

  it('keeps progress on a server step through its removal, and carries it to a new id that replaces it', async () => {
    const guildId = await newGuild('Progress');
    await upload(bot, guildId, 'tracks.club.yaml', TRACK('Study Club'));
    const done = await bot.command('done', { step: 'club-intro' }, { guildId, user: MEMBER });
    expect(say(done)).toContain('Marked **Club intro** done');

    const names = await bot.suggest('content', 'file', '', { guildId, user: MOD, subcommand: 'remove', ...MODERATOR });
    expect(names.map((c) => c.value)).toEqual(['tracks/club.yaml']);
    const removed = await bot.command('content', { file: 'tracks/club.yaml' }, { guildId, user: MOD, subcommand: 'remove', ...MODERATOR });
    expect(say(removed)).toContain('tracks/club.yaml** is removed');
    expect((await bot.app.ctx.contents.forGuild(guildId)).steps.has('club-intro')).toBe(false);
    const kept = await database.db.select().from(stepProgress).where(and(eq(stepProgress.guildId, guildId), eq(stepProgress.userId, MEMBER)));
    expect(kept.map((p) => p.stepId)).toEqual(['club-intro']);
    expect((await logOf(guildId)).map((e) => e.action)).toEqual(['content.upload', 'content.remove']);

    await upload(bot, guildId, 'tracks.club.yaml', TRACK('Study Club', 'club-welcome', ['club-intro']));
    const again = await bot.command('done', { step: 'club-welcome' }, { guildId, user: MEMBER });
    expect(say(again)).toContain('**Club intro** was already done');
  });

  it('refuses to remove a file that other files of the server need', async () => {
    const guildId = await newGuild('Needed');
    await upload(bot, guildId, 'tracks.club.yaml', TRACK('Study Club'));
    await upload(bot, guildId, 'prompts.club.yaml', '- id: club-hello\n  step: club-intro\n  topic: python\n  text: Introduce yourself.\n');
    const refused = await bot.command('content', { file: 'tracks/club.yaml' }, { guildId, user: MOD, subcommand: 'remove', ...MODERATOR });
    expect(say(refused)).toContain('**tracks/club.yaml** was not removed');
    expect(say(refused)).toContain('prompts/club.yaml:2:9: [0](club-hello).step: unknown step "club-intro"');
    expect((await bot.app.ctx.contents.forGuild(guildId)).steps.has('club-intro')).toBe(true);
  });

  it('checks links as for /resource suggest, and texts against what Discord shows', async () => {
    const guildId = await newGuild('Links');
    const resources = `- id: our-wiki\n  title: Our wiki\n  url: http://wiki.internal/ml\n  kind: docs\n  level: beginner\n  free: true\n  topics: [python]\n  steps: [python-programming]\n  description: The club wiki.\n`;
    const text = say(await upload(bot, guildId, 'resources.ours.yaml', resources));
    expect(text).toContain('resources/ours.yaml:3:8: resource our-wiki.url: That link points at this machine or a private network (wiki.internal)');
    const long = TRACK('Study Club').replace('checklist: [Say hello, Read the rules, Pick a study buddy]', `checklist: [${Array.from({ length: 6 }, (_, i) => `"${String(i).repeat(199)}"`).join(', ')}]`);
    const tooLong = say(await upload(bot, guildId, 'tracks.club.yaml', long));
    expect(tooLong).toMatch(/tracks\/club\.yaml:11:\d+: step club-intro\.checklist: takes 1\d{3} characters in the step card; Discord shows at most 1024/);
  });

  it('is for moderators only', async () => {
    const guildId = await newGuild('Members');
    const refused = await upload(bot, guildId, 'tracks.club.yaml', TRACK('Study Club'), {}).then(() => bot.command('content', {}, { guildId, user: MEMBER, subcommand: 'download' }));
    expect(say(refused)).toContain('Only moderators');
  });
});

describe('/prompt add', () => {
  it('opens a form, checks the prompt like an upload, and keeps it in prompts/server.yaml', async () => {
    const guildId = await newGuild('Prompt add');
    const opened = await bot.command('prompt', {}, { guildId, user: MOD, subcommand: 'add', ...MODERATOR });
    expect(opened.callback?.type).toBe(9);
    const form = opened.callback!.data!;
    expect((form.components as Json[]).map((row) => row.components[0].custom_id)).toEqual(['step', 'topic', 'text', 'hints']);

    const submit = (fields: Record<string, string>) =>
      bot.fake.waitForInteractionReply(bot.fake.sendInteraction(modalSubmit(bot.fake, { customId: form.custom_id as string, fields, guildId, user: MOD, ...MODERATOR })), 10_000);
    const bad = await submit({ step: 'python-programming', topic: 'a topic!', text: 'Which Python feature surprised you?', hints: '' });
    expect(say(bad)).toContain('**prompts/server.yaml** was not saved');
    expect(say(bad)).toMatch(/prompts\/server\.yaml:\d+:\d+: \[0\]\(server-prompt-1\)\.topic: must be a slug/);

    const good = await submit({ step: 'Python programming', topic: 'python', text: 'Which Python feature surprised you?', hints: 'Think of generators.\nOr of f-strings.' });
    expect(say(good)).toContain('Prompt **server-prompt-1** is added');
    const again = await submit({ step: 'python-programming', topic: 'python', text: 'What is your favourite module?', hints: '' });
    expect(say(again)).toContain('Prompt **server-prompt-2** is added');

    const [row] = await database.db.select().from(serverContentFiles).where(eq(serverContentFiles.guildId, guildId));
    expect(row!.name).toBe('prompts/server.yaml');
    expect(parse(row!.text)).toEqual([
      { id: 'server-prompt-1', step: 'python-programming', topic: 'python', text: 'Which Python feature surprised you?', hints: ['Think of generators.', 'Or of f-strings.'] },
      { id: 'server-prompt-2', step: 'python-programming', topic: 'python', text: 'What is your favourite module?' },
    ]);
    const content = await bot.app.ctx.contents.forGuild(guildId);
    expect(content.prompts.filter((p) => p.id.startsWith('server-prompt-')).map((p) => p.id)).toEqual(['server-prompt-1', 'server-prompt-2']);
    expect((await logOf(guildId)).map((e) => [e.action, (e.details as Json).step])).toEqual([
      ['prompt.add', 'python-programming'],
      ['prompt.add', 'python-programming'],
    ]);
  });
});

describe('a second process on the same database', () => {
  let otherFake: FakeDiscord | undefined;
  let other: TestBot | undefined;
  afterAll(async () => {
    await other?.stop();
    await otherFake?.close();
  });

  it('sees an override at once, without a restart', async () => {
    const guildId = await newGuild('Two processes');
    // The second process serves the same server (its own gateway here, so that each command has one answer).
    otherFake = await startFakeDiscord();
    otherFake.addGuild({ id: guildId, name: 'Two processes' });
    other = await startTestBot({ database, fake: otherFake, guildId });
    const titles = async () => (await other!.suggest('next', 'track', '', { guildId })).map((c) => c.name);
    expect(await titles()).not.toContain('Study Club');

    await upload(bot, guildId, 'tracks.club.yaml', TRACK('Study Club'));
    expect(await titles()).toContain('Study Club');
    await upload(bot, guildId, 'tracks.club.yaml', TRACK('Study Club, second edition'));
    expect(await titles()).toContain('Study Club, second edition');
    expect(await titles()).not.toContain('Study Club');
    await bot.command('content', { file: 'tracks/club.yaml' }, { guildId, user: MOD, subcommand: 'remove', ...MODERATOR });
    expect((await titles()).filter((t) => t.startsWith('Study Club'))).toEqual([]);
  });
});
