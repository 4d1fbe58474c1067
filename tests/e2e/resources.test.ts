import { describe, expect, it, vi } from 'vitest';
import { MessageFlags } from 'discord.js';
import { and, eq } from 'drizzle-orm';
import { auditLog, guildResources, guildSettings, resourcePosts } from '../../src/db/schema.js';
import { buttonsOf, shown, textOf, MODERATOR, until, useTestBot } from '../support/bot.js';
import { Perm, type InteractionRecord, type Json } from '../../src/sim/index.js';
import { modalSubmit } from '../../src/sim/interactions.js';

const MOD = '510000000000000001';

const { bot, database } = useTestBot({ now: '2026-03-02T12:00:00Z' });

/** A fresh server the bot has seen, with a text channel for posts: tests don't share queues or posts. */
async function newGuild(name: string): Promise<{ guildId: string; channelId: string }> {
  const guildId = bot.fake.addGuild({ name }).id as string;
  await until(() => bot.app.client.guilds.cache.has(guildId), 'the guild');
  const channel = bot.fake.addChannel(guildId, { name: 'resources', type: 0 });
  await until(() => bot.app.client.channels.cache.has(channel.id as string), 'the channel');
  return { guildId, channelId: channel.id as string };
}

const say = (record: InteractionRecord) => textOf(shown(record));

async function submitModal(customId: string, fields: Record<string, string>, opts: { guildId: string; user: string; message?: Json; memberPermissions?: string }) {
  const id = bot.fake.sendInteraction(modalSubmit(bot.fake, { customId, fields, ...opts }));
  return bot.fake.waitForInteractionReply(id, 10_000);
}

function dmTo(userId: string): Json[] {
  const dm = [...bot.fake.channels.values()].find((c) => c.type === 1 && c.recipients?.[0]?.id === userId);
  return dm ? bot.fake.channelMessages(dm.id as string) : [];
}

async function suggest(guildId: string, user: string, options: Record<string, string | boolean>) {
  return bot.command('resource', options, { guildId, user, subcommand: 'suggest' });
}

describe('registration', () => {
  it('registers /resources and /resource; /resource stays open because suggest is for everyone', () => {
    const registered = bot.fake.globalCommands();
    const resources = registered.find((c) => c.name === 'resources')!;
    const resource = registered.find((c) => c.name === 'resource')!;
    expect(resources.options.map((o: Json) => [o.name, o.autocomplete])).toEqual([
      ['topic', true],
      ['step', true],
      ['kind', true],
    ]);
    expect(resource.options.map((o: Json) => o.name)).toEqual(['suggest', 'review', 'add', 'remove', 'post']);
    expect(resource.default_member_permissions ?? null).toBeNull();
    const optionsOf = (sub: string): Json[] => resource.options.find((o: Json) => o.name === sub).options;
    expect(optionsOf('suggest').map((o) => o.name)).toEqual(['url', 'title', 'step', 'level', 'free', 'note']);
    expect(optionsOf('add').map((o) => o.name)).toEqual(['url', 'title', 'step', 'kind', 'level', 'free', 'note']);
    for (const sub of ['suggest', 'add']) {
      const level = optionsOf(sub).find((o) => o.name === 'level')!;
      const free = optionsOf(sub).find((o) => o.name === 'free')!;
      expect(level.required ?? false).toBe(false);
      expect(level.choices.map((c: Json) => c.value)).toEqual(['beginner', 'intermediate', 'advanced']);
      expect(free).toMatchObject({ type: 5 });
      expect(free.required ?? false).toBe(false);
    }
  });
});

describe('/resources', () => {
  it('lists catalogue resources, paged, each with title, kind, level, price and link', async () => {
    const { guildId } = await newGuild('Browse');
    const record = await bot.command('resources', {}, { guildId, user: '520000000000000001' });
    const message = shown(record);
    expect(message.flags & MessageFlags.Ephemeral).toBeTruthy();
    const embed = message.embeds[0];
    expect(embed.description).toMatch(/^\d+ resources\./);
    expect(embed.fields).toHaveLength(5);
    for (const field of embed.fields as Json[]) {
      expect(field.name).toMatch(/^\d+\. \S/);
      expect(field.value).toMatch(/^\[[^\]]+\]\(https?:\/\/[^)]+\) · \w+ · (beginner|intermediate|advanced) · (free|paid)/);
    }
    expect(embed.footer.text).toMatch(/^Page 1 of \d+$/);
    const [previous, next] = buttonsOf(message);
    expect(previous!.disabled).toBe(true);
    const page2 = shown(await bot.press(next!.customId!, { guildId, user: '520000000000000001' }));
    expect(page2.embeds[0].footer.text).toMatch(/^Page 2 of /);
    expect(page2.embeds[0].fields[0].name).toMatch(/^6\. /);
  });

  it('filters by a known topic, a step and a kind, and pages keep the filters', async () => {
    const { guildId } = await newGuild('Filters');
    const user = '520000000000000002';
    const python = shown(await bot.command('resources', { topic: 'python' }, { guildId, user }));
    expect(python.embeds[0].title).toBe('Resources: topic “python”');
    const count = Number(/^(\d+) resources/.exec(python.embeds[0].description)![1]);
    const expected = [...bot.app.ctx.contents.builtin.resources.values()].filter((r) => r.topics.includes('python')).length;
    expect(count).toBe(expected);
    const page2 = shown(await bot.press(buttonsOf(python)[1]!.customId!, { guildId, user }));
    expect(page2.embeds[0].title).toBe('Resources: topic “python”');

    const videos = shown(await bot.command('resources', { kind: 'video' }, { guildId, user }));
    for (const f of videos.embeds[0].fields as Json[]) expect(f.value).toContain(' · video · ');

    const step = bot.app.ctx.contents.builtin.steps.get('deep-learning')!.step;
    const belongs = [...bot.app.ctx.contents.builtin.resources.values()].filter((r) => r.steps.includes(step.id) || step.resources.includes(r.id));
    expect(belongs.length).toBeGreaterThan(step.resources.length);
    const forStep = shown(await bot.command('resources', { step: 'deep-learning' }, { guildId, user }));
    expect(forStep.embeds[0].title).toBe(`Resources: step “${step.title}”`);
    expect(forStep.embeds[0].description).toMatch(new RegExp(`^${belongs.length} resources`));
  });

  it('free words search titles and descriptions; no match and a bad kind say what to do', async () => {
    const { guildId } = await newGuild('Search');
    const user = '520000000000000003';
    const words = shown(await bot.command('resources', { topic: 'Hugging Face' }, { guildId, user }));
    expect(words.embeds[0].fields.length).toBeGreaterThan(0);
    expect(textOf(words).toLowerCase()).toContain('hugging face');
    const none = await bot.command('resources', { topic: 'basket weaving', kind: 'book' }, { guildId, user });
    expect(say(none)).toContain('Nothing matches all of that');
    const badKind = await bot.command('resources', { kind: 'podcast' }, { guildId, user });
    expect(say(badKind)).toContain('“podcast” is not a kind of resource');
  });

  it('autocompletes every option, narrowed by the options already chosen', async () => {
    const { guildId } = await newGuild('Autocomplete');
    const user = '520000000000000004';
    const topics = await bot.suggest('resources', 'topic', 'py', { guildId, user });
    expect(topics[0]).toMatchObject({ value: 'python' });
    expect(topics[0]!.name).toMatch(/^python \(\d+\)$/);
    const kinds = await bot.suggest('resources', 'kind', '', { guildId, user, options: { topic: 'nlp' } });
    const nlpKinds = new Set([...bot.app.ctx.contents.builtin.resources.values()].filter((r) => r.topics.includes('nlp')).map((r) => r.kind));
    expect(new Set(kinds.map((k) => k.value))).toEqual(nlpKinds);
    const steps = await bot.suggest('resources', 'step', 'deep', { guildId, user });
    expect(steps.map((s) => s.value)).toContain('deep-learning');
  });
});

