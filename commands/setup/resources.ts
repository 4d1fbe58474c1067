import type { SlashCommandSubcommandBuilder } from 'discord.js';
import type { GuildSettingsPatch } from '../../src/db/queries/settings.js';
import { UserError } from '../../src/errors.js';
import type { SettingChange } from './change.js';
import { checkedChannel, textChannels } from './shared.js';

/** `/setup resources [channel] [review_channel] [clear_review_channel]`: where /resource posts and suggestion notices go. */
export function resourcesSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('resources')
    .setDescription('Default channel for /resource post, and where moderators hear of new suggestions')
    .addChannelOption((o) => o.setName('channel').setDescription('Resources channel').addChannelTypes(...textChannels))
    .addChannelOption((o) =>
      o.setName('review_channel').setDescription('Where I tell moderators about new suggestions (best: a moderators-only channel)').addChannelTypes(...textChannels),
    )
    .addBooleanOption((o) => o.setName('clear_review_channel').setDescription('True to stop telling moderators about new suggestions'));
}

export const resources: SettingChange = {
  async patch(interaction) {
    const options = interaction.options;
    // Each option is optional so that one can change without picking the other channel again.
    const patch: GuildSettingsPatch = {};
    const channel = options.getChannel('channel');
    const review = options.getChannel('review_channel');
    const clearReview = options.getBoolean('clear_review_channel') === true;
    if (review && clearReview) throw new UserError('Give `review_channel` or `clear_review_channel: True`, not both.');
    if (channel) patch.resourcesChannelId = await checkedChannel(interaction, channel.id);
    if (review || clearReview) {
      patch.reviewChannelId = review ? await checkedChannel(interaction, review.id) : null;
      patch.reviewChannelError = null;
    }
    if (Object.keys(patch).length === 0) throw new UserError('Give at least one of `channel`, `review_channel` or `clear_review_channel`.');
    return patch;
  },

  nowSet: (s) =>
    `Resources: /resource post goes to ${s.resourcesChannelId ? `<#${s.resourcesChannelId}>` : 'no default channel'}; suggestion notices ${s.reviewChannelId ? `go to <#${s.reviewChannelId}>` : 'are off'}.`,
};
