import { describe, expect, it, vi } from 'vitest';
import { putServerContentFile } from '../../src/db/queries/server-content.js';
import { shown, textOf, useTestBot } from '../support/bot.js';

/**
 * Server content is an opt-in of a command (`content: true`): the router reads the server's content
 * (one database read) before the handlers of those commands only. /streak, /leaderboard and /checkin
 * read none and pay nothing for it. /next reads its server's content revision in the same statement
 * as the member's roadmap, so it asks no separate read either, and still serves the server's content
 * as of that statement, whichever process changed it.
 */
const { bot, database } = useTestBot({ now: '2026-03-02T12:00:00Z' });

describe('server content, read only where it is used', () => {
  it('/streak, /leaderboard and /checkin ask for no content; /next takes it at the revision read with the roadmap', async () => {
    const forGuild = vi.spyOn(bot.app.ctx.contents, 'forGuild');
    const atRevision = vi.spyOn(bot.app.ctx.contents, 'atRevision');
    try {
      const user = '300000000000009001';
      for (const name of ['checkin', 'streak', 'leaderboard'] as const) {
        expect(textOf(shown(await bot.command(name, {}, { user })))).not.toContain('Something went wrong');
      }
      expect(forGuild).not.toHaveBeenCalled();
      expect(atRevision).not.toHaveBeenCalled();
      expect(textOf(shown(await bot.command('next', {}, { user })))).toContain('CS50');
      expect(forGuild).not.toHaveBeenCalled();
      expect(atRevision.mock.calls).toEqual([[bot.guildId, 0]]);
    } finally {
      forGuild.mockRestore();
      atRevision.mockRestore();
    }
  });

  it('/next shows the server’s own content from the next command after a change (written here as another process would)', async () => {
    const user = '300000000000009002';
    const before = textOf(shown(await bot.command('next', {}, { user })));
    expect(before).toContain('CS50');
    expect(before).not.toContain('Our club’s Python course');
    const resource = [
      '- id: cs50-python',
      '  title: Our club’s Python course',
      '  url: https://example.org/python',
      '  kind: course',
      '  level: beginner',
      '  free: true',
      '  topics: [python, programming]',
      '  steps: [python-programming]',
      '  description: The course our club runs on Thursdays.',
      '',
    ].join('\n');
    const change = { guildId: bot.guildId, revision: 0, by: '1', at: bot.clock.now(), action: 'content.upload' as const };
    expect(await putServerContentFile(database.db, change, { name: 'resources/ours.yaml', folder: 'resources', text: resource })).toBe(true);
    const after = textOf(shown(await bot.command('next', {}, { user })));
    expect(after).toContain('Our club’s Python course');
    expect(after).not.toContain('CS50');
  });
});