describe('moderator subcommands refuse members without rights', () => {
  it('review, add, remove and post, and every moderator button and form', async () => {
    const { guildId, channelId } = await newGuild('Refusals');
    const member = '530000000000000001';
    const refused = /Only moderators can do that/;
    const calls: [string, Record<string, unknown>][] = [
      ['review', {}],
      ['add', { url: 'https://example.com/refused', title: 'Nope' }],
      ['remove', { resource: 'c:python-tutorial' }],
      ['post', { resource: 'c:python-tutorial', channel: { type: 7, value: channelId } }],
    ];
    for (const [subcommand, options] of calls) {
      const record = await bot.command('resource', options as never, { guildId, user: member, subcommand });
      expect(say(record), subcommand).toMatch(refused);
      expect(shown(record).flags & MessageFlags.Ephemeral).toBeTruthy();
    }
    for (const customId of ['resource:review:1', 'resource:queue:0', 'resource:approve:1:0', 'resource:reject:1:0', 'resource:repost:1', 'resource:cancel:1']) {
      expect(say(await bot.press(customId, { guildId, user: member })), customId).toMatch(refused);
    }
    expect(say(await submitModal('resource:rejected:1:0', { reason: 'x' }, { guildId, user: member }))).toMatch(refused);
    expect(bot.fake.channelMessages(channelId)).toHaveLength(0);
  });

  it('the moderator role from /setup counts as moderator', async () => {
    const { guildId } = await newGuild('Role');
    const role = bot.fake.addRole(guildId, { name: 'Mods' });
    await bot.command('setup', { role: { type: 8, value: role.id as string } }, { guildId, user: MOD, subcommand: 'moderator-role', ...MODERATOR });
    const record = await bot.command('resource', {}, { guildId, user: '530000000000000002', roles: [role.id as string], subcommand: 'review' });
    expect(say(record)).toContain('Nothing waiting for review');
  });
});

