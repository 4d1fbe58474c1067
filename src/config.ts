import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { PGLITE_V8_FLAGS } from './db/pglite.js';

/**
 * Every setting, one schema each. Each schema sees a trimmed string or undefined (empty counts as
 * unset) and says what is wrong in our own words; values are quoted back except where they may
 * be secret (the token, a connection string with its password).
 */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A value as quoted back in a message: shortened, so a pasted paragraph does not flood the log. */
function quote(value: string): string {
  return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
}

function wholeNumber(min: number, max: number) {
  return z.string().transform((value, ctx) => {
    if (/^\d+$/.test(value) && Number(value) >= min && Number(value) <= max) return Number(value);
    ctx.issues.push({ code: 'custom', input: value, message: `must be a whole number between ${min} and ${max}, got ${quote(value)}` });
    return z.NEVER;
  });
}

const fields = {
  DISCORD_TOKEN: z
    .string({ error: 'is required: the bot token from the Discord developer portal (your application → Bot → Reset Token)' })
    .regex(/^[\w-]+\.[\w-]+\.[\w-]+$/, 'does not look like a bot token (three parts separated by dots); copy it again from the developer portal'),
  DISCORD_API_URL: z
    .string()
    .refine((value) => /^https?:\/\/[^\s/]+/.test(value) && URL.canParse(value), { error: (issue) => `must be an http(s) URL, got ${quote(String(issue.input))}` })
    .default('https://discord.com/api'),
  DISCORD_DEV_GUILD_ID: z
    .string()
    .refine((value) => /^\d{17,20}$/.test(value), { error: (issue) => `must be a Discord server id (17 to 20 digits), got ${quote(String(issue.input))}` })
    .optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// connection string (or unset, for the embedded database)')
    .superRefine((value, ctx) => {
      const missing = missingInDatabaseUrl(value);
      if (missing) ctx.issues.push({ code: 'custom', input: value, message: `must name ${missing}, e.g. postgres://cohort:password@localhost:5432/cohort; got ${quote(withoutPassword(value))}` });
    })
    .optional(),
  DATA_DIR: z.string().default('./data'),
  /**
   * V8 flags set before the embedded database compiles its WebAssembly (see src/db/pglite.ts):
   * space-separated `--flags`, or `none` for V8's defaults (faster SQL, some 450 MB more at start).
   */
  PGLITE_V8_FLAGS: z
    .string()
    .transform((value, ctx) => {
      if (value.toLowerCase() === 'none') return [];
      const flags = value.split(/\s+/);
      const wrong = flags.filter((flag) => !/^--[a-z][\w-]*(=[\w.,:-]+)?$/i.test(flag));
      if (wrong.length === 0) return flags;
      ctx.issues.push({ code: 'custom', input: value, message: `must be V8 flags such as --liftoff-only separated by spaces, or none; not flags: ${wrong.map(quote).join(', ')}` });
      return z.NEVER;
    })
    .default([...PGLITE_V8_FLAGS]),
  CONTENT_DIR: z.string().default('./content'),
  LOG_LEVEL: z
    .string()
    .transform((value, ctx) => {
      const level = LOG_LEVELS.find((l) => l === value.toLowerCase());
      if (level) return level;
      ctx.issues.push({ code: 'custom', input: value, message: `must be one of ${LOG_LEVELS.join(', ')}, got ${quote(value)}` });
      return z.NEVER;
    })
    .default('info'),
  HTTP_PORT: wholeNumber(1, 65535).optional(),
  /** The address /healthz and /metrics listen on (with HTTP_PORT): this machine only by default; 0.0.0.0 for every interface (the Docker image). */
  HTTP_HOST: z
    .string()
    .refine((value) => isIP(value) !== 0 || /^(?=.{1,253}$)[a-z\d]([a-z\d-]{0,61}[a-z\d])?(\.[a-z\d]([a-z\d-]{0,61}[a-z\d])?)*$/i.test(value), {
      error: (issue) => `must be an IP address or a host name to listen on, such as 127.0.0.1 (this machine only) or 0.0.0.0 (every interface), got ${quote(String(issue.input))}`,
    })
    .default('127.0.0.1'),
  /** Where HTTP_PORT is reached from outside, e.g. https://cohort.example.org: the base of the calendar links. */
  PUBLIC_URL: z
    .string()
    .refine((value) => /^https?:\/\/[^\s/]+/.test(value) && URL.canParse(value) && !new URL(value).search && !new URL(value).hash, {
      error: (issue) => `must be the http(s) address HTTP_PORT is reached at, e.g. https://cohort.example.org, got ${quote(String(issue.input))}`,
    })
    .transform((value) => value.replace(/\/+$/, ''))
    .optional(),
  SHARD_COUNT: wholeNumber(1, 4096).optional(),
  SHARD_IDS: z
    .string()
    .transform((value, ctx) => {
      if (/^\d+(\s*,\s*\d+)*$/.test(value)) return value.split(',').map((id) => Number(id.trim()));
      ctx.issues.push({ code: 'custom', input: value, message: `must be a comma-separated list of shard numbers, e.g. 0,1, got ${quote(value)}` });
      return z.NEVER;
    })
    .optional(),
  CATCHUP_HOURS: z
    .string()
    .transform((value, ctx) => {
      const hours = Number(value);
      if (/^\d+(\.\d+)?$/.test(value) && hours <= 48) return hours;
      ctx.issues.push({ code: 'custom', input: value, message: `must be a number of hours from 0 to 48, got ${quote(value)}` });
      return z.NEVER;
    })
    .default(6),
  /** Seconds start-up keeps trying to reach Discord (backing off between tries) before it gives up and exits 1. */
  DISCORD_CONNECT_TIMEOUT: z
    .string()
    .transform((value, ctx) => {
      const seconds = Number(value);
      if (/^\d+(\.\d+)?$/.test(value) && seconds > 0 && seconds <= 3600) return seconds;
      ctx.issues.push({ code: 'custom', input: value, message: `must be a number of seconds above 0 and at most 3600, got ${quote(value)}` });
      return z.NEVER;
    })
    .default(120),
  SHUTDOWN_TIMEOUT: z
    .string()
    .transform((value, ctx) => {
      const seconds = Number(value);
      if (/^\d+(\.\d+)?$/.test(value) && seconds > 0 && seconds <= 600) return seconds;
      ctx.issues.push({ code: 'custom', input: value, message: `must be a number of seconds above 0 and at most 600, got ${quote(value)}` });
      return z.NEVER;
    })
    .default(10),
  /**
   * Seconds a process's lease lasts without a heartbeat (renewed every quarter of it). Once it
   * lapses, another process takes over the process's unfinished posts and may run its shards.
   */
  LEASE_TTL: z
    .string()
    .transform((value, ctx) => {
      const seconds = Number(value);
      if (/^\d+(\.\d+)?$/.test(value) && seconds >= 1 && seconds <= 300) return seconds;
      ctx.issues.push({ code: 'custom', input: value, message: `must be a number of seconds from 1 to 300, got ${quote(value)}` });
      return z.NEVER;
    })
    .default(20),
  /** Discord REST calls per second this process's scheduled jobs may make together (Discord allows 50 per bot in all; the rest is left for replies). */
  SCHEDULED_REQUESTS_PER_SECOND: wholeNumber(2, 50).default(40),
  /** The most one study session counts, in ms: `12h`, `90m`, or hours as a number (default 12 h). */
  STUDY_SESSION_CAP: z
    .string()
    .transform((value, ctx) => {
      const match = /^(\d+(?:\.\d+)?)\s*(h|m)?$/i.exec(value);
      const ms = match ? Number(match[1]) * (match[2]?.toLowerCase() === 'm' ? 60_000 : 3_600_000) : NaN;
      if (ms >= 60_000 && ms <= 7 * 86_400_000) return ms;
      const message = match
        ? `must be at least 1 minute (1m) and at most 7 days (168h), got ${quote(value)}`
        : `must be a duration such as 12h, 90m or 12 (hours), got ${quote(value)}`;
      ctx.issues.push({ code: 'custom', input: value, message });
      return z.NEVER;
    })
    .default(12 * 3_600_000),
};

