import {
  ChannelType,
  DiscordAPIError,
  MessageFlags,
  Routes,
  type APIMessage,
} from 'discord.js';
import type { Context } from '../src/context.js';
import {
  activeSessionIn,
  createSession,
  currentParticipants,
  deleteSession,
  endSession,
  stopSessionAsModerator,
  joinSession,
  leaveSession,
  planOf,
  sessionById,
  setCardMessage,
} from '../src/db/queries/focus.js';
import type { FocusSession } from '../src/db/schema.js';
import { FOCUS_LIMITS, formatMinutes, planProblem, sessionEnd, totalMinutes } from '../src/domain/focus.js';
import { type Command, guildCommand, type GuildChatInput, type GuildComponent, runSubcommand } from '../src/discord/command.js';
import { missingBotPermissions, requireModerator } from '../src/discord/permissions.js';
import { focusCard } from '../src/discord/views/focus.js';
import { UserError } from '../src/errors.js';
import { editCard, settleSession, type FocusDeps } from '../src/jobs/focus.js';

/** Channels a focus session may run in: where members talk in text. */
const TEXT_CHANNELS = new Set<ChannelType>([ChannelType.GuildText, ChannelType.GuildAnnouncement]);

const cardLink = (s: FocusSession) => (s.messageId ? `https://discord.com/channels/${s.guildId}/${s.channelId}/${s.messageId}` : 'its card');

export const focus: Command = {
  data: guildCommand('focus', 'Group focus sessions (pomodoro): focus together, take breaks together')
    .addSubcommand((s) =>
      s
        .setName('start')
        .setDescription('Start a focus session in this channel; others join with the Join button')
        .addIntegerOption((o) =>
          o.setName('focus').setDescription(`Minutes of focus per round (default ${FOCUS_LIMITS.focus.default})`).setMinValue(FOCUS_LIMITS.focus.min).setMaxValue(FOCUS_LIMITS.focus.max),
        )
        .addIntegerOption((o) =>
          o.setName('break').setDescription(`Minutes of break between rounds (default ${FOCUS_LIMITS.break.default})`).setMinValue(FOCUS_LIMITS.break.min).setMaxValue(FOCUS_LIMITS.break.max),
        )
        .addIntegerOption((o) =>
          o.setName('rounds').setDescription(`How many rounds (default ${FOCUS_LIMITS.rounds.default})`).setMinValue(FOCUS_LIMITS.rounds.min).setMaxValue(FOCUS_LIMITS.rounds.max),
        ),
    )
    .addSubcommand((s) => s.setName('stop').setDescription('Stop this channel’s focus session (whoever started it, or a moderator)'))
    .addSubcommand((s) => s.setName('status').setDescription('Where this channel’s focus session is, and who is in it'))
    .toJSON(),

  async execute(interaction, ctx) {
    return runSubcommand(interaction, ctx, { members: { start, stop, status } });
  },

  components: {
    /** focus:join:<session id>, on the card. */
    async join(interaction, ctx, [id = '']) {
      const session = await openSession(interaction, ctx, id);
      const joined = await joinSession(ctx.db, session.id, interaction.user.id, ctx.clock.now());
      if (!joined) throw new UserError('You are already in this focus session.');
      await respond(
        interaction,
        ctx,
        session,
        `🙋 You joined the focus session. You’ll be pinged at each phase change${phaseEndNote(session, ctx.clock.now())}. Each focus round you stay in until its end counts as study time (from when you joined).`,
      );
    },
    /** focus:leave:<session id>, on the card. */
    async leave(interaction, ctx, [id = '']) {
      const session = await openSession(interaction, ctx, id);
      const left = await leaveSession(ctx.db, session.id, interaction.user.id, ctx.clock.now());
      if (!left) throw new UserError('You are not in this focus session. Press **Join** to take part.');
      await respond(interaction, ctx, session, '👋 You left the focus session: no more pings. Rounds you finished still count; the current one does not.');
    },
  },
};

const depsOf = (interaction: { client: FocusDeps['client']; id: string }, ctx: Context): FocusDeps => ({ ctx, client: interaction.client, owner: ctx.owner });

/** The session a card's button belongs to, still running; its due phase changes are settled first. */
async function openSession(interaction: GuildComponent, ctx: Context, id: string): Promise<FocusSession> {
  const found = Number.isSafeInteger(Number(id)) ? await sessionById(ctx.db, interaction.guildId, Number(id)) : undefined;
  const session = found && found.status === 'active' ? await settleSession(depsOf(interaction, ctx), found, ctx.clock.now()) : found;
  if (!session || session.status !== 'active') throw new UserError('This focus session has ended. Start a new one with `/focus start`.');
  return session;
}

/** Shows the new participant list on the card and tells the member `content` privately. */
async function respond(interaction: GuildComponent, ctx: Context, session: FocusSession, content: string): Promise<void> {
  const participants = await currentParticipants(ctx.db, session.id);
  const now = ctx.clock.now();
  if (interaction.isMessageComponent() && interaction.message.id === session.messageId) {
    // The button is on the card itself: update it in place, then answer privately.
    const card = focusCard(session, participants, now);
    await interaction.update({ embeds: card.embeds, components: card.components, allowedMentions: { parse: [] } });
    await interaction.followUp({ content, flags: MessageFlags.Ephemeral });
    return;
  }
  await editCard(depsOf(interaction, ctx), session, participants, now);
  await interaction.reply({ content, flags: MessageFlags.Ephemeral });
}

