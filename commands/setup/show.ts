import { MessageFlags, type APIEmbed, type APIEmbedField, type SlashCommandSubcommandBuilder } from 'discord.js';
import type { Context } from '../../src/context.js';
import { studyCuts } from '../../src/db/queries/study.js';
import type { GuildSettings } from '../../src/db/schema.js';
import { missingSetup } from '../../src/domain/setup.js';
import type { GuildChatInput } from '../../src/discord/command.js';
import { colors } from '../../src/discord/views/theme.js';
import { retentionText } from './log-retention.js';
import { podsField } from './pods.js';
import { rewardsSetupField } from './rewards.js';
import { WEEKDAYS } from './shared.js';
import { studyField } from './study.js';
import { challengeLine, promptLine, upcoming, type Upcoming } from './upcoming.js';

/** `/setup show`: every server setting, what the jobs post next, and what is still missing. */
export function showSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s.setName('show').setDescription('Show every server setting and what is still missing');
}

export async function show(interaction: GuildChatInput, ctx: Context, before: GuildSettings): Promise<void> {
  const guildId = interaction.guildId;
  const [next, cuts, rewards, pods] = await Promise.all([upcoming(ctx, before), studyCuts(ctx.db, guildId), rewardsSetupField(ctx, interaction.guild), podsField(interaction, ctx)]);
  const extra = [studyField(before, cuts, ctx.config.STUDY_SESSION_CAP), ...(rewards ? [rewards] : []), pods];
  await interaction.reply({ embeds: [settingsEmbed(before, next, extra)], flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}

/** The settings embed of /setup show, also under the reply of every /setup change. */
export function settingsEmbed(s: GuildSettings, next: Upcoming, extra: readonly APIEmbedField[] = []): APIEmbed {
  const channel = (id: string | null) => (id ? `<#${id}>` : 'not set');
  const role = (id: string | null) => (id ? `<@&${id}>` : 'none');
  const broken = (reason: string | null) => (reason ? `\n⚠️ **Stopped:** ${reason}` : '');
  const fields: APIEmbedField[] = [
    { name: 'Streaks', value: `Time zone: ${s.timezone}\nRollover hour: ${String(s.rolloverHour).padStart(2, '0')}:00\nFreeze cap: ${s.freezeCap}` },
    {
      name: 'Daily prompts',
      value: `${s.promptsEnabled ? 'On' : 'Off'} · ${channel(s.promptsChannelId)} · ${s.promptsTime ?? 'no time set'} (${s.promptsTimezone ?? s.timezone}) · ping ${role(s.promptsPingRoleId)}${broken(s.promptsBrokenReason)}${next.prompt ? `\n${promptLine(next.prompt)}` : ''}`,
    },
    {
      name: 'Weekly challenges',
      value: `${s.challengesEnabled ? 'On' : 'Off'} · ${channel(s.challengesChannelId)} · week starts ${WEEKDAYS[s.challengesWeekStart] ?? 'Monday'} · ping ${role(s.challengesPingRoleId)} · winner role ${role(s.challengesWinnerRoleId)}${broken(s.challengesBrokenReason)}${
        s.challengesWinnerRoleId && s.challengesWinnerRoleError ? `\n⚠️ **Winner role not moved:** ${s.challengesWinnerRoleError}` : ''
      }${next.challenge ? `\n${challengeLine(next.challenge)}` : ''}`,
    },
    { name: 'Resources channel', value: channel(s.resourcesChannelId), inline: true },
    {
      name: 'Suggestion notices',
      value: `${channel(s.reviewChannelId)}${s.reviewChannelError ? `\n⚠️ **Last notice failed:** ${s.reviewChannelError}` : ''}`,
      inline: true,
    },
    { name: 'Moderator role', value: role(s.moderatorRoleId), inline: true },
    { name: 'Moderator log', value: `kept ${retentionText(s.logRetentionDays)} (\`/admin log\`)`, inline: true },
    ...extra,
  ];
  const missing = missingSetup(s);
  if (missing.length > 0) fields.push({ name: 'Still to set up', value: missing.map((m) => `• ${m}`).join('\n') });
  return { color: colors.brand, title: 'Cohort settings', fields };
}
