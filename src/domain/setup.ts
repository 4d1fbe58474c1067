import type { GuildSettings } from '../db/schema.js';

/** Setup steps a server has not done yet, for /setup show and /help. */
export function missingSetup(settings: GuildSettings): string[] {
  const missing: string[] = [];
  if (!settings.promptsChannelId) missing.push('Daily prompts: `/setup prompts channel time`');
  if (!settings.challengesChannelId) missing.push('Weekly challenges: `/setup challenges channel`');
  if (!settings.resourcesChannelId) missing.push('Resources channel: `/setup resources channel`');
  return missing;
}