describe('suggest → review', () => {
  it('refuses links to this machine or a private network, and IP addresses; a moderator can still add one', async () => {
    const { guildId } = await newGuild('Private links');
    const member = '540000000000000009';
    const refused = [
      'http://localhost:3000/admin',
      'http://127.0.0.1/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]:8080/',
      'http://10.0.0.5/wiki',
      'http://printer.local/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'https://93.184.216.34/',
    ];
    for (const url of refused) {
      const text = say(await suggest(guildId, member, { url, title: 'Look' }));
      expect(text, url).toMatch(/private network|IP address/);
      expect(text, url).toContain('/resource add');
    }
    expect(await database.db.select().from(guildResources).where(eq(guildResources.guildId, guildId))).toEqual([]);
    const added = await bot.command('resource', { url: 'http://wiki.internal/ml', title: 'Our wiki' }, { guildId, user: MOD, subcommand: 'add', ...MODERATOR });
    expect(say(added)).not.toMatch(/private network/);
    expect(await database.db.select().from(guildResources).where(eq(guildResources.guildId, guildId))).toHaveLength(1);
  });

  it('approve: the suggestion joins the list and the member gets a DM', async () => {
    const { guildId } = await newGuild('Approve');
    const member = '540000000000000001';
    const steps = await bot.suggest('resource', 'step', 'deep', { guildId, user: member, subcommand: 'suggest' });
    expect(steps.map((c) => c.value)).toContain('deep-learning');
    const record = await suggest(guildId, member, {
      url: 'HTTPS://Example.COM/guide?utm_source=discord#intro',
      title: '  A **great**   guide @everyone <@&123456789012345678> ',
      step: 'deep-learning',
      note: 'Clear and short.',
    });
    expect(say(record)).toContain('is in the review queue for step');
    expect(say(record)).toContain('\\*\\*great\\*\\*');
    const [row] = await database.db.select().from(guildResources).where(eq(guildResources.guildId, guildId));
    expect(row).toMatchObject({ url: 'https://example.com/guide', status: 'pending', suggestedBy: member, stepId: 'deep-learning', title: 'A **great** guide @everyone <@&123456789012345678>' });

    const review = shown(await bot.command('resource', {}, { guildId, user: MOD, subcommand: 'review', ...MODERATOR }));
    expect(textOf(review)).toContain('Suggestion 1 of 1');
    expect(review.embeds[0].fields).toEqual(
      expect.arrayContaining([
        { name: 'Level', value: 'not rated', inline: true },
        { name: 'Price', value: 'not stated', inline: true },
      ]),
    );
    expect(textOf(review)).toContain('@\u200beveryone');
    expect(textOf(review)).toContain('<@\u200b&123456789012345678>');
    const approve = buttonsOf(review).find((b) => b.label === 'Approve')!;
    const after = await bot.press(approve.customId!, { guildId, user: MOD, ...MODERATOR });
    expect(say(after)).toContain('✅ Approved');
    expect(say(after)).toContain(`I let <@${member}> know by DM.`);
    expect(say(after)).toContain('Nothing waiting for review');

    const dms = dmTo(member);
    expect(dms).toHaveLength(1);
    expect(textOf(dms[0]!)).toContain('Your resource suggestion was approved');
    expect(textOf(dms[0]!)).toContain('Approve');

    const list = shown(await bot.command('resources', { step: 'deep-learning' }, { guildId, user: member }));
    expect(list.embeds[0].fields[0].name).toBe('1. A \\*\\*great\\*\\* guide @\u200beveryone <@\u200b&123456789012345678>');
    expect(list.embeds[0].fields[0].value).toContain('[example.com](https://example.com/guide) · article · level not rated · price not stated');
    expect(list.embeds[0].fields[0].value).toContain('picked by this server');

    // The same button again: recorded once, said plainly.
    const again = await bot.press(approve.customId!, { guildId, user: MOD, ...MODERATOR });
    expect(say(again)).toContain('Someone already reviewed that suggestion');
    expect(dmTo(member)).toHaveLength(1);
  });

  it('level and price given with the suggestion show in the review card and, once approved, in the list like the catalogue', async () => {
    const { guildId } = await newGuild('Rated suggestion');
    const member = '540000000000000008';
    await suggest(guildId, member, { url: 'https://rated.example/course', title: 'Rated course', step: 'deep-learning', level: 'advanced', free: false });
    const review = shown(await bot.command('resource', {}, { guildId, user: MOD, subcommand: 'review', ...MODERATOR }));
    expect(review.embeds[0].fields).toEqual(
      expect.arrayContaining([
        { name: 'Level', value: 'advanced', inline: true },
        { name: 'Price', value: 'paid', inline: true },
      ]),
    );
    await bot.press(buttonsOf(review).find((b) => b.label === 'Approve')!.customId!, { guildId, user: MOD, ...MODERATOR });

    const step = bot.app.ctx.contents.builtin.steps.get('deep-learning')!;
    const list = shown(await bot.command('resources', { step: 'deep-learning' }, { guildId, user: member }));
    expect(list.embeds[0].fields[0]).toMatchObject({
      name: '1. Rated course',
      value: `[rated.example](https://rated.example/course) · article · advanced · paid · step ${step.index + 1}: ${step.step.title} · picked by this server`,
    });
  });

  it('reject with a reason through the form; the member is told why and cannot suggest it again', async () => {
    const { guildId } = await newGuild('Reject');
    const member = '540000000000000002';
    await suggest(guildId, member, { url: 'https://spam.example/win', title: 'Free money' });
    const review = shown(await bot.command('resource', {}, { guildId, user: MOD, subcommand: 'review', ...MODERATOR }));
    const reject = buttonsOf(review).find((b) => b.label === 'Reject')!;
    const opened = await bot.press(reject.customId!, { guildId, user: MOD, ...MODERATOR });
    expect(opened.callback?.type).toBe(9);
    const modal = opened.callback!.data!;
    expect(modal.title).toBe('Reject suggestion');
    const input = modal.components[0].components[0];
    expect(input).toMatchObject({ custom_id: 'reason', required: false, max_length: 300 });

    const done = await submitModal(modal.custom_id, { reason: 'Not about **ML**.' }, { guildId, user: MOD, message: opened.payload.message, ...MODERATOR });
    expect(say(done)).toContain('🚫 Rejected **Free money**');
    expect(say(done)).toContain(`I let <@${member}> know by DM.`);
    const dm = textOf(dmTo(member)[0]!);
    expect(dm).toContain('was not accepted');
    expect(dm).toContain('**Reason:** Not about \\*\\*ML\\*\\*.');
    const [row] = await database.db.select().from(guildResources).where(eq(guildResources.guildId, guildId));
    expect(row).toMatchObject({ status: 'rejected', reviewedBy: MOD, rejectReason: 'Not about **ML**.' });
    const audit = await database.db.select().from(auditLog).where(and(eq(auditLog.guildId, guildId), eq(auditLog.action, 'resource.reject')));
    expect(audit).toMatchObject([{ actorId: MOD, targetUserId: member }]);

    const again = await suggest(guildId, '540000000000000003', { url: 'http://www.spam.example/win/', title: 'Again' });
    expect(say(again)).toContain('a moderator turned it down: Not about \\*\\*ML\\*\\*.');
    expect(shown((await bot.command('resources', { topic: 'free money' }, { guildId, user: member }))).embeds[0].description).toContain('Nothing matches');
  });

  it('reject without a reason, and the queue pages with Previous / Next', async () => {
    const { guildId } = await newGuild('Queue');
    for (const [i, user] of ['540000000000000004', '540000000000000005', '540000000000000006'].entries()) {
      await suggest(guildId, user, { url: `https://queue.example/${i}`, title: `Queued ${i}` });
      bot.clock.advance(1000);
    }
    const first = shown(await bot.command('resource', {}, { guildId, user: MOD, subcommand: 'review', ...MODERATOR }));
    expect(textOf(first)).toContain('Suggestion 1 of 3');
    expect(textOf(first)).toContain('Queued 0');
    const second = shown(await bot.press(buttonsOf(first).find((b) => b.label === 'Next')!.customId!, { guildId, user: MOD, ...MODERATOR }));
    expect(textOf(second)).toContain('Suggestion 2 of 3');
    expect(textOf(second)).toContain('Queued 1');
    const opened = await bot.press(buttonsOf(second).find((b) => b.label === 'Reject')!.customId!, { guildId, user: MOD, ...MODERATOR });
    const done = await submitModal(opened.callback!.data!.custom_id, { reason: '   ' }, { guildId, user: MOD, message: opened.payload.message, ...MODERATOR });
    expect(say(done)).toContain('Rejected **Queued 1**');
    expect(say(done)).toContain('Suggestion 2 of 2');
    expect(say(done)).toContain('Queued 2');
    expect(textOf(dmTo('540000000000000005')[0]!)).not.toContain('Reason');
  });

  it('when the DM fails (50007) the moderator is told and the decision is kept', async () => {
    const { guildId } = await newGuild('Closed DMs');
    const member = '540000000000000007';
    await suggest(guildId, member, { url: 'https://closed-dms.example/', title: 'Closed DMs' });
    const review = shown(await bot.command('resource', {}, { guildId, user: MOD, subcommand: 'review', ...MODERATOR }));
    bot.fake.failWith({ method: 'POST', path: /^\/channels\/\d+\/messages$/, code: 50007, times: 1 });
    const after = await bot.press(buttonsOf(review).find((b) => b.label === 'Approve')!.customId!, { guildId, user: MOD, ...MODERATOR });
    expect(say(after)).toContain('✅ Approved');
    expect(say(after)).toContain(`I could not DM <@${member}> (they do not accept DMs from server members). The decision is saved`);
    const [row] = await database.db.select().from(guildResources).where(eq(guildResources.guildId, guildId));
    expect(row!.status).toBe('approved');
  });
});

