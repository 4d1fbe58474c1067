import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import type { Context } from '../../src/context.js';
import { FOLDERS } from '../../src/content/loader.js';
import { fetchAttachmentText } from '../../src/discord/attachments.js';
import type { GuildChatInput } from '../../src/discord/command.js';
import { MAX_FILE_BYTES, saveServerFile, serverFileName } from '../../src/discord/server-content.js';
import { UserError } from '../../src/errors.js';

/** How long the download of an attached file may take. */
export const ATTACHMENT_TIMEOUT_MS = 10_000;

export function uploadSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('upload')
    .setDescription('Add or replace one of this server’s content files (YAML, as in content/)')
    .addAttachmentOption((o) => o.setName('file').setDescription('A .yaml file: a track, resources, prompts or challenges').setRequired(true))
    .addStringOption((o) =>
      o
        .setName('folder')
        .setDescription('What the file holds (default: from its name, e.g. prompts.mine.yaml)')
        .addChoices(...FOLDERS.map((f) => ({ name: f, value: f }))),
    );
}

/** `/content upload file [folder]`: checked like content:check; a valid file replaces the server's file of that name. */
export async function upload(interaction: GuildChatInput, ctx: Context): Promise<void> {
  const attachment = interaction.options.getAttachment('file', true);
  const folder = FOLDERS.find((f) => f === interaction.options.getString('folder')) ?? null;
  const named = serverFileName(attachment.name, folder);
  if (!named.ok) throw new UserError(named.reason);
  const text = await fetchAttachmentText(attachment, { apiUrl: ctx.config.DISCORD_API_URL, maxBytes: MAX_FILE_BYTES, timeoutMs: ATTACHMENT_TIMEOUT_MS });
  const file = await saveServerFile(ctx, { guildId: interaction.guildId, userId: interaction.user.id }, () => ({ name: named.name, folder: named.folder, text }), 'content.upload');
  await interaction.reply({
    content: `✅ **${file.name}** is saved and in use in this server now. \`/content download\` gives it back; \`/content remove\` takes it out.`,
    flags: MessageFlags.Ephemeral,
  });
}
