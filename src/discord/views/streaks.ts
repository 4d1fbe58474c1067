import { AttachmentBuilder, TimestampStyles, time, type APIEmbed, type APIEmbedField } from 'discord.js';
import type { CheckInResult, LedgerDay } from '../../db/queries/streaks.js';
import type { Board, Period } from '../../db/queries/leaderboard.js';
import { addDays, dayRange, weekday } from '../../domain/dates.js';
import type { Ranked } from '../../domain/leaderboard.js';
import type { TrackProgress } from '../../domain/progress.js';
import { trackSummary } from './progress.js';
import type { StreakView } from '../../domain/streaks.js';
import { formatStudyTime, MINUTE_MS } from '../../domain/study.js';
import { calendarStart, heatmapSvg, STATUS_STYLE, type CalendarStatus, type ImageRenderer } from './heatmap.js';
import { clip, colors, userText } from './theme.js';

function days(n: number): string {
  return `${n} day${n === 1 ? '' : 's'}`;
}

function freezesText(n: number): string {
  return `${n} freeze${n === 1 ? '' : 's'}`;
}

/** The answer to /checkin and to the daily prompt's Check in button (send it ephemeral). */
export function checkInView(result: CheckInResult) {
  const { streak } = result;
  const [title, description] = result.already
    ? ['Already checked in today', `Your check-in for ${result.day} is in. Come back tomorrow to keep it going.`]
    : result.counted
      ? ['✅ Checked in', `**${result.day}** counts.`]
      : ['✅ Checked in', `**${result.day}** already counted (another activity today), so your streak stays as it is.`];
  const lines = [`🔥 Current streak: **${days(streak.current)}**`, `🏆 Longest: **${days(streak.longest)}**`, `🧊 Freezes: **${streak.freezes}**`];
  if (streak.freezes > result.freezesBefore) lines.push(`You earned a freeze for ${days(streak.current)} of streak. It covers a day you miss.`);
  const embed: APIEmbed = {
    color: result.counted ? colors.success : colors.brand,
    title,
    description,
    fields: [{ name: 'Streak', value: lines.join('\n') }],
    footer: { text: `See the calendar with /streak · a missed day uses a freeze, ${freezesText(streak.freezes)} left` },
  };
  return { embeds: [embed] };
}

const CALENDAR_EMOJI: Record<CalendarStatus, string> = {
  checkin: '✅',
  step: '📘',
  challenge: '🏁',
  study: '🎧',
  fix: '🛠️',
  freeze: '🧊',
  broken: '💔',
  missed: '▫️',
  today: '⏳',
};

const WORDS: Record<CalendarStatus, string> = {
  checkin: 'checked in',
  step: 'roadmap step done',
  challenge: 'challenge submission',
  study: 'studied in voice or a focus session',
  fix: 'moderator fix',
  freeze: 'missed, a freeze covered it',
  broken: 'missed with no freeze left: the streak broke',
  missed: 'missed',
  today: 'today, not over yet',
};

const WEEKDAY_SHORT = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

function dayLabel(day: string): string {
  return `${WEEKDAY_SHORT[weekday(day)]} ${day}`;
}

export interface StreakViewInput {
  /** The member the figures are about, and whether the viewer is that member. */
  userId: string;
  self: boolean;
  view: StreakView;
  today: string;
  zone: string;
  statuses: ReadonlyMap<string, CalendarStatus>;
  ledger: readonly LedgerDay[];
  /** Weeks in the text calendar (the PNG shows more). */
  textWeeks?: number;
  pngWeeks?: number;
  /** Study minutes per member day: the PNG is shaded by them (`/streak shade:study`). */
  studyMinutes?: ReadonlyMap<string, number>;
}