describe('bad input', () => {
  it('only http(s) links of at most 512 characters', async () => {
    const { guildId } = await newGuild('Bad links');
    const user = '550000000000000001';
    expect(say(await suggest(guildId, user, { url: 'ftp://files.example/x', title: 'x' }))).toContain('Only http:// and https:// links');
    expect(say(await suggest(guildId, user, { url: 'javascript:alert(1)', title: 'x' }))).toContain('Only http:// and https:// links');
    expect(say(await suggest(guildId, user, { url: 'not a link', title: 'x' }))).toContain('cannot contain spaces');
    expect(say(await suggest(guildId, user, { url: `https://long.example/${'é'.repeat(100)}`, title: 'x' }))).toContain('too long once encoded');
    expect(say(await suggest(guildId, user, { url: 'https://ok.example/', title: '   ' }))).toContain('Give the resource a title');
    expect(say(await suggest(guildId, user, { url: 'https://ok.example/', title: 'x', step: 'quantum-knitting' }))).toContain('no roadmap step');
    expect(await database.db.select().from(guildResources).where(eq(guildResources.guildId, guildId))).toHaveLength(0);
  });

  it('a link already in the catalogue or in the server is refused, saying where it is', async () => {
    const { guildId } = await newGuild('Duplicates');
    const user = '550000000000000002';
    const python = bot.app.ctx.contents.builtin.resources.get('python-tutorial')!;
    const variant = `${python.url.replace('https://', 'http://').replace('docs.python.org', 'DOCS.Python.org')}?utm_campaign=x&fbclid=y#top`;
    const inCatalogue = await suggest(guildId, user, { url: variant, title: 'Python' });
    expect(say(inCatalogue)).toContain(`already in the catalogue as **${python.title}**`);

    const added = await bot.command('resource', { url: 'https://www.fast.ai/posts/', title: 'fast.ai blog' }, { guildId, user: MOD, subcommand: 'add', ...MODERATOR });
    expect(say(added)).toContain('✅ Added **fast.ai blog** (article)');
    const serverDup = await suggest(guildId, user, { url: 'http://fast.ai/posts?utm_source=x', title: 'Blog' });
    expect(say(serverDup)).toContain('already in this server’s list as **fast.ai blog**');
    const modDup = await bot.command('resource', { url: 'https://fast.ai/posts', title: 'Again' }, { guildId, user: MOD, subcommand: 'add', ...MODERATOR });
    expect(say(modDup)).toContain('already in this server’s list');

    await suggest(guildId, user, { url: 'https://pending.example/a', title: 'Pending one' });
    const pendingDup = await bot.command('resource', { url: 'https://pending.example/a/', title: 'Mine' }, { guildId, user: MOD, subcommand: 'add', ...MODERATOR });
    expect(say(pendingDup)).toContain('already waiting for review as **Pending one**');
    expect(say(pendingDup)).toContain('/resource review');
  });

  it('a suggestion flood is limited to 5 an hour per member', async () => {
    const { guildId } = await newGuild('Flood');
    const user = '550000000000000003';
    for (let i = 0; i < 5; i++) expect(say(await suggest(guildId, user, { url: `https://flood.example/${i}`, title: `Flood ${i}` }))).toContain('review queue');
    const sixth = await suggest(guildId, user, { url: 'https://flood.example/5', title: 'Flood 5' });
    expect(say(sixth)).toMatch(/You have suggested 5 links in the last hour, which is the limit\. You can suggest again <t:\d+:R>\./);
    // Another member is not affected.
    expect(say(await suggest(guildId, '550000000000000004', { url: 'https://flood.example/other', title: 'Other' }))).toContain('review queue');
    bot.clock.advance(60 * 60 * 1000 + 1000);
    expect(say(await suggest(guildId, user, { url: 'https://flood.example/5', title: 'Flood 5' }))).toContain('review queue');
    const rows = await database.db.select().from(guildResources).where(and(eq(guildResources.guildId, guildId), eq(guildResources.suggestedBy, user)));
    expect(rows).toHaveLength(6);
  });
});

