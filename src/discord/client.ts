import { Client, GatewayIntentBits, Options, type RESTOptions } from 'discord.js';
import type { Config } from '../config.js';

/**
 * The discord.js client: Guilds intent only (no privileged intents), no pings unless a message opts in.
 * `makeRequest` replaces the REST transport (app.ts wraps the default one to count errors by code).
 */
export function createClient(config: Config, options: { makeRequest?: RESTOptions['makeRequest'] } = {}): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: { api: config.DISCORD_API_URL, ...(options.makeRequest ? { makeRequest: options.makeRequest } : {}) },
    allowedMentions: { parse: [], repliedUser: false },
    ...(config.SHARD_COUNT ? { shardCount: config.SHARD_COUNT, shards: config.SHARD_IDS ?? 'auto' } : {}),
    // Cohort reads guilds, channels and roles from the cache; messages, members and the rest are fetched when needed.
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      MessageManager: 0,
      GuildMemberManager: { maxSize: 1, keepOverLimit: (member) => member.id === member.client.user.id },
      UserManager: 0,
      PresenceManager: 0,
      ReactionManager: 0,
      GuildEmojiManager: 0,
      GuildStickerManager: 0,
      VoiceStateManager: 0,
      GuildInviteManager: 0,
      GuildScheduledEventManager: 0,
    }),
  });
}
