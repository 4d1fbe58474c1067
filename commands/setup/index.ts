import { getGuildSettings } from '../../src/db/queries/settings.js';
import { searchTimeZones } from '../../src/domain/timezones.js';
import { chooseSubcommand, type Command, guildCommand } from '../../src/discord/command.js';
import { MODERATOR_PERMISSIONS, requireModerator } from '../../src/discord/permissions.js';
import { challenges, challengesSubcommand } from './challenges.js';
import { logRetention, logRetentionSubcommand } from './log-retention.js';
import { moderatorRole, moderatorRoleSubcommand } from './moderator-role.js';
import { pods, podsSubcommand } from './pods.js';
import { prompts, promptsSubcommand } from './prompts.js';
import { resources, resourcesSubcommand } from './resources.js';
import { executeRewards, rewardsGroup } from './rewards.js';
import { saveWith, type SetupSubcommand } from './save.js';
import { show, showSubcommand } from './show.js';
import { streaks, streaksSubcommand } from './streaks.js';
import { study, studySubcommand } from './study.js';

/**
 * /setup <sub>, moderators only. Most subcommands change the server's settings row (saveWith:
 * save, then say what is set and what goes out next); pods has its own row, rewards is a group.
 */
const subcommands: Record<string, SetupSubcommand> = {
  show,
  streaks: saveWith(streaks),
  prompts: saveWith(prompts),
  challenges: saveWith(challenges),
  resources: saveWith(resources),
  'moderator-role': saveWith(moderatorRole),
  study: saveWith(study),
  'log-retention': saveWith(logRetention),
  pods,
};

export const setup: Command = {
  data: guildCommand('setup', 'Moderators: configure Cohort for this server')
    .setDefaultMemberPermissions(MODERATOR_PERMISSIONS)
    .addSubcommand(showSubcommand)
    .addSubcommand(streaksSubcommand)
    .addSubcommand(promptsSubcommand)
    .addSubcommand(challengesSubcommand)
    .addSubcommand(resourcesSubcommand)
    .addSubcommand(moderatorRoleSubcommand)
    .addSubcommandGroup(rewardsGroup)
    .addSubcommand(studySubcommand)
    .addSubcommand(podsSubcommand)
    .addSubcommand(logRetentionSubcommand)
    .toJSON(),

  async execute(interaction, ctx) {
    if (interaction.options.getSubcommandGroup() === 'rewards') {
      await requireModerator(interaction, ctx);
      return executeRewards(interaction, ctx);
    }
    const run = await chooseSubcommand(interaction, ctx, { moderators: subcommands });
    return run(interaction, ctx, await getGuildSettings(ctx.db, interaction.guildId));
  },

  async autocomplete(interaction) {
    const zones = searchTimeZones(interaction.options.getFocused());
    await interaction.respond(zones.map((z) => ({ name: z, value: z })));
  },
};
