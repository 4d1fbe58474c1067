import { ApplicationIntegrationType, InteractionContextType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import type { Context } from '../../src/context.js';
import { chooseSubcommand, customId, guildCommand, type GuildChatInput } from '../../src/discord/command.js';
import { UserError } from '../../src/errors.js';

describe('guild-only commands', () => {
  it('guildCommand defines a command that exists only in servers that installed Cohort', () => {
    const json = guildCommand('ping', 'Answers').toJSON();
    expect(json).toMatchObject({ name: 'ping', description: 'Answers', contexts: [InteractionContextType.Guild], integration_types: [ApplicationIntegrationType.GuildInstall] });
  });

  it('every registered command is guild-only (handlers are typed for a cached server)', () => {
    for (const command of commands) {
      expect({ name: command.data.name, contexts: command.data.contexts, integration: command.data.integration_types }).toEqual({
        name: command.data.name,
        contexts: [InteractionContextType.Guild],
        integration: [ApplicationIntegrationType.GuildInstall],
      });
    }
  });

  it('the only DM handlers are the Stop these buttons of the digest and of the streak reminder (and nudges)', () => {
    const dm = commands.flatMap((c) => Object.keys(c.dmButtons ?? {}).map((action) => `${c.data.name}:${action}`));
    expect(dm).toEqual(['settings:digest-stop', 'settings:reminder-stop']);
  });

  it('refuses a custom id over Discord’s 100 characters', () => {
    expect(customId('a', 'b', 'c')).toBe('a:b:c');
    expect(() => customId('a', 'b', 'x'.repeat(100))).toThrow(/too long/);
  });
});

describe('chooseSubcommand', () => {
  /** A slash command interaction as far as the dispatch reads it; `moderator` is what the member's permissions say. */
  const interaction = (sub: string, group: string | null, moderator: boolean) =>
    ({ commandName: 'demo', options: { getSubcommand: () => sub, getSubcommandGroup: () => group }, memberPermissions: { any: () => moderator } }) as unknown as GuildChatInput;
  // No database: a member's subcommand must not ask for moderator rights (requireModerator reads the settings of a non-moderator).
  const ctx = {} as Context;
  const tables = { members: { show: 'show' }, moderators: { 'streak fix': 'fix', start: 'start' } };

  it('gives a member’s subcommand without a moderator check, and a moderator’s after one', async () => {
    expect(await chooseSubcommand(interaction('show', null, false), ctx, tables)).toBe('show');
    expect(await chooseSubcommand(interaction('start', null, true), ctx, tables)).toBe('start');
    expect(await chooseSubcommand(interaction('fix', 'streak', true), ctx, tables)).toBe('fix');
  });

  it('refuses an unknown name, an inherited property too, naming the command', async () => {
    await expect(chooseSubcommand(interaction('gone', null, true), ctx, tables)).rejects.toThrow(new UserError('Unknown /demo option.'));
    await expect(chooseSubcommand(interaction('toString', null, true), ctx, tables)).rejects.toThrow(UserError);
  });
});
