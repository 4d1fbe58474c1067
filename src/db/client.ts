import { mkdirSync } from 'node:fs';
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { migrationsDir } from '../paths.js';
import { DATABASE_DEADLINES, deadlineOptions, withPoolWait, type DatabaseDeadlines } from './deadlines.js';
import { DiskFullError, diskGuard, guardWrites, mb } from './disk-guard.js';
import { createPglite, type PgliteInit } from './pglite.js';
import * as schema from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction handle or the database itself: queries take either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;

/**
 * The hot queries' prepared forms, built once per database handle (drizzle's `.prepare()`: the SQL
 * text and the result mapping are built once, only the placeholders are filled in per call; the
 * drivers prepare the statement on the server too). A cache keyed by the handle, so that two apps in
 * one process (tests) and transactions keep their own.
 */
const preparedQueries = new WeakMap<object, Map<string, unknown>>();

export function prepared<T>(db: Tx, name: string, build: (db: Tx) => T): T {
  let queries = preparedQueries.get(db);
  if (!queries) preparedQueries.set(db, (queries = new Map<string, unknown>()));
  let query = queries.get(name) as T | undefined;
  if (query === undefined) queries.set(name, (query = build(db)));
  return query;
}

/** Builds SQL text from drizzle's `sql` templates: stateless, so one serves every database. */
const dialect = new PgDialect();

/** The rows of a raw statement, whatever the driver: postgres.js returns them, PGlite wraps them. */
function rowsIn<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}

/**
 * The rows of a raw statement (drizzle's `sql` template, values as parameters), run as a server-side
 * prepared statement. Unprepared, postgres.js sends a statement with parameters in two exchanges
 * with the server (describe it to learn the parameter types, then bind and execute) and the server
 * parses and plans it each time; prepared, that happens once per connection and each call is one
 * exchange. drizzle's `db.execute` cannot prepare, hence this. Only for statements whose text is
 * fixed (postgres.js keeps one prepared statement per text and connection). A statement on the hot
 * path goes through preparedRows instead, which also builds its text only once.
 */
export async function rowsOf<T>(db: Tx, query: SQL): Promise<T[]> {
  // A name makes drizzle's postgres.js session prepare the statement (postgres.js names it itself).
  return rowsIn<T>(await db._.session.prepareQuery(dialect.sqlToQuery(query), undefined, 'rows_of', false).execute());
}

/** A raw statement built once per database handle: run it with the values of its placeholders. */
export interface PreparedRows<T> {
  execute(values: Record<string, unknown>): Promise<T[]>;
}

/**
 * rowsOf for a statement written with placeholders (`sql.placeholder(name)`) instead of values:
 * `build` runs once per database handle and `name` (one name per shape of the statement), so
 * drizzle's template objects and the SQL text are made once, not on every call. Building them cost
 * the compare-and-set of each /checkin 17 µs and a quarter of the memory it allocated.
 */
export function preparedRows<T>(db: Tx, name: string, build: () => SQL): PreparedRows<T> {
  return prepared(db, name, (db) => {
    const query = db._.session.prepareQuery(dialect.sqlToQuery(build()), undefined, name, false);
    return { execute: async (values: Record<string, unknown>) => rowsIn<T>(await query.execute(values)) };
  });
}

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Cheap reachability check for health endpoints. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** How opening went, for the startup log: ms to open (PGlite: create/initdb) and to migrate. */
  opened?: { openMs: number; migrateMs: number; init?: PgliteInit };
}

export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

export type DatabaseTarget = { url: string } | { dataDir: string } | { memory: true };

const MIGRATION_LOCK = 7_425_001;

