import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { eq } from 'drizzle-orm';
import { loadContent, type Content } from '../../src/content/loader.js';
import type { Database } from '../../src/db/client.js';
import { exportMemberData } from '../../src/db/queries/privacy.js';
import {
  SUGGESTIONS_PER_HOUR,
  addResource,
  allResources,
  claimStagedPost,
  decideSuggestion,
  releaseStagedPost,
  removeResource,
  stagePost,
  suggestResource,
  type NewResource,
} from '../../src/db/queries/resources.js';
import { guildResources } from '../../src/db/schema.js';
import { parseResourceUrl } from '../../src/domain/urls.js';
import { openTestDatabase, uniqueGuildId } from '../support/db.js';

let database: Database;
let content: Content;
const now = new Date('2026-03-02T12:00:00Z');

beforeAll(async () => {
  database = await openTestDatabase();
  content = (await loadContent(resolve('content'))).content;
});
afterAll(async () => {
  await database?.close();
});

function input(guildId: string, userId: string, url: string): NewResource {
  const parsed = parseResourceUrl(url);
  if (!parsed.ok) throw new Error(parsed.reason);
  return { guildId, userId, url: parsed.url, key: parsed.key, title: url, stepId: null, kind: 'article', level: null, free: null, note: null };
}

describe('resource writes under concurrency', () => {
  it('a member firing many suggestions at once gets exactly the hourly allowance', async () => {
    const guildId = uniqueGuildId();
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => suggestResource(database.db, content, input(guildId, '600000000000000001', `https://burst.example/${i}`), now)),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(SUGGESTIONS_PER_HOUR);
    expect(outcomes.filter((o) => !o.ok && o.why === 'rate_limited')).toHaveLength(12 - SUGGESTIONS_PER_HOUR);
    expect(await database.db.select().from(guildResources).where(eq(guildResources.guildId, guildId))).toHaveLength(SUGGESTIONS_PER_HOUR);
  });

  it('two members suggesting the same link in different spellings at once: one row', async () => {
    const guildId = uniqueGuildId();
    const outcomes = await Promise.all([
      suggestResource(database.db, content, input(guildId, '600000000000000002', 'https://same.example/page/'), now),
      suggestResource(database.db, content, input(guildId, '600000000000000003', 'http://www.SAME.example/page?utm_source=x'), now),
      suggestResource(database.db, content, input(guildId, '600000000000000004', 'https://same.example/page#top'), now),
    ]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok && o.why === 'duplicate')).toHaveLength(2);
    expect(await database.db.select().from(guildResources).where(eq(guildResources.guildId, guildId))).toHaveLength(1);
  });

  it('approve and reject racing on one suggestion: exactly one decision sticks', async () => {
    const guildId = uniqueGuildId();
    const suggested = await suggestResource(database.db, content, input(guildId, '600000000000000005', 'https://race.example/'), now);
    if (!suggested.ok) throw new Error('expected the suggestion to be queued');
    const id = suggested.row.id;
    const [approved, rejected] = await Promise.all([
      decideSuggestion(database.db, { guildId, id, moderatorId: '600000000000000010', approve: true, reason: null }, now),
      decideSuggestion(database.db, { guildId, id, moderatorId: '600000000000000011', approve: false, reason: 'no' }, now),
    ]);
    expect([approved, rejected].filter(Boolean)).toHaveLength(1);
    const [row] = await database.db.select().from(guildResources).where(eq(guildResources.id, id));
    expect(row!.status).toBe(approved ? 'approved' : 'rejected');
    // Another server cannot decide it.
    expect(await decideSuggestion(database.db, { guildId: uniqueGuildId(), id, moderatorId: '1', approve: true, reason: null }, now)).toBeUndefined();
  });

  it('a staged post is claimed once, can be given back, and not from another server', async () => {
    const guildId = uniqueGuildId();
    const staged = await stagePost(database.db, guildId, '600000000000000012', { ref: 'c:python-tutorial', channelId: '1', note: 'hi' }, now);
    expect(await claimStagedPost(database.db, uniqueGuildId(), staged, now)).toBeUndefined();
    const claims = await Promise.all([claimStagedPost(database.db, guildId, staged, now), claimStagedPost(database.db, guildId, staged, now)]);
    expect(claims.filter(Boolean)).toEqual([{ ref: 'c:python-tutorial', channelId: '1', note: 'hi' }]);
    await releaseStagedPost(database.db, guildId, staged);
    expect(await claimStagedPost(database.db, guildId, staged, now)).toMatchObject({ ref: 'c:python-tutorial' });
  });
});

describe('level and price of server resources', () => {
  const moderator = '600000000000000020';

  it('a suggestion keeps them through approval into the list; one without them stays unrated', async () => {
    const guildId = uniqueGuildId();
    const member = '600000000000000021';
    const rated = await suggestResource(database.db, content, { ...input(guildId, member, 'https://rated.example/'), level: 'advanced', free: false, note: 'my own words' }, now);
    const unrated = await suggestResource(database.db, content, input(guildId, member, 'https://unrated.example/'), now);
    if (!rated.ok || !unrated.ok) throw new Error('expected both suggestions to be queued');
    for (const { row } of [rated, unrated]) {
      await decideSuggestion(database.db, { guildId, id: row.id, moderatorId: moderator, approve: true, reason: null }, now);
    }
    const server = (await allResources(database.db, content, guildId)).filter((e) => e.source === 'server');
    expect(server.map((e) => [e.url, e.level, e.free])).toEqual(
      expect.arrayContaining([
        ['https://rated.example/', 'advanced', false],
        ['https://unrated.example/', null, null],
      ]),
    );
    const exported = await exportMemberData(database.db, { guildId, userId: member }, now);
    expect(exported.resourceSuggestions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ url: 'https://rated.example/', kind: 'article', level: 'advanced', free: false, note: 'my own words', status: 'approved' }),
        expect.objectContaining({ url: 'https://unrated.example/', level: null, free: null }),
      ]),
    );
  });

  it('adding a removed link again replaces its level and price with the new ones', async () => {
    const guildId = uniqueGuildId();
    const first = await addResource(database.db, content, { ...input(guildId, moderator, 'https://again.example/'), level: 'beginner', free: true }, now);
    if (!first.ok) throw new Error('expected the resource to be added');
    await removeResource(database.db, { guildId, id: first.row.id, moderatorId: moderator }, now);
    const again = await addResource(database.db, content, { ...input(guildId, moderator, 'https://again.example/'), level: 'intermediate', free: false }, now);
    expect(again).toMatchObject({ ok: true, revived: true, row: { id: first.row.id, level: 'intermediate', free: false } });
    const [entry] = (await allResources(database.db, content, guildId)).filter((e) => e.source === 'server');
    expect(entry).toMatchObject({ level: 'intermediate', free: false });
  });
});
