import { Events } from 'discord.js';
import type { FakeDiscord } from '../../src/sim/index.js';
import type { TestBot } from './bot.js';

/**
 * Sends a member's voice change through the fake Discord and waits until the bot has received it
 * (its client's VoiceStateUpdate for that member in that server) and applied it (the voice tracker idle).
 */
export async function setVoiceState(bot: TestBot, guildId: string, userId: string, state: Parameters<FakeDiscord['setVoiceState']>[2]): Promise<void> {
  const seen = new Promise<void>((resolve) => {
    const on = (_old: unknown, next: { id: string; guild: { id: string } }) => {
      if (next.id === userId && next.guild.id === guildId) {
        bot.app.client.off(Events.VoiceStateUpdate, on);
        resolve();
      }
    };
    bot.app.client.on(Events.VoiceStateUpdate, on);
  });
  bot.fake.setVoiceState(guildId, userId, state);
  await seen;
  await bot.app.voice.idle();
}
