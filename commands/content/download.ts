import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import type { Context } from '../../src/context.js';
import type { GuildChatInput } from '../../src/discord/command.js';
import { attachmentName, currentFiles } from '../../src/discord/server-content.js';

/** Discord takes at most 10 files per message. */
const FILES_PER_MESSAGE = 10;

export function downloadSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('download')
    .setDescription('Get this server’s content files, and the built-in ones if you like, to edit')
    .addBooleanOption((o) => o.setName('builtin').setDescription('Also the built-in files, to start from (default: no)'));
}

/** `/content download [builtin]`: the files as attachments, named so that /content upload takes them back (`prompts.mine.yaml`). */
export async function download(interaction: GuildChatInput, ctx: Context): Promise<void> {
  const { files } = await currentFiles(ctx, interaction.guildId);
  const builtin = interaction.options.getBoolean('builtin') ?? false;
  const all = [
    ...files.map((f) => ({ name: attachmentName(f.name), attachment: Buffer.from(f.text, 'utf8') })),
    ...(builtin ? ctx.contents.builtinFiles().map((f) => ({ name: attachmentName(f.file), attachment: Buffer.from(f.text, 'utf8') })) : []),
  ];
  const own = files.length === 0 ? 'This server has no content files of its own yet.' : `This server’s ${files.length} file(s)${builtin ? ', then the built-in ones' : ''}.`;
  const how = 'Edit one and give it back with `/content upload` (the name says its folder: `prompts.mine.yaml`).';
  if (all.length === 0) {
    await interaction.reply({ content: `${own} Add \`builtin:true\` to get the built-in files to start from.`, flags: MessageFlags.Ephemeral });
    return;
  }
  const batches: (typeof all)[] = [];
  for (let i = 0; i < all.length; i += FILES_PER_MESSAGE) batches.push(all.slice(i, i + FILES_PER_MESSAGE));
  await interaction.reply({ content: `${own} ${how}${batches.length > 1 ? ` (${batches.length} messages)` : ''}`, files: batches[0]!, flags: MessageFlags.Ephemeral });
  for (const batch of batches.slice(1)) await interaction.followUp({ files: batch, flags: MessageFlags.Ephemeral });
}