function phaseEndNote(session: FocusSession, now: Date): string {
  const end = sessionEnd(planOf(session));
  return end > now.getTime() ? ` until the session ends <t:${Math.floor(end / 1000)}:R>` : '';
}

function optionOr(interaction: GuildChatInput, name: string, fallback: number): number {
  return interaction.options.getInteger(name) ?? fallback;
}

/** The channel's running session, its due phase changes settled first; undefined when none runs. */
async function runningSession(interaction: GuildChatInput, ctx: Context): Promise<FocusSession | undefined> {
  const found = await activeSessionIn(ctx.db, interaction.channelId);
  if (!found) return undefined;
  const session = await settleSession(depsOf(interaction, ctx), found, ctx.clock.now());
  return session.status === 'active' ? session : undefined;
}

async function start(interaction: GuildChatInput, ctx: Context): Promise<void> {
  const plan = {
    focusMinutes: optionOr(interaction, 'focus', FOCUS_LIMITS.focus.default),
    breakMinutes: optionOr(interaction, 'break', FOCUS_LIMITS.break.default),
    rounds: optionOr(interaction, 'rounds', FOCUS_LIMITS.rounds.default),
  };
  const problem = planProblem(plan);
  if (problem) throw new UserError(`${problem} Nothing was started.`);
  const channel = interaction.channel ?? (await interaction.client.channels.fetch(interaction.channelId));
  if (!channel || channel.isDMBased() || !TEXT_CHANNELS.has(channel.type))
    throw new UserError('Start a focus session in a text channel of the server: its card and pings go there.');
  const missing = missingBotPermissions(channel);
  if (missing.length > 0) throw new UserError(`I cannot post in <#${channel.id}>: I am missing ${missing.join(', ')}. Ask a moderator to fix the channel’s permissions, or start it in another channel.`);

  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const guildId = interaction.guildId;
  const userId = interaction.user.id;
  const running = await runningSession(interaction, ctx);
  const session = running ? null : await createSession(ctx.db, { guildId, channelId: channel.id, startedBy: userId, ...plan, now: ctx.clock.now() });
  if (!session) {
    const other = running ?? (await activeSessionIn(ctx.db, channel.id));
    throw new UserError(`A focus session is already running in this channel${other ? `: join it on ${cardLink(other)}` : ''}. One at a time per channel; stop it with \`/focus stop\` or use another channel.`);
  }

  let card: APIMessage;
  try {
    card = (await interaction.client.rest.post(Routes.channelMessages(channel.id), { body: focusCard(session, [userId], session.startedAt) })) as APIMessage;
  } catch (error) {
    await deleteSession(ctx.db, session.id);
    const code = error instanceof DiscordAPIError ? error.code : undefined;
    ctx.logger.warn({ err: error, code, guildId, channelId: channel.id }, 'could not post the focus card; session dropped');
    throw new UserError(`I could not post the session’s card in <#${channel.id}>${code ? ` (Discord error ${code})` : ''}, so nothing was started. Check my permissions there and try again.`);
  }
  await setCardMessage(ctx.db, session.id, card.id);
  ctx.logger.info({ guildId, userId, channelId: channel.id, sessionId: session.id, ...plan }, 'focus session started');
  const total = formatMinutes(totalMinutes(plan));
  await interaction.editReply({
    content: `✅ Focus session started: ${plan.rounds} × ${plan.focusMinutes} min focus, ${plan.breakMinutes} min breaks (${total} in all). You are in; others join on the card: https://discord.com/channels/${guildId}/${channel.id}/${card.id}`,
  });
}

async function stop(interaction: GuildChatInput, ctx: Context): Promise<void> {
  const session = await runningSession(interaction, ctx);
  if (!session) throw new UserError('No focus session is running in this channel.');
  if (session.startedBy !== interaction.user.id) {
    try {
      await requireModerator(interaction, ctx);
    } catch (error) {
      if (error instanceof UserError) throw new UserError(`Only <@${session.startedBy}>, who started this focus session, or a moderator can stop it. You can leave it with **Leave** on its card.`);
      throw error;
    }
  }
  const now = ctx.clock.now();
  // A moderator stopping someone else's session is a correction: it goes in the moderator log.
  const stopped =
    session.startedBy === interaction.user.id
      ? await endSession(ctx.db, session.id, { status: 'stopped', at: now, by: interaction.user.id })
      : await stopSessionAsModerator(ctx.db, session.id, { guildId: session.guildId, moderatorId: interaction.user.id, at: now });
  if (!stopped) throw new UserError('This focus session has just ended.');
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  await editCard(depsOf(interaction, ctx), stopped, await currentParticipants(ctx.db, session.id), now);
  ctx.logger.info({ guildId: session.guildId, userId: interaction.user.id, sessionId: session.id }, 'focus session stopped');
  await interaction.editReply({ content: `⏹️ Focus session stopped. Rounds already finished still count as study time; the current one does not.` });
}

async function status(interaction: GuildChatInput, ctx: Context): Promise<void> {
  const session = await runningSession(interaction, ctx);
  if (!session) throw new UserError('No focus session is running in this channel. Start one with `/focus start`.');
  const card = focusCard(session, await currentParticipants(ctx.db, session.id), ctx.clock.now());
  await interaction.reply({ embeds: card.embeds, components: card.components, allowedMentions: { parse: [] }, flags: MessageFlags.Ephemeral });
}
