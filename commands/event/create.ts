import { ChannelType, MessageFlags, Routes, type APIMessage, type Client, type SlashCommandSubcommandBuilder } from 'discord.js';
import type { GuildSettings } from '../../src/db/schema.js';
import { getGuildSettings } from '../../src/db/queries/settings.js';
import { createStudyEvent, setCardMessage } from '../../src/db/queries/events.js';
import { DEFAULT_DURATION_MINUTES, MAX_DURATION_MINUTES, occurrence, parseWhen } from '../../src/domain/events.js';
import { postableChannel } from '../../src/discord/channels.js';
import { describeDiscordError } from '../../src/discord/errors.js';
import { currentCard } from '../../src/discord/event-cards.js';
import { createDiscordEvent } from '../../src/discord/scheduled-events.js';
import { durationText } from '../../src/discord/views/events.js';
import { userText } from '../../src/discord/views/theme.js';
import { UserError } from '../../src/errors.js';
import { chosenCohort, COHORT_OPTION } from '../cohort/shared.js';
import type { EventSubcommand } from './shared.js';

/** `/event create title when [repeat] [voice] [cohort] [duration] [channel] [description]` (moderators). */
export function createSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('create')
    .setDescription('Moderators: schedule a study session (study hall, office hours, a paper reading)')
    .addStringOption((o) => o.setName('title').setDescription('What it is, e.g. Paper reading: Attention Is All You Need').setRequired(true).setMaxLength(100))
    .addStringOption((o) => o.setName('when').setDescription('Start, YYYY-MM-DD HH:MM in the server’s (or the cohort’s) time zone').setRequired(true).setMaxLength(16))
    .addStringOption((o) => o.setName('repeat').setDescription('Once (default) or every week at the same local time').addChoices({ name: 'Once', value: 'once' }, { name: 'Weekly', value: 'weekly' }))
    .addChannelOption((o) => o.setName('voice').setDescription('The voice channel it happens in (attendance counts time there)').addChannelTypes(ChannelType.GuildVoice, ChannelType.GuildStageVoice))
    .addStringOption((o) => o.setName(COHORT_OPTION).setDescription('The cohort it belongs to (its channel, zone and calendar)').setAutocomplete(true).setMaxLength(100))
    .addIntegerOption((o) => o.setName('duration').setDescription(`Length in minutes (default ${DEFAULT_DURATION_MINUTES})`).setMinValue(10).setMaxValue(MAX_DURATION_MINUTES))
    .addChannelOption((o) => o.setName('channel').setDescription('Where the card is posted (default: the cohort’s channel, else here)').addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement))
    .addStringOption((o) => o.setName('description').setDescription('A line or two about it').setMaxLength(900));
}

/** Whether voice time in a channel is study time (a study room, or in a study category): attendance is counted from it. */
export function isStudyRoom(client: Client, settings: Pick<GuildSettings, 'studyChannelIds' | 'studyCategoryIds'>, channelId: string): boolean {
  if (settings.studyChannelIds.includes(channelId)) return true;
  const parentId = client.channels.cache.get(channelId)?.isDMBased() === false ? (client.channels.cache.get(channelId) as { parentId?: string | null }).parentId : null;
  return !!parentId && settings.studyCategoryIds.includes(parentId);
}

export const create: EventSubcommand = async (interaction, ctx) => {
  const options = interaction.options;
  const now = ctx.clock.now();
  const title = options.getString('title', true).trim().replace(/\s+/g, ' ');
  if (title.length < 1) throw new UserError('Give the event a title.');
  const cohort = options.getString(COHORT_OPTION) ? await chosenCohort(interaction, ctx) : undefined;
  const settings = await getGuildSettings(ctx.db, interaction.guildId);
  const zone = cohort?.timezone ?? settings.timezone;
  const when = parseWhen(options.getString('when', true), zone, now);
  if (!when.ok) throw new UserError(when.problem);
  const channelId = options.getChannel('channel')?.id ?? cohort?.channelId ?? interaction.channelId;
  const found = await postableChannel(interaction.client, interaction.guildId, { channelId, resume: 'retry' });
  if (!found.ok) throw new UserError(found.problem);
  const duration = options.getInteger('duration') ?? DEFAULT_DURATION_MINUTES;
  const voiceChannelId = options.getChannel('voice')?.id ?? null;
  const description = options.getString('description')?.trim() || null;

  const event = await createStudyEvent(ctx.db, {
    guildId: interaction.guildId,
    cohortId: cohort?.id ?? null,
    title,
    description,
    timezone: zone,
    firstDay: when.day,
    localTime: when.time,
    durationMinutes: duration,
    weekly: options.getString('repeat') === 'weekly',
    voiceChannelId,
    channelId,
    createdBy: interaction.user.id,
    createdAt: now,
    updatedAt: now,
  });
  ctx.logger.info({ guildId: event.guildId, eventId: event.id, by: interaction.user.id }, 'event created');

  // The card, then Discord's own events list; neither failing loses the event.
  const notes: string[] = [];
  if (voiceChannelId && !isStudyRoom(interaction.client, settings, voiceChannelId))
    notes.push(`ℹ️ Attendance comes from study time, and <#${voiceChannelId}> is not a study room: make it one with \`/setup study add:\` so that time there counts.`);
  try {
    const card = await currentCard(ctx.db, event, now);
    const message = (await interaction.client.rest.post(Routes.channelMessages(channelId), { body: { ...card, allowed_mentions: { parse: [] } } })) as APIMessage;
    await setCardMessage(ctx.db, event.id, message.id);
  } catch (error) {
    const described = describeDiscordError(error, { channelId, resume: 'retry' });
    if (!described) throw error;
    notes.push(`⚠️ The card was not posted: ${described.sentence}`);
  }
  const discord = await createDiscordEvent({ ctx, client: interaction.client, owner: ctx.owner }, event, occurrence(event, 0), now);
  if (!discord.ok) notes.push('problem' in discord ? `⚠️ ${discord.problem}` : '⚠️ Discord’s events list did not answer; I will add it there within a minute.');
  const lines = [
    `📅 Scheduled **${userText(title, 100)}**: <t:${Math.floor(when.start.getTime() / 1000)}:F> (${when.day} ${when.time} ${zone}), ${durationText(duration)}${event.weekly ? ', every week' : ''}${voiceChannelId ? ` in <#${voiceChannelId}>` : ''}.`,
    notes.length === 0 ? `The card is in <#${channelId}> and the event is in the server’s events list.` : `The event is saved (\`/event list\`).`,
    ...notes,
  ];
  await interaction.reply({ content: lines.join('\n').slice(0, 2000), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
};
