import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { syncMemberUnits } from '../../src/db/queries/cohorts.js';
import { history, submit } from '../../src/db/queries/challenges.js';
import { kaggleLinkShape, parseScore } from '../../src/domain/submissions.js';
import { competitionSlug, effectiveEnd, parseKaggleLink } from '../../src/domain/weeks.js';
import { applyRewards } from '../../src/discord/rewards.js';
import { userText, withoutMentions } from '../../src/discord/views/theme.js';
import { UserError } from '../../src/errors.js';
import { currentRun, deadlineText, memberZone, titleOf, type ChallengeSubcommand } from './shared.js';

/** `/challenge submit link [score] [note]`: a Kaggle notebook, leaderboard entry or profile, replaceable until the deadline. */
export function submitSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('submit')
    .setDescription('Submit your Kaggle notebook or score (you can replace it until the deadline)')
    .addStringOption((o) => o.setName('link').setDescription('Your Kaggle notebook, your submissions/leaderboard page in this competition, or your profile').setRequired(true).setMaxLength(500))
    .addStringOption((o) => o.setName('score').setDescription('Your public score as a number, e.g. 0.7871').setMaxLength(40))
    .addStringOption((o) => o.setName('note').setDescription('A short note: what you tried, what you learned').setMaxLength(200));
}

export const submitWork: ChallengeSubcommand = async (interaction, ctx, settings) => {
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
  // A cohort unit whose challenge this is is done by this submission.
  if (result.created) await syncMemberUnits(ctx, { guildId: settings.guildId, userId });
};
