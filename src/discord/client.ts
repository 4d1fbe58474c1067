import { randomBytes } from 'node:crypto';
import { Client, GatewayIntentBits, LimitedCollection, Options, type CacheFactory, type RequestData, type RESTOptions, type RouteLike } from 'discord.js';
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
    makeCache: cacheOnlyWhatIsRead(),
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

/**
 * The managers whose cache Cohort never reads (it fetches messages, members and users when it
 * needs them). discord.js gives every guild and channel a manager of each kind, each with its own
 * collection: an empty Map costs some 200 bytes, and 10,000 servers held 170,000 of them (26 MB of
 * the heap). These share one collection that keeps nothing (a LimitedCollection of size 0 ignores
 * every set, so sharing it is safe). Names as discord.js gives them (the manager's class, or the
 * class it is cached as: GuildMessageManager as MessageManager, the thread managers as ThreadManager).
 */
export const UNCACHED_MANAGERS: ReadonlySet<string> = new Set([
  'MessageManager',
  'ThreadManager',
  'ThreadMemberManager',
  'PresenceManager',
  'ReactionManager',
  'ReactionUserManager',
  'GuildEmojiManager',
  'GuildStickerManager',
  'GuildSoundboardSoundManager',
  'GuildInviteManager',
  'GuildBanManager',
  'GuildScheduledEventManager',
  'StageInstanceManager',
  'AutoModerationRuleManager',
  'ApplicationCommandManager',
  'GuildApplicationCommandManager',
]);

/**
 * Cohort reads guilds, channels (with their permission overwrites), roles and voice states (who is
 * in which study room) from the cache, and of the members and users only itself: its member in each
 * guild (for its permissions), and its user once, which those members share (uncached, each guild
 * would make a User of its own).
 */
function cacheOnlyWhatIsRead(): CacheFactory {
  const nothing = new LimitedCollection({ maxSize: 0 });
  const limited = Options.cacheWithLimits({
    GuildMemberManager: { maxSize: 0, keepOverLimit: (member) => member.id === member.client.user.id },
    UserManager: { maxSize: 0, keepOverLimit: (user) => user.id === user.client.user?.id },
  });
  return ((managerType, holds, manager) =>
    UNCACHED_MANAGERS.has(manager.name) || UNCACHED_MANAGERS.has(managerType.name) ? nothing : limited(managerType, holds, manager)) as CacheFactory;
}
