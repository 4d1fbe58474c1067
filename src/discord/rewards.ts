/**
 * Milestone roles through discord.js: grants and removals for one member right after an activity
 * (applyRewards), and for every member of a server (syncRewards). Each grant is claimed in
 * member_rewards before the role is sent, so a role goes out at most once per member and reward,
 * whatever runs at the same time (two clicks, a sync, a second process, a restart).
 */
import { DiscordAPIError, PermissionFlagsBits, RESTJSONErrorCodes, type Client, type Guild, type Role } from 'discord.js';
import type { Context } from '../context.js';
import {
  announceSettings,
  claimGrant,
  guildRewards,
  heldRewards,
  memberFigures,
  releaseGrant,
  rewardCandidates,
  setAnnounceError,
  setRewardError,
} from '../db/queries/rewards.js';
import type { Reward } from '../db/schema.js';
import { postableChannel } from './channels.js';
import { describeDiscordError } from './errors.js';
import { milestoneText, rewardActions, type RewardRule } from '../domain/rewards.js';

export interface RewardCounts {
  members: number;
  granted: number;
  removed: number;
  /** grants or removals Discord refused (each reward then stops until setup changes) */
  failed: number;
}

const emptyCounts = (): RewardCounts => ({ members: 0, granted: 0, removed: 0, failed: 0 });

/**
 * Why the bot cannot hand out `role`, in the moderator's words, or null when it can: @everyone,
 * a role managed by an integration, or a role at or above the bot's highest role.
 */
export function roleRefusal(guild: Guild, role: Pick<Role, 'id' | 'managed'> & { position: number }): string | null {
  if (role.id === guild.id) return '`@everyone` cannot be a milestone role: every member already has it. Create a role for the milestone (e.g. @7-day-streak) and pick that.';
  if (role.managed)
    return `<@&${role.id}> is managed by an integration (a bot’s own role, the Server Booster role or a linked service): only Discord can hand it out. Pick a role you created.`;
  const me = guild.members.me;
  const highest = me?.roles.highest;
  const cached = guild.roles.cache.get(role.id);
  const above = highest ? (cached ? highest.comparePositionTo(cached) <= 0 : highest.position <= role.position) : true;
  if (above)
    return `<@&${role.id}> is at or above my highest role${highest ? ` (<@&${highest.id}>)` : ''}, so Discord will not let me hand it out. In Server Settings → Roles, drag my role above <@&${role.id}>, then run this again.`;
  return null;
}

/** Whether the bot has Manage Roles in the server (shown in /setup show when it does not). */
export function canManageRoles(guild: Guild): boolean {
  return guild.members.me?.permissions.has(PermissionFlagsBits.ManageRoles) ?? false;
}

/** What a Discord refusal of a role change means, for /setup show; null when it is not a lasting refusal. */
function refusalText(error: unknown, roleId: string): string | null {
  if (!(error instanceof DiscordAPIError)) return null;
  if (error.code === RESTJSONErrorCodes.MissingPermissions)
    return `Discord refused to change <@&${roleId}> (50013 Missing Permissions): I need Manage Roles, and my highest role must be above <@&${roleId}>.`;
  if (error.code === RESTJSONErrorCodes.UnknownRole) return `<@&${roleId}> no longer exists (10011 Unknown Role). Remove this reward or add it again with another role.`;
  if (error.code === RESTJSONErrorCodes.MissingAccess) return `Discord refused to change <@&${roleId}> (50001 Missing Access).`;
  return null;
}

const isUnknownMember = (error: unknown) => error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownMember;

const toRule = (r: Reward): RewardRule => ({ id: r.id, kind: r.kind, threshold: r.threshold, removeWhenBelow: r.removeWhenBelow, error: r.error });

/**
 * Brings one member's milestone roles up to date: grants what they reached, removes what they fell
 * below (rewards set to remove_when_below). Called right after an activity is recorded and its
 * reply sent; never throws (a failure is logged, and the reply has gone out already).
 */
export async function applyRewards(ctx: Context, client: Client, guildId: string, userId: string): Promise<RewardCounts> {
  try {
    if (ctx.rewardless.has(guildId)) return emptyCounts();
    const rules = await guildRewards(ctx.db, guildId);
    if (rules.length === 0) {
      ctx.rewardless.set(guildId, true);
      return emptyCounts();
    }
    const guild = client.guilds.cache.get(guildId);
    if (!guild) return emptyCounts();
    return await applyForMember(ctx, guild, rules, userId);
  } catch (error) {
    ctx.logger.error({ err: error, guildId, userId }, 'applying milestone roles failed');
    return emptyCounts();
  }
}

/**
 * Re-applies every reward of the server to every member Cohort knows there, one member after the
 * other: discord.js queues each request under Discord's rate limits (the role route's bucket and the
 * global limit), so a large server takes a while but is never rejected for going too fast.
 */
