import { TimestampStyles, time as timestamp, type APIEmbed } from 'discord.js';
import type { Step } from '../../content/schema.js';
import { colors, clip, userText } from './theme.js';

export interface PodMemberView {
  userId: string;
  step?: Pick<Step, 'id' | 'title' | 'hours'>;
}

/** The private thread's name: "Pod 3 · week of 2026-03-02". */
export function podThreadName(number: number, week: string): string {
  return `Pod ${number} · week of ${week}`;
}

/**
 * The kickoff message: mentions only the pod's members (which also adds them to the private
 * thread), where each stands, and a suggested goal for the week.
 */
export function podKickoff(members: readonly PodMemberView[], checkinAt: Date): { content: string; embeds: APIEmbed[]; allowedMentions: { users: string[] } } {
  const ids = members.map((m) => m.userId);
  const content = clip(`👋 ${ids.map((id) => `<@${id}>`).join(' ')}: you are a study pod this week. Say hi and pick a time to meet!`, 2000);
  const stands = members.map((m) => `<@${m.userId}>: ${m.step ? `next is **${clip(m.step.title, 80)}**` : 'finished the roadmap, ready to help others'}`).join('\n');
  const steps = members.flatMap((m) => (m.step ? [m.step] : []));
  const shared = steps.length === members.length && steps.every((s) => s.id === steps[0]!.id) ? steps[0] : undefined;
  const goal = shared
    ? `Finish **${clip(shared.title, 80)}** together (about ${shared.hours} h): split the resources, then explain one idea to each other here.`
    : 'Each of you finishes your next step, and posts here one thing you learned from it, so the others get a head start.';
  return {
    content,
    embeds: [
      {
        color: colors.brand,
        title: 'Your study pod',
        fields: [
          { name: 'Where each of you stands', value: clip(stands, 1024) },
          { name: 'Suggested goal for the week', value: goal },
          { name: 'Check-in', value: `I will ask how it is going ${timestamp(checkinAt, TimestampStyles.LongDateTime)} (${timestamp(checkinAt, TimestampStyles.RelativeTime)}).` },
        ],
        footer: { text: 'Pods are formed weekly from members who ran /pod join. /pod leave to stop.' },
      },
    ],
    allowedMentions: { users: ids },
  };
}

/** The midweek check-in: pings nobody (the members follow the thread). */
export function podCheckin(): { content: string; allowedMentions: { parse: [] } } {
  return {
    content: '⏰ Midweek check-in: how far are you with this week’s goal? One line each: what you finished, what is left, and where you are stuck.',
    allowedMentions: { parse: [] },
  };
}

/** The DM to the only member who had joined pods in a week. */
export function podAloneMessage(guildName: string, week: string): string {
  return `Study pods in **${userText(guildName, 100)}**, week of ${week}: you were the only member who had joined, so there was nobody to pair you with. You stay in for next week; invite a study buddy to \`/pod join\`!`;
}