/** Opens Postgres (when a URL is given) or an embedded PGlite, and applies pending migrations. */
export async function openDatabase(
  target: DatabaseTarget,
  options: { migrationsFolder?: string; deadlines?: DatabaseDeadlines; disk?: Parameters<typeof diskGuard>[1]; pgliteV8Flags?: readonly string[] } = {},
): Promise<Database> {
  const migrationsFolder = options.migrationsFolder ?? migrationsDir;
  if ('url' in target) return openPostgres(target.url, migrationsFolder, options.deadlines ?? DATABASE_DEADLINES);

  const started = performance.now();
  const pgliteOptions = options.pgliteV8Flags ? { v8Flags: options.pgliteV8Flags } : {};
  let created;
  if ('dataDir' in target) {
    makeDataDir(target.dataDir);
    try {
      created = await createPglite(target.dataDir, pgliteOptions);
    } catch (error) {
      throw new DatabaseUnavailableError(`Cannot open the embedded database in ${target.dataDir}: ${describe(error)}`, { cause: error });
    }
  } else {
    created = await createPglite(undefined, pgliteOptions);
  }
  const { client: raw, init } = created;
  const openMs = performance.now() - started;
  let client = raw;
  if ('dataDir' in target) {
    const guard = diskGuard(target.dataDir, options.disk);
    try {
      guard.check();
    } catch (error) {
      await raw.close();
      if (!(error instanceof DiskFullError)) throw error;
      throw new DatabaseUnavailableError(
        `Cannot open the embedded database in ${target.dataDir}: its disk has ${mb(error.freeBytes)} free, and the database needs at least ${mb(error.minFreeBytes)} free to write safely. Free some space on that disk, or point DATA_DIR at another one.`,
        { cause: error },
      );
    }
    client = guardWrites(raw, guard);
  }
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  await migratePglite(drizzlePglite(client), { migrationsFolder });
  return {
    db,
    kind: 'pglite',
    ping: async () => {
      await client.query('select 1');
    },
    close: () => client.close(),
    opened: { openMs: Math.round(openMs), migrateMs: Math.round(performance.now() - started - openMs), init },
  };
}

/**
 * The postgres.js options of every pool that serves the bot (the benchmarks open theirs with the
 * same): the deadlines of src/db/deadlines.ts, so that a database that does not answer is told to
 * the member within Discord's time.
 */
export const POSTGRES_OPTIONS = { onnotice: () => {}, ...deadlineOptions() };

async function openPostgres(url: string, migrationsFolder: string, deadlines: DatabaseDeadlines): Promise<Database> {
  // Migrations run on a single connection that holds an advisory lock: when several processes
  // start together, one migrates and the others wait for it. No statement deadlines there: a
  // migration may take long, and so may the wait for another process's.
  const started = performance.now();
  const migrator = postgres(url, { onnotice: () => {}, connect_timeout: 10, max: 1 });
  try {
    await migrator`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migratePostgres(drizzlePostgres(migrator), { migrationsFolder });
    await migrator`select pg_advisory_unlock(${MIGRATION_LOCK})`;
  } catch (error) {
    throw new DatabaseUnavailableError(`Cannot use the database at ${redact(url)}: ${describe(error)}`, { cause: error });
  } finally {
    await migrator.end({ timeout: 1 });
  }
  const client = withPoolWait(postgres(url, { ...POSTGRES_OPTIONS, ...deadlineOptions(deadlines), max: 10 }), deadlines.poolWaitMs, deadlines.silenceMs + deadlines.statementMs);
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.end({ timeout: 5 }),
    opened: { openMs: 0, migrateMs: Math.round(performance.now() - started) },
  };
}

/** Creates the embedded database's folder; a path that cannot be one (a file, no permission) is one sentence naming DATA_DIR. */
function makeDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'EEXIST' || code === 'ENOTDIR'
        ? 'it, or a folder above it, is a file'
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? 'Cohort may not create it there'
          : describe(error);
    throw new DatabaseUnavailableError(
      `DATA_DIR ${dir} cannot hold the embedded database (${reason}): point DATA_DIR at a folder (it is created if missing), or set DATABASE_URL.`,
      { cause: error },
    );
  }
}

/** A connection string without its password. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured DATABASE_URL';
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