/** /streak: figures, a text calendar (readable by screen readers) and the same as a PNG heatmap (rendered by `images`, the context's). */
export async function streakView(input: StreakViewInput, images: Pick<ImageRenderer, 'renderPng'>) {
  const { view } = input;
  const who = input.self ? 'Your' : `<@${input.userId}>’s`;
  const textWeeks = input.textWeeks ?? 5;
  const pngWeeks = input.pngWeeks ?? 16;

  const start = calendarStart(input.today, textWeeks);
  const rows: string[] = [];
  for (let w = 0; w < textWeeks; w++) {
    const monday = addDays(start, w * 7);
    const cells = dayRange(monday, addDays(monday, 6)).map((d) => (d > input.today ? '  ' : CALENDAR_EMOJI[input.statuses.get(d) ?? 'missed']));
    rows.push(`\`${monday.slice(5)}\` ${cells.join('')}`);
  }
  const legend = (['checkin', 'step', 'challenge', 'study', 'fix', 'freeze', 'broken', 'missed', 'today'] as const).map((s) => `${CALENDAR_EMOJI[s]} ${STATUS_STYLE[s].label}`).join(' · ');

  // Days that need a word of explanation, most recent first: breaks, freezes and moderator fixes.
  const fixes = new Map(input.ledger.filter((l) => l.reason === 'fix').map((l) => [l.day, l]));
  const notable = [...input.statuses.entries()]
    .filter(([, s]) => s === 'broken' || s === 'freeze' || s === 'fix')
    .sort(([a], [b]) => (a < b ? 1 : -1))
    .slice(0, 8)
    .map(([day, s]) => {
      const fix = fixes.get(day);
      const by = fix ? ` by <@${fix.actorId ?? 'unknown'}>${fix.note ? `: ${userText(fix.note, 80)}` : ''}` : '';
      return `• ${dayLabel(day)}: ${WORDS[s]}${by}`;
    });
  const todayStatus = input.statuses.get(input.today);
  const todayLine = todayStatus && todayStatus !== 'today' ? `Today (${input.today}) counts: ${WORDS[todayStatus]}.` : `Today (${input.today}) does not count yet.`;

  const status =
    view.brokenOn !== null
      ? `The streak broke on ${dayLabel(view.brokenOn)} (a missed day with no freeze left).`
      : view.pendingFreezeDays.length > 0
        ? `${view.pendingFreezeDays.length} missed day${view.pendingFreezeDays.length === 1 ? '' : 's'} covered by freezes.`
        : '';

  const fields: APIEmbedField[] = [
    { name: `Last ${textWeeks} weeks (Mon → Sun)`, value: rows.join('\n') },
    { name: 'Key', value: legend },
  ];
  if (notable.length > 0) fields.push({ name: 'Why', value: clip(notable.join('\n'), 1024) });

  const svg = heatmapSvg({
    statuses: input.statuses,
    today: input.today,
    weeks: pngWeeks,
    title: input.studyMinutes
      ? `Study minutes per day · streak ${days(view.current)}`
      : `Streak ${days(view.current)} · longest ${view.longest} · ${freezesText(view.freezes)}`,
    ...(input.studyMinutes ? { shade: 'minutes' as const, minutes: input.studyMinutes } : {}),
  });
  const file = new AttachmentBuilder(await images.renderPng(svg), { name: 'streak.png', description: `Streak calendar of the last ${pngWeeks} weeks` });
  const embed: APIEmbed = {
    color: view.current > 0 ? colors.success : colors.muted,
    title: `${who} streak`,
    description: [`🔥 Current: **${days(view.current)}** · 🏆 Longest: **${days(view.longest)}** · 🧊 Freezes left: **${view.freezes}**`, status, input.self ? todayLine : '']
      .filter(Boolean)
      .join('\n'),
    fields,
    footer: { text: `Days in ${input.zone} · a freeze is earned every 7 days of streak and covers one missed day` },
    image: { url: 'attachment://streak.png' },
  };
  return { embeds: [embed], files: [file] };
}

