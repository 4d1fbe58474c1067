/**
 * /setup rewards: milestone roles (add, remove, show, sync, announce). Hooked into /setup as a
 * subcommand group (commands/setup/index.ts); the granting itself is src/discord/rewards.ts.
 */
import { ChannelType, MessageFlags, type APIEmbed, type APIEmbedField, type Guild, type SlashCommandSubcommandGroupBuilder } from 'discord.js';
import type { Context } from '../../src/context.js';
import { logModeratorAction } from '../../src/db/queries/moderator-log.js';
import { announceSettings, clearRewardErrors, deleteReward, guildRewards, holderCounts, saveReward, setAnnounceChannel } from '../../src/db/queries/rewards.js';
import { MAX_THRESHOLD, REWARD_KINDS, REWARD_KIND_NAMES, milestoneText, type RewardKind } from '../../src/domain/rewards.js';
import { postableChannel } from '../../src/discord/channels.js';
import { canManageRoles, roleRefusal, syncRewards } from '../../src/discord/rewards.js';
import { colors } from '../../src/discord/views/theme.js';
import { UserError } from '../../src/errors.js';
import type { GuildChatInput } from '../../src/discord/command.js';

const MAX_REWARDS = 25; // one embed field each in /setup rewards show

const NO_MANAGE_ROLES =
  '⚠️ I am missing the **Manage Roles** permission, so I cannot hand out milestone roles. Give my role Manage Roles in Server Settings → Roles (it is in the invite link).';

/** Adds the `rewards` group to /setup. */
export function rewardsGroup(g: SlashCommandSubcommandGroupBuilder): SlashCommandSubcommandGroupBuilder {
  return g
    .setName('rewards')
    .setDescription('Milestone roles: a role for members who reach a milestone')
    .addSubcommand((s) =>
      s
        .setName('add')
        .setDescription('Give a role to members who reach a milestone')
        .addStringOption((o) =>
          o
            .setName('kind')
            .setDescription('What the milestone counts')
            .setRequired(true)
            .addChoices(...REWARD_KINDS.map((k) => ({ name: REWARD_KIND_NAMES[k], value: k }))),
        )
        .addIntegerOption((o) => o.setName('threshold').setDescription('How many (steps, tracks, days, submissions or hours)').setRequired(true).setMinValue(1).setMaxValue(MAX_THRESHOLD))
        .addRoleOption((o) => o.setName('role').setDescription('The role to give').setRequired(true))
        .addBooleanOption((o) => o.setName('remove_when_below').setDescription('Take the role away when the member falls below (e.g. a broken streak); default: keep it')),
    )
    .addSubcommand((s) =>
      s
        .setName('remove')
        .setDescription('Stop a milestone reward (members keep roles already given)')
        .addIntegerOption((o) => o.setName('reward').setDescription('The reward’s number in /setup rewards show').setRequired(true).setMinValue(1)),
    )
    .addSubcommand((s) => s.setName('show').setDescription('List the milestone rewards and any problem with them'))
    .addSubcommand((s) => s.setName('sync').setDescription('Re-apply every reward to every member now'))
    .addSubcommand((s) =>
      s
        .setName('announce')
        .setDescription('Where milestones are announced (one line, pings nobody)')
        .addChannelOption((o) => o.setName('channel').setDescription('Announcement channel').addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement))
        .addBooleanOption((o) => o.setName('off').setDescription('True to stop announcing')),
    );
}

const reply = (interaction: GuildChatInput, content: string, embeds: APIEmbed[] = []) =>
  interaction.reply({ content, embeds, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });

/** /setup rewards <sub>; the caller has checked that a moderator runs it. */
export async function executeRewards(interaction: GuildChatInput, ctx: Context): Promise<void> {
  try {
    await rewardsSubcommand(interaction, ctx);
  } finally {
    // Whatever changed, the next check-in in this server reads its rewards again (after the change).
    ctx.rewardless.delete(interaction.guildId);
  }
}

