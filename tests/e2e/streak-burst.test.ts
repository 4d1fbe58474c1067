import { MessageFlags } from 'discord.js';
import { describe, expect, it, vi } from 'vitest';
import type { InteractionRecord } from '../../src/sim/index.js';
import { shown, until, useTestBot } from '../support/bot.js';
import { chatInput } from '../../src/sim/interactions.js';

const { bot } = useTestBot({ now: '2026-03-10T12:00:00Z' });

const user = (n: number) => `31000000000000${String(n).padStart(4, '0')}`;

/** The files the bot uploaded for an interaction: with its callback, or with the edit of a deferred reply. */
function uploaded(record: InteractionRecord) {
  return bot.fake.requests.filter((r) => r.path.includes(`/interactions/${record.id}/`) || r.path.includes(`/${record.token}/`)).flatMap((r) => r.files);
}

function expectStreakPng(record: InteractionRecord): void {
  expect([4, 5]).toContain(record.callback?.type);
  // Ephemeral either way: on the reply itself, or on the deferral that the edit fills in.
  expect(((record.callback?.data?.flags as number | undefined) ?? 0) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
  expect(shown(record).attachments).toMatchObject([{ filename: 'streak.png', content_type: 'image/png' }]);
  const [png] = uploaded(record);
  expect(png?.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
}

describe('/streak under load', () => {
  it('20 members asking at once all get their answer with their own PNG', async () => {
    const members = Array.from({ length: 20 }, (_, i) => user(i + 1));
    // A calendar of its own for each (member n checks in on the last five days whose bit is set in n),
    // so that no render is shared and none comes from the cache.
    for (let d = 4; d >= 0; d--) {
      bot.clock.set(new Date(Date.parse('2026-03-10T12:00:00Z') - d * 86_400_000));
      for (const [i, member] of members.entries()) if (((i + 1) >> d) & 1) await bot.command('checkin', {}, { user: member });
    }
    bot.clock.set('2026-03-10T12:00:00Z');
    const ids = members.map((member) => bot.fake.sendInteraction(chatInput(bot.fake, { guildId: bot.guildId, name: 'streak', user: member })));
    const records = await Promise.all(ids.map((id) => bot.fake.waitForInteractionReply(id, 60_000)));
    for (const record of records) expectStreakPng(record);
    const pngs = records.map((record) => uploaded(record)[0]!.bytes.toString('base64'));
    expect(new Set(pngs).size).toBe(20);
  });

  it('a PNG that is not ready in time is deferred first, then edited in, still ephemeral', async () => {
    const images = bot.app.ctx.images;
    const renderPng = images.renderPng.bind(images);
    let id = '';
    // Hold the render until Discord has seen the deferral: the reply cannot be ready in time.
    const held = vi.spyOn(images, 'renderPng').mockImplementation(async (svg) => {
      await until(() => bot.fake.interactions.get(id)?.callback !== undefined, 'the deferral', 30_000);
      return renderPng(svg);
    });
    try {
      id = bot.fake.sendInteraction(chatInput(bot.fake, { guildId: bot.guildId, name: 'streak', user: user(1) }));
      const record = await bot.fake.waitForInteractionReply(id, 60_000);
      expect(record.callback?.type).toBe(5);
      expect(record.edits.filter((e) => e.messageId === '@original')).toHaveLength(1);
      expectStreakPng(record);
    } finally {
      held.mockRestore();
    }
  });
});
