import type { SlashCommandSubcommandBuilder } from 'discord.js';
import type { GuildSettingsPatch } from '../../src/db/queries/settings.js';
import { parseTimeOfDay } from '../../src/domain/timezones.js';
import { UserError } from '../../src/errors.js';
import type { SettingChange } from './change.js';
import { checkedChannel, checkZone, pingedRole, pingRoleChange, textChannels } from './shared.js';
import { promptDueNow } from './upcoming.js';

/** `/setup prompts [channel] [time] [timezone] [ping_role] [clear_ping_role] [enabled]`: the daily topic prompt. */
export function promptsSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('prompts')
    .setDescription('Where and when the daily topic prompt is posted (what you leave out stays as it is)')
    .addChannelOption((o) => o.setName('channel').setDescription('Study channel (needed the first time)').addChannelTypes(...textChannels))
    .addStringOption((o) => o.setName('time').setDescription('Local time HH:MM, e.g. 18:30 (needed the first time)').setMaxLength(5))
    .addStringOption((o) => o.setName('timezone').setDescription('Time zone of that time (default: the server’s)').setAutocomplete(true).setMaxLength(64))
    .addRoleOption((o) => o.setName('ping_role').setDescription('Role to mention with each prompt (default: none)'))
    .addBooleanOption((o) => o.setName('clear_ping_role').setDescription('True to stop mentioning a role'))
    .addBooleanOption((o) => o.setName('enabled').setDescription('Post prompts (on by default the first time)'));
}

export const prompts: SettingChange = {
  async patch(interaction, before) {
    const options = interaction.options;
    // What is left out stays as it is; the first time, channel and time are needed.
    const first = !before.promptsChannelId || !before.promptsTime;
    const channel = options.getChannel('channel');
    const time = options.getString('time');
    if (first && (!channel || time === null))
      throw new UserError('The first time, give both `channel` and `time`, e.g. `/setup prompts channel:#study time:18:00`. Later you can change one setting at a time.');
    const patch: GuildSettingsPatch = {
      // Checked again when left out: running /setup prompts is how a stopped setup resumes.
      promptsChannelId: await checkedChannel(interaction, channel?.id ?? before.promptsChannelId!),
      promptsBrokenReason: null,
    };
    if (time !== null) {
      const parsed = parseTimeOfDay(time);
      if (!parsed) throw new UserError(`“${time.slice(0, 10)}” is not a time. Use 24-hour HH:MM, e.g. 07:30 or 18:00.`);
      patch.promptsTime = `${String(parsed.hour).padStart(2, '0')}:${String(parsed.minute).padStart(2, '0')}`;
    }
    const timezone = options.getString('timezone');
    if (timezone !== null) patch.promptsTimezone = checkZone(timezone);
    const ping = pingRoleChange(interaction, interaction.guildId);
    if (ping !== undefined) patch.promptsPingRoleId = ping;
    const enabled = options.getBoolean('enabled');
    if (enabled !== null) patch.promptsEnabled = enabled;
    else if (first) patch.promptsEnabled = true;
    return patch;
  },

  nowSet: (s) =>
    `Daily prompts are **${s.promptsEnabled ? 'on' : 'off'}**: <#${s.promptsChannelId}> at ${s.promptsTime} (${s.promptsTimezone ?? `${s.timezone}, the server’s`}), pinging ${pingedRole(s.promptsPingRoleId)}.`,

  warnings: (s, next, ctx) => [
    ...(s.promptsEnabled ? [] : ['Prompts are off, so none is posted. Run `/setup prompts enabled:True` to turn them on.']),
    ...promptDueNow(next, ctx),
  ],
};
