import { MessageFlags } from 'discord.js';
import { changeGuildSettings } from '../../src/db/queries/settings.js';
import { studyCuts } from '../../src/db/queries/study.js';
import type { GuildSettings } from '../../src/db/schema.js';
import type { Subcommand } from '../../src/discord/command.js';
import type { SettingChange } from './change.js';
import { settingsEmbed } from './show.js';
import { studyField } from './study.js';
import { upcoming } from './upcoming.js';

/** /setup's subcommands run with the settings as they were before. */
export type SetupSubcommand = Subcommand<[before: GuildSettings]>;

/** Runs a settings change: saves it with its moderator log entry, and replies with what is now set, the warnings and the settings embed. */
export function saveWith(change: SettingChange): SetupSubcommand {
  return async (interaction, ctx, before) => {
    const guildId = interaction.guildId;
    const sub = interaction.options.getSubcommand();
    const patch = await change.patch(interaction, before, ctx);
    const { saved, changes } = await changeGuildSettings(ctx.db, { guildId, patch, actorId: interaction.user.id, setting: sub, at: ctx.clock.now() });
    ctx.logger.info({ guildId, userId: interaction.user.id, setting: sub, patch, changed: Object.keys(changes) }, 'settings changed');
    const [next, cuts] = await Promise.all([upcoming(ctx, saved), studyCuts(ctx.db, guildId)]);
    const content = clipLines([`✅ Saved. ${change.nowSet(saved)}`, ...(change.warnings?.(saved, next, ctx, before, interaction) ?? [])]);
    const study = studyField(saved, cuts, ctx.config.STUDY_SESSION_CAP);
    const components = change.components?.(saved, next, ctx) ?? [];
    await interaction.reply({ content, embeds: [settingsEmbed(saved, next, [study])], components, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  };
}

function clipLines(lines: readonly string[]): string {
  const text = lines.filter(Boolean).join('\n');
  return text.length <= 2000 ? text : `${text.slice(0, 1999)}…`;
}
