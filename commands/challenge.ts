import { MessageFlags, TimestampStyles, time } from 'discord.js';
import type { Context } from '../src/context.js';
import {
  endChallenge,
  ensureOpenRun,
  history,
  joinRun,
  leaveRun,
  participantsOf,
  requireChallengesOn,
  runById,
  skipChallenge,
  startChallenge,
  submissionOf,
  submissionsOf,
  submit,
  type RunChange,
} from '../src/db/queries/challenges.js';
import { findPost } from '../src/db/queries/claims.js';
import { getGuildSettings, getMemberTimezone } from '../src/db/queries/settings.js';
import type { GuildSettings } from '../src/db/schema.js';
import { kaggleLinkShape, parseScore } from '../src/domain/submissions.js';
import { competitionSlug, effectiveEnd, formatInZone, parseDeadline, parseKaggleLink } from '../src/domain/weeks.js';
import { type Command, guildCommand, type GuildChatInput } from '../src/discord/command.js';
import { autocompleteChoices } from '../src/discord/options.js';
import { requireModerator } from '../src/discord/permissions.js';
import { historyView, showView } from '../src/discord/views/challenges.js';
import { userText, withoutMentions } from '../src/discord/views/theme.js';
import { UserError } from '../src/errors.js';
import { announceChange, postDueChallengePosts, type ChallengePosterDeps } from '../src/jobs/challenges.js';
import { applyRewards } from '../src/discord/rewards.js';

const MAX_CUSTOM_DAYS = 120;

export const challenge: Command = {
  data: guildCommand('challenge', 'The weekly Kaggle challenge')
    .addSubcommand((s) => s.setName('show').setDescription('This week’s challenge, its deadline in your time zone, and who joined'))
    .addSubcommand((s) => s.setName('join').setDescription('Join this week’s challenge (you get the reminders)'))
    .addSubcommand((s) => s.setName('leave').setDescription('Leave this week’s challenge (no more reminders)'))
    .addSubcommand((s) =>
      s
        .setName('submit')
        .setDescription('Submit your Kaggle notebook or score (you can replace it until the deadline)')
        .addStringOption((o) => o.setName('link').setDescription('Your Kaggle notebook, your submissions/leaderboard page in this competition, or your profile').setRequired(true).setMaxLength(500))
        .addStringOption((o) => o.setName('score').setDescription('Your public score as a number, e.g. 0.7871').setMaxLength(40))
        .addStringOption((o) => o.setName('note').setDescription('A short note: what you tried, what you learned').setMaxLength(200)),
    )
    .addSubcommand((s) => s.setName('history').setDescription('Past challenges of this server with participants and submissions'))
    .addSubcommand((s) =>
      s
        .setName('start')
        .setDescription('Moderators: set this week’s challenge (optionally with a custom deadline)')
        .addStringOption((o) => o.setName('challenge').setDescription('Which challenge').setRequired(true).setAutocomplete(true).setMaxLength(100))
        .addStringOption((o) =>
          o.setName('ends').setDescription('Deadline in the server’s time zone: YYYY-MM-DD (end of that day) or YYYY-MM-DD HH:MM').setMaxLength(16),
        ),
    )
    .addSubcommand((s) => s.setName('end').setDescription('Moderators: close this challenge now and post the recap'))
    .addSubcommand((s) => s.setName('skip').setDescription('Moderators: replace this week’s challenge with the next one in the rotation'))
    .toJSON(),

  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand();
    if (sub === 'start' || sub === 'end' || sub === 'skip') await requireModerator(interaction, ctx);
    const settings = await getGuildSettings(ctx.db, interaction.guildId);
    if (sub === 'history') {
      const past = await history(ctx.db, settings.guildId, ctx.clock.now());
      await interaction.reply({ ...historyView(past, (id) => ctx.content.challengesById.get(id)), flags: MessageFlags.Ephemeral });
      return;
    }
    requireChallengesOn(settings);
    switch (sub) {
      case 'show':
        return show(interaction, ctx, settings);
      case 'join':
        return join(interaction, ctx, settings);
      case 'leave':
        return leave(interaction, ctx, settings);
      case 'submit':
        return submitWork(interaction, ctx, settings);
      case 'start':
        return start(interaction, ctx, settings);
      case 'end':
        return end(interaction, ctx, settings);
      case 'skip':
        return skip(interaction, ctx, settings);
      default:
        throw new UserError('Unknown challenge option.');
    }
  },

  async autocomplete(interaction, ctx) {
    await interaction.respond(
      autocompleteChoices(ctx.content.challenges, interaction.options.getFocused(), (c) => ({
        name: `${c.title} (${c.difficulty})`,
        value: c.id,
        keywords: c.skills.join(' '),
      })),
    );
  },

  components: {
    /** challenge:join:<run id>, the Join button of an announcement or of /challenge show. */
    async join(interaction, ctx, [id = '']) {
      const run = Number.isSafeInteger(Number(id)) ? await runById(ctx.db, interaction.guildId, Number(id)) : undefined;
      if (!run) throw new UserError('This challenge no longer exists. Run `/challenge show` for the current one.');
      const title = ctx.content.challengesById.get(run.challengeId)?.title ?? run.challengeId;
      const fresh = await joinRun(ctx.db, run, interaction.user.id, ctx.clock.now());
      await interaction.reply({ content: joinedText(fresh, title, effectiveEnd(run)), flags: MessageFlags.Ephemeral });
    },
  },
};

