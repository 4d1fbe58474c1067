import { ChannelType, type Client, type NewsChannel, type TextChannel } from 'discord.js';
import { afterFix, describeDiscordError, otherChannel, type PostingPlace } from './errors.js';
import { missingBotPermissions } from './permissions.js';

/** The channel types moderators may choose for Cohort's posts. */
export const POSTABLE_CHANNEL_TYPES = [ChannelType.GuildText, ChannelType.GuildAnnouncement] as const;

export type PostableChannel = TextChannel | NewsChannel;

export type PostableChannelResult = { ok: true; channel: PostableChannel } | { ok: false; problem: string };

/**
 * The one way to get a channel to post in: fetched (from the cache when it is there), a text or
 * announcement channel of `guildId`, in which the bot has View Channel, Send Messages and Embed
 * Links. Otherwise a sentence for moderators that says what is wrong and how to fix it. Errors
 * that say nothing about the channel (network, 5xx) are thrown.
 */
export async function postableChannel(
  client: Client,
  guildId: string,
  where: PostingPlace,
  /** Permissions beyond posting (study pods: private threads) and what they are for, as in "I cannot <doing> <#channel>". */
  use: { needs?: readonly bigint[]; doing?: string } = {},
): Promise<PostableChannelResult> {
  const { channelId } = where;
  const fix = afterFix(where);
  let channel;
  try {
    channel = client.channels.cache.get(channelId) ?? (await client.channels.fetch(channelId));
  } catch (error) {
    const described = describeDiscordError(error, where);
    if (!described) throw error;
    return { ok: false, problem: described.sentence };
  }
  if (!channel || channel.isDMBased() || channel.guildId !== guildId) {
    return { ok: false, problem: `I cannot see <#${channelId}> (it was deleted, or I lack View Channel there). Give me View Channel there, ${fix}; or ${otherChannel(where)}.` };
  }
  if (channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement) {
    return { ok: false, problem: `<#${channelId}> is not a text or announcement channel, so I cannot post there: ${otherChannel(where)}.` };
  }
  const missing = missingBotPermissions(channel, use.needs);
  if (missing.length > 0) {
    return { ok: false, problem: `I cannot ${use.doing ?? 'post in'} <#${channelId}>: I am missing ${missing.join(', ')}. Fix the channel’s permissions for me, ${fix}.` };
  }
  return { ok: true, channel };
}
