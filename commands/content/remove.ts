import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import type { Context } from '../../src/context.js';
import { removeServerContentFile } from '../../src/db/queries/server-content.js';
import type { GuildChatInput } from '../../src/discord/command.js';
import { checkChange, currentFiles, problemsMessage } from '../../src/discord/server-content.js';
import { UserError } from '../../src/errors.js';

export function removeSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('remove')
    .setDescription('Remove one of this server’s content files (members’ progress is kept)')
    .addStringOption((o) => o.setName('file').setDescription('The file').setRequired(true).setAutocomplete(true).setMaxLength(100));
}

/**
 * `/content remove file`: the server's entries of that file are gone at once; built-in entries it
 * overrode or hid come back. Progress on removed steps stays stored (it counts again if the step
 * comes back, also under a new id that `replaces:` it). Refused when other files still need it.
 */
export async function remove(interaction: GuildChatInput, ctx: Context): Promise<void> {
  const name = interaction.options.getString('file', true).trim();
  for (let attempt = 0; attempt < 3; attempt++) {
    const { revision, files } = await currentFiles(ctx, interaction.guildId);
    if (!files.some((f) => f.name === name)) throw new UserError(`This server has no content file “${name}”. \`/content download\` lists its files.`);
    const checked = checkChange(ctx.contents, files, { remove: name });
    if (checked.problems.length > 0) throw new UserError(problemsMessage(`❌ **${name}** was not removed: the other files need it (${checked.problems.length} problem(s) without it). Change those first.`, checked.problems));
    const change = { guildId: interaction.guildId, revision, by: interaction.user.id, at: ctx.clock.now(), action: 'content.remove' as const };
    const outcome = await removeServerContentFile(ctx.db, change, name);
    if (outcome === 'changed') continue;
    if (outcome === 'gone') throw new UserError(`This server has no content file “${name}” any more.`);
    ctx.logger.info({ guildId: interaction.guildId, userId: interaction.user.id, file: name }, 'server content file removed');
    await interaction.reply({ content: `🗑️ **${name}** is removed; this server no longer uses it. Members’ progress on its steps is kept.`, flags: MessageFlags.Ephemeral });
    return;
  }
  throw new UserError('Other moderators are changing this server’s content right now, so nothing was removed. Try again in a moment.');
}
