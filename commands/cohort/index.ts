import { type Command, guildCommand, runSubcommand } from '../../src/discord/command.js';
import { autocompleteChoices } from '../../src/discord/options.js';
import { timeZoneChoices } from '../../src/domain/timezones.js';
import { board, boardSubcommand } from './board.js';
import { calendar, calendarSubcommand } from './calendar.js';
import { certificate, certificateSubcommand } from './certificate.js';
import { create, createSubcommand } from './create.js';
import { hide, hideSubcommand } from './hide.js';
import { join, joinButton, joinSubcommand } from './join.js';
import { leave, leaveSubcommand } from './leave.js';
import { list, listSubcommand } from './list.js';
import { plan, planSubcommand } from './plan.js';
import { cohortChoices, COHORT_OPTION, type CohortSubcommand } from './shared.js';
import { status, statusSubcommand } from './status.js';
import { verify, verifySubcommand } from './verify.js';

const forMembers: Record<string, CohortSubcommand> = { join, leave, status, list, board, hide, plan, certificate, verify, calendar };
const forModerators: Record<string, CohortSubcommand> = { create };

export const cohort: Command = {
  content: true,
  data: guildCommand('cohort', 'Course cohorts: weekly units with deadlines, who is on pace, certificates')
    .addSubcommand(statusSubcommand)
    .addSubcommand(joinSubcommand)
    .addSubcommand(leaveSubcommand)
    .addSubcommand(boardSubcommand)
    .addSubcommand(listSubcommand)
    .addSubcommand(hideSubcommand)
    .addSubcommand(certificateSubcommand)
    .addSubcommand(verifySubcommand)
    .addSubcommand(calendarSubcommand)
    .addSubcommand(planSubcommand)
    .addSubcommand(createSubcommand)
    .toJSON(),

  async execute(interaction, ctx) {
    // /cohort plan checks moderator rights itself when it changes something.
    return runSubcommand(interaction, ctx, { members: forMembers, moderators: forModerators });
  },

  async autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true);
    if (focused.name === COHORT_OPTION) return interaction.respond(await cohortChoices(interaction.guildId, ctx, focused.value));
    if (focused.name === 'timezone') return interaction.respond(timeZoneChoices(focused.value).map((c) => ({ name: c.name.slice(0, 100), value: c.value })));
    if (focused.name === 'track') return interaction.respond(autocompleteChoices(ctx.content.tracks, focused.value, (t) => ({ name: t.title, value: t.id })));
    if (focused.name === 'branch') {
      const trackId = interaction.options.getString('track');
      const tracks = trackId ? ctx.content.tracks.filter((t) => t.id === trackId) : ctx.content.tracks;
      const branches = tracks.flatMap((t) => t.branches.map((b) => ({ t, b })));
      return interaction.respond(autocompleteChoices(branches, focused.value, ({ t, b }) => ({ name: `${b.title} (${t.title})`, value: b.id })));
    }
    return interaction.respond([]);
  },

  components: { join: joinButton },
};
