import { ApplicationIntegrationType, InteractionContextType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { customId, guildCommand } from '../../src/discord/command.js';

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