export async function syncRewards(ctx: Context, guild: Guild): Promise<RewardCounts> {
  const totals = emptyCounts();
  const userIds = await rewardCandidates(ctx.db, guild.id);
  for (const userId of userIds) {
    // Read again for each member: a refusal stops that reward for the members after it too.
    const rules = await guildRewards(ctx.db, guild.id);
    const counts = await applyForMember(ctx, guild, rules, userId);
    totals.members++;
    totals.granted += counts.granted;
    totals.removed += counts.removed;
    totals.failed += counts.failed;
  }
  ctx.logger.info({ guildId: guild.id, ...totals }, 'milestone roles synced');
  return totals;
}

async function applyForMember(ctx: Context, guild: Guild, rules: readonly Reward[], userId: string): Promise<RewardCounts> {
  const counts = emptyCounts();
  const member = { guildId: guild.id, userId };
  const now = ctx.clock.now();
  const content = await ctx.contents.forGuild(guild.id); // also from /checkin, whose context has only the built-in content
  const [figures, held] = await Promise.all([memberFigures(ctx.db, content, member, now), heldRewards(ctx.db, member)]);
  const byId = new Map(rules.map((r) => [r.id, r]));
  for (const action of rewardActions(figures, rules.map(toRule), held)) {
    const reward = byId.get(action.rewardId)!;
    const log = { guildId: guild.id, userId, roleId: reward.roleId, rewardId: reward.id, kind: reward.kind, threshold: reward.threshold };
    if (action.action === 'grant') {
      if (!(await claimGrant(ctx.db, member, reward, now))) continue; // someone else is granting it
      try {
        await guild.members.addRole({ user: userId, role: reward.roleId, reason: `Cohort milestone: ${milestoneText(reward.kind, reward.threshold)}` });
      } catch (error) {
        await releaseGrant(ctx.db, member, reward.id);
        if (isUnknownMember(error)) {
          ctx.logger.info(log, 'milestone role not granted: the member left the server');
          continue;
        }
        await refused(ctx, reward, error, log, now);
        counts.failed++;
        continue;
      }
      counts.granted++;
      ctx.logger.info(log, 'milestone role granted');
      await announce(ctx, guild, userId, reward);
    } else {
      try {
        await guild.members.removeRole({ user: userId, role: reward.roleId, reason: `Cohort milestone no longer reached: ${milestoneText(reward.kind, reward.threshold)}` });
      } catch (error) {
        if (!isUnknownMember(error)) {
          await refused(ctx, reward, error, log, now);
          counts.failed++;
          continue;
        }
      }
      await releaseGrant(ctx.db, member, reward.id);
      counts.removed++;
      ctx.logger.info(log, 'milestone role removed');
    }
  }
  return counts;
}

/** A lasting refusal stops the reward until setup changes; anything else (a 5xx, a timeout) is retried next time. */
async function refused(ctx: Context, reward: Reward, error: unknown, log: Record<string, unknown>, now: Date): Promise<void> {
  const text = refusalText(error, reward.roleId);
  if (text) {
    await setRewardError(ctx.db, reward.id, text, now);
    ctx.logger.warn({ ...log, err: error }, 'Discord refused a milestone role change; the reward stops until /setup rewards runs again');
  } else {
    ctx.logger.warn({ ...log, err: error }, 'milestone role change failed; retried on the next activity or sync');
  }
}

/**
 * One line in the announce channel, if one is set. It names the member and the role but pings
 * nobody. When it cannot go out, the reason is kept for /setup show (and logged); the next
 * announcement tries again and clears it.
 */
async function announce(ctx: Context, guild: Guild, userId: string, reward: Reward): Promise<void> {
  const { channelId, error } = await announceSettings(ctx.db, guild.id);
  if (!channelId) return;
  const where = { channelId, setupCommand: '/setup rewards announce', resume: 'automatic' } as const;
  let problem: string | null = null;
  try {
    const found = await postableChannel(guild.client, guild.id, where);
    if (!found.ok) problem = found.problem;
    else
      await found.channel.send({
        content: `🏅 <@${userId}> reached ${milestoneText(reward.kind, reward.threshold)} and now has <@&${reward.roleId}>.`,
        allowedMentions: { parse: [] },
      });
  } catch (sendError) {
    problem = describeDiscordError(sendError, where)?.sentence ?? 'Discord did not take the message (a network or server error); the next one will try again.';
    ctx.logger.warn({ err: sendError, guildId: guild.id, userId, channelId, rewardId: reward.id }, 'milestone announcement failed');
  }
  if (problem) ctx.logger.warn({ guildId: guild.id, userId, channelId, rewardId: reward.id, problem }, 'milestone announcement not sent');
  if (problem !== error) await setAnnounceError(ctx.db, guild.id, problem, ctx.clock.now());
}
