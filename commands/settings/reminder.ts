import { MessageFlags, type SlashCommandSubcommandGroupBuilder } from 'discord.js';
import type { Context } from '../../src/context.js';
import { setReminder } from '../../src/db/queries/reminders.js';
import { memberDayRules } from '../../src/db/queries/streaks.js';
import type { DmButtonHandler, GuildChatInput } from '../../src/discord/command.js';
import { reminderSettingsView } from '../../src/discord/views/reminders.js';
import { parseTimeOfDay } from '../../src/domain/timezones.js';
import { UserError } from '../../src/errors.js';

/** `/settings reminder on [time]` and `/settings reminder off`: the opt-in streak reminder DM (and moderators' nudges). */
export function reminderGroup(group: SlashCommandSubcommandGroupBuilder): SlashCommandSubcommandGroupBuilder {
  return group
    .setName('reminder')
    .setDescription('A DM on days your streak is at risk, at a time you choose')
    .addSubcommand((s) =>
      s
        .setName('on')
        .setDescription('Turn the streak reminder on (time in your time zone)')
        .addStringOption((o) => o.setName('time').setDescription('Local time HH:MM, 24-hour (default 20:00, or what you chose before)').setMaxLength(5)),
    )
    .addSubcommand((s) => s.setName('off').setDescription('Turn the streak reminder (and moderators’ nudges) off'));
}

export async function executeReminder(interaction: GuildChatInput, ctx: Context): Promise<void> {
  const member = { guildId: interaction.guildId, userId: interaction.user.id };
  const on = interaction.options.getSubcommand() === 'on';
  const rawTime = interaction.options.getString('time');
  let time: string | undefined;
  if (rawTime !== null) {
    const parsed = parseTimeOfDay(rawTime);
    if (!parsed) throw new UserError(`“${rawTime.slice(0, 5)}” is not a time. Give it as HH:MM, 24-hour, e.g. 19:30 or 21:00.`);
    time = `${String(parsed.hour).padStart(2, '0')}:${String(parsed.minute).padStart(2, '0')}`;
  }
  const settings = await setReminder(ctx.db, member, { enabled: on, ...(time ? { time } : {}) }, ctx.clock.now());
  const { zone } = await memberDayRules(ctx.db, member);
  ctx.logger.info({ ...member, enabled: settings.enabled, time: settings.time }, 'reminder settings changed');
  await interaction.reply({ content: reminderSettingsView(settings, zone), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}

const SNOWFLAKE = /^\d{17,20}$/;

/**
 * The reminder and nudge DMs' Stop these button (`settings:reminder-stop:<guild id>`), pressed in a
 * DM: the guild comes from the custom id. It only ever turns off the presser's own reminder.
 */
export const stopReminder: DmButtonHandler = async (interaction, ctx, args) => {
  const guildId = interaction.guildId ?? args[0] ?? '';
  if (!SNOWFLAKE.test(guildId)) throw new UserError('This button has expired. Use `/settings reminder off` in the server.');
  await setReminder(ctx.db, { guildId, userId: interaction.user.id }, { enabled: false }, ctx.clock.now());
  ctx.logger.info({ guildId, userId: interaction.user.id }, 'reminder stopped from its DM');
  await interaction.reply({
    content: '✅ Streak reminders are off: no more of these, and no nudges. Turn them back on with `/settings reminder on` in the server.',
    allowedMentions: { parse: [] },
  });
};