function deadlineText(deadline: Date, zone: string): string {
  return `${formatInZone(deadline, zone)} (${time(deadline, TimestampStyles.RelativeTime)})`;
}

function joinedText(fresh: boolean, title: string, deadline: Date): string {
  return fresh
    ? `🙋 You joined **${title}**. You’ll be reminded midweek and 24 hours before the deadline, ${time(deadline, TimestampStyles.LongDateTime)}. Submit with \`/challenge submit\`.`
    : `You already joined **${title}**. Submit with \`/challenge submit\`.`;
}

async function memberZone(ctx: Context, settings: GuildSettings, userId: string): Promise<string> {
  return (await getMemberTimezone(ctx.db, settings.guildId, userId)) ?? settings.timezone;
}

async function currentRun(ctx: Context, settings: GuildSettings) {
  const run = await ensureOpenRun(ctx.db, ctx.content, settings, ctx.clock.now());
  if (!run) throw new UserError('No challenge is running right now. The next one starts with the new week; moderators can start one with `/challenge start`.');
  return run;
}

const titleOf = (ctx: Context, id: string) => ctx.content.challengesById.get(id)?.title ?? id;

async function show(interaction: GuildChatInput, ctx: Context, settings: GuildSettings): Promise<void> {
  const run = await currentRun(ctx, settings);
  const userId = interaction.user.id;
  const [participants, submissions, zone] = [await participantsOf(ctx.db, run.id), await submissionsOf(ctx.db, run.id), await memberZone(ctx, settings, userId)];
  const view = showView(ctx.content.challengesById.get(run.challengeId), run, {
    zone,
    participants,
    submissions: submissions.length,
    mine: submissions.find((s) => s.userId === userId),
    joined: participants.includes(userId),
    now: ctx.clock.now(),
  });
  await interaction.reply({ ...view, flags: MessageFlags.Ephemeral });
}

async function join(interaction: GuildChatInput, ctx: Context, settings: GuildSettings): Promise<void> {
  const run = await currentRun(ctx, settings);
  const fresh = await joinRun(ctx.db, run, interaction.user.id, ctx.clock.now());
  await interaction.reply({ content: joinedText(fresh, titleOf(ctx, run.challengeId), effectiveEnd(run)), flags: MessageFlags.Ephemeral });
}

async function leave(interaction: GuildChatInput, ctx: Context, settings: GuildSettings): Promise<void> {
  const run = await currentRun(ctx, settings);
  const left = await leaveRun(ctx.db, run, interaction.user.id);
  const submitted = await submissionOf(ctx.db, run.id, interaction.user.id);
  const title = titleOf(ctx, run.challengeId);
  const content = !left
    ? `You had not joined **${title}**.`
    : `👋 You left **${title}**: no more reminders.${submitted ? ' Your submission stays in the recap.' : ''}`;
  await interaction.reply({ content, flags: MessageFlags.Ephemeral });
}

