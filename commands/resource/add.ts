import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { RESOURCE_KINDS } from '../../src/content/schema.js';
import type { ContentContext } from '../../src/context.js';
import { addResource } from '../../src/db/queries/resources.js';
import type { GuildChatInput } from '../../src/discord/command.js';
import { duplicateMessage, memberText, priceWord, TITLE_MAX } from '../../src/discord/views/resources.js';
import { UserError } from '../../src/errors.js';
import { freeOption, levelOption, noteOption, readResource, stepOption, titleOption, urlOption } from './shared.js';

/** `/resource add url title [step] [kind] [level] [free] [note]`: moderators. */
export function addSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('add')
    .setDescription('Moderators: add a resource to the server’s list')
    .addStringOption(urlOption)
    .addStringOption(titleOption)
    .addStringOption(stepOption)
    .addStringOption((o) =>
      o
        .setName('kind')
        .setDescription('What kind of resource (default: article, or video for video sites)')
        .addChoices(...RESOURCE_KINDS.map((k) => ({ name: k, value: k }))),
    )
    .addStringOption(levelOption)
    .addBooleanOption(freeOption)
    .addStringOption(noteOption);
}

export async function add(interaction: GuildChatInput, ctx: ContentContext): Promise<void> {
  const input = readResource(interaction, ctx);
  const outcome = await addResource(ctx.db, ctx.content, input, ctx.clock.now());
  if (!outcome.ok) {
    const dup = outcome.duplicate;
    const hint = dup.where === 'server' && dup.row.status === 'pending' ? '\nApprove it with `/resource review`.' : '';
    throw new UserError(`${duplicateMessage(ctx.content, dup)}${hint}`);
  }
  const title = memberText(outcome.row.title, TITLE_MAX);
  const facts = [outcome.row.kind, outcome.row.level, priceWord(outcome.row.free)].filter(Boolean).join(' · ');
  await interaction.reply({
    content: `✅ Added **${title}** (${facts}) to this server’s resources${outcome.revived ? ' (it had been rejected or removed before)' : ''}. Share it with \`/resource post\`.`,
    flags: MessageFlags.Ephemeral,
  });
}
