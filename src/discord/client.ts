import { Client, GatewayIntentBits, Options, type RESTOptions } from 'discord.js';
import type { Config } from '../config.js';

/**
 * The discord.js client: Guilds and GuildVoiceStates intents (neither is privileged; voice states feed study time), no pings unless a message opts in.
 * `makeRequest` replaces the REST transport (app.ts wraps the default one to count errors by code).
 *
 * `jsonTransformer` passes embeds, components, modals and autocomplete choices through as they are:
 * Cohort's views build them as Discord's API objects already (snake_case, discord-api-types; see
 * views/parts.ts), and discord.js's default re-keys every key of every one of them through
 * lodash.snakecase on each reply. Builders are unaffected (discord.js calls their toJSON). A
 * camelCase object would now reach Discord unconverted: the e2e tests check every payload against
 * Discord's API spec, so such a mistake fails there.
 */
export function createClient(config: Config, options: { makeRequest?: RESTOptions['makeRequest'] } = {}): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates],
    rest: { api: config.DISCORD_API_URL, ...(options.makeRequest ? { makeRequest: options.makeRequest } : {}) },
    allowedMentions: { parse: [], repliedUser: false },
    jsonTransformer: (data: unknown) => data,
    ...(config.SHARD_COUNT ? { shardCount: config.SHARD_COUNT, shards: config.SHARD_IDS ?? 'auto' } : {}),
    // Cohort reads guilds, channels, roles and voice states (who is in which study room) from the cache; messages, members and the rest are fetched when needed.
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      MessageManager: 0,
      GuildMemberManager: { maxSize: 1, keepOverLimit: (member) => member.id === member.client.user.id },
      UserManager: 0,
      PresenceManager: 0,
      ReactionManager: 0,
      GuildEmojiManager: 0,
      GuildStickerManager: 0,
      GuildInviteManager: 0,
      GuildScheduledEventManager: 0,
    }),
  });
}
