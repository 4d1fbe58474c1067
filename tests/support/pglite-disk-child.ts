/**
 * Run by tests/faults/pglite-disk.test.ts in a process of its own: opens an embedded database on
 * the small file system given as argument, fills that file system to a few MB above the disk
 * guard's reserve, writes rows until the guard refuses twenty writes in a row, frees the space and
 * writes again. Prints one JSON line with what happened.
 */
import { closeSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../src/db/client.js';
import { DiskFullError, PGLITE_MIN_FREE_BYTES } from '../../src/db/disk-guard.js';

const disk = process.argv[2]!;
const database = await openDatabase({ dataDir: join(disk, 'db') });
await database.db.execute(sql`create table disk_fill (id serial primary key, body text not null)`);

const freeBytes = () => {
  const s = statfsSync(disk);
  return s.bavail * s.bsize;
};
const filler = join(disk, 'filler');
const fd = openSync(filler, 'w');
const chunk = Buffer.alloc(1024 * 1024, 1);
while (freeBytes() > PGLITE_MIN_FREE_BYTES + 8 * 1024 * 1024) writeSync(fd, chunk);
closeSync(fd);

let written = 0;
let refused = 0;
let refusedInARow = 0;
let slowestMs = 0;
const other: string[] = [];
const rows = 50;
for (let i = 0; i < 20_000 && refusedInARow < 20 && other.length < 5; i++) {
  const started = performance.now();
  try {
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`insert into disk_fill (body) select repeat(md5(random()::text), 64) from generate_series(1, ${rows})`);
    });
    written += rows;
    refusedInARow = 0;
  } catch (error) {
    if (error instanceof DiskFullError || (error as { cause?: unknown }).cause instanceof DiskFullError) {
      refused++;
      refusedInARow++;
    } else other.push(String((error as Error).message).slice(0, 300));
  }
  slowestMs = Math.max(slowestMs, performance.now() - started);
}

rmSync(filler);
let afterFree = 0;
for (let i = 0; i < 5; i++) {
  try {
    await database.db.execute(sql`insert into disk_fill (body) values ('after')`);
    afterFree++;
  } catch (error) {
    other.push(`after freeing: ${String(((error as Error).cause as Error | undefined)?.message ?? (error as Error).message).slice(0, 300)}`);
  }
}
const counted = await database.db.execute(sql`select count(*)::int as n from disk_fill where body <> ${"after"}`);
const [count] = (counted as { rows: { n: number }[] }).rows;
await database.close();
console.log(JSON.stringify({ written, refused, other, slowestMs: Math.round(slowestMs), afterFree, kept: count?.n ?? -1 }));
process.exit(0);
