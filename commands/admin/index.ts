import type { ContentContext } from '../../src/context.js';
import { type Command, guildCommand, runSubcommand, type Subcommand } from '../../src/discord/command.js';
import { autocompleteChoices } from '../../src/discord/options.js';
import { MODERATOR_PERMISSIONS } from '../../src/discord/permissions.js';
import { logButton, logSubcommand, showLog } from './log.js';
import { cancelReset, confirmReset, progressGroup, progressReset } from './progress-reset.js';
import { streakFix, streakGroup } from './streak-fix.js';

/** /admin's subcommands by `group subcommand` (or the subcommand alone); every one is for moderators. */
const subcommands: Record<string, Subcommand<[], ContentContext>> = {
  'streak fix': streakFix,
  'progress reset': progressReset,
  log: showLog,
};

export const admin: Command = {
  content: true,
  data: guildCommand('admin', 'Moderators: correct a member’s streak or progress, and read the log of every correction')
    .setDefaultMemberPermissions(MODERATOR_PERMISSIONS)
    .addSubcommandGroup(streakGroup)
    .addSubcommandGroup(progressGroup)
    .addSubcommand(logSubcommand)
    .toJSON(),

  async execute(interaction, ctx) {
    return runSubcommand(interaction, ctx, { moderators: subcommands });
  },

  async autocomplete(interaction, ctx) {
    await interaction.respond(autocompleteChoices(ctx.content.tracks, interaction.options.getFocused(), (t) => ({ name: t.title, value: t.id })));
  },

  components: { reset: confirmReset, cancel: cancelReset, log: logButton },
};
