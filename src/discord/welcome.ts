import { ChannelType, type APIEmbed, type Guild, type GuildTextBasedChannel } from 'discord.js';
import type { Context } from '../context.js';
import { claimWelcome, releaseWelcome } from '../db/queries/welcome.js';
import { missingBotPermissions } from './permissions.js';
import { colors } from './views/theme.js';

export type WelcomeOutcome = 'posted' | 'already_welcomed' | 'no_channel' | 'failed';

/**
 * Posts the one welcome message of a server the bot just joined: in the system channel, else in
 * the first text channel it may write in. The claim (guild_settings.welcomed_at) is taken before
 * posting, atomically, so reconnects and parallel processes never post twice; it is given back
 * when nothing could be posted.
 */
export async function welcomeGuild(guild: Guild, ctx: Context): Promise<WelcomeOutcome> {
  const log = ctx.logger.child({ guildId: guild.id });
  const now = ctx.clock.now();
  if (!(await claimWelcome(ctx.db, guild.id, now))) {
    log.debug('server already welcomed');
    return 'already_welcomed';
  }
  const channel = welcomeChannel(guild);
  if (!channel) {
    await releaseWelcome(ctx.db, guild.id, now);
    log.warn('joined a server but may not post in any text channel; no welcome sent');
    return 'no_channel';
  }
  try {
    await channel.send({ embeds: [welcomeEmbed()] });
    log.info({ channelId: channel.id }, 'welcome message posted');
    return 'posted';
  } catch (error) {
    await releaseWelcome(ctx.db, guild.id, now);
    log.warn({ err: error, channelId: channel.id }, 'could not post the welcome message');
    return 'failed';
  }
}

function welcomeChannel(guild: Guild): GuildTextBasedChannel | undefined {
  const canPost = (c: GuildTextBasedChannel) => missingBotPermissions(c).length === 0;
  const system = guild.systemChannel;
  if (system && canPost(system)) return system;
  return [...guild.channels.cache.values()]
    .filter((c): c is GuildTextBasedChannel & { rawPosition: number } => c.type === ChannelType.GuildText || c.type === ChannelType.GuildAnnouncement)
    .sort((a, b) => a.rawPosition - b.rawPosition || (BigInt(a.id) < BigInt(b.id) ? -1 : 1))
    .find(canPost);
}

function welcomeEmbed(): APIEmbed {
  return {
    color: colors.brand,
    title: '👋 Thanks for adding Cohort',
    description: [
      'Cohort runs your ML study group: a roadmap with a next step for everyone, daily check-ins and streaks, daily topic prompts and weekly Kaggle challenges.',
      '',
      '**Moderators, to start:**',
      '1. `/setup prompts` — the channel and time for the daily topic prompt',
      '2. `/setup challenges` — the channel for the weekly challenge',
      '3. `/setup show` — check what is still missing',
      '',
      '**Everyone:** `/next` shows your next step; `/help` lists every command.',
    ].join('\n'),
  };
}
