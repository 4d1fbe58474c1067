import { randomBytes } from 'node:crypto';
import { Client, GatewayIntentBits, Options, type RequestData, type RESTOptions, type RouteLike } from 'discord.js';
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
  const client = new Client({
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
  nonceEveryMessage(client);
  return client;
}

const CHANNEL_MESSAGES = /^\/channels\/\d+\/messages$/;

/**
 * Every message the bot creates carries a nonce with `enforce_nonce`, so that Discord posts it once
 * although the request is sent again: discord.js tries a 5xx again by itself, and a 502 can come
 * after Discord took the message. Posts that a claim may resume set their own nonce, derived from
 * the claim, so a retry by another process matches too; the rest get a random one per message
 * (the same body, and so the same nonce, for each of discord.js's tries).
 */
function nonceEveryMessage(client: Client): void {
  const rest = client.rest;
  const post = rest.post.bind(rest);
  rest.post = (route: RouteLike, data: RequestData = {}) => {
    const body = data.body;
    if (!CHANNEL_MESSAGES.test(route) || typeof body !== 'object' || body === null || Array.isArray(body) || (body as { nonce?: unknown }).nonce !== undefined) return post(route, data);
    return post(route, { ...data, body: { ...body, nonce: randomBytes(12).toString('base64url'), enforce_nonce: true } });
  };
}
