import type { SlashCommandSubcommandBuilder } from 'discord.js';
import type { GuildSettingsPatch } from '../../src/db/queries/settings.js';
import { MAX_FREEZE_CAP } from '../../src/domain/streaks.js';
import { UserError } from '../../src/errors.js';
import type { SettingChange } from './change.js';
import { checkZone } from './shared.js';
import { challengePostDueNow, promptDueNow } from './upcoming.js';

/** `/setup streaks [timezone] [rollover_hour] [freeze_cap]`. */
export function streaksSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('streaks')
    .setDescription('Server time zone, rollover hour and freeze cap for streaks')
    .addStringOption((o) => o.setName('timezone').setDescription('IANA time zone, e.g. Europe/Berlin').setAutocomplete(true).setMaxLength(64))
    .addIntegerOption((o) => o.setName('rollover_hour').setDescription('Check-ins before this hour count for the day before (0-23, default 4)').setMinValue(0).setMaxValue(23))
    .addIntegerOption((o) => o.setName('freeze_cap').setDescription(`How many streak freezes a member can hold (0-${MAX_FREEZE_CAP}, default 2)`).setMinValue(0).setMaxValue(MAX_FREEZE_CAP));
}

export const streaks: SettingChange = {
  patch(interaction) {
    const options = interaction.options;
    const patch: GuildSettingsPatch = {};
    const timezone = options.getString('timezone');
    if (timezone !== null) patch.timezone = checkZone(timezone);
    const rollover = options.getInteger('rollover_hour');
    if (rollover !== null) patch.rolloverHour = rollover;
    const cap = options.getInteger('freeze_cap');
    if (cap !== null) patch.freezeCap = cap;
    if (Object.keys(patch).length === 0) throw new UserError('Give at least one of `timezone`, `rollover_hour` or `freeze_cap`.');
    return patch;
  },

  nowSet: (s) => `Streaks: time zone ${s.timezone}, a new day starts at ${String(s.rolloverHour).padStart(2, '0')}:00, up to ${s.freezeCap} freezes.`,

  // A new zone moves the prompt time (unless prompts have their own zone) and the challenge week:
  // then say what goes out right now. Other changes move neither, so they repeat no warning.
  warnings: (s, next, ctx, before) =>
    s.timezone === before.timezone ? [] : [...(s.promptsTimezone ? [] : promptDueNow(next, ctx)), ...challengePostDueNow(s, next)],
};
