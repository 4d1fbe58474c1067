import { MessageFlags, type SlashCommandSubcommandGroupBuilder } from 'discord.js';
import type { Context } from '../../src/context.js';
import { digestRows, setDigest } from '../../src/db/queries/digest.js';
import { memberDayRules } from '../../src/db/queries/streaks.js';
import type { DmButtonHandler, GuildChatInput } from '../../src/discord/command.js';
import { digestSettingsView } from '../../src/discord/views/digest.js';
import { DAY_NAMES, digestWeeksToCheck, firstDigestAfter } from '../../src/domain/digest.js';
import { isValidTimeZone, parseTimeOfDay } from '../../src/domain/timezones.js';
import { UserError } from '../../src/errors.js';
import { DIGEST_CLAIM_STALE_MS } from '../../src/jobs/digest.js';
import { isSettled } from '../../src/jobs/fan-out.js';

/** `/settings digest on [day] [time]` and `/settings digest off`: the opt-in weekly digest DM. */
export function digestGroup(group: SlashCommandSubcommandGroupBuilder): SlashCommandSubcommandGroupBuilder {
  return group
    .setName('digest')
    .setDescription('A weekly DM with your progress, streak, next step and the challenge')
    .addSubcommand((s) =>
      s
        .setName('on')
        .setDescription('Turn the weekly digest on (day and time in your time zone)')
        .addIntegerOption((o) =>
          o
            .setName('day')
            .setDescription('Which day (default Monday, or what you chose before)')
            .addChoices(...DAY_NAMES.map((name, value) => ({ name, value }))),
        )
        .addStringOption((o) => o.setName('time').setDescription('Local time HH:MM, 24-hour (default 09:00, or what you chose before)').setMaxLength(5)),
    )
    .addSubcommand((s) => s.setName('off').setDescription('Turn the weekly digest off'));
}

export async function executeDigest(interaction: GuildChatInput, ctx: Context): Promise<void> {
  const member = { guildId: interaction.guildId, userId: interaction.user.id };
  const on = interaction.options.getSubcommand() === 'on';
  const day = interaction.options.getInteger('day') ?? undefined;
  const rawTime = interaction.options.getString('time');
  let time: string | undefined;
  if (rawTime !== null) {
    const parsed = parseTimeOfDay(rawTime);
    if (!parsed) throw new UserError(`“${rawTime.slice(0, 5)}” is not a time. Give it as HH:MM, 24-hour, e.g. 09:00 or 18:30.`);
    time = `${String(parsed.hour).padStart(2, '0')}:${String(parsed.minute).padStart(2, '0')}`;
  }
  const now = ctx.clock.now();
  const settings = await setDigest(ctx.db, member, { enabled: on, ...(day !== undefined ? { day } : {}), ...(time ? { time } : {}) }, now);
  const { zone } = await memberDayRules(ctx.db, member);
  const parsed = parseTimeOfDay(settings.time);
  let next: Date | undefined;
  if (settings.enabled && parsed && isValidTimeZone(zone)) {
    // The one the job will send: not one in a week that already had its digest (the day moved within the week).
    const schedule = { day: settings.day, time: parsed, zone };
    const rows = (await digestRows(ctx.db, [member.guildId], digestWeeksToCheck(now, schedule))).filter((r) => r.userId === member.userId);
    const done = new Set(rows.filter((r) => isSettled(r, now, DIGEST_CLAIM_STALE_MS)).map((r) => r.week));
    next = firstDigestAfter(now, schedule, done).dueAt;
  }
  ctx.logger.info({ guildId: member.guildId, userId: member.userId, enabled: settings.enabled, day: settings.day, time: settings.time }, 'digest settings changed');
  await interaction.reply({ content: digestSettingsView(settings, zone, next), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}

const SNOWFLAKE = /^\d{17,20}$/;

/**
 * The digest DM's Stop these button (`settings:digest-stop:<guild id>`). Pressed in a DM, where the
 * interaction has no guild: the guild comes from the custom id (the router serves it as one of `settings`'s DM buttons).
 * It only ever turns off the presser's own digest.
 */
export const stopDigest: DmButtonHandler = async (interaction, ctx, args) => {
  const guildId = interaction.guildId ?? args[0] ?? '';
  if (!SNOWFLAKE.test(guildId)) throw new UserError('This button has expired. Use `/settings digest off` in the server.');
  await setDigest(ctx.db, { guildId, userId: interaction.user.id }, { enabled: false }, ctx.clock.now());
  ctx.logger.info({ guildId, userId: interaction.user.id }, 'digest stopped from its DM');
  await interaction.reply({ content: '✅ The weekly digest is off: no more of these. Turn it back on with `/settings digest on` in the server.', allowedMentions: { parse: [] } });
};
