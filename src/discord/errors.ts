import { DiscordAPIError, RESTJSONErrorCodes } from 'discord.js';

/**
 * The one place a Discord error code becomes a sentence for moderators. Everything that posts in
 * a channel a moderator chose (daily prompts, weekly challenges, resource cards, suggestion
 * notices) asks here what an error means.
 */

/** Where the bot was posting, and how the moderator gets it going again. */
export interface PostingPlace {
  channelId: string;
  /** The command that chooses this channel, e.g. "/setup prompts". */
  setupCommand?: string;
  /**
   * What follows a fix: `setup` (the feature stopped; running setupCommand again resumes it),
   * `retry` (a one-off moderator action: do it again), `automatic` (the next attempt just works).
   */
  resume: 'setup' | 'retry' | 'automatic';
}

export interface DiscordErrorDescription {
  code: number;
  /** In our own words, for the moderator; mentions the channel. */
  sentence: string;
  /** True when retrying cannot help: the feature stays stopped until its setup changes. */
  stopsFeature: boolean;
}

/** What the moderator does once the channel is fixed. */
export function afterFix(where: PostingPlace): string {
  if (where.resume === 'setup' && where.setupCommand) return `then run \`${where.setupCommand}\` again`;
  if (where.resume === 'automatic') return 'and the next one will get through';
  return 'then try again';
}

/** How the moderator picks a different channel. */
export function otherChannel(where: PostingPlace): string {
  return where.setupCommand ? `choose another channel with \`${where.setupCommand}\`` : 'pick another channel';
}

/**
 * What a Discord error met while posting at `where` means, in a sentence; undefined when it says
 * nothing we can explain (network trouble, 5xx, anything unexpected): such errors are retried or
 * reported as errors by the caller.
 */
export function describeDiscordError(error: unknown, where: PostingPlace): DiscordErrorDescription | undefined {
  if (!(error instanceof DiscordAPIError) || typeof error.code !== 'number') return undefined;
  const channel = `<#${where.channelId}>`;
  switch (error.code as RESTJSONErrorCodes) {
    case RESTJSONErrorCodes.UnknownChannel:
      return { code: error.code, stopsFeature: true, sentence: `${channel} no longer exists (Discord error 10003, Unknown Channel). ${capitalised(otherChannel(where))}.` };
    case RESTJSONErrorCodes.MissingAccess:
      return {
        code: error.code,
        stopsFeature: true,
        sentence: `I cannot see ${channel} (Discord error 50001, Missing Access). Give me View Channel there, ${afterFix(where)}.`,
      };
    case RESTJSONErrorCodes.MissingPermissions:
      return {
        code: error.code,
        stopsFeature: true,
        sentence: `I am not allowed to post in ${channel} (Discord error 50013, Missing Permissions). I need View Channel, Send Messages and Embed Links there; fix the channel’s permissions for me, ${afterFix(where)}.`,
      };
    case RESTJSONErrorCodes.MessageWasBlockedByAutomaticModeration:
      return {
        code: error.code,
        stopsFeature: false,
        sentence: `This server’s AutoMod blocked my message in ${channel} (Discord error 200000). A moderator can allow it in Server Settings → AutoMod.`,
      };
    default:
      return undefined;
  }
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