/** /progress: roadmap completion per track, streak and challenges. Another member's freezes stay private. */
export function progressView(input: {
  userId: string;
  self: boolean;
  tracks: readonly TrackProgress[];
  view: StreakView;
  challenges: number;
  /** Study time (ms) this week and all time (voice and focus sessions). */
  study?: { week: number; all: number };
  /** Moderator resets of this member's progress, newest first (trackTitle null: every track). */
  resets?: readonly { actorId: string; trackTitle: string | null; steps: number; at: Date }[];
}) {
  const who = input.self ? 'Your' : `<@${input.userId}>’s`;
  // Required core steps over every track, each counted once: tracks share steps (`use:`), and a
  // shared step done once is done in all of them.
  const required = new Map<string, boolean>();
  for (const t of input.tracks) for (const s of t.steps) if (!s.step.optional) required.set(s.step.id, required.get(s.step.id) === true || s.status === 'done');
  const total = required.size;
  const done = [...required.values()].filter(Boolean).length;
  const embed: APIEmbed = {
    color: colors.brand,
    title: `${who} progress`,
    description: `Roadmap: **${done}/${total} steps done**`,
    fields: [
      ...input.tracks.slice(0, 20).map((t) => ({ name: clip(t.track.title, 256), value: trackSummary(t), inline: false })),
      {
        name: 'Streak',
        value: `🔥 ${days(input.view.current)} · 🏆 longest ${days(input.view.longest)}${input.self ? ` · 🧊 ${freezesText(input.view.freezes)}` : ''}`,
        inline: true,
      },
      { name: 'Challenges', value: `${input.challenges} joined`, inline: true },
      ...(input.study ? [{ name: 'Study time', value: `🎧 ${formatStudyTime(input.study.all)} in all · ${formatStudyTime(input.study.week)} this week`, inline: true }] : []),
      ...(input.resets && input.resets.length > 0
        ? [
            {
              name: 'Moderator corrections',
              value: clip(
                input.resets
                  .map((r) => `• ${time(r.at, TimestampStyles.ShortDate)}: progress ${r.trackTitle ? `on ${r.trackTitle}` : 'on every track'} reset by <@${r.actorId}> (${r.steps} step${r.steps === 1 ? '' : 's'})`)
                  .join('\n'),
                1024,
              ),
            },
          ]
        : []),
    ],
  };
  return { embeds: [embed] };
}

const BOARD_TITLES: Record<Board, (period: Period) => string> = {
  streak: (p) => (p === 'all' ? 'Longest streaks ever' : 'Current streaks'),
  roadmap: (p) => `Roadmap steps done${periodText(p)}`,
  checkins: (p) => `Check-ins${periodText(p)}`,
  challenges: (p) => `Challenge submissions${periodText(p)}`,
  study: (p) => `Study time${periodText(p)}`,
};

function periodText(period: Period): string {
  return period === 'week' ? ' · last 7 days' : period === 'month' ? ' · last 30 days' : ' · all time';
}

const MEDALS = ['🥇', '🥈', '🥉'];

/** /leaderboard: top 10 and the caller's own rank. */
export function leaderboardView(input: { board: Board; period: Period; ranked: readonly Ranked[]; callerId: string }) {
  const unit = input.board === 'streak' ? (n: number) => days(n) : input.board === 'study' ? (n: number) => formatStudyTime(n * MINUTE_MS) : (n: number) => String(n);
  const top = input.ranked.slice(0, 10).map((r) => `${MEDALS[r.rank - 1] ?? `**${r.rank}.**`} <@${r.userId}> · ${unit(r.score)}`);
  const mine = input.ranked.find((r) => r.userId === input.callerId);
  const own = mine ? `You are **#${mine.rank}** of ${input.ranked.length} with ${unit(mine.score)}.` : 'You are not on this board yet.';
  const embed: APIEmbed = {
    color: colors.brand,
    title: BOARD_TITLES[input.board](input.period),
    description: top.length > 0 ? top.join('\n') : 'Nobody is on this board yet. Be the first!',
    fields: [{ name: 'Your rank', value: own }],
  };
  return { embeds: [embed] };
}

/** /settings show. */
export function memberSettingsView(input: {
  ownZone: string | null;
  serverZone: string;
  rolloverHour: number;
  freezeCap: number;
  today: string;
  /** The streak reminder (/settings reminder): on at this local time, or undefined when off. */
  reminder?: { time: string; dmsClosed: boolean };
  notice?: string;
}) {
  const embed: APIEmbed = {
    color: colors.brand,
    title: 'Your settings',
    fields: [
      { name: 'Time zone', value: input.ownZone ? `${input.ownZone} (yours)` : `${input.serverZone} (the server’s; set yours with /settings timezone)` },
      { name: 'Your day', value: `Today is **${input.today}** for your streak. A new day starts at ${String(input.rolloverHour).padStart(2, '0')}:00.` },
      { name: 'Freezes', value: `One per 7 days of streak, up to ${input.freezeCap}.` },
      {
        name: 'Streak reminder',
        value: input.reminder
          ? `On: a DM at ${input.reminder.time} your time on days your streak is at risk.${input.reminder.dmsClosed ? ' Your DMs were closed to me last time, so none is sent until you turn it on again.' : ''} \`/settings reminder off\` stops it.`
          : 'Off. `/settings reminder on` sends a DM on days your streak is at risk.',
      },
    ],
  };
  return { ...(input.notice ? { content: input.notice } : {}), embeds: [embed] };
}
