import type { SlashCommandSubcommandBuilder } from 'discord.js';
import { LOG_RETENTION_DEFAULT_DAYS, LOG_RETENTION_MAX_DAYS, LOG_RETENTION_MIN_DAYS } from '../../src/domain/moderator-actions.js';
import type { SettingChange } from './change.js';

/** `/setup log-retention days`: how long the moderator log (/admin log) keeps its entries. */
export function logRetentionSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('log-retention')
    .setDescription('How long the moderator log (/admin log) keeps entries; older ones are deleted daily')
    .addIntegerOption((o) =>
      o
        .setName('days')
        .setDescription(`Days to keep entries (${LOG_RETENTION_MIN_DAYS}–${LOG_RETENTION_MAX_DAYS}; default ${LOG_RETENTION_DEFAULT_DAYS})`)
        .setRequired(true)
        .setMinValue(LOG_RETENTION_MIN_DAYS)
        .setMaxValue(LOG_RETENTION_MAX_DAYS),
    );
}

export const logRetention: SettingChange = {
  patch: (interaction) => ({ logRetentionDays: interaction.options.getInteger('days', true) }),
  nowSet: (s) => `The moderator log keeps entries for ${retentionText(s.logRetentionDays)}; older ones are deleted once a day.`,
};

export function retentionText(days: number): string {
  return days % 365 === 0 ? `${days / 365} year${days === 365 ? '' : 's'} (${days} days)` : `${days} days`;
}