async function rewardsSubcommand(interaction: GuildChatInput, ctx: Context): Promise<void> {
  const guildId = interaction.guildId;
  const guild = interaction.guild;
  const sub = interaction.options.getSubcommand();
  const log = { guildId, userId: interaction.user.id, command: 'setup rewards', sub };
  switch (sub) {
    case 'add': {
      const kind = interaction.options.getString('kind', true) as RewardKind;
      if (!REWARD_KINDS.includes(kind)) throw new UserError('Pick a milestone kind from the list.');
      const threshold = interaction.options.getInteger('threshold', true);
      const option = interaction.options.getRole('role', true);
      const role = guild.roles.cache.get(option.id) ?? (await guild.roles.fetch(option.id).catch(() => null));
      if (!role) throw new UserError(`I cannot find <@&${option.id}> in this server.`);
      const refusal = roleRefusal(guild, role);
      if (refusal) throw new UserError(refusal);
      const existing = await guildRewards(ctx.db, guildId);
      const same = existing.find((r) => r.kind === kind && r.threshold === threshold && r.roleId === role.id);
      if (!same && existing.length >= MAX_REWARDS) throw new UserError(`A server can have up to ${MAX_REWARDS} milestone rewards. Remove one first (\`/setup rewards remove\`).`);
      const removeWhenBelow = interaction.options.getBoolean('remove_when_below') ?? false;
      const { reward, created } = await saveReward(ctx.db, { guildId, kind, threshold, roleId: role.id, removeWhenBelow, createdBy: interaction.user.id, now: ctx.clock.now() });
      ctx.logger.info({ ...log, rewardId: reward.id, kind, threshold, roleId: role.id, removeWhenBelow, created }, 'milestone reward saved');
      const lines = [
        `✅ ${created ? 'Added' : 'Updated'} reward #${reward.id}: ${milestoneText(kind, threshold)} → <@&${role.id}>, ${removeWhenBelow ? 'removed when the member falls below' : 'kept once given'}.`,
        'Members get it with their next check-in, step or submission; `/setup rewards sync` gives it to everyone who already qualifies.',
      ];
      if (kind === 'study_hours') lines.push('Study hours (voice study rooms and finished focus rounds) are checked at the member’s next check-in, step or submission, and by `/setup rewards sync`, not the moment a session ends.');
      if (!canManageRoles(guild)) lines.push(NO_MANAGE_ROLES);
      await reply(interaction, lines.join('\n'));
      return;
    }
    case 'remove': {
      const id = interaction.options.getInteger('reward', true);
      const removed = await deleteReward(ctx.db, { guildId, id, actorId: interaction.user.id, at: ctx.clock.now() });
      if (!removed) throw new UserError(`There is no reward #${id} in this server. \`/setup rewards show\` lists them with their numbers.`);
      await clearRewardErrors(ctx.db, guildId);
      ctx.logger.info({ ...log, rewardId: id, roleId: removed.roleId }, 'milestone reward removed');
      await reply(interaction, `🗑️ Removed reward #${id} (${milestoneText(removed.kind, removed.threshold)} → <@&${removed.roleId}>). Members who have the role keep it.`);
      return;
    }
    case 'show': {
      await reply(interaction, '', [await rewardsEmbed(ctx, guild)]);
      return;
    }
    case 'sync': {
      // Setup changed by running this: refused rewards are tried again.
      await clearRewardErrors(ctx.db, guildId);
      if (!canManageRoles(guild)) throw new UserError(NO_MANAGE_ROLES);
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      const startedAt = ctx.clock.now();
      // The roles change one member at a time on Discord, not in one transaction: the entry is
      // written when the sync ends, with what it did (or that it stopped part way).
      let counts: Awaited<ReturnType<typeof syncRewards>>;
      try {
        counts = await syncRewards(ctx, guild);
      } catch (error) {
        await logModeratorAction(ctx.db, { guildId, actorId: interaction.user.id, action: 'rewards.sync', details: { outcome: 'stopped', startedAt: startedAt.toISOString() }, at: ctx.clock.now() });
        throw error;
      }
      await logModeratorAction(ctx.db, { guildId, actorId: interaction.user.id, action: 'rewards.sync', details: { outcome: 'done', ...counts }, at: ctx.clock.now() });
      ctx.logger.info({ ...log, ...counts }, 'milestone rewards synced');
      const failed = counts.failed > 0 ? ` ⚠️ ${counts.failed} refused by Discord: see \`/setup rewards show\`.` : '';
      await interaction.editReply({
        content: `🔄 Synced ${counts.members} member${counts.members === 1 ? '' : 's'}: ${counts.granted} role${counts.granted === 1 ? '' : 's'} given, ${counts.removed} removed.${failed}`,
        allowedMentions: { parse: [] },
      });
      return;
    }
    case 'announce': {
      const channel = interaction.options.getChannel('channel');
      const off = interaction.options.getBoolean('off') === true;
      if (channel && off) throw new UserError('Give `channel` or `off: True`, not both.');
      if (!channel && !off) throw new UserError('Give the `channel` to announce milestones in, or `off: True` to stop.');
      if (channel) {
        const found = await postableChannel(interaction.client, guildId, { channelId: channel.id, setupCommand: '/setup rewards announce', resume: 'retry' });
        if (!found.ok) throw new UserError(found.problem);
      }
      await setAnnounceChannel(ctx.db, guildId, channel?.id ?? null, ctx.clock.now(), interaction.user.id);
      ctx.logger.info({ ...log, channelId: channel?.id ?? null }, 'milestone announcements changed');
      await reply(interaction, channel ? `📣 Milestones are announced in <#${channel.id}>: one line each, pinging nobody.` : '🔕 Milestones are no longer announced.');
      return;
    }
    default:
      throw new UserError('Unknown /setup rewards option.');
  }
}

