import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { contentRevision, putServerContentFile, removeServerContentFile, serverContent } from '../../src/db/queries/server-content.js';
import { auditLog } from '../../src/db/schema.js';
import { openTestDatabase, uniqueGuildId } from '../support/db.js';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database.close();
});

const file = (text: string) => ({ name: 'prompts/a.yaml', folder: 'prompts' as const, text });
const change = (guildId: string, revision: number, action: 'content.upload' | 'content.remove' = 'content.upload') => ({ guildId, revision, by: '42', at: new Date('2026-03-02T12:00:00Z'), action });

describe('a server’s content files and revision', () => {
  it('starts at revision 0 and takes each change only at the revision it was checked against', async () => {
    const guildId = uniqueGuildId();
    expect(await contentRevision(database.db, guildId)).toBe(0);
    expect(await putServerContentFile(database.db, change(guildId, 0), file('- one\n'))).toBe(true);
    // A second change checked against the same revision lost the race: nothing of it is written.
    expect(await putServerContentFile(database.db, change(guildId, 0), file('- two\n'))).toBe(false);
    expect(await serverContent(database.db, guildId)).toMatchObject({ revision: 1, files: [{ name: 'prompts/a.yaml', text: '- one\n', updatedBy: '42' }] });
    expect(await putServerContentFile(database.db, change(guildId, 1), file('- three\n'))).toBe(true);
    expect(await serverContent(database.db, guildId)).toMatchObject({ revision: 2, files: [{ text: '- three\n' }] });
    const log = await database.db.select().from(auditLog).where(eq(auditLog.guildId, guildId));
    expect(log.map((e) => [e.action, e.actorId, e.details])).toEqual([
      ['content.upload', '42', { file: 'prompts/a.yaml', bytes: 6 }],
      ['content.upload', '42', { file: 'prompts/a.yaml', bytes: 8 }],
    ]);
  });

  it('of concurrent changes at one revision, exactly one is written', async () => {
    const guildId = uniqueGuildId();
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => putServerContentFile(database.db, change(guildId, 0), file(`- ${i}\n`))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await contentRevision(database.db, guildId)).toBe(1);
    expect(await database.db.select().from(auditLog).where(eq(auditLog.guildId, guildId))).toHaveLength(1);
  });

  it('removes a file with its log entry; a missing file or a stale revision changes nothing', async () => {
    const guildId = uniqueGuildId();
    await putServerContentFile(database.db, change(guildId, 0), file('- one\n'));
    expect(await removeServerContentFile(database.db, change(guildId, 0, 'content.remove'), 'prompts/a.yaml')).toBe('changed');
    expect(await removeServerContentFile(database.db, change(guildId, 1, 'content.remove'), 'prompts/nope.yaml')).toBe('gone');
    expect(await contentRevision(database.db, guildId)).toBe(1);
    expect(await removeServerContentFile(database.db, change(guildId, 1, 'content.remove'), 'prompts/a.yaml')).toBe('removed');
    expect(await serverContent(database.db, guildId)).toEqual({ revision: 2, files: [] });
    const log = await database.db.select().from(auditLog).where(eq(auditLog.guildId, guildId));
    expect(log.map((e) => e.action)).toEqual(['content.upload', 'content.remove']);
  });
});
