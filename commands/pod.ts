import { MessageFlags, TimestampStyles, time as timestamp } from 'discord.js';
import type { Context } from '../src/context.js';
import { findStep } from '../src/content/loader.js';
import { getGuildSettings } from '../src/db/queries/settings.js';
import { getPodSettings, joinPods, latestPodOf, leavePods, podOptIn } from '../src/db/queries/pods.js';
import { DEFAULT_POD_SIZE, MAX_POD_SIZE, MIN_POD_SIZE, nextPodForming } from '../src/domain/pods.js';
import { parseTimeOfDay } from '../src/domain/timezones.js';
import { type Command, guildCommand } from '../src/discord/command.js';

export const pod: Command = {
  data: guildCommand('pod', 'Weekly study pods: a small group of members at a similar step')
    .addSubcommand((s) =>
      s
        .setName('join')
        .setDescription('Join the weekly pods (or change your preferred size)')
        .addIntegerOption((o) => o.setName('size').setDescription(`Preferred pod size, ${MIN_POD_SIZE}-${MAX_POD_SIZE} (default ${DEFAULT_POD_SIZE})`).setMinValue(MIN_POD_SIZE).setMaxValue(MAX_POD_SIZE)),
    )
    .addSubcommand((s) => s.setName('leave').setDescription('Stop being placed in pods from next week on'))
    .addSubcommand((s) => s.setName('status').setDescription('Your pod, its thread, and when pods are formed next'))
    .toJSON(),

  async execute(interaction, ctx) {
    const member = { guildId: interaction.guildId, userId: interaction.user.id };
    const sub = interaction.options.getSubcommand();
    let content: string;
    if (sub === 'join') {
      const size = interaction.options.getInteger('size') ?? DEFAULT_POD_SIZE;
      const before = await joinPods(ctx.db, member, size, ctx.clock.now());
      ctx.logger.info({ ...member, size, before }, 'pod opt-in');
      content = [
        before === undefined ? `✅ You are in: from the next forming on you are placed in a pod of about ${size}.` : `✅ Your preferred pod size is now ${size} (was ${before}).`,
        await schedule(ctx, member.guildId),
      ].join('\n');
    } else if (sub === 'leave') {
      const was = await leavePods(ctx.db, member);
      ctx.logger.info({ ...member, was }, 'pod opt-out');
      content = was ? 'You left the pods: you are not placed in one from the next forming on. Your current pod’s thread stays open for you.' : 'You had not joined the pods. `/pod join` to join.';
    } else {
      content = await status(ctx, member);
    }
    await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
};

/** When pods are formed next, or why they are not. */
async function schedule(ctx: Context, guildId: string): Promise<string> {
  const settings = await getPodSettings(ctx.db, guildId);
  const time = parseTimeOfDay(settings?.time ?? '');
  if (!settings || !time) return 'Pods are not set up in this server yet: a moderator turns them on with `/setup pods`.';
  if (!settings.enabled) return 'Pods are turned off in this server for now; a moderator turns them on with `/setup pods enabled:True`.';
  if (settings.brokenReason) return 'Pods are paused in this server until a moderator fixes their setup (`/setup show`).';
  const zone = (await getGuildSettings(ctx.db, guildId)).timezone;
  const next = nextPodForming(ctx.clock.now(), settings.day, time, zone);
  return `Next forming: ${timestamp(next, TimestampStyles.LongDateTime)} (${timestamp(next, TimestampStyles.RelativeTime)}).`;
}

async function status(ctx: Context, member: { guildId: string; userId: string }): Promise<string> {
  const [optIn, latest] = await Promise.all([podOptIn(ctx.db, member), latestPodOf(ctx.db, member)]);
  const lines: string[] = [];
  lines.push(optIn ? `You are in the pods (preferred size ${optIn.preferredSize}).` : 'You are not in the pods. `/pod join` to join.');
  if (latest) {
    // Only /pod status with a pod names steps: the server's content is read then, not for every /pod.
    const content = await ctx.contents.forGuild(member.guildId);
    const others = latest.members.filter((m) => m.userId !== member.userId).map((m) => {
      const step = m.stepId ? findStep(content, m.stepId)?.step.title : undefined;
      return `<@${m.userId}>${step ? ` (next: ${step})` : ''}`;
    });
    lines.push(`Your pod of the week of ${latest.week}: ${others.join(', ')}${latest.threadId ? ` · thread <#${latest.threadId}>` : ' · its thread is being opened'}.`);
  } else if (optIn) lines.push('You have not been in a pod yet.');
  if (optIn?.aloneWeek && (!latest || latest.week < optIn.aloneWeek))
    lines.push(`On ${optIn.aloneWeek} you were the only member who had joined, so there was nobody to pair you with. Invite a study buddy to \`/pod join\`!`);
  lines.push(await schedule(ctx, member.guildId));
  return lines.join('\n').slice(0, 2000);
}
