import { MessageFlags, time, type APIButtonComponent } from 'discord.js';
import { findPost } from '../src/db/queries/claims.js';
import { choosePrompt } from '../src/db/queries/prompts.js';
import { getGuildSettings } from '../src/db/queries/settings.js';
import { checkIn } from '../src/db/queries/streaks.js';
import { localDateOf } from '../src/domain/dates.js';
import { dueAt } from '../src/domain/schedule.js';
import { isValidTimeZone, parseTimeOfDay } from '../src/domain/timezones.js';
import { type Command, guildCommand } from '../src/discord/command.js';
import { actionRow, linkButton } from '../src/discord/views/parts.js';
import { addPromptModal, checkInButton, promptEmbed } from '../src/discord/views/prompts.js';
import { checkInView } from '../src/discord/views/streaks.js';
import { UserError } from '../src/errors.js';
import { applyRewards } from '../src/discord/rewards.js';
import { resolveStep } from '../src/discord/options.js';
import { requireModerator } from '../src/discord/permissions.js';
import { ADDED_PROMPTS_FILE, saveServerFile, withPromptAdded } from '../src/discord/server-content.js';

export const prompt: Command = {
  content: true,
  data: guildCommand('prompt', 'The daily topic prompt')
    .addSubcommand((s) => s.setName('today').setDescription('Show today’s prompt of this server'))
    .addSubcommand((s) => s.setName('add').setDescription('Add a prompt to this server’s own content (moderators)'))
    .toJSON(),

  async execute(interaction, ctx) {
    if (interaction.options.getSubcommand() === 'add') {
      // The form must be the first answer; the moderator check runs again when it comes back.
      await requireModerator(interaction, ctx);
      await interaction.showModal(addPromptModal());
      return;
    }
    const guildId = interaction.guildId;
    const settings = await getGuildSettings(ctx.db, guildId);
    const clock = parseTimeOfDay(settings.promptsTime ?? '');
    const zone = settings.promptsTimezone ?? settings.timezone;
    if (!settings.promptsChannelId || !clock || !isValidTimeZone(zone))
      throw new UserError('This server has no daily prompt yet. A moderator can start one with `/setup prompts`.');

    const now = ctx.clock.now();
    const today = localDateOf(now, zone);
    const posted = await findPost(ctx.db, { guildId, kind: 'prompt', period: today });
    const postedPrompt = posted?.status === 'posted' ? ctx.content.prompts.find((p) => p.id === posted.ref) : undefined;

    const row = actionRow<APIButtonComponent>(checkInButton());

    if (postedPrompt && posted) {
      const where = posted.channelId && posted.messageId ? `https://discord.com/channels/${guildId}/${posted.channelId}/${posted.messageId}` : undefined;
      if (where) row.components.push(linkButton(where, 'Go to the discussion'));
      await interaction.reply({
        content: `Posted ${posted.postedAt ? time(posted.postedAt, 'R') : 'today'} in <#${posted.channelId ?? settings.promptsChannelId}>.`,
        embeds: [promptEmbed(ctx.content, postedPrompt, today)],
        components: [row],
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    if (!settings.promptsEnabled) throw new UserError('Daily prompts are turned off in this server. A moderator can turn them on with `/setup prompts`.');
    if (settings.promptsBrokenReason) throw new UserError(`Daily prompts are paused: ${settings.promptsBrokenReason}`);
    if (posted?.status === 'skipped') throw new UserError('There is no prompt today: it was missed while I was offline. The next one comes tomorrow.');

    const planned = await choosePrompt(ctx.db, ctx.content, guildId, today, now);
    if (!planned) throw new UserError('There are no prompts to post yet.');
    const due = dueAt(today, clock, zone);
    const when = due.getTime() > now.getTime() ? `It will be posted ${time(due, 't')} (${time(due, 'R')})` : 'It is being posted now';
    await interaction.reply({
      content: `${when} in <#${settings.promptsChannelId}>.`,
      embeds: [promptEmbed(ctx.content, planned, today)],
      components: [row],
      flags: MessageFlags.Ephemeral,
    });
  },

  components: {
    /** prompt:add, the form of /prompt add: stored in the server's prompts file (prompts/server.yaml), checked like an upload. */
    async add(interaction, ctx) {
      await requireModerator(interaction, ctx);
      if (!interaction.isModalSubmit()) throw new UserError('Run `/prompt add` again.');
      const field = (id: string) => interaction.fields.getTextInputValue(id).trim();
      const step = resolveStep(ctx.content, field('step')).step.id;
      const topic = field('topic').toLowerCase().replace(/\s+/g, '-');
      const hints = field('hints').split('\n').map((h) => h.trim()).filter(Boolean);
      let id = '';
      await saveServerFile(
        ctx,
        { guildId: interaction.guildId, userId: interaction.user.id },
        (files) => {
          const added = withPromptAdded(files.find((f) => f.name === ADDED_PROMPTS_FILE)?.text, { step, topic, text: field('text'), hints });
          id = added.id;
          return { name: ADDED_PROMPTS_FILE, folder: 'prompts', text: added.text };
        },
        'prompt.add',
        { step },
      );
      await interaction.reply({ content: `✅ Prompt **${id}** is added to ${ADDED_PROMPTS_FILE} and can be posted from now on. \`/content download\` gives you the file to edit.`, flags: MessageFlags.Ephemeral });
    },

    /** prompt:checkin, the Check in button on the daily prompt: the same as /checkin. */
    async checkin(interaction, ctx) {
      const result = await checkIn(ctx, { guildId: interaction.guildId, userId: interaction.user.id }, null, 'prompt');
      await interaction.reply({ ...checkInView(result), flags: MessageFlags.Ephemeral });
      await applyRewards(ctx, interaction.client, interaction.guildId, interaction.user.id);
    },
  },
};