/** What a postgres:// URL lacks to say which database to use ('a host', 'a database name', both), or undefined. */
function missingInDatabaseUrl(value: string): string | undefined {
  // postgres.js reads the parts itself (several hosts, a socket folder): take them apart the same way, not with URL.
  const parts = /^postgres(?:ql)?:\/\/(?:[^@/?#]*@)?([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?/.exec(value);
  if (!parts) return undefined; // said already: not a postgres:// URL
  // A socket folder may stand in for the host: postgres://user@/cohort?host=/var/run/postgresql
  const host = (parts[1] ?? '') !== '' || (new URLSearchParams(parts[3] ?? '').get('host') ?? '') !== '';
  const database = (parts[2] ?? '') !== '';
  if (host && database) return undefined;
  return !host && !database ? 'a host and a database' : !host ? 'a host' : 'a database name (the path after the host)';
}

/** A connection string as it may be quoted back: without its password. */
function withoutPassword(value: string): string {
  return value.replace(/^(postgres(?:ql)?:\/\/[^:/@?#]*):[^@/?#]*@/, '$1:***@');
}

export type Config = { [K in keyof typeof fields]: z.output<(typeof fields)[K]> };

/** The name of every setting, in the order above (the docs test checks that each is documented). */
export const SETTING_NAMES = Object.keys(fields) as readonly (keyof typeof fields)[];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Cohort cannot start; fix these settings (see .env.example):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A set variable's value, trimmed; undefined when it is unset or empty. */
function valueOf(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/**
 * Parses the environment. Every variable is checked on its own and together with the ones it
 * depends on, so all problems are reported at once; no secret value (the token least of all) is echoed.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(fields)) {
    const result = schema.safeParse(valueOf(env, name));
    if (result.success) values[name] = result.data;
    else problems.push(...result.error.issues.map((issue) => `${name} ${issue.message}`));
  }
  const config = values as Config;
  // Checks across variables run whatever else failed: they look only at the variables they name.
  if (valueOf(env, 'SHARD_IDS') && !valueOf(env, 'SHARD_COUNT')) {
    problems.push('SHARD_IDS needs SHARD_COUNT as well (the total number of shards of the bot, the same in every process)');
  }
  if (config.SHARD_IDS && config.SHARD_COUNT && config.SHARD_IDS.some((id) => id >= config.SHARD_COUNT!)) {
    problems.push(`SHARD_IDS must all be below SHARD_COUNT (${config.SHARD_COUNT}), got ${quote(valueOf(env, 'SHARD_IDS')!)}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * Prepares process.env before anything reads it: a .env file in the working directory fills in
 * what the environment leaves unset, then every empty variable is deleted. Empty means unset
 * everywhere, also in libraries that read process.env themselves (discord.js reads SHARD_COUNT,
 * SHARDS and DISCORD_TOKEN: an empty `SHARD_COUNT=` copied from .env.example would stop it).
 */
export function prepareEnvironment(envFile = '.env', env: NodeJS.ProcessEnv = process.env): void {
  if (existsSync(envFile)) {
    let text;
    try {
      text = readFileSync(envFile, 'utf8');
    } catch (error) {
      throw new ConfigError([`${envFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): make it a readable file, or remove it`]);
    }
    for (const [name, value] of Object.entries(parseEnv(text))) {
      if (valueOf(env, name) === undefined) env[name] = value;
    }
  }
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() === '') delete env[name];
  }
}
