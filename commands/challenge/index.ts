import { requireChallengesOn } from '../../src/db/queries/challenges.js';
import { getGuildSettings } from '../../src/db/queries/settings.js';
import { type Command, guildCommand, ownEntry } from '../../src/discord/command.js';
import { autocompleteChoices } from '../../src/discord/options.js';
import { requireModerator } from '../../src/discord/permissions.js';
import { UserError } from '../../src/errors.js';
import { end, endSubcommand } from './end.js';
import { flag, flagSubcommand } from './flag.js';
import { history, historySubcommand } from './history.js';
import { join, joinButton, joinSubcommand } from './join.js';
import { leave, leaveSubcommand } from './leave.js';
import type { ChallengeSubcommand } from './shared.js';
import { show, showSubcommand } from './show.js';
import { skip, skipSubcommand } from './skip.js';
import { start, startNowButton, startSubcommand } from './start.js';
import { submitWork, submitSubcommand } from './submit.js';
import { unflag, unflagSubcommand } from './unflag.js';

/** The subcommands that need challenges on (/setup challenges); history also works while they are off. */
const forMembers: Record<string, ChallengeSubcommand> = { show, join, leave, submit: submitWork };
const forModerators: Record<string, ChallengeSubcommand> = { start, end, skip, flag, unflag };
/** Judging works on past weeks too, so it does not need challenges on. */
const anyTime = new Set(['history', 'flag', 'unflag']);

export const challenge: Command = {
  data: guildCommand('challenge', 'The weekly Kaggle challenge')
    .addSubcommand(showSubcommand)
    .addSubcommand(joinSubcommand)
    .addSubcommand(leaveSubcommand)
    .addSubcommand(submitSubcommand)
    .addSubcommand(historySubcommand)
    .addSubcommand(startSubcommand)
    .addSubcommand(endSubcommand)
    .addSubcommand(skipSubcommand)
    .addSubcommand(flagSubcommand)
    .addSubcommand(unflagSubcommand)
    .toJSON(),

  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand();
    const moderated = ownEntry(forModerators, sub);
    if (moderated) await requireModerator(interaction, ctx);
    const settings = await getGuildSettings(ctx.db, interaction.guildId);
    if (sub === 'history') return history(interaction, ctx, settings);
    if (!anyTime.has(sub)) requireChallengesOn(settings);
    const run = moderated ?? ownEntry(forMembers, sub);
    if (!run) throw new UserError('Unknown challenge option.');
    return run(interaction, ctx, settings);
  },

  async autocomplete(interaction, ctx) {
    await interaction.respond(
      autocompleteChoices(ctx.content.challenges, interaction.options.getFocused(), (c) => ({
        name: `${c.title} (${c.difficulty})`,
        value: c.id,
        keywords: c.skills.join(' '),
      })),
    );
  },

  components: { join: joinButton, 'start-now': startNowButton },
};