describe('/resource add and remove', () => {
  it('adds with a kind, finds it in autocomplete, removes it; catalogue entries cannot be removed', async () => {
    const { guildId } = await newGuild('Add remove');
    const added = await bot.command(
      'resource',
      { url: 'https://www.youtube.com/watch?v=aircAruvnKk&si=abc', title: 'Neural networks, visually', step: 'deep-learning', note: 'Watch first.' },
      { guildId, user: MOD, subcommand: 'add', ...MODERATOR },
    );
    expect(say(added)).toContain('Added **Neural networks, visually** (video)');
    const choices = await bot.suggest('resource', 'resource', 'neural', { guildId, user: MOD, subcommand: 'remove', ...MODERATOR });
    expect(choices).toHaveLength(1);
    expect(choices[0]!.name).toBe('Neural networks, visually · video · server');
    const catalogue = await bot.command('resource', { resource: 'c:python-tutorial' }, { guildId, user: MOD, subcommand: 'remove', ...MODERATOR });
    expect(say(catalogue)).toContain('comes from Cohort’s catalogue');
    const removed = await bot.command('resource', { resource: choices[0]!.value }, { guildId, user: MOD, subcommand: 'remove', ...MODERATOR });
    expect(say(removed)).toContain('Removed **Neural networks, visually**');
    expect(await bot.suggest('resource', 'resource', 'neural', { guildId, user: MOD, subcommand: 'remove', ...MODERATOR })).toEqual([]);
    const list = shown(await bot.command('resources', { step: 'deep-learning' }, { guildId, user: MOD }));
    expect(textOf(list)).not.toContain('Neural networks, visually');
    const readd = await bot.command('resource', { url: 'https://youtube.com/watch?v=aircAruvnKk', title: 'Back again' }, { guildId, user: MOD, subcommand: 'add', ...MODERATOR });
    expect(say(readd)).toContain('(it had been rejected or removed before)');
    const audit = await database.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.guildId, guildId));
    expect(audit.map((a) => a.action)).toEqual(['resource.add', 'resource.remove', 'resource.add']);
  });

  it('adds with a level and a price: the reply, /resources and the posted card show them as for catalogue resources', async () => {
    const { guildId, channelId } = await newGuild('Add rated');
    const added = await bot.command(
      'resource',
      { url: 'https://rated-add.example/book', title: 'A rated book', kind: 'book', step: 'deep-learning', level: 'beginner', free: true },
      { guildId, user: MOD, subcommand: 'add', ...MODERATOR },
    );
    expect(say(added)).toContain('Added **A rated book** (book · beginner · free)');
    const [row] = await database.db.select().from(guildResources).where(eq(guildResources.guildId, guildId));
    expect(row).toMatchObject({ level: 'beginner', free: true, status: 'approved' });

    const step = bot.app.ctx.contents.builtin.steps.get('deep-learning')!;
    const facts = `book · beginner · free · step ${step.index + 1}: ${step.step.title}`;
    const list = shown(await bot.command('resources', { kind: 'book', step: 'deep-learning' }, { guildId, user: MOD }));
    expect(list.embeds[0].fields[0]).toMatchObject({ name: '1. A rated book', value: `[rated-add.example](https://rated-add.example/book) · ${facts} · picked by this server` });

    await bot.command('resource', { resource: `g:${row!.id}`, channel: { type: 7, value: channelId } }, { guildId, user: MOD, subcommand: 'post', ...MODERATOR });
    const [card] = bot.fake.channelMessages(channelId);
    expect(card!.embeds[0].fields[0]).toEqual({ name: 'What', value: facts });
  });
});

