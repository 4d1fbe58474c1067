import { serverContent } from '../../src/db/queries/server-content.js';
import { type Command, guildCommand, runSubcommand, type Subcommand } from '../../src/discord/command.js';
import { autocompleteChoices } from '../../src/discord/options.js';
import { MODERATOR_PERMISSIONS } from '../../src/discord/permissions.js';
import { download, downloadSubcommand } from './download.js';
import { remove, removeSubcommand } from './remove.js';
import { upload, uploadSubcommand } from './upload.js';

const subcommands: Record<string, Subcommand> = { upload, download, remove };

/** `/content` (moderators): this server's own content, layered over the built-in content (docs/server-content.md). */
export const content: Command = {
  data: guildCommand('content', 'This server’s own tracks, resources, prompts and challenges (moderators)')
    .setDefaultMemberPermissions(MODERATOR_PERMISSIONS)
    .addSubcommand(uploadSubcommand)
    .addSubcommand(downloadSubcommand)
    .addSubcommand(removeSubcommand)
    .toJSON(),

  async execute(interaction, ctx) {
    return runSubcommand(interaction, ctx, { moderators: subcommands });
  },

  async autocomplete(interaction, ctx) {
    const { files } = await serverContent(ctx.db, interaction.guildId);
    await interaction.respond(autocompleteChoices(files, interaction.options.getFocused(), (f) => ({ name: f.name, value: f.name })));
  },
};
