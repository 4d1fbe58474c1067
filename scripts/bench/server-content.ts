/**
 * `npm run bench server-content` (or `node --import tsx scripts/bench/server-content.ts`): what a
 * server's own content costs (src/content/store.ts). Prints figures; not a test. On an in-memory
 * PGlite, or on PostgreSQL with BENCH_DATABASE_URL.
 *
 * - forGuild for a server without content of its own: the revision lookup, every use;
 * - forGuild for a server with content, the revision unchanged: the lookup and a cache hit;
 * - the first forGuild after a change: lookup, files, and a build of the built-in content with the
 *   server's files over it (the main thread is busy that long);
 * - checking an upload (checkChange): what /content upload spends before it saves.
 */
import { resolve } from 'node:path';
import { readContentFiles } from '../../src/content/loader.js';
import { ContentStore } from '../../src/content/store.js';
import { openDatabase } from '../../src/db/client.js';
import { contentRevision, putServerContentFile, serverContent } from '../../src/db/queries/server-content.js';
import { checkChange } from '../../src/discord/server-content.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 500);
const database = await openDatabase(process.env.BENCH_DATABASE_URL ? { url: process.env.BENCH_DATABASE_URL } : { memory: true });
const db = database.db;
const started = performance.now();
const builtin = ContentStore.prepare(await readContentFiles(resolve('content'), 'content/'));
console.log(`built-in content parsed and built: ${(performance.now() - started).toFixed(0)} ms`);
const store = new ContentStore(builtin, {
  revision: (g) => contentRevision(db, g),
  files: async (g) => {
    const { revision, files } = await serverContent(db, g);
    return { revision, files: files.map((f) => ({ folder: f.folder, file: f.name, text: f.text })) };
  },
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function time(label: string, rounds: number, run: (i: number) => unknown): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await run(i);
    times.push(performance.now() - t);
  }
  console.log(`${label}: median ${median(times).toFixed(3)} ms, max ${Math.max(...times).toFixed(1)} ms (${rounds} rounds)`);
}

const prompts = Array.from({ length: 50 }, (_, i) => `- id: bench-${i}\n  step: python-programming\n  topic: python\n  text: Bench prompt ${i}.\n`).join('');
const file = { name: 'prompts/bench.yaml', folder: 'prompts' as const, text: prompts };
await time('forGuild, no server content (revision lookup)', ROUNDS, () => store.forGuild('100'));
await putServerContentFile(db, { guildId: '200', revision: 0, by: '1', at: new Date(), action: 'content.upload' }, file);
await store.forGuild('200');
await time('forGuild, server content unchanged (lookup + cache hit)', ROUNDS, () => store.forGuild('200'));
let revision = 1;
await time('forGuild after a change (lookup, files, build)', 10, async () => {
  await putServerContentFile(db, { guildId: '200', revision: revision++, by: '1', at: new Date(), action: 'content.upload' }, file);
  await store.forGuild('200');
});
await time('checking an upload of 50 prompts (checkChange)', 10, () => checkChange(store, [], { put: file }));
await database.close();
