import { MessageFlags } from 'discord.js';
import { getReminderSettings } from '../src/db/queries/reminders.js';
import { getGuildSettings, getMemberTimezone, setMemberTimezone } from '../src/db/queries/settings.js';
import { memberToday } from '../src/db/queries/streaks.js';
import { type Command, guildCommand } from '../src/discord/command.js';
import { memberSettingsView } from '../src/discord/views/streaks.js';
import { canonicalTimeZone, timeZoneChoices } from '../src/domain/timezones.js';
import { UserError } from '../src/errors.js';
import { digestGroup, executeDigest, stopDigest } from './settings/digest.js';
import { executeReminder, reminderGroup, stopReminder } from './settings/reminder.js';

const SERVER = 'server';

export const settings: Command = {
  data: guildCommand('settings', 'Your own Cohort settings')
    .addSubcommand((s) =>
      s
        .setName('timezone')
        .setDescription('Your time zone: your streak days follow it')
        .addStringOption((o) => o.setName('zone').setDescription('IANA time zone, e.g. Europe/Berlin (or “server” to follow the server)').setRequired(true).setAutocomplete(true).setMaxLength(64)),
    )
    .addSubcommand((s) => s.setName('show').setDescription('Show your settings and what day it is for your streak'))
    .addSubcommandGroup(digestGroup)
    .addSubcommandGroup(reminderGroup)
    .toJSON(),

  async execute(interaction, ctx) {
    const group = interaction.options.getSubcommandGroup(false);
    if (group === 'digest') return executeDigest(interaction, ctx);
    if (group === 'reminder') return executeReminder(interaction, ctx);
    const guildId = interaction.guildId;
    const userId = interaction.user.id;
    let notice: string | undefined;
    if (interaction.options.getSubcommand() === 'timezone') {
      const zone = interaction.options.getString('zone', true).trim();
      if (zone.toLowerCase() === SERVER) {
        await setMemberTimezone(ctx.db, guildId, userId, null, ctx.clock.now());
        notice = '✅ Your days now follow the server’s time zone.';
      } else {
        const canonical = canonicalTimeZone(zone);
        if (!canonical)
          throw new UserError(`“${zone.slice(0, 64)}” is not a time zone I know. Start typing a city and pick one from the list, e.g. Europe/Berlin or America/New_York.`);
        await setMemberTimezone(ctx.db, guildId, userId, canonical, ctx.clock.now());
        notice = `✅ Your time zone is now ${canonical}.`;
      }
    }
    const server = await getGuildSettings(ctx.db, guildId);
    const ownZone = await getMemberTimezone(ctx.db, guildId, userId);
    // The day a check-in now counts for (after a zone change it can still be the old zone's day).
    const today = await memberToday(ctx.db, { guildId, userId }, ctx.clock.now());
    const reminder = await getReminderSettings(ctx.db, { guildId, userId });
    const view = memberSettingsView({
      ownZone,
      serverZone: server.timezone,
      rolloverHour: server.rolloverHour,
      freezeCap: server.freezeCap,
      today,
      ...(reminder?.enabled ? { reminder: { time: reminder.time, dmsClosed: reminder.dmClosedAt !== null } } : {}),
      ...(notice ? { notice } : {}),
    });
    await interaction.reply({ ...view, flags: MessageFlags.Ephemeral });
  },

  dmButtons: { 'digest-stop': stopDigest, 'reminder-stop': stopReminder },

  async autocomplete(interaction) {
    const typed = interaction.options.getFocused();
    const zones = timeZoneChoices(typed, 24);
    const follow = { name: 'Follow the server’s time zone', value: SERVER };
    await interaction.respond(typed.trim() === '' || SERVER.startsWith(typed.trim().toLowerCase()) ? [follow, ...zones] : zones.slice(0, 25));
  },
};
