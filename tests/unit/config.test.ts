import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

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

  it('says what to set when the token is missing', () => {
    expect(() => loadConfig({})).toThrow(/DISCORD_TOKEN is required/);
  });

  it('checks shard settings together', () => {
    expect(() => loadConfig({ DISCORD_TOKEN: TOKEN, SHARD_IDS: '0,1' })).toThrow(/SHARD_IDS needs SHARD_COUNT/);
    expect(() => loadConfig({ DISCORD_TOKEN: TOKEN, SHARD_COUNT: '2', SHARD_IDS: '0,2' })).toThrow(/below SHARD_COUNT/);
    expect(loadConfig({ DISCORD_TOKEN: TOKEN, SHARD_COUNT: '4', SHARD_IDS: '1,3' }).SHARD_IDS).toEqual([1, 3]);
  });
});
