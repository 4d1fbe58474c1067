import { DiscordAPIError, RESTJSONErrorCodes, TimestampStyles, time } from 'discord.js';
import type { ContentContext } from '../../src/context.js';
import { ensureOpenRun, type RunChange } from '../../src/db/queries/challenges.js';
import { findPost } from '../../src/db/queries/claims.js';
import { getMemberTimezone } from '../../src/db/queries/settings.js';
import type { GuildSettings } from '../../src/db/schema.js';
import { formatInZone, weekOf } from '../../src/domain/weeks.js';
import type { GuildChatInput, GuildComponent, Subcommand } from '../../src/discord/command.js';
import { UserError } from '../../src/errors.js';
import { announceChange, postDueChallengePosts, type ChallengePosterDeps } from '../../src/jobs/challenges.js';

/** /challenge's subcommands get the server's settings, read once. */
export type ChallengeSubcommand = Subcommand<[settings: GuildSettings], ContentContext>;

export function deadlineText(deadline: Date, zone: string): string {
  return `${formatInZone(deadline, zone)} (${time(deadline, TimestampStyles.RelativeTime)})`;
}

export async function memberZone(ctx: ContentContext, settings: GuildSettings, userId: string): Promise<string> {
  return (await getMemberTimezone(ctx.db, settings.guildId, userId)) ?? settings.timezone;
}

export async function currentRun(ctx: ContentContext, settings: GuildSettings) {
  const now = ctx.clock.now();
  const run = await ensureOpenRun(ctx.db, ctx.content, settings, now);
  if (!run) {
    const next = weekOf(now, settings.timezone, settings.challengesWeekStart).endsAt;
    throw new UserError(
      `No challenge is running right now. The next one starts with the new week, ${time(next, TimestampStyles.LongDateTime)} (${time(next, TimestampStyles.RelativeTime)}); moderators can start one sooner with \`/challenge start\`.`,
    );
  }
  return run;
}

export const titleOf = (ctx: ContentContext, id: string) => ctx.content.challengesById.get(id)?.title ?? id;

export function poster(interaction: GuildChatInput | GuildComponent, ctx: ContentContext): ChallengePosterDeps {
  return { ctx, client: interaction.client, owner: ctx.owner };
}

/** After a moderator changed the challenge: announce it (scheduled announcement if not out yet, else a change notice). */
export async function announce(interaction: GuildChatInput | GuildComponent, ctx: ContentContext, settings: GuildSettings, change: RunChange): Promise<string> {
  const channel = `<#${settings.challengesChannelId}>`;
  const announced = await findPost(ctx.db, { guildId: settings.guildId, kind: 'challenge_announce', period: change.run.weekStart });
  if (announced?.status === 'posted') {
    const changed = change.replaced && change.previousChallengeId === change.run.challengeId ? 'deadline' : 'challenge';
    const problem = await announceChange(poster(interaction, ctx), settings, change.run, changed);
    return problem ? `⚠️ But I could not announce it: ${problem}` : `Announced in ${channel}.`;
  }
  const outcomes = await postDueChallengePosts(poster(interaction, ctx), settings.guildId, ctx.clock.now());
  const failed = outcomes.find((o) => o.result === 'failed' || o.result === 'retry');
  if (failed) return `⚠️ But I could not announce it in ${channel} (${failed.error ?? 'unknown error'}). Check \`/setup show\`.`;
  return `Announced in ${channel}.`;
}

/**
 * DMs a member about a moderator's decision on their submission; a DM they do not accept never
 * undoes the decision. Returns a sentence for the moderator saying whether they were told.
 */
export async function tellMember(interaction: GuildChatInput, ctx: ContentContext, userId: string, text: string): Promise<string> {
  try {
    await interaction.client.users.send(userId, { content: text, allowedMentions: { parse: [] } });
    return 'I told them by DM.';
  } catch (error) {
    const code = error instanceof DiscordAPIError ? error.code : undefined;
    ctx.logger.warn({ err: error, guildId: interaction.guildId, targetUserId: userId, code }, 'could not DM a member about their challenge submission');
    return code === RESTJSONErrorCodes.CannotSendMessagesToThisUser
      ? '⚠️ I could not DM them: they do not accept DMs from me (Discord error 50007). The change stands; tell them yourself.'
      : `⚠️ I could not DM them just now${code ? ` (Discord error ${code})` : ''}. The change stands; tell them yourself.`;
  }
}
