import { ButtonStyle, TimestampStyles, time, type SlashCommandSubcommandBuilder } from 'discord.js';
import { openRun } from '../../src/db/queries/challenges.js';
import type { GuildSettingsPatch } from '../../src/db/queries/settings.js';
import { formatTimeLeft, lessThanHalfLeft, weekOf } from '../../src/domain/weeks.js';
import { customId } from '../../src/discord/command.js';
import { actionRow, button } from '../../src/discord/views/parts.js';
import type { GuildChatInput } from '../../src/discord/command.js';
import { winnerRoleProblem, winnerRoleRefusal } from '../../src/discord/winner-role.js';
import { UserError } from '../../src/errors.js';
import type { SettingChange } from './change.js';
import { checkedChannel, pingedRole, pingRoleChange, textChannels, WEEKDAYS } from './shared.js';
import { challengeDueNow } from './upcoming.js';

/** `/setup challenges [channel] [ping_role] [clear_ping_role] [week_start] [enabled]`: the weekly Kaggle challenge. */
export function challengesSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('challenges')
    .setDescription('Where the weekly Kaggle challenge is run (what you leave out stays as it is)')
    .addChannelOption((o) => o.setName('channel').setDescription('Challenge channel (needed the first time)').addChannelTypes(...textChannels))
    .addRoleOption((o) => o.setName('ping_role').setDescription('Role to mention in announcements (default: none)'))
    .addBooleanOption((o) => o.setName('clear_ping_role').setDescription('True to stop mentioning a role'))
    .addIntegerOption((o) =>
      o
        .setName('week_start')
        .setDescription('First day of the challenge week (default Monday)')
        .addChoices(...WEEKDAYS.map((name, value) => ({ name, value }))),
    )
    .addBooleanOption((o) => o.setName('enabled').setDescription('Run weekly challenges (on by default the first time)'))
    .addRoleOption((o) => o.setName('winner_role').setDescription('Role the week’s winners hold until the next recap (default: none)'))
    .addBooleanOption((o) => o.setName('clear_winner_role').setDescription('True to stop giving a winner role'));
}

/** The winner role this run sets: a role id, null (cleared) or undefined (left as it is). Refuses a role the bot could never give. */
function winnerRoleChange(interaction: GuildChatInput): string | null | undefined {
  const role = interaction.options.getRole('winner_role');
  const clear = interaction.options.getBoolean('clear_winner_role') === true;
  if (role && clear) throw new UserError('Give `winner_role` or `clear_winner_role: True`, not both.');
  if (clear) return null;
  if (!role) return undefined;
  const refusal = winnerRoleRefusal(interaction.guild, role);
  if (refusal) throw new UserError(refusal);
  return role.id;
}

export const challenges: SettingChange = {
  async patch(interaction, before, ctx) {
    const options = interaction.options;
    const first = !before.challengesChannelId;
    const channel = options.getChannel('channel');
    if (first && !channel) throw new UserError('The first time, give the `channel` the weekly challenge runs in, e.g. `/setup challenges channel:#kaggle`.');
    const patch: GuildSettingsPatch = {
      challengesChannelId: await checkedChannel(interaction, channel?.id ?? before.challengesChannelId!),
      challengesBrokenReason: null,
    };
    const ping = pingRoleChange(interaction, interaction.guildId);
    if (ping !== undefined) patch.challengesPingRoleId = ping;
    const weekStart = options.getInteger('week_start');
    if (weekStart !== null) patch.challengesWeekStart = weekStart;
    const winner = winnerRoleChange(interaction);
    if (winner !== undefined) patch.challengesWinnerRoleId = winner;
    // Running /setup challenges again is how a failed move of the winner role is retried.
    patch.challengesWinnerRoleError = null;
    const enabled = options.getBoolean('enabled');
    if (enabled !== null) patch.challengesEnabled = enabled;
    else if (first) patch.challengesEnabled = true;
    // Turned on (or its weeks moved) with no run going: a week with less than half left is not
    // started on its own; the first run is next week's (the reply offers to start now anyway).
    const turningOn = patch.challengesEnabled === true && (first || !before.challengesEnabled);
    const weeksMoved = patch.challengesWeekStart !== undefined && patch.challengesWeekStart !== before.challengesWeekStart;
    const now = ctx.clock.now();
    if ((turningOn || weeksMoved) && !(await openRun(ctx.db, interaction.guildId, now))) {
      const week = weekOf(now, before.timezone, patch.challengesWeekStart ?? before.challengesWeekStart);
      patch.challengesFirstWeekAt = lessThanHalfLeft(week, now) ? week.endsAt : null;
    }
    return patch;
  },

  nowSet: (s) =>
    `Weekly challenges are **${s.challengesEnabled ? 'on' : 'off'}**: <#${s.challengesChannelId}>, weeks start on ${WEEKDAYS[s.challengesWeekStart] ?? 'Monday'} (${s.timezone}), pinging ${pingedRole(s.challengesPingRoleId)}${s.challengesWinnerRoleId ? `; the week’s winners get <@&${s.challengesWinnerRoleId}> until the next recap` : ''}.`,

  warnings: (s, next, ctx, before, interaction) => [
    ...(s.challengesEnabled ? [] : ['Weekly challenges are off, so nothing is posted. Run `/setup challenges enabled:True` to turn them on.']),
    ...winnerRoleWarnings(s, interaction),
    ...firstWeekLater(s, next, ctx.clock.now()),
    ...challengeDueNow(s, next),
  ],

  components: (s, next) => (next.challenge?.firstWeekLater ? [startAnywayRow()] : []),
};

/** What would stop the winner role from moving at the next recap, said now. */
function winnerRoleWarnings(s: { challengesWinnerRoleId: string | null }, interaction: GuildChatInput | undefined): string[] {
  if (!s.challengesWinnerRoleId || !interaction) return [];
  const problem = winnerRoleProblem(interaction.guild, s.challengesWinnerRoleId);
  return problem ? [`⚠️ The winner role will not be given: ${problem}`] : [];
}

/** The notice when this week is left out: when the first challenge starts, and how to start one now. */
function firstWeekLater(s: { timezone: string; challengesWeekStart: number }, next: Parameters<NonNullable<SettingChange['warnings']>>[1], now: Date): string[] {
  const c = next.challenge;
  if (!c?.firstWeekLater) return [];
  const week = weekOf(now, s.timezone, s.challengesWeekStart);
  return [
    `📅 Less than half of this challenge week is left (${formatTimeLeft(week.endsAt.getTime() - now.getTime())}), so the first challenge starts with the next week: it is announced ${time(c.dueAt, TimestampStyles.LongDateTime)} (${time(c.dueAt, TimestampStyles.RelativeTime)}). To run one this week anyway, until ${time(week.endsAt, TimestampStyles.LongDateTime)}, press **Start this week anyway** (or pick one with \`/challenge start\`).`,
  ];
}

/** The button that starts this week's challenge now (commands/challenge/start.ts startNowButton). */
export function startAnywayRow() {
  return actionRow(button({ customId: customId('challenge', 'start-now'), label: 'Start this week anyway', style: ButtonStyle.Secondary, emoji: '▶️' }));
}
