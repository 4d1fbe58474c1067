import { ChannelType, MessageFlags, SlashCommandBuilder, type APIEmbed, type APIEmbedField, type ChatInputCommandInteraction } from 'discord.js';
import { getGuildSettings, updateGuildSettings, type GuildSettingsPatch } from '../src/db/queries/settings.js';
import type { GuildSettings } from '../src/db/schema.js';
import { missingSetup } from '../src/domain/setup.js';
import { isValidTimeZone, parseTimeOfDay, searchTimeZones } from '../src/domain/timezones.js';
import type { Command } from '../src/discord/command.js';
import { MODERATOR_PERMISSIONS, missingBotPermissions, requireModerator } from '../src/discord/permissions.js';
import { colors } from '../src/discord/views/theme.js';
import { UserError } from '../src/errors.js';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
const textChannels = [ChannelType.GuildText, ChannelType.GuildAnnouncement] as const;

export const setup: Command = {
  data: new SlashCommandBuilder()
    .setName('setup')
    .setDescription('Moderators: configure Cohort for this server')
    .setDefaultMemberPermissions(MODERATOR_PERMISSIONS)
    .setContexts(0)
    .addSubcommand((s) => s.setName('show').setDescription('Show every server setting and what is still missing'))
    .addSubcommand((s) =>
      s
        .setName('streaks')
        .setDescription('Server time zone, rollover hour and freeze cap for streaks')
        .addStringOption((o) => o.setName('timezone').setDescription('IANA time zone, e.g. Europe/Berlin').setAutocomplete(true).setMaxLength(64))
        .addIntegerOption((o) => o.setName('rollover_hour').setDescription('Check-ins before this hour count for the day before (0-23, default 4)').setMinValue(0).setMaxValue(23))
        .addIntegerOption((o) => o.setName('freeze_cap').setDescription('How many streak freezes a member can hold (0-10, default 2)').setMinValue(0).setMaxValue(10)),
    )
    .addSubcommand((s) =>
      s
        .setName('prompts')
        .setDescription('Where and when the daily topic prompt is posted')
        .addChannelOption((o) => o.setName('channel').setDescription('Study channel').setRequired(true).addChannelTypes(...textChannels))
        .addStringOption((o) => o.setName('time').setDescription('Local time HH:MM, e.g. 18:30').setRequired(true).setMaxLength(5))
        .addStringOption((o) => o.setName('timezone').setDescription('Time zone of that time (default: the server’s)').setAutocomplete(true).setMaxLength(64))
        .addRoleOption((o) => o.setName('ping_role').setDescription('Role to mention with each prompt (default: none)'))
        .addBooleanOption((o) => o.setName('enabled').setDescription('Post prompts (default: true)')),
    )
    .addSubcommand((s) =>
      s
        .setName('challenges')
        .setDescription('Where the weekly Kaggle challenge is run')
        .addChannelOption((o) => o.setName('channel').setDescription('Challenge channel').setRequired(true).addChannelTypes(...textChannels))
        .addRoleOption((o) => o.setName('ping_role').setDescription('Role to mention in announcements (default: none)'))
        .addIntegerOption((o) =>
          o
            .setName('week_start')
            .setDescription('First day of the challenge week (default Monday)')
            .addChoices(...WEEKDAYS.map((name, value) => ({ name, value }))),
        )
        .addBooleanOption((o) => o.setName('enabled').setDescription('Run weekly challenges (default: true)')),
    )
    .addSubcommand((s) =>
      s
        .setName('resources')
        .setDescription('Default channel for /resource post, and where moderators hear of new suggestions')
        .addChannelOption((o) => o.setName('channel').setDescription('Resources channel').addChannelTypes(...textChannels))
        .addChannelOption((o) =>
          o.setName('review_channel').setDescription('Where I tell moderators about new suggestions (best: a moderators-only channel)').addChannelTypes(...textChannels),
        )
        .addBooleanOption((o) => o.setName('clear_review_channel').setDescription('True to stop telling moderators about new suggestions')),
    )
    .addSubcommand((s) =>
      s
        .setName('moderator-role')
        .setDescription('A role whose members may use moderator commands')
        .addRoleOption((o) => o.setName('role').setDescription('Moderator role (leave empty to clear)')),
    )
    .toJSON(),

  async execute(interaction, ctx) {
    await requireModerator(interaction, ctx);
    const guildId = interaction.guildId!;
    const sub = interaction.options.getSubcommand();
    if (sub === 'show') {
      await interaction.reply({ embeds: [settingsEmbed(await getGuildSettings(ctx.db, guildId))], flags: MessageFlags.Ephemeral });
      return;
    }
    const patch = await patchFor(sub, interaction);
    const saved = await updateGuildSettings(ctx.db, guildId, patch, ctx.clock.now());
    ctx.logger.info({ guildId, userId: interaction.user.id, setting: sub, patch }, 'settings changed');
    await interaction.reply({ content: '✅ Saved.', embeds: [settingsEmbed(saved)], flags: MessageFlags.Ephemeral });
  },

  async autocomplete(interaction) {
    const zones = searchTimeZones(interaction.options.getFocused());
    await interaction.respond(zones.map((z) => ({ name: z, value: z })));
  },
};

