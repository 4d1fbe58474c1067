import type { SlashCommandSubcommandBuilder } from 'discord.js';
import type { GuildSettingsPatch } from '../../src/db/queries/settings.js';
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
    .addBooleanOption((o) => o.setName('enabled').setDescription('Run weekly challenges (on by default the first time)'));
}

export const challenges: SettingChange = {
  async patch(interaction, before) {
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
    const enabled = options.getBoolean('enabled');
    if (enabled !== null) patch.challengesEnabled = enabled;
    else if (first) patch.challengesEnabled = true;
    return patch;
  },

  nowSet: (s) =>
    `Weekly challenges are **${s.challengesEnabled ? 'on' : 'off'}**: <#${s.challengesChannelId}>, weeks start on ${WEEKDAYS[s.challengesWeekStart] ?? 'Monday'} (${s.timezone}), pinging ${pingedRole(s.challengesPingRoleId)}.`,

  warnings: (s, next) => [
    ...(s.challengesEnabled ? [] : ['Weekly challenges are off, so nothing is posted. Run `/setup challenges enabled:True` to turn them on.']),
    ...challengeDueNow(s, next),
  ],
};
