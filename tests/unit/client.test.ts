import { ButtonStyle, ComponentType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createClient } from '../../src/discord/client.js';
import { actionRow, button } from '../../src/discord/views/parts.js';
import { FAKE_TOKEN } from '../../src/sim/index.js';

describe('createClient', () => {
  it('sends the views’ API objects as they are (no snake_case re-keying on every reply)', async () => {
    const client = createClient(loadConfig({ DISCORD_TOKEN: FAKE_TOKEN }));
    try {
      const row = actionRow(button({ customId: 'next:done:x', label: 'Mark done', style: ButtonStyle.Success, emoji: '✅' }));
      const embed = { title: 'Step', fields: [{ name: 'a', value: 'b', inline: true }], footer: { text: 'f', icon_url: 'https://example.com/i.png' } };
      expect(client.options.jsonTransformer!(row)).toBe(row);
      expect(client.options.jsonTransformer!(embed)).toBe(embed);
      expect(row.components[0]).toEqual({ type: ComponentType.Button, custom_id: 'next:done:x', label: 'Mark done', style: ButtonStyle.Success, emoji: { name: '✅', animated: false } });
    } finally {
      await client.destroy();
    }
  });
});