/** The rewards and their problems: the body of /setup rewards show and a field of /setup show. */
async function rewardLines(ctx: Context, guild: Guild): Promise<{ rewards: string[]; problems: string[]; announce: string | null }> {
  const [rows, { channelId: announce, error: announceError }] = await Promise.all([guildRewards(ctx.db, guild.id), announceSettings(ctx.db, guild.id)]);
  const holders = await holderCounts(ctx.db, guild.id, rows.map((r) => r.id));
  const problems: string[] = [];
  if (rows.length > 0 && !canManageRoles(guild)) problems.push(NO_MANAGE_ROLES);
  const rewards = rows.map((r) => {
    const n = holders.get(r.id) ?? 0;
    const line = `#${r.id} ${milestoneText(r.kind, r.threshold)} → <@&${r.roleId}> (${r.removeWhenBelow ? 'removed when below' : 'kept'}; ${n} member${n === 1 ? '' : 's'})`;
    if (r.error) problems.push(`⚠️ #${r.id} stopped: ${r.error} Fix it, then run \`/setup rewards sync\` (or any \`/setup rewards\` change) to try again.`);
    return line;
  });
  if (announce && announceError) problems.push(`⚠️ The last milestone announcement did not go out: ${announceError}`);
  return { rewards, problems, announce };
}

function clip(lines: readonly string[], max = 1024): string {
  const text = lines.join('\n');
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

async function rewardsEmbed(ctx: Context, guild: Guild): Promise<APIEmbed> {
  const { rewards, problems, announce } = await rewardLines(ctx, guild);
  const fields: APIEmbedField[] = [
    { name: 'Rewards', value: rewards.length > 0 ? clip(rewards) : 'None yet. Add one with `/setup rewards add kind:… threshold:… role:@…`.' },
    { name: 'Announcements', value: announce ? `<#${announce}> (one line, pings nobody)` : 'off' },
  ];
  if (problems.length > 0) fields.push({ name: 'Problems', value: clip(problems) });
  return { color: colors.brand, title: 'Milestone roles', fields };
}

/** The /setup show field: the rewards in one line, and what is wrong (no Manage Roles, a refused grant). */
export async function rewardsSetupField(ctx: Context, guild: Guild | null): Promise<APIEmbedField | undefined> {
  if (!guild) return undefined;
  const { rewards, problems, announce } = await rewardLines(ctx, guild);
  if (rewards.length === 0 && problems.length === 0) return { name: 'Milestone roles', value: 'none (`/setup rewards add`)' };
  const summary = `${rewards.length} reward${rewards.length === 1 ? '' : 's'} (\`/setup rewards show\`) · announced ${announce ? `in <#${announce}>` : 'nowhere'}`;
  return { name: 'Milestone roles', value: clip([summary, ...problems]) };
}
