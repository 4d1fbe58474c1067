import { type Command, guildCommand, runSubcommand } from '../../src/discord/command.js';
import { cohortChoices, COHORT_OPTION } from '../cohort/shared.js';
import { attendance, attendanceSubcommand } from './attendance.js';
import { cancel, cancelSubcommand } from './cancel.js';
import { create, createSubcommand } from './create.js';
import { edit, editSubcommand } from './edit.js';
import { list, listSubcommand } from './list.js';
import { rsvpButton } from './rsvp.js';
import { EVENT_OPTION, eventChoices, type EventSubcommand } from './shared.js';

const forMembers: Record<string, EventSubcommand> = { list, attendance };
const forModerators: Record<string, EventSubcommand> = { create, edit, cancel };

/** `/event`: scheduled study sessions with a card (Going / Maybe), a reminder, Discord's events list and attendance. */
export const event: Command = {
  data: guildCommand('event', 'Scheduled study sessions: study hall, office hours, a paper reading')
    .addSubcommand(listSubcommand)
    .addSubcommand(attendanceSubcommand)
    .addSubcommand(createSubcommand)
    .addSubcommand(editSubcommand)
    .addSubcommand(cancelSubcommand)
    .toJSON(),

  async execute(interaction, ctx) {
    return runSubcommand(interaction, ctx, { members: forMembers, moderators: forModerators });
  },

  async autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true);
    if (focused.name === EVENT_OPTION) return interaction.respond(await eventChoices(interaction.guildId, ctx, focused.value));
    if (focused.name === COHORT_OPTION) return interaction.respond(await cohortChoices(interaction.guildId, ctx, focused.value));
    return interaction.respond([]);
  },

  components: { rsvp: rsvpButton },
};
