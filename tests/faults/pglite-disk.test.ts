import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { DiskFullError, PGLITE_MIN_FREE_BYTES } from '../../src/db/disk-guard.js';
import { DATABASE_FAULT_MESSAGES } from '../../src/db/faults.js';
import { checkDatabaseWrites } from '../../src/db/queries/health.js';
import { activities } from '../../src/db/schema.js';
import { projectRoot } from '../../src/paths.js';
import type { InteractionRecord } from '../../src/sim/index.js';
import { shown, startTestBot, textOf, type TestBot } from '../support/bot.js';
import { mountSmallDisk, unmountSmallDisk } from '../support/small-disk.js';

/**
 * The embedded database on a full disk. PGlite's backend runs on the bot's thread, and when it
 * cannot create its next WAL segment it spins for good instead of failing the statement: the whole
 * bot would stop answering. So the data directory's free space is watched, and below a reserve
 * writes are refused before they reach PGlite (src/db/disk-guard.ts). Here: with the free space the
 * guard reads set by the test, every check-in is answered truly ("nothing was saved", never a ✅),
 * reads still work, /healthz's write check says the disk is full, and everything returns once
 * there is room. Then the same on a real, small file system filled to the brim (where the test may
 * mount one).
 */
const dataDir = mkdtempSync(join(tmpdir(), 'cohort-disk-'));
let free = 10 * PGLITE_MIN_FREE_BYTES;
let database: Database;
let bot: TestBot;
let nextUser = 0;

beforeAll(async () => {
  database = await openDatabase({ dataDir }, { disk: { freeSpace: () => free } });
  bot = await startTestBot({ database });
});

afterAll(async () => {
  await bot?.stop();
  await database?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function checkIns(users: string[]): Promise<InteractionRecord[]> {
  return Promise.all(users.map((user) => bot.command('checkin', {}, { user })));
}

async function stored(users: string[]): Promise<Set<string>> {
  const rows = await database.db
    .select({ userId: activities.userId })
    .from(activities)
    .where(and(eq(activities.guildId, bot.guildId), eq(activities.kind, 'checkin'), inArray(activities.userId, users)));
  return new Set(rows.map((r) => r.userId));
}

const users = (n: number) => Array.from({ length: n }, () => `4300000000${String(++nextUser).padStart(8, '0')}`);

describe('embedded database on a full disk', () => {
  it('refuses writes before they reach PGlite and says nothing was saved; reads go on; /healthz says why; back when there is room', async () => {
    const before = users(1);
    await checkIns(before);
    free = PGLITE_MIN_FREE_BYTES - 1;

    const during = users(6);
    const answers = await checkIns(during);
    for (const record of answers) expect(textOf(shown(record))).toBe(DATABASE_FAULT_MESSAGES.not_saved);
    expect(await stored(during)).toEqual(new Set());
    // Reads are served: the member who checked in before sees their streak.
    const streak = await bot.command('streak', {}, { user: before[0]! });
    expect(textOf(shown(streak))).not.toBe(DATABASE_FAULT_MESSAGES.not_saved);
    await expect(checkDatabaseWrites(database.db, new Date())).rejects.toThrow('database cannot write: no space left');
    await expect(database.db.transaction(async (tx) => tx.execute(sql`select 1`))).rejects.toBeInstanceOf(DiskFullError);

    free = PGLITE_MIN_FREE_BYTES;
    await checkDatabaseWrites(database.db, new Date());
    const again = await checkIns(during);
    for (const record of again) expect(textOf(shown(record))).toContain('✅ Checked in');
    expect(await stored(during)).toEqual(new Set(during));
  });

  it('will not open on a disk without the reserve, and says how much is free and what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-disk-open-'));
    try {
      await expect(openDatabase({ dataDir: dir }, { disk: { freeSpace: () => 5 * 1024 * 1024 } })).rejects.toThrow(
        /its disk has 5 MB free, and the database needs at least 64 MB free to write safely\. Free some space on that disk, or point DATA_DIR at another one\./,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const smallDisk = process.platform === 'linux' ? mountSmallDisk() : undefined;
afterAll(() => {
  if (!smallDisk) return;
  unmountSmallDisk(smallDisk);
});

describe.skipIf(!smallDisk)('embedded database on a real full disk (a 256 MB tmpfs)', () => {
  it('writes until the reserve is reached, then refuses each write at once: the process never hangs, and writes resume when space is freed', { timeout: 180_000 }, async () => {
    mkdirSync(join(smallDisk!, 'db'));
    // In a child process: if PGlite ever hit the full disk it would spin on its thread for good, and
    // only a process of its own can be stopped from outside and reported as a failure.
    const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'tests/support/pglite-disk-child.ts'), smallDisk!], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('killed after 150 s: the database stopped answering');
      }, 150_000);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode ?? -1);
      });
    });
    expect(code, err).toBe(0);
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as { written: number; refused: number; other: string[]; slowestMs: number; afterFree: number; kept: number };
    expect(result.other).toEqual([]);
    expect(result.written).toBeGreaterThan(0);
    expect(result.refused).toBeGreaterThan(0);
    // Everything written before the disk filled is still there, and writing works again.
    expect(result.kept).toBe(result.written);
    expect(result.afterFree).toBe(5);
  });
});