async function submitWork(interaction: GuildChatInput, ctx: Context, settings: GuildSettings): Promise<void> {
  const options = interaction.options;
  const raw = options.getString('link', true);
  const link = parseKaggleLink(raw);
  if (!link) throw new UserError(`Only Kaggle links are accepted: \`https://www.kaggle.com/…\` (your notebook, or your submission on the leaderboard). “${userText(raw, 80)}” is not one.`);
  const scoreRaw = options.getString('score')?.trim() || null;
  const score = scoreRaw === null ? null : parseScore(scoreRaw);
  if (score === undefined)
    throw new UserError(`“${userText(withoutMentions(scoreRaw ?? ''), 40)}” is not a score. Give it as the number Kaggle shows, e.g. \`0.7871\` or \`12.5\`, or leave \`score\` out. Your submission was not saved.`);
  const note = options.getString('note')?.trim() || null;
  const userId = interaction.user.id;
  const now = ctx.clock.now();
  const zone = await memberZone(ctx, settings, userId);
  const run = await currentRun(ctx, settings).catch(async (error: unknown) => {
    // Just after the deadline there is no open run: say it was late, with the deadline.
    const [last] = await history(ctx.db, settings.guildId, now, 1);
    if (last && now.getTime() - effectiveEnd(last.run).getTime() < 7 * 86_400_000)
      throw new UserError(`Too late: **${titleOf(ctx, last.run.challengeId)}** closed on ${deadlineText(effectiveEnd(last.run), zone)}. Your submission was not saved.`);
    throw error;
  });
  const expected = ctx.content.challengesById.get(run.challengeId);
  const expectedSlug = expected ? competitionSlug(expected.url) : undefined;
  const shape = kaggleLinkShape(link);
  // A link into another competition: late for last week's challenge, or simply the wrong one.
  const linked = shape.kind === 'competition' || shape.kind === 'competition-page' ? shape.slug : undefined;
  if (linked && expected && linked !== expectedSlug) {
    const [previous] = await history(ctx.db, settings.guildId, now, 1);
    const previousChallenge = previous && ctx.content.challengesById.get(previous.run.challengeId);
    if (previous && previousChallenge && competitionSlug(previousChallenge.url) === linked)
      throw new UserError(`Too late: **${previousChallenge.title}** closed on ${deadlineText(effectiveEnd(previous.run), zone)}. Your submission was not saved.`);
    throw new UserError(`That link is for another competition. This week’s challenge is **${expected.title}** (${expected.url}).`);
  }
  if (shape.kind !== 'notebook' && shape.kind !== 'profile' && shape.kind !== 'competition') {
    const what =
      shape.kind === 'home' ? 'That is Kaggle’s home page' : shape.kind === 'competition-page' ? 'That is a page of the competition itself' : 'That Kaggle page';
    const base = expected && expectedSlug ? `https://www.kaggle.com/competitions/${expectedSlug}` : undefined;
    throw new UserError(
      `${what}, not your work. Link your notebook (\`https://www.kaggle.com/code/<you>/<notebook>\`)${
        base ? `, your submissions or leaderboard entry in this week’s competition (\`${base}/submissions\` or \`${base}/leaderboard\`)` : ''
      } or your Kaggle profile (\`https://www.kaggle.com/<you>\`). Your submission was not saved.`,
    );
  }
  const result = await submit(ctx.db, {
    guildId: settings.guildId,
    runId: run.id,
    userId,
    link,
    score,
    note,
    now,
    lateMessage: (deadline) => `Too late: **${titleOf(ctx, run.challengeId)}** closed on ${deadlineText(deadline, zone)}. Your submission was not saved.`,
  });
  const title = titleOf(ctx, run.challengeId);
  const content = result.created
    ? `✅ Submitted to **${title}**. It counts for your streak today. You can replace it with \`/challenge submit\` until ${deadlineText(effectiveEnd(run), zone)}.`
    : `🔁 Your submission to **${title}** was replaced. You can change it until ${deadlineText(effectiveEnd(run), zone)}.`;
  await interaction.reply({ content, flags: MessageFlags.Ephemeral });
  await applyRewards(ctx, interaction.client, settings.guildId, userId);
}

function poster(interaction: GuildChatInput, ctx: Context): ChallengePosterDeps {
  return { ctx, client: interaction.client, owner: `command:${interaction.id}` };
}

/** After a moderator changed the challenge: announce it (scheduled announcement if not out yet, else a change notice). */
async function announce(interaction: GuildChatInput, ctx: Context, settings: GuildSettings, change: RunChange): Promise<string> {
  const channel = `<#${settings.challengesChannelId}>`;
  const announced = await findPost(ctx.db, { guildId: settings.guildId, kind: 'challenge_announce', period: change.run.weekStart });
  if (announced?.status === 'posted') {
    const problem = await announceChange(poster(interaction, ctx), settings, change.run);
    return problem ? `⚠️ But I could not announce it: ${problem}` : `Announced in ${channel}.`;
  }
  const outcomes = await postDueChallengePosts(poster(interaction, ctx), settings.guildId, ctx.clock.now());
  const failed = outcomes.find((o) => o.result === 'failed' || o.result === 'retry');
  if (failed) return `⚠️ But I could not announce it in ${channel} (${failed.error ?? 'unknown error'}). Check \`/setup show\`.`;
  return `Announced in ${channel}.`;
}

async function start(interaction: GuildChatInput, ctx: Context, settings: GuildSettings): Promise<void> {
  const options = interaction.options;
  const input = options.getString('challenge', true);
  const picked = ctx.content.challengesById.get(input) ?? ctx.content.challenges.find((c) => c.title.toLowerCase() === input.trim().toLowerCase());
  if (!picked) throw new UserError(`There is no challenge called “${userText(input, 80)}”. Start typing and pick one from the list.`);
  const now = ctx.clock.now();
  const endsRaw = options.getString('ends');
  let endsAt: Date | undefined;
  if (endsRaw !== null) {
    endsAt = parseDeadline(endsRaw, settings.timezone);
    if (!endsAt)
      throw new UserError(`“${userText(endsRaw, 20)}” is not a deadline I understand. Use YYYY-MM-DD (the end of that day) or YYYY-MM-DD HH:MM, in the server’s time zone (${settings.timezone}).`);
    if (endsAt <= now) throw new UserError(`The deadline ${formatInZone(endsAt, settings.timezone)} has already passed. Pick a later one.`);
    if (endsAt.getTime() - now.getTime() > MAX_CUSTOM_DAYS * 86_400_000) throw new UserError(`A challenge can run for at most ${MAX_CUSTOM_DAYS} days.`);
  }
  const change = await startChallenge(ctx.db, settings, { challengeId: picked.id, endsAt, by: interaction.user.id, now });
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const posted = await announce(interaction, ctx, settings, change);
  const what = change.replaced ? `**${picked.title}** replaces **${titleOf(ctx, change.previousChallengeId ?? '')}** as this week’s challenge` : `**${picked.title}** has started`;
  await interaction.editReply({ content: `✅ ${what}, until ${deadlineText(effectiveEnd(change.run), settings.timezone)}. ${posted}` });
  ctx.logger.info({ guildId: settings.guildId, userId: interaction.user.id, challengeId: picked.id, endsAt: change.run.endsAt }, 'challenge started by a moderator');
}

async function skip(interaction: GuildChatInput, ctx: Context, settings: GuildSettings): Promise<void> {
  const change = await skipChallenge(ctx.db, ctx.content, settings, { by: interaction.user.id, now: ctx.clock.now() });
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const posted = await announce(interaction, ctx, settings, change);
  await interaction.editReply({
    content: `⏭️ Skipped **${titleOf(ctx, change.previousChallengeId ?? '')}**. This week’s challenge is now **${titleOf(ctx, change.run.challengeId)}**. ${posted}`,
  });
}

async function end(interaction: GuildChatInput, ctx: Context, settings: GuildSettings): Promise<void> {
  const run = await endChallenge(ctx.db, settings.guildId, { by: interaction.user.id, now: ctx.clock.now() });
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const outcomes = await postDueChallengePosts(poster(interaction, ctx), settings.guildId, ctx.clock.now());
  const recap = outcomes.find((o) => o.kind === 'challenge_recap' && o.period === run.weekStart);
  const channel = `<#${settings.challengesChannelId}>`;
  const note =
    recap?.result === 'posted'
      ? `The recap is in ${channel}.`
      : recap?.result === 'failed' || recap?.result === 'retry'
        ? `⚠️ I could not post the recap in ${channel} (${recap.error ?? 'unknown error'}). Check \`/setup show\`.`
        : 'The recap is on its way.';
  await interaction.editReply({ content: `🏁 Closed **${titleOf(ctx, run.challengeId)}**. ${note}` });
}