describe('/resource post', () => {
  it('needs a channel when none is configured, then posts to the /setup resources channel and records who posted', async () => {
    const { guildId, channelId } = await newGuild('Post');
    const noChannel = await bot.command('resource', { resource: 'c:python-tutorial' }, { guildId, user: MOD, subcommand: 'post', ...MODERATOR });
    expect(say(noChannel)).toContain('Pick a `channel`, or set a default one with `/setup resources`');

    await bot.command('setup', { channel: { type: 7, value: channelId } }, { guildId, user: MOD, subcommand: 'resources', ...MODERATOR });
    const choices = await bot.suggest('resource', 'resource', 'python tutorial', { guildId, user: MOD, subcommand: 'post', ...MODERATOR });
    expect(choices[0]!.value).toBe('c:python-tutorial');
    const posted = await bot.command('resource', { resource: 'c:python-tutorial', note: 'Start here @everyone' }, { guildId, user: MOD, subcommand: 'post', ...MODERATOR });
    expect(say(posted)).toContain(`Posted **The Python Tutorial (python.org)** in <#${channelId}>`);
    const [card] = bot.fake.channelMessages(channelId);
    expect(card!.embeds[0].title).toBe('The Python Tutorial (python.org)');
    expect(card!.embeds[0].url).toBe('https://docs.python.org/3/tutorial/');
    expect(textOf(card!)).toContain('docs · beginner · free');
    expect(textOf(card!)).toContain('Start here @\u200beveryone');
    expect(textOf(card!)).toContain(`<@${MOD}>`);
    const request = bot.fake.requests.find((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`)!;
    expect((request.body as Json).allowed_mentions).toEqual({ parse: [] });
    const [log] = await database.db.select().from(resourcePosts).where(eq(resourcePosts.guildId, guildId));
    expect(log).toMatchObject({ resourceRef: 'c:python-tutorial', channelId, postedBy: MOD, messageId: card!.id, note: 'Start here @everyone' });
  });

  it('the same link within a week asks for a confirm first; Post again posts once; after a week no confirm', async () => {
    const { guildId, channelId } = await newGuild('Repost');
    const channel = { type: 7, value: channelId };
    await bot.command('resource', { resource: 'c:python-tutorial', channel }, { guildId, user: MOD, subcommand: 'post', ...MODERATOR });
    bot.clock.advance(3 * 24 * 60 * 60 * 1000);
    const other = '560000000000000002';
    const ask = shown(await bot.command('resource', { resource: 'c:python-tutorial', channel, note: 'Again!' }, { guildId, user: other, subcommand: 'post', ...MODERATOR }));
    expect(textOf(ask)).toContain(`was already posted in <#${channelId}> by <@${MOD}>`);
    expect(bot.fake.channelMessages(channelId)).toHaveLength(1);
    const [postAgain, cancel] = buttonsOf(ask);
    expect([postAgain!.label, cancel!.label]).toEqual(['Post again', 'Cancel']);
    const confirmed = await bot.press(postAgain!.customId!, { guildId, user: other, ...MODERATOR });
    expect(say(confirmed)).toContain('Posted **The Python Tutorial');
    expect(bot.fake.channelMessages(channelId)).toHaveLength(2);
    expect(textOf(bot.fake.channelMessages(channelId)[1]!)).toContain('Again!');
    const twice = await bot.press(postAgain!.customId!, { guildId, user: other, ...MODERATOR });
    expect(say(twice)).toContain('already sent or cancelled');
    expect(bot.fake.channelMessages(channelId)).toHaveLength(2);

    // Cancel: nothing posted, and the confirm cannot be used afterwards.
    const ask2 = shown(await bot.command('resource', { resource: 'c:python-tutorial', channel }, { guildId, user: MOD, subcommand: 'post', ...MODERATOR }));
    const [confirm2, cancel2] = buttonsOf(ask2);
    expect(say(await bot.press(cancel2!.customId!, { guildId, user: MOD, ...MODERATOR }))).toBe('Not posted.');
    expect(say(await bot.press(confirm2!.customId!, { guildId, user: MOD, ...MODERATOR }))).toContain('already sent or cancelled');
    expect(bot.fake.channelMessages(channelId)).toHaveLength(2);

    bot.clock.advance(8 * 24 * 60 * 60 * 1000);
    const later = await bot.command('resource', { resource: 'c:python-tutorial', channel }, { guildId, user: MOD, subcommand: 'post', ...MODERATOR });
    expect(say(later)).toContain('Posted **The Python Tutorial');
    const logs = await database.db.select().from(resourcePosts).where(eq(resourcePosts.guildId, guildId));
    expect(logs.map((l) => l.postedBy)).toEqual([MOD, other, MOD]);
  });

  it('a channel that answers 50013 gets a clear message, nothing is recorded, and the confirm can be retried', async () => {
    const { guildId, channelId } = await newGuild('Forbidden');
    const channel = { type: 7, value: channelId };
    bot.fake.failWith({ method: 'POST', path: new RegExp(`^/channels/${channelId}/messages$`), code: 50013, times: 1 });
    const record = await bot.command('resource', { resource: 'c:python-tutorial', channel }, { guildId, user: MOD, subcommand: 'post', ...MODERATOR });
    expect(say(record)).toContain(`I am not allowed to post in <#${channelId}> (Discord error 50013, Missing Permissions).`);
    expect(await database.db.select().from(resourcePosts).where(eq(resourcePosts.guildId, guildId))).toHaveLength(0);

    await bot.command('resource', { resource: 'c:python-tutorial', channel }, { guildId, user: MOD, subcommand: 'post', ...MODERATOR });
    const ask = shown(await bot.command('resource', { resource: 'c:python-tutorial', channel }, { guildId, user: MOD, subcommand: 'post', ...MODERATOR }));
    bot.fake.failWith({ method: 'POST', path: new RegExp(`^/channels/${channelId}/messages$`), code: 50013, times: 1 });
    const failed = shown(await bot.press(buttonsOf(ask)[0]!.customId!, { guildId, user: MOD, ...MODERATOR }));
    expect(textOf(failed)).toContain('(Discord error 50013, Missing Permissions)');
    expect(textOf(failed)).toContain('Nothing was posted; fix it and press **Post again**');
    const retried = await bot.press(buttonsOf(ask)[0]!.customId!, { guildId, user: MOD, ...MODERATOR });
    expect(say(retried)).toContain('Posted **The Python Tutorial');
  });

  it('a channel where the bot lacks permissions is named before anything is sent', async () => {
    const { guildId } = await newGuild('Locked');
    const guild = bot.fake.guild(guildId)!;
    const locked = bot.fake.addChannel(guildId, {
      name: 'locked',
      type: 0,
      permission_overwrites: [{ id: guild._botRoleId, type: 0, allow: '0', deny: Perm.SendMessages.toString() }],
    });
    await until(() => bot.app.client.channels.cache.has(locked.id as string), 'the channel');
    const record = await bot.command('resource', { resource: 'c:python-tutorial', channel: { type: 7, value: locked.id as string } }, { guildId, user: MOD, subcommand: 'post', ...MODERATOR });
    expect(say(record)).toContain('I am missing Send Messages');
    expect(bot.fake.requests.some((r) => r.method === 'POST' && r.path === `/channels/${locked.id}/messages`)).toBe(false);
  });
});

describe('suggestion notices in the review channel', () => {
  /** A channel for moderators in `guildId`, visible to the bot. */
  async function addChannel(guildId: string, name: string, extra: Json = {}): Promise<string> {
    const channel = bot.fake.addChannel(guildId, { name, type: 0, ...extra });
    await until(() => bot.app.client.channels.cache.has(channel.id as string), 'the channel');
    return channel.id as string;
  }

  const setupResources = (guildId: string, options: Record<string, unknown>) =>
    bot.command('setup', options as never, { guildId, user: MOD, subcommand: 'resources', ...MODERATOR });
  const setupShow = async (guildId: string) => shown(await bot.command('setup', {}, { guildId, user: MOD, subcommand: 'show', ...MODERATOR }));
  const noticesField = (message: Json) => (message.embeds[0].fields as Json[]).find((f) => f.name === 'Suggestion notices')?.value as string;
  const noticePosts = (channelId: string) => bot.fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`);

  /** /resource suggest, returning once its handler has finished: the notice goes out after the member's reply. */
  async function suggestAndSettle(guildId: string, user: string, options: Record<string, string | boolean>) {
    const handled = vi.spyOn(bot.app.metrics, 'interaction');
    try {
      const record = await suggest(guildId, user, options);
      await vi.waitFor(() => expect(handled).toHaveBeenCalledWith(expect.objectContaining({ command: 'resource', kind: 'command' })));
      return record;
    } finally {
      handled.mockRestore();
    }
  }

  it('/setup resources sets the review channel on its own, refuses one where the bot lacks a permission, shows and clears it', async () => {
    const resources = bot.fake.globalCommands().find((c) => c.name === 'setup')!.options.find((o: Json) => o.name === 'resources');
    expect(resources.options.map((o: Json) => [o.name, o.required ?? false])).toEqual([
      ['channel', false],
      ['review_channel', false],
      ['clear_review_channel', false],
    ]);

    const { guildId, channelId } = await newGuild('Review setup');
    const guild = bot.fake.guild(guildId)!;
    const locked = await addChannel(guildId, 'no-embeds', {
      permission_overwrites: [{ id: guild._botRoleId, type: 0, allow: '0', deny: Perm.EmbedLinks.toString() }],
    });
    const refused = await setupResources(guildId, { review_channel: { type: 7, value: locked } });
    expect(say(refused)).toContain(`I cannot post in <#${locked}>: I am missing Embed Links.`);
    const [untouched] = await database.db.select().from(guildSettings).where(eq(guildSettings.guildId, guildId));
    expect(untouched?.reviewChannelId ?? null).toBeNull();

    await setupResources(guildId, { channel: { type: 7, value: channelId } });
    const mods = await addChannel(guildId, 'mods');
    const saved = shown(await setupResources(guildId, { review_channel: { type: 7, value: mods } }));
    expect(textOf(saved)).toContain('✅ Saved.');
    expect(noticesField(saved)).toBe(`<#${mods}>`);
    // Setting one channel leaves the other as it was.
    expect(saved.embeds[0].fields).toContainEqual({ name: 'Resources channel', value: `<#${channelId}>`, inline: true });
    expect(noticesField(await setupShow(guildId))).toBe(`<#${mods}>`);

    expect(say(await setupResources(guildId, {}))).toContain('Give at least one of `channel`, `review_channel` or `clear_review_channel`.');
    expect(say(await setupResources(guildId, { review_channel: { type: 7, value: mods }, clear_review_channel: true }))).toContain('not both');
    expect(noticesField(await setupShow(guildId))).toBe(`<#${mods}>`);

    const cleared = shown(await setupResources(guildId, { clear_review_channel: true }));
    expect(noticesField(cleared)).toBe('not set');
    expect(cleared.embeds[0].fields).toContainEqual({ name: 'Resources channel', value: `<#${channelId}>`, inline: true });
  });

  it('without a review channel nothing is posted; with one, each suggestion posts exactly one notice there, after the member’s reply and with no pings', async () => {
    const { guildId, channelId } = await newGuild('Review notices');
    const mods = await addChannel(guildId, 'mods');
    const member = '570000000000000001';
    const quiet = await suggestAndSettle(guildId, member, { url: 'https://quiet.example/', title: 'Quiet one' });
    expect(say(quiet)).toContain('is in the review queue');
    expect(bot.fake.requests.filter((r) => r.method === 'POST' && JSON.stringify(r.body ?? '').includes('resource:review'))).toHaveLength(0);

    await setupResources(guildId, { channel: { type: 7, value: channelId }, review_channel: { type: 7, value: mods } });
    const step = bot.app.ctx.contents.builtin.steps.get('deep-learning')!;
    const record = await suggestAndSettle(guildId, member, {
      url: 'https://notice.example/course',
      title: 'A **bold** course <@&123456789012345678>',
      step: 'deep-learning',
      level: 'beginner',
      free: true,
      note: 'Great for @everyone\nand short.',
    });
    expect(say(record)).toContain('is in the review queue for step');

    expect(bot.fake.channelMessages(channelId)).toHaveLength(0);
    const notices = bot.fake.channelMessages(mods);
    expect(notices).toHaveLength(1);
    const embed = notices[0]!.embeds[0];
    expect(embed.author.name).toBe('📬 New resource suggestion');
    expect(embed.title).toBe('A \\*\\*bold\\*\\* course <@\u200b&123456789012345678>');
    expect(embed.url).toBe('https://notice.example/course');
    expect(embed.description).toBe(
      [`Suggested by <@${member}>`, `article · beginner · free · step ${step.index + 1}: ${step.step.title}`, '> Great for @\u200beveryone\n> and short.'].join('\n'),
    );
    expect(embed.footer.text).toBe('2 suggestions waiting for review');
    const [row] = await database.db.select().from(guildResources).where(and(eq(guildResources.guildId, guildId), eq(guildResources.url, 'https://notice.example/course')));
    expect(buttonsOf(notices[0]!)).toEqual([{ customId: `resource:review:${row!.id}`, label: 'Review', disabled: undefined, url: undefined }]);

    const posts = noticePosts(mods);
    expect(posts).toHaveLength(1);
    expect((posts[0]!.body as Json).allowed_mentions).toEqual({ parse: [] });
    const reply = bot.fake.requests.find((r) => r.method === 'POST' && r.path === `/interactions/${record.id}/${record.token}/callback`)!;
    expect(bot.fake.requests.indexOf(reply)).toBeLessThan(bot.fake.requests.indexOf(posts[0]!));

    // Nothing given but the link and title: the facts line has only the kind; no note line.
    await suggestAndSettle(guildId, '570000000000000002', { url: 'https://www.youtube.com/watch?v=plain', title: 'Plain' });
    const plain = bot.fake.channelMessages(mods)[1]!.embeds[0];
    expect(plain.description).toBe('Suggested by <@570000000000000002>\nvideo');
    expect(plain.footer.text).toBe('3 suggestions waiting for review');
  });

  it('Review shows that suggestion’s card to a moderator (only to them) and refuses a member; once decided it says so', async () => {
    const { guildId } = await newGuild('Review button');
    const mods = await addChannel(guildId, 'mods');
    await setupResources(guildId, { review_channel: { type: 7, value: mods } });
    await suggestAndSettle(guildId, '580000000000000001', { url: 'https://first.example/', title: 'First' });
    bot.clock.advance(1000);
    await suggestAndSettle(guildId, '580000000000000002', { url: 'https://second.example/', title: 'Second', note: 'Read it.' });
    const notice = bot.fake.channelMessages(mods)[1]!;
    const review = buttonsOf(notice)[0]!.customId!;

    const refused = await bot.press(review, { guildId, user: '580000000000000003', message: notice });
    expect(say(refused)).toMatch(/Only moderators can do that/);

    const opened = await bot.press(review, { guildId, user: MOD, message: notice, ...MODERATOR });
    expect(opened.callback?.type).toBe(4);
    const card = shown(opened);
    expect(card.flags & MessageFlags.Ephemeral).toBeTruthy();
    expect(card.embeds[0]).toMatchObject({ author: { name: 'Suggestion 2 of 2' }, title: 'Second', url: 'https://second.example/' });
    expect(card.embeds[0].fields).toContainEqual({ name: 'Note', value: 'Read it.' });
    // The same card as /resource review at that place in the queue.
    const viaCommand = shown(await bot.command('resource', {}, { guildId, user: MOD, subcommand: 'review', ...MODERATOR }));
    const second = shown(await bot.press(buttonsOf(viaCommand).find((b) => b.label === 'Next')!.customId!, { guildId, user: MOD, ...MODERATOR }));
    expect(card.embeds).toEqual(second.embeds);
    expect(card.components).toEqual(second.components);
    // The channel's notice is left as it was.
    expect(bot.fake.channelMessages(mods)[1]).toEqual(notice);

    const approved = await bot.press(buttonsOf(card).find((b) => b.label === 'Approve')!.customId!, { guildId, user: MOD, message: card, ...MODERATOR });
    expect(say(approved)).toContain('✅ Approved **Second**');
    const again = shown(await bot.press(review, { guildId, user: MOD, message: notice, ...MODERATOR }));
    expect(textOf(again)).toContain('Someone already reviewed that suggestion.');
    expect(textOf(again)).toContain('Suggestion 1 of 1');
    expect(textOf(again)).toContain('First');
  });

  it('when Discord refuses the notice (50013) the member still gets their reply; the problem is logged and shown in /setup show until a notice gets through', async () => {
    const { guildId } = await newGuild('Review refused');
    const mods = await addChannel(guildId, 'mods');
    await setupResources(guildId, { review_channel: { type: 7, value: mods } });
    bot.fake.failWith({ method: 'POST', path: new RegExp(`^/channels/${mods}/messages$`), code: 50013, times: 1 });
    const warn = vi.spyOn(bot.app.ctx.logger, 'warn');
    try {
      const record = await suggestAndSettle(guildId, '590000000000000001', { url: 'https://refused.example/', title: 'Refused' });
      expect(say(record)).toContain('📬 Thanks! **Refused** is in the review queue.');
      expect(shown(record).flags & MessageFlags.Ephemeral).toBeTruthy();
      expect(noticePosts(mods).map((r) => r.status)).toEqual([403]);
      expect(warn).toHaveBeenCalledWith(expect.objectContaining({ guildId, channelId: mods }), 'could not post a suggestion notice in the review channel');
    } finally {
      warn.mockRestore();
    }
    const [row] = await database.db.select().from(guildResources).where(eq(guildResources.guildId, guildId));
    expect(row!.status).toBe('pending');
    expect(noticesField(await setupShow(guildId))).toBe(
      `<#${mods}>\n⚠️ **Last notice failed:** I am not allowed to post in <#${mods}> (Discord error 50013, Missing Permissions). I need View Channel, Send Messages and Embed Links there; fix the channel’s permissions for me, and the next one will get through.`,
    );

    await suggestAndSettle(guildId, '590000000000000002', { url: 'https://accepted.example/', title: 'Accepted' });
    expect(bot.fake.channelMessages(mods)).toHaveLength(1);
    expect(noticesField(await setupShow(guildId))).toBe(`<#${mods}>`);

    // Any other refusal says nothing about the setup: logged only, and the member sees nothing of it either.
    bot.fake.failWith({ method: 'POST', path: new RegExp(`^/channels/${mods}/messages$`), code: 50035, times: 1 });
    const other = await suggestAndSettle(guildId, '590000000000000003', { url: 'https://other.example/', title: 'Other' });
    expect(say(other)).toContain('📬 Thanks! **Other** is in the review queue.');
    expect(other.followups).toEqual([]);
    expect(noticePosts(mods).map((r) => r.status)).toEqual([403, 200, 400]);
    expect(noticesField(await setupShow(guildId))).toBe(`<#${mods}>`);
  });
});
