import { requireChallengesOn } from '../../src/db/queries/challenges.js';
import { getGuildSettings } from '../../src/db/queries/settings.js';
import { chooseSubcommand, type Command, guildCommand } from '../../src/discord/command.js';
import { autocompleteChoices } from '../../src/discord/options.js';
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
const forMembers: Record<string, ChallengeSubcommand> = { show, join, leave, submit: submitWork, history };
const forModerators: Record<string, ChallengeSubcommand> = { start, end, skip, flag, unflag };
/** Judging works on past weeks too, so it does not need challenges on. */
const anyTime = new Set(['history', 'flag', 'unflag']);

export const challenge: Command = {
  content: true,
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
    const run = await chooseSubcommand(interaction, ctx, { members: forMembers, moderators: forModerators });
    const settings = await getGuildSettings(ctx.db, interaction.guildId);
    if (!anyTime.has(interaction.options.getSubcommand())) requireChallengesOn(settings);
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
