import { DiscordAPIError, MessageFlags } from 'discord.js';
import type { Context } from '../src/context.js';
import { behindInCohorts, breakingTonight, inactiveMembers, lastActive } from '../src/db/queries/members.js';
import { claimNudge, getReminderSettings, markReminderDmClosed, nudgeFailed, nudgeSent, nudgeStates } from '../src/db/queries/reminders.js';
import { type Command, type GuildComponent, guildCommand } from '../src/discord/command.js';
import { MODERATOR_PERMISSIONS, requireModerator } from '../src/discord/permissions.js';
import { AT_RISK_PAGE_SIZE, atRiskView, nudgeRefusalText, RISK_SECTIONS, type AtRiskEntry, type RiskSection } from '../src/discord/views/members.js';
import { nudgeMessage } from '../src/discord/views/reminders.js';
import { INACTIVE_DAYS, nudgeRefusal } from '../src/domain/reminders.js';
import { UserError } from '../src/errors.js';

const MAX_DAYS = 365;
const SNOWFLAKE = /^\d{17,20}$/;
/** Discord's "Cannot send messages to this user": the member's DMs are closed to the bot. */
const DMS_CLOSED = 50007;

/** `/members at-risk [days]` (moderators): who may need a hand, and a gentle nudge for those who asked for reminders. */
export const members: Command = {
  data: guildCommand('members', 'Moderators: members who may need a hand')
    .setDefaultMemberPermissions(MODERATOR_PERMISSIONS)
    .addSubcommand((s) =>
      s
        .setName('at-risk')
        .setDescription('Streaks that break tonight, inactive members and members behind in a cohort')
        .addIntegerOption((o) => o.setName('days').setDescription(`Inactive for at least this many days (default ${INACTIVE_DAYS})`).setMinValue(1).setMaxValue(MAX_DAYS)),
    )
    .toJSON(),

  async execute(interaction, ctx) {
    await requireModerator(interaction, ctx);
    const days = interaction.options.getInteger('days') ?? INACTIVE_DAYS;
    await interaction.reply({ ...(await atRiskPage(interaction, ctx, 'tonight', days, 0)), flags: MessageFlags.Ephemeral });
  },

  components: {
    /** members:risk:<section>:<days>:<page>, the pager. */
    async risk(interaction, ctx, args) {
      if (!interaction.isButton()) return;
      await requireModerator(interaction, ctx);
      const { section, days, page } = listArgs(args);
      await interaction.update(await atRiskPage(interaction, ctx, section, days, page));
    },
    /** members:section:<section>:<days>, a section's first page. */
    async section(interaction, ctx, args) {
      if (!interaction.isButton()) return;
      await requireModerator(interaction, ctx);
      const { section, days } = listArgs(args);
      await interaction.update(await atRiskPage(interaction, ctx, section, days, 0));
    },
    /** members:nudge:<section>:<days>:<page>, the nudge menu: the chosen member gets a gentle DM if they may. */
    async nudge(interaction, ctx) {
      if (!interaction.isStringSelectMenu()) return;
      await requireModerator(interaction, ctx);
      const userId = interaction.values[0] ?? '';
      if (!SNOWFLAKE.test(userId)) throw new UserError('That is not a member I can nudge. Run `/members at-risk` again.');
      await interaction.reply({ content: await nudge(interaction, ctx, userId), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    },
  },
};

function listArgs(args: string[]): { section: RiskSection; days: number; page: number } {
  const section = RISK_SECTIONS.find((s) => s === args[0]);
  const days = Number.parseInt(args[1] ?? '', 10);
  const page = Number.parseInt(args[2] ?? '0', 10);
  if (!section || !Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw new UserError('This button has expired. Run `/members at-risk` again.');
  return { section, days, page: Number.isInteger(page) && page >= 0 ? page : 0 };
}

/** One page of one section, with the counts of all three (each list is a few indexed queries for the server). */
async function atRiskPage(interaction: Pick<GuildComponent, 'guildId' | 'guild'>, ctx: Context, section: RiskSection, days: number, page: number) {
  const { guildId } = interaction;
  const now = ctx.clock.now();
  const [tonight, inactive, behind] = await Promise.all([breakingTonight(ctx.db, guildId, now), inactiveMembers(ctx.db, guildId, now, days), behindInCohorts(ctx.db, guildId, now)]);
  const lists: Record<RiskSection, AtRiskEntry[]> = { tonight, inactive, behind };
  const list = lists[section];
  const last = Math.max(0, Math.ceil(list.length / AT_RISK_PAGE_SIZE) - 1);
  const shown = Math.min(page, last);
  const entries = list.slice(shown * AT_RISK_PAGE_SIZE, (shown + 1) * AT_RISK_PAGE_SIZE);
  const ids = entries.map((e) => e.userId);
  const [active, nudges] = await Promise.all([lastActive(ctx.db, guildId, ids), nudgeStates(ctx.db, guildId, ids)]);
  return atRiskView({
    section,
    days,
    page: shown,
    counts: { tonight: tonight.length, inactive: inactive.length, behind: behind.length },
    entries,
    lastActive: active,
    nudges,
    nameOf: (userId) => interaction.guild.members.cache.get(userId)?.displayName ?? `member ${userId}`,
  });
}

/**
 * Claims the nudge (the weekly gate, the nudge row and its moderator log entry, in one transaction),
 * then sends the DM. Refusals say why; a DM that does not go out gives the week back and says so.
 */
async function nudge(interaction: GuildComponent, ctx: Context, userId: string): Promise<string> {
  const member = { guildId: interaction.guildId, userId };
  const now = ctx.clock.now();
  const claimed = await claimNudge(ctx.db, member, interaction.user.id, now);
  if (!claimed) {
    const refusal = nudgeRefusal(await getReminderSettings(ctx.db, member), now);
    // The gate closed between the update and this read (another moderator's nudge just went out): too soon.
    throw new UserError(nudgeRefusalText(userId, refusal ?? { kind: 'too-soon', nextAt: new Date(now.getTime() + 7 * 86_400_000) }));
  }
  try {
    const dm = await interaction.client.users.createDM(userId);
    const message = await dm.send({ ...nudgeMessage({ id: interaction.guildId, name: interaction.guild.name }), nonce: `nudge-${claimed.nudge.id}`, enforceNonce: true });
    await nudgeSent(ctx.db, claimed.nudge.id, message.id);
  } catch (error) {
    const code = error instanceof DiscordAPIError ? error.code : undefined;
    await nudgeFailed(ctx.db, claimed.nudge, claimed.previous, error instanceof Error ? error.message : String(error));
    if (code === DMS_CLOSED) {
      await markReminderDmClosed(ctx.db, member, now);
      ctx.notices.add(member);
      throw new UserError(`<@${userId}>’s DMs from this server are closed, so the nudge was not sent (their week is not used up). They will be told once, on their next command.`);
    }
    ctx.logger.warn({ err: error, ...member }, 'nudge DM not sent');
    throw new UserError(`Discord did not take the nudge to <@${userId}>, so nothing was sent (their week is not used up). Try again in a minute.`);
  }
  ctx.logger.info({ ...member, actorId: interaction.user.id, nudgeId: claimed.nudge.id }, 'member nudged');
  return `✅ Nudge sent to <@${userId}>. They can get the next one in a week at the earliest.`;
}