async function patchFor(sub: string, interaction: ChatInputCommandInteraction): Promise<GuildSettingsPatch> {
  const options = interaction.options;
  switch (sub) {
    case 'streaks': {
      const patch: GuildSettingsPatch = {};
      const timezone = options.getString('timezone');
      if (timezone !== null) patch.timezone = checkZone(timezone);
      const rollover = options.getInteger('rollover_hour');
      if (rollover !== null) patch.rolloverHour = rollover;
      const cap = options.getInteger('freeze_cap');
      if (cap !== null) patch.freezeCap = cap;
      if (Object.keys(patch).length === 0) throw new UserError('Give at least one of `timezone`, `rollover_hour` or `freeze_cap`.');
      return patch;
    }
    case 'prompts': {
      const channelId = await postableChannel(interaction, options.getChannel('channel', true).id);
      const time = options.getString('time', true);
      if (!parseTimeOfDay(time)) throw new UserError(`“${time.slice(0, 10)}” is not a time. Use 24-hour HH:MM, e.g. 07:30 or 18:00.`);
      const timezone = options.getString('timezone');
      const [hh = '0', mm = '0'] = time.trim().split(':');
      return {
        promptsChannelId: channelId,
        promptsTime: `${hh.padStart(2, '0')}:${mm}`,
        promptsTimezone: timezone === null ? null : checkZone(timezone),
        promptsPingRoleId: options.getRole('ping_role')?.id ?? null,
        promptsEnabled: options.getBoolean('enabled') ?? true,
        promptsBrokenReason: null,
      };
    }
    case 'challenges': {
      const channelId = await postableChannel(interaction, options.getChannel('channel', true).id);
      const patch: GuildSettingsPatch = {
        challengesChannelId: channelId,
        challengesPingRoleId: options.getRole('ping_role')?.id ?? null,
        challengesEnabled: options.getBoolean('enabled') ?? true,
        challengesBrokenReason: null,
      };
      const weekStart = options.getInteger('week_start');
      if (weekStart !== null) patch.challengesWeekStart = weekStart;
      return patch;
    }
    case 'resources': {
      // Each option is optional so that one can change without picking the other channel again.
      const patch: GuildSettingsPatch = {};
      const channel = options.getChannel('channel');
      const review = options.getChannel('review_channel');
      const clearReview = options.getBoolean('clear_review_channel') === true;
      if (review && clearReview) throw new UserError('Give `review_channel` or `clear_review_channel: True`, not both.');
      if (channel) patch.resourcesChannelId = await postableChannel(interaction, channel.id);
      if (review || clearReview) {
        patch.reviewChannelId = review ? await postableChannel(interaction, review.id) : null;
        patch.reviewChannelError = null;
      }
      if (Object.keys(patch).length === 0) throw new UserError('Give at least one of `channel`, `review_channel` or `clear_review_channel`.');
      return patch;
    }
    case 'moderator-role':
      return { moderatorRoleId: options.getRole('role')?.id ?? null };
    default:
      throw new UserError('Unknown setup option.');
  }
}

function checkZone(zone: string): string {
  if (!isValidTimeZone(zone)) throw new UserError(`“${zone.slice(0, 64)}” is not a time zone I know. Pick one from the list, e.g. Europe/Berlin or America/New_York.`);
  return zone;
}

/** Checks that the bot can post in the channel before saving it, and says plainly what is missing. */
async function postableChannel(interaction: ChatInputCommandInteraction, channelId: string): Promise<string> {
  const channel = interaction.guild?.channels.cache.get(channelId) ?? (await interaction.guild?.channels.fetch(channelId).catch(() => null));
  if (!channel) throw new UserError(`I cannot see <#${channelId}>. Give me the View Channel permission there and try again.`);
  const missing = missingBotPermissions(channel);
  if (missing.length > 0)
    throw new UserError(`I cannot post in <#${channelId}>: I am missing ${missing.join(', ')}. Fix the channel’s permissions for me and run this again.`);
  return channelId;
}

function settingsEmbed(s: GuildSettings): APIEmbed {
  const channel = (id: string | null) => (id ? `<#${id}>` : 'not set');
  const role = (id: string | null) => (id ? `<@&${id}>` : 'none');
  const broken = (reason: string | null) => (reason ? `\n⚠️ **Stopped:** ${reason}` : '');
  const fields: APIEmbedField[] = [
    { name: 'Streaks', value: `Time zone: ${s.timezone}\nRollover hour: ${String(s.rolloverHour).padStart(2, '0')}:00\nFreeze cap: ${s.freezeCap}` },
    {
      name: 'Daily prompts',
      value: `${s.promptsEnabled ? 'On' : 'Off'} · ${channel(s.promptsChannelId)} · ${s.promptsTime ?? 'no time set'} (${s.promptsTimezone ?? s.timezone}) · ping ${role(s.promptsPingRoleId)}${broken(s.promptsBrokenReason)}`,
    },
    {
      name: 'Weekly challenges',
      value: `${s.challengesEnabled ? 'On' : 'Off'} · ${channel(s.challengesChannelId)} · week starts ${WEEKDAYS[s.challengesWeekStart] ?? 'Monday'} · ping ${role(s.challengesPingRoleId)}${broken(s.challengesBrokenReason)}`,
    },
    { name: 'Resources channel', value: channel(s.resourcesChannelId), inline: true },
    {
      name: 'Suggestion notices',
      value: `${channel(s.reviewChannelId)}${s.reviewChannelError ? `\n⚠️ **Last notice failed:** ${s.reviewChannelError}` : ''}`,
      inline: true,
    },
    { name: 'Moderator role', value: role(s.moderatorRoleId), inline: true },
  ];
  const missing = missingSetup(s);
  if (missing.length > 0) fields.push({ name: 'Still to set up', value: missing.map((m) => `• ${m}`).join('\n') });
  return { color: colors.brand, title: 'Cohort settings', fields };
}
