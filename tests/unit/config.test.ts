import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, prepareEnvironment } from '../../src/config.js';

const TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAw.GfAkE1.secret-part-of-the-token';

describe('loadConfig', () => {
  it('applies defaults for everything but the token', () => {
    const config = loadConfig({ DISCORD_TOKEN: TOKEN });
    expect(config).toMatchObject({
      DISCORD_API_URL: 'https://discord.com/api',
      DATA_DIR: './data',
      CONTENT_DIR: './content',
      LOG_LEVEL: 'info',
      CATCHUP_HOURS: 6,
    });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('PUBLIC_URL: an http(s) address, kept without a trailing slash; anything else is refused', () => {
    expect(loadConfig({ DISCORD_TOKEN: TOKEN, PUBLIC_URL: 'https://cohort.example.org/' }).PUBLIC_URL).toBe('https://cohort.example.org');
    expect(loadConfig({ DISCORD_TOKEN: TOKEN, PUBLIC_URL: 'http://10.0.0.5:8080/bot' }).PUBLIC_URL).toBe('http://10.0.0.5:8080/bot');
    expect(problemsOf({ DISCORD_TOKEN: TOKEN, PUBLIC_URL: 'cohort.example.org' })).toEqual([
      "PUBLIC_URL must be the http(s) address HTTP_PORT is reached at, e.g. https://cohort.example.org, got 'cohort.example.org'",
    ]);
  });

  it('treats empty values (as copied from .env.example) as unset', () => {
    const config = loadConfig({ DISCORD_TOKEN: TOKEN, DATABASE_URL: '', HTTP_PORT: ' ', DISCORD_DEV_GUILD_ID: '' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.HTTP_PORT).toBeUndefined();
  });

  it('reports every problem at once and never echoes the token', () => {
    let error: unknown;
    try {
      loadConfig({
        DISCORD_TOKEN: 'not a token secret-value',
        DATABASE_URL: 'mysql://localhost/x',
        DISCORD_DEV_GUILD_ID: '12',
        LOG_LEVEL: 'loud',
        HTTP_PORT: '99999',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toHaveLength(5);
    expect(message).toContain('DISCORD_TOKEN');
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('DISCORD_DEV_GUILD_ID');
    expect(message).toContain('LOG_LEVEL');
    expect(message).toContain('HTTP_PORT');
    expect(message).not.toContain('secret-value');
  });

  it('says what is wrong in our own words, quoting what was set (but never a secret)', () => {
    const problems = problemsOf({
      DISCORD_TOKEN: 'secret-value',
      DATABASE_URL: 'mysql://user:hunter2@localhost/x',
      HTTP_PORT: 'abc',
      SHARD_COUNT: '0',
      CATCHUP_HOURS: 'soon',
      DISCORD_API_URL: 'discord.com',
      LOG_LEVEL: 'loud',
    });
    expect(problems).toEqual([
      'DISCORD_TOKEN does not look like a bot token (three parts separated by dots); copy it again from the developer portal',
      "DISCORD_API_URL must be an http(s) URL, got 'discord.com'",
      'DATABASE_URL must be a postgres:// or postgresql:// connection string (or unset, for the embedded database)',
      "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'",
      "HTTP_PORT must be a whole number between 1 and 65535, got 'abc'",
      "SHARD_COUNT must be a whole number between 1 and 4096, got '0'",
      "CATCHUP_HOURS must be a number of hours from 0 to 48, got 'soon'",
    ]);
    expect(problems.join('\n')).not.toMatch(/expected|received|NaN|Invalid|secret-value|hunter2/i);
  });

  it('rejects ports and shard counts that are not whole numbers', () => {
    for (const port of ['8080.5', '-1', '65536', '1e3', '0x50']) {
      expect(problemsOf({ DISCORD_TOKEN: TOKEN, HTTP_PORT: port })).toEqual([`HTTP_PORT must be a whole number between 1 and 65535, got '${port}'`]);
    }
    expect(loadConfig({ DISCORD_TOKEN: TOKEN, HTTP_PORT: ' 8080 ' }).HTTP_PORT).toBe(8080);
  });

  it('paces the scheduled jobs at 40 requests/s unless SCHEDULED_REQUESTS_PER_SECOND says otherwise, below Discord\'s 50', () => {
    expect(loadConfig({ DISCORD_TOKEN: TOKEN }).SCHEDULED_REQUESTS_PER_SECOND).toBe(40);
    expect(loadConfig({ DISCORD_TOKEN: TOKEN, SCHEDULED_REQUESTS_PER_SECOND: '20' }).SCHEDULED_REQUESTS_PER_SECOND).toBe(20);
    for (const rate of ['51', '1', '12.5', 'fast']) {
      expect(problemsOf({ DISCORD_TOKEN: TOKEN, SCHEDULED_REQUESTS_PER_SECOND: rate })).toEqual([`SCHEDULED_REQUESTS_PER_SECOND must be a whole number between 2 and 50, got '${rate}'`]);
    }
  });

  it('accepts LOG_LEVEL in any case', () => {
    expect(loadConfig({ DISCORD_TOKEN: TOKEN, LOG_LEVEL: 'INFO' }).LOG_LEVEL).toBe('info');
    expect(loadConfig({ DISCORD_TOKEN: TOKEN, LOG_LEVEL: 'Debug' }).LOG_LEVEL).toBe('debug');
  });

  it('reports SHARD_IDS without SHARD_COUNT together with the other problems', () => {
    expect(problemsOf({ DISCORD_TOKEN: TOKEN, HTTP_PORT: 'abc', SHARD_IDS: '0,1' })).toEqual([
      "HTTP_PORT must be a whole number between 1 and 65535, got 'abc'",
      'SHARD_IDS needs SHARD_COUNT as well (the total number of shards of the bot, the same in every process)',
    ]);
    expect(problemsOf({ SHARD_IDS: '0,1' })).toHaveLength(2); // and the missing token
  });

  it('says what to set when the token is missing', () => {
    expect(() => loadConfig({})).toThrow(/DISCORD_TOKEN is required/);
  });

  it('checks shard settings together', () => {
    expect(() => loadConfig({ DISCORD_TOKEN: TOKEN, SHARD_IDS: '0,1' })).toThrow(/SHARD_IDS needs SHARD_COUNT/);
    expect(() => loadConfig({ DISCORD_TOKEN: TOKEN, SHARD_COUNT: '2', SHARD_IDS: '0,2' })).toThrow(/below SHARD_COUNT/);
    expect(loadConfig({ DISCORD_TOKEN: TOKEN, SHARD_COUNT: '4', SHARD_IDS: '1,3' }).SHARD_IDS).toEqual([1, 3]);
    expect(loadConfig({ DISCORD_TOKEN: TOKEN, SHARD_COUNT: '4', SHARD_IDS: '1, 3' }).SHARD_IDS).toEqual([1, 3]);
  });
});

describe('DATABASE_URL', () => {
  it('is refused, with the other settings problems, when it names no host or no database', () => {
    expect(problemsOf({ DISCORD_TOKEN: TOKEN, DATABASE_URL: 'postgresql://', HTTP_PORT: 'abc' })).toEqual([
      "DATABASE_URL must name a host and a database, e.g. postgres://cohort:password@localhost:5432/cohort; got 'postgresql://'",
      "HTTP_PORT must be a whole number between 1 and 65535, got 'abc'",
    ]);
    expect(problemsOf({ DISCORD_TOKEN: TOKEN, DATABASE_URL: 'postgres://cohort:hunter2@db.example:5432' })).toEqual([
      "DATABASE_URL must name a database name (the path after the host), e.g. postgres://cohort:password@localhost:5432/cohort; got 'postgres://cohort:***@db.example:5432'",
    ]);
    expect(problemsOf({ DISCORD_TOKEN: TOKEN, DATABASE_URL: 'postgres:///cohort' })[0]).toMatch(/^DATABASE_URL must name a host, e\.g\./);
  });

  it('takes a host and a database, or a socket folder for the host', () => {
    expect(loadConfig({ DISCORD_TOKEN: TOKEN, DATABASE_URL: 'postgres://cohort:pw@localhost:5432/cohort' }).DATABASE_URL).toBe('postgres://cohort:pw@localhost:5432/cohort');
    expect(loadConfig({ DISCORD_TOKEN: TOKEN, DATABASE_URL: 'postgresql://cohort@/cohort?host=/var/run/postgresql' }).DATABASE_URL).toContain('host=');
  });
});

describe('HTTP_HOST', () => {
  it('listens on this machine only unless told otherwise', () => {
    expect(loadConfig({ DISCORD_TOKEN: TOKEN }).HTTP_HOST).toBe('127.0.0.1');
    expect(loadConfig({ DISCORD_TOKEN: TOKEN, HTTP_HOST: '0.0.0.0' }).HTTP_HOST).toBe('0.0.0.0');
    expect(loadConfig({ DISCORD_TOKEN: TOKEN, HTTP_HOST: '::' }).HTTP_HOST).toBe('::');
    expect(loadConfig({ DISCORD_TOKEN: TOKEN, HTTP_HOST: 'localhost' }).HTTP_HOST).toBe('localhost');
  });

  it('refuses what cannot be an address', () => {
    expect(problemsOf({ DISCORD_TOKEN: TOKEN, HTTP_HOST: 'http://0.0.0.0:8080' })).toEqual([
      "HTTP_HOST must be an IP address or a host name to listen on, such as 127.0.0.1 (this machine only) or 0.0.0.0 (every interface), got 'http://0.0.0.0:8080'",
    ]);
  });
});

describe('DISCORD_CONNECT_TIMEOUT', () => {
  it('gives start-up 120 s to reach Discord unless told otherwise', () => {
    expect(loadConfig({ DISCORD_TOKEN: TOKEN }).DISCORD_CONNECT_TIMEOUT).toBe(120);
    expect(loadConfig({ DISCORD_TOKEN: TOKEN, DISCORD_CONNECT_TIMEOUT: '30' }).DISCORD_CONNECT_TIMEOUT).toBe(30);
    expect(problemsOf({ DISCORD_TOKEN: TOKEN, DISCORD_CONNECT_TIMEOUT: 'forever' })).toEqual(["DISCORD_CONNECT_TIMEOUT must be a number of seconds above 0 and at most 3600, got 'forever'"]);
  });
});

describe('prepareEnvironment', () => {
  const withEnvFile = (text: string, run: (file: string) => void) => {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-env-'));
    try {
      writeFileSync(join(dir, '.env'), text);
      run(join(dir, '.env'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('fills in from .env what the environment leaves unset, and deletes every empty variable (discord.js reads SHARD_COUNT itself)', () => {
    withEnvFile('DISCORD_TOKEN=from-file\nSHARD_COUNT=\nSHARD_IDS=\nHTTP_PORT=8080\nLOG_LEVEL=debug\nCATCHUP_HOURS=6\n', (file) => {
      const env: NodeJS.ProcessEnv = { LOG_LEVEL: 'warn', HTTP_PORT: '', SHARDS: ' ', PATH: '/bin' };
      prepareEnvironment(file, env);
      expect(env).toEqual({ DISCORD_TOKEN: 'from-file', HTTP_PORT: '8080', LOG_LEVEL: 'warn', CATCHUP_HOURS: '6', PATH: '/bin' });
      expect('SHARD_COUNT' in env).toBe(false);
    });
  });

  it('.env.example leaves the folders to their defaults, so `docker run --env-file .env` keeps the image\'s DATA_DIR=/data', () => {
    const example = parseEnv(readFileSync(join(import.meta.dirname, '../../.env.example'), 'utf8'));
    expect(example).toHaveProperty('DISCORD_TOKEN', '');
    expect(example).not.toHaveProperty('DATA_DIR');
    expect(example).not.toHaveProperty('CONTENT_DIR');
  });

  it('says so when .env cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-env-'));
    try {
      mkdirSync(join(dir, '.env'));
      expect(() => prepareEnvironment(join(dir, '.env'), {})).toThrow(`${join(dir, '.env')} cannot be read (EISDIR): make it a readable file, or remove it`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without a .env file only deletes the empty variables', () => {
    const env: NodeJS.ProcessEnv = { SHARD_COUNT: '', DISCORD_TOKEN: 'x' };
    prepareEnvironment(join(tmpdir(), 'no-such-dir-cohort', '.env'), env);
    expect(env).toEqual({ DISCORD_TOKEN: 'x' });
  });
});

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('SHUTDOWN_TIMEOUT', () => {
  const token = { DISCORD_TOKEN: 'aaaa.bbbb.cccc' };
  it('defaults to 10 s and takes a positive number of seconds', () => {
    expect(loadConfig(token).SHUTDOWN_TIMEOUT).toBe(10);
    expect(loadConfig({ ...token, SHUTDOWN_TIMEOUT: '2.5' }).SHUTDOWN_TIMEOUT).toBe(2.5);
  });
  it('refuses zero and words in our own words', () => {
    expect(() => loadConfig({ ...token, SHUTDOWN_TIMEOUT: '0' })).toThrow(/SHUTDOWN_TIMEOUT must be a number of seconds above 0 and at most 600, got '0'/);
    expect(() => loadConfig({ ...token, SHUTDOWN_TIMEOUT: 'soon' })).toThrow(/got 'soon'/);
  });
});
