import { MessageFlags, type ChatInputCommandInteraction, type InteractionEditReplyOptions, type InteractionReplyOptions } from 'discord.js';

/**
 * Discord drops an interaction that gets no answer within 3 s. A reply still being built after
 * this long (from the start of the handler) is deferred first, leaving the rest of the 3 s for the
 * time before the handler ran and for the deferral's own round trip.
 */
export const DEFER_AFTER_MS = 1_500;

type Payload = Pick<InteractionReplyOptions & InteractionEditReplyOptions, 'content' | 'embeds' | 'files' | 'components' | 'allowedMentions'>;

/**
 * Replies with `payload` when it is ready in time; otherwise defers ("thinking…", with the same
 * visibility) and edits the reply in once it is. For replies whose building may be slow, such as
 * /streak's PNG when many members ask at once. A rejected `payload` rejects here, for the router's
 * one error path (which replaces a deferred placeholder with its message).
 */
export async function replyInTime(interaction: ChatInputCommandInteraction, payload: Promise<Payload>, options: { ephemeral: boolean; deferAfterMs?: number }): Promise<void> {
  const flags = options.ephemeral ? MessageFlags.Ephemeral : undefined;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), options.deferAfterMs ?? DEFER_AFTER_MS);
  });
  try {
    const ready = await Promise.race([payload, late]);
    if (ready !== 'late') {
      await interaction.reply(flags === undefined ? ready : { ...ready, flags });
      return;
    }
  } finally {
    clearTimeout(timer);
  }
  await interaction.deferReply(flags === undefined ? {} : { flags });
  await interaction.editReply(await payload);
}
