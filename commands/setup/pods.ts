import { ChannelType, MessageFlags, PermissionFlagsBits, TimestampStyles, time as timestamp, type APIEmbedField, type SlashCommandSubcommandBuilder } from 'discord.js';
import type { Context } from '../../src/context.js';
import { getPodSettings, savePodSettings } from '../../src/db/queries/pods.js';
import { getGuildSettings } from '../../src/db/queries/settings.js';
import type { PodSettings } from '../../src/db/schema.js';
import { firstPodForming } from '../../src/domain/pods.js';
import { parseTimeOfDay } from '../../src/domain/timezones.js';
import { postableChannel } from '../../src/discord/channels.js';
import { UserError } from '../../src/errors.js';
import type { GuildChatInput } from '../../src/discord/command.js';
import { WEEKDAYS } from './shared.js';

/** What the bot needs in the pods channel: see the private threads, open them, post in them. */
export const POD_PERMISSIONS = [PermissionFlagsBits.ViewChannel, PermissionFlagsBits.CreatePrivateThreads, PermissionFlagsBits.SendMessagesInThreads, PermissionFlagsBits.EmbedLinks] as const;

/** `/setup pods channel day time [enabled]`. */
export function podsSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('pods')
    .setDescription('Weekly study pods: when they are formed and where their private threads go')
    .addChannelOption((o) => o.setName('channel').setDescription('Text channel the pods’ private threads are opened under (needed the first time)').addChannelTypes(ChannelType.GuildText))
    .addIntegerOption((o) =>
      o
        .setName('day')
        .setDescription('Day pods are formed (needed the first time)')
        .addChoices(...WEEKDAYS.map((name, value) => ({ name, value }))),
    )
    .addStringOption((o) => o.setName('time').setDescription('Local time HH:MM in the server’s time zone (needed the first time)').setMaxLength(5))
    .addBooleanOption((o) => o.setName('enabled').setDescription('Form pods (on by default the first time)'));
}

export async function pods(interaction: GuildChatInput, ctx: Context): Promise<void> {
  await interaction.reply({ content: `✅ Saved. ${await setupPods(interaction, ctx)}`, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}

/** Checks the channel's permissions, saves, and says what is now set. */
async function setupPods(interaction: GuildChatInput, ctx: Context): Promise<string> {
  const guildId = interaction.guildId;
  const before = await getPodSettings(ctx.db, guildId);
  const options = interaction.options;
  const channelOption = options.getChannel('channel');
  const day = options.getInteger('day') ?? before?.day ?? null;
  const rawTime = options.getString('time');
  const enabled = options.getBoolean('enabled') ?? before?.enabled ?? true;
  if (!before && (!channelOption || day === null || rawTime === null))
    throw new UserError('The first time, give `channel`, `day` and `time`, e.g. `/setup pods channel:#study day:Monday time:18:00`. Later you can change one setting at a time.');
  let time = before?.time ?? '';
  if (rawTime !== null) {
    const parsed = parseTimeOfDay(rawTime);
    if (!parsed) throw new UserError(`“${rawTime.slice(0, 10)}” is not a time. Use 24-hour HH:MM, e.g. 07:30 or 18:00.`);
    time = `${String(parsed.hour).padStart(2, '0')}:${String(parsed.minute).padStart(2, '0')}`;
  }
  const channelId = channelOption?.id ?? before!.channelId;
  // Checked again when left out: running /setup pods is how stopped pods resume.
  if (enabled) {
    const problem = await channelProblem(interaction, channelId);
    if (problem) throw new UserError(problem);
  }
  const saved = await savePodSettings(ctx.db, guildId, { channelId, day: day!, time, enabled, brokenReason: null }, ctx.clock.now(), interaction.user.id);
  ctx.logger.info({ guildId, userId: interaction.user.id, setting: 'pods', channelId, day, time, enabled }, 'settings changed');
  return `Study pods are **${saved.enabled ? 'on' : 'off'}**: formed every ${WEEKDAYS[saved.day]} at ${saved.time} (${(await getGuildSettings(ctx.db, guildId)).timezone}, the server’s), private threads under <#${saved.channelId}>.${saved.enabled ? ` Next forming: ${await nextLine(ctx, saved)}.` : ''}`;
}

async function nextLine(ctx: Context, s: PodSettings): Promise<string> {
  const time = parseTimeOfDay(s.time)!;
  // The first forming the job does after this change (saved at s.updatedAt).
  const next = firstPodForming(s.updatedAt, s.day, time, (await getGuildSettings(ctx.db, s.guildId)).timezone);
  return `${timestamp(next, TimestampStyles.LongDateTime)} (${timestamp(next, TimestampStyles.RelativeTime)})`;
}

/** Why the bot cannot run pods in the channel, as a sentence (the one channel check, with the pods' permissions); undefined when it can. */
async function channelProblem(interaction: GuildChatInput, channelId: string): Promise<string | undefined> {
  const found = await postableChannel(interaction.client, interaction.guildId, { channelId, setupCommand: '/setup pods', resume: 'setup' }, { needs: POD_PERMISSIONS, doing: 'open the pods’ private threads in' });
  return found.ok ? undefined : found.problem;
}

/** The /setup show field for pods, with a missing permission or a stop reason. */
export async function podsField(interaction: GuildChatInput, ctx: Context): Promise<APIEmbedField> {
  const s = await getPodSettings(ctx.db, interaction.guildId);
  if (!s) return { name: 'Study pods', value: 'Not set up: `/setup pods channel day time`' };
  const lines = [`${s.enabled ? 'On' : 'Off'} · <#${s.channelId}> · every ${WEEKDAYS[s.day]} at ${s.time}`];
  if (s.brokenReason) lines.push(`⚠️ **Stopped:** ${s.brokenReason}`);
  else if (s.enabled) {
    const problem = await channelProblem(interaction, s.channelId);
    if (problem) lines.push(`⚠️ ${problem}`);
    else lines.push(`Next forming: ${await nextLine(ctx, s)}`);
  }
  return { name: 'Study pods', value: lines.join('\n').slice(0, 1024) };
}
