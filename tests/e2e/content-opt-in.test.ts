import { describe, expect, it, vi } from 'vitest';
import { shown, textOf, useTestBot } from '../support/bot.js';

/**
 * Server content is an opt-in of a command (`content: true`): the router reads the server's content
 * (one database read) before the handlers of those commands only. /streak, /leaderboard and /checkin
 * read none and pay nothing for it; /next does.
 */
const { bot } = useTestBot({ now: '2026-03-02T12:00:00Z' });

describe('server content, read only for the commands that declare it', () => {
  it('/next reads its server’s content; /streak, /leaderboard and /checkin do not', async () => {
    const forGuild = vi.spyOn(bot.app.ctx.contents, 'forGuild');
    try {
      const user = '300000000000009001';
      for (const name of ['checkin', 'streak', 'leaderboard'] as const) {
        expect(textOf(shown(await bot.command(name, {}, { user })))).not.toContain('Something went wrong');
      }
      expect(forGuild).not.toHaveBeenCalled();
      expect(textOf(shown(await bot.command('next', {}, { user })))).not.toContain('Something went wrong');
      expect(forGuild.mock.calls).toEqual([[bot.guildId]]);
    } finally {
      forGuild.mockRestore();
    }
  });
});
