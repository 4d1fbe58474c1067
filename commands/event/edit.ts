import { ChannelType, MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { changeStudyEvent, type NewStudyEvent } from '../../src/db/queries/events.js';
import { currentOccurrence, MAX_DURATION_MINUTES, parseWhen } from '../../src/domain/events.js';
import { describeDiscordError } from '../../src/discord/errors.js';
import { editCard } from '../../src/discord/event-cards.js';
import { updateDiscordEvent } from '../../src/discord/scheduled-events.js';
import { userText } from '../../src/discord/views/theme.js';
import { UserError } from '../../src/errors.js';
import { chosenEvent, EVENT_OPTION, type EventSubcommand } from './shared.js';

/** `/event edit event [title] [when] [duration] [voice] [description]` (moderators): the card and Discord's event follow. */
export function editSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('edit')
    .setDescription('Moderators: change an event (a weekly one from its next session on)')
    .addStringOption((o) => o.setName(EVENT_OPTION).setDescription('Which event').setRequired(true).setAutocomplete(true).setMaxLength(100))
    .addStringOption((o) => o.setName('title').setDescription('A new title').setMaxLength(100))
    .addStringOption((o) => o.setName('when').setDescription('A new start, YYYY-MM-DD HH:MM in the event’s time zone').setMaxLength(16))
    .addIntegerOption((o) => o.setName('duration').setDescription('A new length in minutes').setMinValue(10).setMaxValue(MAX_DURATION_MINUTES))
    .addChannelOption((o) => o.setName('voice').setDescription('A new voice channel').addChannelTypes(ChannelType.GuildVoice, ChannelType.GuildStageVoice))
    .addStringOption((o) => o.setName('description').setDescription('A new description').setMaxLength(900));
}

export const edit: EventSubcommand = async (interaction, ctx) => {
  const options = interaction.options;
  const now = ctx.clock.now();
  const event = await chosenEvent(interaction, ctx);
  if (event.cancelledAt) throw new UserError(`**${userText(event.title, 100)}** was cancelled. Schedule a new one with \`/event create\`.`);
  const current = currentOccurrence(event, now);
  if (!current) throw new UserError(`**${userText(event.title, 100)}** has taken place. Schedule a new one with \`/event create\`.`);
  const changes: Partial<NewStudyEvent> = {};
  const title = options.getString('title')?.trim().replace(/\s+/g, ' ');
  if (title) changes.title = title;
  const description = options.getString('description')?.trim();
  if (description) changes.description = description;
  const voice = options.getChannel('voice');
  if (voice) changes.voiceChannelId = voice.id;
  const duration = options.getInteger('duration');
  const whenRaw = options.getString('when');
  if ((whenRaw !== null || duration !== null) && current.start <= now)
    throw new UserError('This session is on now: change its time or length after it ends (a weekly event then changes from its next session on).');
  if (duration !== null) changes.durationMinutes = duration;
  if (whenRaw !== null) {
    const when = parseWhen(whenRaw, event.timezone, now);
    if (!when.ok) throw new UserError(when.problem);
    // The current session moves; a weekly event's later ones follow a week apart.
    Object.assign(changes, { firstDay: when.day, localTime: when.time, baseOccurrence: current.index });
  }
  // No change asked for still brings the card and Discord's event in step (e.g. after a permission fix).
  const updated = await changeStudyEvent(ctx.db, event, changes, { actorId: interaction.user.id, action: 'event.edit', details: { ...changes } }, now);
  if (!updated) throw new UserError('Someone changed this event at the same time. Look at it again with `/event list` and retry.');
  const next = currentOccurrence(updated, now)!;
  const notes: string[] = [];
  try {
    await editCard(interaction.client, ctx.db, updated, now);
  } catch (error) {
    const described = describeDiscordError(error, { channelId: updated.channelId, resume: 'retry' });
    if (!described) throw error;
    notes.push(`⚠️ The card was not updated: ${described.sentence}`);
  }
  const problem = await updateDiscordEvent({ ctx, client: interaction.client, owner: ctx.owner }, updated, next, now);
  if (problem) notes.push(`⚠️ ${problem}`);
  const whenText = `<t:${Math.floor(next.start.getTime() / 1000)}:F>`;
  await interaction.reply({
    content: [`✏️ **${userText(updated.title, 100)}** is now ${whenText}${updated.weekly ? ', every week' : ''}.${notes.length === 0 ? ' The card and the server’s events list show it.' : ''}`, ...notes].join('\n').slice(0, 2000),
    flags: MessageFlags.Ephemeral,
    allowedMentions: { parse: [] },
  });
};
