import { ChannelType, TimestampStyles, time as timestamp, type APIEmbedField, type SlashCommandSubcommandBuilder } from 'discord.js';
import type { GuildSettingsPatch } from '../../src/db/queries/settings.js';
import type { StudyCuts } from '../../src/db/queries/study.js';
import type { GuildSettings } from '../../src/db/schema.js';
import { formatStudyTime } from '../../src/domain/study.js';
import { UserError } from '../../src/errors.js';
import type { GuildChatInput } from '../../src/discord/command.js';
import type { SettingChange } from './change.js';

/**
 * /setup study: which voice rooms count as study time, and how much of it counts a day for the
 * streak. `add` and `remove` take a voice or stage channel, or a category (every voice channel in
 * it counts, the AFK channel never).
 */

const STUDY_CHANNEL_TYPES = [ChannelType.GuildVoice, ChannelType.GuildStageVoice, ChannelType.GuildCategory] as const;
/** At most this many study channels and categories each (they are kept in one settings row). */
const MAX_ROOMS = 50;

export function studySubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('study')
    .setDescription('Voice study rooms whose time counts, and the daily minutes that count for the streak')
    .addChannelOption((o) => o.setName('add').setDescription('A voice or stage channel, or a whole category, to count as a study room').addChannelTypes(...STUDY_CHANNEL_TYPES))
    .addChannelOption((o) => o.setName('remove').setDescription('A study room or category to stop counting').addChannelTypes(...STUDY_CHANNEL_TYPES))
    .addBooleanOption((o) => o.setName('clear').setDescription('True to stop counting every study room'))
    .addIntegerOption((o) =>
      o.setName('study_minutes').setDescription('Minutes of study in a day that count the day for the streak (1-600, default 25)').setMinValue(1).setMaxValue(600),
    );
}

export const study: SettingChange = { patch: studyPatch, nowSet: studyNowSet };

/** What /setup study changes: the rooms (add, remove, clear) and the threshold; refuses anything but voice, stage or category. */
export function studyPatch(interaction: GuildChatInput, before: GuildSettings): GuildSettingsPatch {
  const options = interaction.options;
  const add = options.getChannel('add');
  const remove = options.getChannel('remove');
  const clear = options.getBoolean('clear') === true;
  const minutes = options.getInteger('study_minutes');
  if (!add && !remove && !clear && minutes === null) throw new UserError('Give at least one of `add`, `remove`, `clear` or `study_minutes`, e.g. `/setup study add:#study-hall`.');
  if (clear && add) throw new UserError('Give `add` or `clear: True`, not both.');

  const patch: GuildSettingsPatch = {};
  let channels = clear ? [] : [...before.studyChannelIds];
  let categories = clear ? [] : [...before.studyCategoryIds];
  if (remove) {
    if (!channels.includes(remove.id) && !categories.includes(remove.id)) throw new UserError(`<#${remove.id}> is not a study room, so there is nothing to remove.`);
    channels = channels.filter((id) => id !== remove.id);
    categories = categories.filter((id) => id !== remove.id);
  }
  if (add) {
    if (add.type === ChannelType.GuildCategory) categories = [...new Set([...categories, add.id])];
    else if (add.type === ChannelType.GuildVoice || add.type === ChannelType.GuildStageVoice) channels = [...new Set([...channels, add.id])];
    else
      throw new UserError(
        `<#${add.id}> is not a voice channel: study time is counted in voice and stage channels only. Pick a voice or stage channel, or the category that holds your study rooms.`,
      );
    if (channels.length > MAX_ROOMS || categories.length > MAX_ROOMS)
      throw new UserError(`A server can have at most ${MAX_ROOMS} study channels and ${MAX_ROOMS} study categories. Add a category instead: every voice channel in it counts.`);
  }
  if (add || remove || clear) {
    patch.studyChannelIds = channels;
    patch.studyCategoryIds = categories;
  }
  if (minutes !== null) patch.studyMinutes = minutes;
  return patch;
}

function roomList(s: GuildSettings): string {
  const rooms = [...s.studyChannelIds.map((id) => `<#${id}>`), ...s.studyCategoryIds.map((id) => `<#${id}> (every voice channel in it)`)];
  return rooms.length > 0 ? rooms.join(', ') : 'none';
}

/** One sentence: what /setup study just set. */
export function studyNowSet(s: GuildSettings): string {
  const rooms = roomList(s);
  return rooms === 'none'
    ? `Study time: no study rooms, so no voice time counts. A day counts for the streak with ${s.studyMinutes} minutes of study (focus sessions still count).`
    : `Study time counts in ${rooms} (never the AFK channel or while server-deafened); ${s.studyMinutes} minutes in a day count the day for the streak.`;
}

/** The /setup show field: the rooms, the threshold, and any time a cap cut. */
export function studyField(s: GuildSettings, cuts: StudyCuts, capMs: number): APIEmbedField {
  const lines = [`Rooms: ${roomList(s)}`, `A day counts with ${s.studyMinutes} minutes · one session counts at most ${formatStudyTime(capMs)} (STUDY_SESSION_CAP)`];
  if (cuts.sessions > 0)
    lines.push(
      `⚠️ The cap cut ${formatStudyTime(cuts.cutMs)} from ${cuts.sessions} session${cuts.sessions === 1 ? '' : 's'}${cuts.latest ? `, the latest ${timestamp(cuts.latest, TimestampStyles.RelativeTime)}` : ''}.`,
    );
  const value = lines.join('\n');
  return { name: 'Study time', value: value.length <= 1024 ? value : `${value.slice(0, 1023)}…` };
}
