/** The server settings setup is judged by (a guild_settings row has them). */
export interface SetupChannels {
  promptsChannelId: string | null;
  challengesChannelId: string | null;
  resourcesChannelId: string | null;
}

/** Setup steps a server has not done yet, for /setup show and /help. */
export function missingSetup(settings: SetupChannels): string[] {
  const missing: string[] = [];
  if (!settings.promptsChannelId) missing.push('Daily prompts: `/setup prompts channel time`');
  if (!settings.challengesChannelId) missing.push('Weekly challenges: `/setup challenges channel`');
  if (!settings.resourcesChannelId) missing.push('Resources channel: `/setup resources channel`');
  return missing;
}
