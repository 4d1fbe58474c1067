import {
  ChannelType,
  MessageFlags,
  TimestampStyles,
  time as timestamp,
  type APIEmbed,
  type APIEmbedField,
  type APIRole,
  type Role,
} from 'discord.js';
import type { Context } from '../src/context.js';
import { ensureOpenRun } from '../src/db/queries/challenges.js';
import { findPost, postsFor } from '../src/db/queries/claims.js';
import { getGuildSettings, updateGuildSettings, type GuildSettingsPatch } from '../src/db/queries/settings.js';
import type { GuildSettings } from '../src/db/schema.js';
import { missingSetup, promptPeriodsToCheck, upcomingChallengePost, upcomingPrompt, type UpcomingChallengePost, type UpcomingPrompt } from '../src/domain/setup.js';
import { canonicalTimeZone, isValidTimeZone, parseTimeOfDay, searchTimeZones } from '../src/domain/timezones.js';
import { weekOf, type PostKind } from '../src/domain/weeks.js';
import { type Command, guildCommand, type GuildChatInput } from '../src/discord/command.js';
import { postableChannel } from '../src/discord/channels.js';
import { MODERATOR_PERMISSIONS, requireModerator } from '../src/discord/permissions.js';
import { colors } from '../src/discord/views/theme.js';
import { UserError } from '../src/errors.js';
import { CLAIM_STALE_MS } from '../src/jobs/challenges.js';
import { isSettled } from '../src/jobs/fan-out.js';
import { executeRewards, rewardsGroup, rewardsSetupField } from './setup-rewards.js';
import { podsField, podsSubcommand, setupPods } from './setup-pods.js';
import { PROMPT_CLAIM_STALE_MS } from '../src/jobs/prompts.js';
import { studyCuts } from '../src/db/queries/study.js';
import { studyField, studyNowSet, studyPatch, studySubcommand } from './setup/study.js';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
const textChannels = [ChannelType.GuildText, ChannelType.GuildAnnouncement] as const;
const CHALLENGE_KINDS: readonly PostKind[] = ['challenge_announce', 'challenge_midweek', 'challenge_final', 'challenge_recap'];
const POST_NAMES: Record<PostKind, string> = {
  challenge_announce: 'the announcement',
  challenge_midweek: 'the midweek reminder',
  challenge_final: 'the 24-hour reminder',
  challenge_recap: 'the recap',
};

export const setup: Command = {
  data: guildCommand('setup', 'Moderators: configure Cohort for this server')
    .setDefaultMemberPermissions(MODERATOR_PERMISSIONS)
    .addSubcommand((s) => s.setName('show').setDescription('Show every server setting and what is still missing'))
    .addSubcommand((s) =>
      s
        .setName('streaks')
        .setDescription('Server time zone, rollover hour and freeze cap for streaks')
        .addStringOption((o) => o.setName('timezone').setDescription('IANA time zone, e.g. Europe/Berlin').setAutocomplete(true).setMaxLength(64))
        .addIntegerOption((o) => o.setName('rollover_hour').setDescription('Check-ins before this hour count for the day before (0-23, default 4)').setMinValue(0).setMaxValue(23))
        .addIntegerOption((o) => o.setName('freeze_cap').setDescription('How many streak freezes a member can hold (0-10, default 2)').setMinValue(0).setMaxValue(10)),
    )
    .addSubcommand((s) =>
      s
        .setName('prompts')
        .setDescription('Where and when the daily topic prompt is posted (what you leave out stays as it is)')
        .addChannelOption((o) => o.setName('channel').setDescription('Study channel (needed the first time)').addChannelTypes(...textChannels))
        .addStringOption((o) => o.setName('time').setDescription('Local time HH:MM, e.g. 18:30 (needed the first time)').setMaxLength(5))
        .addStringOption((o) => o.setName('timezone').setDescription('Time zone of that time (default: the server’s)').setAutocomplete(true).setMaxLength(64))
        .addRoleOption((o) => o.setName('ping_role').setDescription('Role to mention with each prompt (default: none)'))
        .addBooleanOption((o) => o.setName('clear_ping_role').setDescription('True to stop mentioning a role'))
        .addBooleanOption((o) => o.setName('enabled').setDescription('Post prompts (on by default the first time)')),
    )
    .addSubcommand((s) =>
      s
        .setName('challenges')
        .setDescription('Where the weekly Kaggle challenge is run (what you leave out stays as it is)')
        .addChannelOption((o) => o.setName('channel').setDescription('Challenge channel (needed the first time)').addChannelTypes(...textChannels))
        .addRoleOption((o) => o.setName('ping_role').setDescription('Role to mention in announcements (default: none)'))
        .addBooleanOption((o) => o.setName('clear_ping_role').setDescription('True to stop mentioning a role'))
        .addIntegerOption((o) =>
          o
            .setName('week_start')
            .setDescription('First day of the challenge week (default Monday)')
            .addChoices(...WEEKDAYS.map((name, value) => ({ name, value }))),
        )
        .addBooleanOption((o) => o.setName('enabled').setDescription('Run weekly challenges (on by default the first time)')),
    )
    .addSubcommand((s) =>
      s
        .setName('resources')
        .setDescription('Default channel for /resource post, and where moderators hear of new suggestions')
        .addChannelOption((o) => o.setName('channel').setDescription('Resources channel').addChannelTypes(...textChannels))
        .addChannelOption((o) =>
          o.setName('review_channel').setDescription('Where I tell moderators about new suggestions (best: a moderators-only channel)').addChannelTypes(...textChannels),
        )
        .addBooleanOption((o) => o.setName('clear_review_channel').setDescription('True to stop telling moderators about new suggestions')),
    )
    .addSubcommand((s) =>
      s
        .setName('moderator-role')
        .setDescription('A role whose members may use moderator commands')
        .addRoleOption((o) => o.setName('role').setDescription('Moderator role (leave empty to clear)')),
    )
    .addSubcommandGroup(rewardsGroup)
    .addSubcommand(studySubcommand)
    .addSubcommand(podsSubcommand)
    .toJSON(),

  async execute(interaction, ctx) {
    await requireModerator(interaction, ctx);
    if (interaction.options.getSubcommandGroup() === 'rewards') return executeRewards(interaction, ctx);
    const guildId = interaction.guildId;
    const sub = interaction.options.getSubcommand();
    const before = await getGuildSettings(ctx.db, guildId);
    if (sub === 'show') {
      const [next, cuts, rewards, pods] = await Promise.all([upcoming(ctx, before), studyCuts(ctx.db, guildId), rewardsSetupField(ctx, interaction.guild), podsField(interaction, ctx)]);
      const extra = [studyField(before, cuts, ctx.config.STUDY_SESSION_CAP), ...(rewards ? [rewards] : []), pods];
      await interaction.reply({ embeds: [settingsEmbed(before, next, extra)], flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
      return;
    }
    if (sub === 'pods') {
      await interaction.reply({ content: `✅ Saved. ${await setupPods(interaction, ctx)}`, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
      return;
    }
    const patch = await patchFor(sub, interaction, before);
    const saved = await updateGuildSettings(ctx.db, guildId, patch, ctx.clock.now());
    ctx.logger.info({ guildId, userId: interaction.user.id, setting: sub, patch }, 'settings changed');
    const [next, cuts] = await Promise.all([upcoming(ctx, saved), studyCuts(ctx.db, guildId)]);
    const content = clipLines([`✅ Saved. ${nowSet(sub, saved)}`, ...warnings(sub, saved, next, ctx)]);
    const study = studyField(saved, cuts, ctx.config.STUDY_SESSION_CAP);
    await interaction.reply({ content, embeds: [settingsEmbed(saved, next, [study])], flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },

  async autocomplete(interaction) {
    const zones = searchTimeZones(interaction.options.getFocused());
    await interaction.respond(zones.map((z) => ({ name: z, value: z })));
  },
};

async function patchFor(sub: string, interaction: GuildChatInput, before: GuildSettings): Promise<GuildSettingsPatch> {
  const options = interaction.options;
  const guildId = interaction.guildId;
  switch (sub) {
    case 'streaks': {
      const patch: GuildSettingsPatch = {};
      const timezone = options.getString('timezone');
      if (timezone !== null) patch.timezone = checkZone(timezone);
      const rollover = options.getInteger('rollover_hour');
      if (rollover !== null) patch.rolloverHour = rollover;
      const cap = options.getInteger('freeze_cap');
      if (cap !== null) patch.freezeCap = cap;
      if (Object.keys(patch).length === 0) throw new UserError('Give at least one of `timezone`, `rollover_hour` or `freeze_cap`.');
      return patch;
    }
    case 'prompts': {
      // What is left out stays as it is; the first time, channel and time are needed.
      const first = !before.promptsChannelId || !before.promptsTime;
      const channel = options.getChannel('channel');
      const time = options.getString('time');
      if (first && (!channel || time === null))
        throw new UserError('The first time, give both `channel` and `time`, e.g. `/setup prompts channel:#study time:18:00`. Later you can change one setting at a time.');
      const patch: GuildSettingsPatch = {
        // Checked again when left out: running /setup prompts is how a stopped setup resumes.
        promptsChannelId: await checkedChannel(interaction, channel?.id ?? before.promptsChannelId!),
        promptsBrokenReason: null,
      };
      if (time !== null) {
        const parsed = parseTimeOfDay(time);
        if (!parsed) throw new UserError(`“${time.slice(0, 10)}” is not a time. Use 24-hour HH:MM, e.g. 07:30 or 18:00.`);
        patch.promptsTime = `${String(parsed.hour).padStart(2, '0')}:${String(parsed.minute).padStart(2, '0')}`;
      }
      const timezone = options.getString('timezone');
      if (timezone !== null) patch.promptsTimezone = checkZone(timezone);
      const ping = pingRoleChange(interaction, guildId);
      if (ping !== undefined) patch.promptsPingRoleId = ping;
      const enabled = options.getBoolean('enabled');
      if (enabled !== null) patch.promptsEnabled = enabled;
      else if (first) patch.promptsEnabled = true;
      return patch;
    }
    case 'challenges': {
      const first = !before.challengesChannelId;
      const channel = options.getChannel('channel');
      if (first && !channel) throw new UserError('The first time, give the `channel` the weekly challenge runs in, e.g. `/setup challenges channel:#kaggle`.');
      const patch: GuildSettingsPatch = {
        challengesChannelId: await checkedChannel(interaction, channel?.id ?? before.challengesChannelId!),
        challengesBrokenReason: null,
      };
      const ping = pingRoleChange(interaction, guildId);
      if (ping !== undefined) patch.challengesPingRoleId = ping;
      const weekStart = options.getInteger('week_start');
      if (weekStart !== null) patch.challengesWeekStart = weekStart;
      const enabled = options.getBoolean('enabled');
      if (enabled !== null) patch.challengesEnabled = enabled;
      else if (first) patch.challengesEnabled = true;
      return patch;
    }
    case 'resources': {
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
    }
    case 'moderator-role': {
      const role = options.getRole('role');
      if (!role) return { moderatorRoleId: null };
      if (role.id === guildId)
        throw new UserError(
          '`@everyone` cannot be the moderator role: every member of the server would get the moderator commands (`/challenge start`, `/resource review`, `/admin`, `/setup`). Pick a role only your moderators have.',
        );
      if (role.managed)
        throw new UserError(
          `<@&${role.id}> is managed by an integration (a bot’s own role, the Server Booster role or a linked service): Discord gives it out, not your moderators. Pick a role you hand out yourselves.`,
        );
      return { moderatorRoleId: role.id };
    }
    case 'study':
      return studyPatch(interaction, before);
    default:
      throw new UserError('Unknown setup option.');
  }
}

/** The ping role a /setup prompts or challenges run sets: a role id, null (cleared) or undefined (left as it is). */
function pingRoleChange(interaction: GuildChatInput, guildId: string): string | null | undefined {
  const role: Role | APIRole | null = interaction.options.getRole('ping_role');
  const clear = interaction.options.getBoolean('clear_ping_role') === true;
  if (role && clear) throw new UserError('Give `ping_role` or `clear_ping_role: True`, not both.');
  if (clear) return null;
  if (!role) return undefined;
  if (role.id === guildId)
    throw new UserError(
      '`@everyone` cannot be the ping role. Discord treats it as a role whose id is the server’s: I would send `<@&' +
        guildId +
        '>`, which pings nobody and shows as “@@everyone”. Pick a role members join to hear about it (e.g. @study-pings), or leave `ping_role` out.',
    );
  return role.id;
}

/** The zone's canonical IANA name (`america/new_york` → `America/New_York`), or a refusal. */
function checkZone(zone: string): string {
  const canonical = canonicalTimeZone(zone);
  if (!canonical) throw new UserError(`“${zone.slice(0, 64)}” is not a time zone I know. Pick one from the list, e.g. Europe/Berlin or America/New_York.`);
  return canonical;
}

/** Checks that the bot can post in the channel before saving it (the jobs' own check), and says plainly what is missing. */
async function checkedChannel(interaction: GuildChatInput, channelId: string): Promise<string> {
  const found = await postableChannel(interaction.client, interaction.guildId, { channelId, setupCommand: `/setup ${interaction.options.getSubcommand()}`, resume: 'retry' });
  if (!found.ok) throw new UserError(found.problem);
  return channelId;
}

interface Upcoming {
  prompt?: UpcomingPrompt & { zone: string; time: string };
  challenge?: UpcomingChallengePost & { title?: string; nextWeek: boolean };
  /** Challenges are on but the content has no challenge to run. */
  noChallenges?: boolean;
}

/** The next prompt and the next challenge post, by the jobs' own rules (see domain/setup.ts). */
async function upcoming(ctx: Context, s: GuildSettings): Promise<Upcoming> {
  const now = ctx.clock.now();
  const out: Upcoming = {};
  const time = parseTimeOfDay(s.promptsTime ?? '');
  const zone = s.promptsTimezone ?? s.timezone;
  if (s.promptsEnabled && s.promptsChannelId && !s.promptsBrokenReason && time && isValidTimeZone(zone)) {
    const rows = await postsFor(ctx.db, 'prompt', [s.guildId], promptPeriodsToCheck(now, time, zone));
    const done = new Set(rows.filter((r) => isSettled(r, now, PROMPT_CLAIM_STALE_MS, s.updatedAt)).map((r) => r.period));
    out.prompt = { ...upcomingPrompt(now, time, zone, ctx.config.CATCHUP_HOURS * 3_600_000, done), zone, time: s.promptsTime! };
  }
  if (s.challengesEnabled && s.challengesChannelId && !s.challengesBrokenReason) {
    if (ctx.content.challenges.length === 0) out.noChallenges = true;
    // The run the challenge job would open (or has): creating it now changes nothing the next tick would not.
    const run = await ensureOpenRun(ctx.db, ctx.content, s, now);
    let post: UpcomingChallengePost | undefined;
    if (run) {
      const rows = await Promise.all(CHALLENGE_KINDS.map((kind) => findPost(ctx.db, { guildId: s.guildId, kind, period: run.weekStart })));
      const done = new Set(CHALLENGE_KINDS.filter((_, i) => rows[i] !== undefined && isSettled(rows[i], now, CLAIM_STALE_MS, s.updatedAt)));
      post = upcomingChallengePost(run, s.timezone, now, done);
    }
    if (run && post) out.challenge = { ...post, title: ctx.content.challengesById.get(run.challengeId)?.title ?? run.challengeId, nextWeek: false };
    else if (!out.noChallenges) out.challenge = { kind: 'challenge_announce', dueAt: weekOf(now, s.timezone, s.challengesWeekStart).endsAt, now: false, nextWeek: true };
  }
  return out;
}

const when = (d: Date) => `${timestamp(d, TimestampStyles.LongDateTime)} (${timestamp(d, TimestampStyles.RelativeTime)})`;

function promptLine(p: NonNullable<Upcoming['prompt']>): string {
  return p.now ? `Next prompt: **right now** (within a minute), today’s ${p.time} one` : `Next prompt: ${when(p.dueAt)}`;
}

function challengeLine(c: NonNullable<Upcoming['challenge']>): string {
  if (c.nextWeek) return `Next post: the announcement of next week’s challenge, ${when(c.dueAt)}`;
  const what = `${POST_NAMES[c.kind]} of **${c.title ?? 'this week’s challenge'}**`;
  return c.now ? `Next post: **right now** (within a minute), ${what}` : `Next post: ${what}, ${when(c.dueAt)}`;
}

/** One sentence: what the subcommand just set. */
function nowSet(sub: string, s: GuildSettings): string {
  const role = (id: string | null) => (id ? `<@&${id}>` : 'no role');
  switch (sub) {
    case 'streaks':
      return `Streaks: time zone ${s.timezone}, a new day starts at ${String(s.rolloverHour).padStart(2, '0')}:00, up to ${s.freezeCap} freezes.`;
    case 'prompts':
      return `Daily prompts are **${s.promptsEnabled ? 'on' : 'off'}**: <#${s.promptsChannelId}> at ${s.promptsTime} (${s.promptsTimezone ?? `${s.timezone}, the server’s`}), pinging ${role(s.promptsPingRoleId)}.`;
    case 'challenges':
      return `Weekly challenges are **${s.challengesEnabled ? 'on' : 'off'}**: <#${s.challengesChannelId}>, weeks start on ${WEEKDAYS[s.challengesWeekStart] ?? 'Monday'} (${s.timezone}), pinging ${role(s.challengesPingRoleId)}.`;
    case 'resources':
      return `Resources: /resource post goes to ${s.resourcesChannelId ? `<#${s.resourcesChannelId}>` : 'no default channel'}; suggestion notices ${s.reviewChannelId ? `go to <#${s.reviewChannelId}>` : 'are off'}.`;
    case 'moderator-role':
      return s.moderatorRoleId
        ? `Moderators: members with Manage Messages, and members of <@&${s.moderatorRoleId}>.`
        : 'Moderators: members with Manage Messages (no moderator role).';
    case 'study':
      return studyNowSet(s);
    default:
      return '';
  }
}

/** Warnings for the moderator: a post that goes out right now because its time has passed, a feature left off. */
function warnings(sub: string, s: GuildSettings, next: Upcoming, ctx: Context): string[] {
  const out: string[] = [];
  if (sub === 'prompts' || sub === 'streaks') {
    if (sub === 'prompts' && !s.promptsEnabled) out.push('Prompts are off, so none is posted. Run `/setup prompts enabled:True` to turn them on.');
    const p = next.prompt;
    if (p?.now)
      out.push(
        `⚠️ ${p.time} (${p.zone}) has already passed today, so today’s prompt is posted **right now** (prompts up to ${ctx.config.CATCHUP_HOURS} hours late are still posted). After that, every day at ${p.time}.`,
      );
  }
  if (sub === 'challenges' || sub === 'streaks') {
    if (sub === 'challenges' && !s.challengesEnabled) out.push('Weekly challenges are off, so nothing is posted. Run `/setup challenges enabled:True` to turn them on.');
    if (next.noChallenges) out.push('⚠️ No challenges are loaded from the content, so nothing will be posted. Check the bot’s content files.');
    const c = next.challenge;
    if (c?.now)
      out.push(
        c.kind === 'challenge_announce'
          ? `⚠️ This challenge week has already started, so this week’s challenge (**${c.title}**) is announced **right now**${s.challengesPingRoleId ? `, pinging <@&${s.challengesPingRoleId}>` : ''}.`
          : `⚠️ ${POST_NAMES[c.kind]} of this week’s challenge was due ${timestamp(c.dueAt, TimestampStyles.RelativeTime)}, so it is posted **right now**.`,
      );
  }
  return out;
}

function clipLines(lines: readonly string[]): string {
  const text = lines.filter(Boolean).join('\n');
  return text.length <= 2000 ? text : `${text.slice(0, 1999)}…`;
}

function settingsEmbed(s: GuildSettings, next: Upcoming, extra: readonly APIEmbedField[] = []): APIEmbed {
  const channel = (id: string | null) => (id ? `<#${id}>` : 'not set');
  const role = (id: string | null) => (id ? `<@&${id}>` : 'none');
  const broken = (reason: string | null) => (reason ? `\n⚠️ **Stopped:** ${reason}` : '');
  const fields: APIEmbedField[] = [
    { name: 'Streaks', value: `Time zone: ${s.timezone}\nRollover hour: ${String(s.rolloverHour).padStart(2, '0')}:00\nFreeze cap: ${s.freezeCap}` },
    {
      name: 'Daily prompts',
      value: `${s.promptsEnabled ? 'On' : 'Off'} · ${channel(s.promptsChannelId)} · ${s.promptsTime ?? 'no time set'} (${s.promptsTimezone ?? s.timezone}) · ping ${role(s.promptsPingRoleId)}${broken(s.promptsBrokenReason)}${next.prompt ? `\n${promptLine(next.prompt)}` : ''}`,
    },
    {
      name: 'Weekly challenges',
      value: `${s.challengesEnabled ? 'On' : 'Off'} · ${channel(s.challengesChannelId)} · week starts ${WEEKDAYS[s.challengesWeekStart] ?? 'Monday'} · ping ${role(s.challengesPingRoleId)}${broken(s.challengesBrokenReason)}${next.challenge ? `\n${challengeLine(next.challenge)}` : ''}`,
    },
    { name: 'Resources channel', value: channel(s.resourcesChannelId), inline: true },
    {
      name: 'Suggestion notices',
      value: `${channel(s.reviewChannelId)}${s.reviewChannelError ? `\n⚠️ **Last notice failed:** ${s.reviewChannelError}` : ''}`,
      inline: true,
    },
    { name: 'Moderator role', value: role(s.moderatorRoleId), inline: true },
    ...extra,
  ];
  const missing = missingSetup(s);
  if (missing.length > 0) fields.push({ name: 'Still to set up', value: missing.map((m) => `• ${m}`).join('\n') });
  return { color: colors.brand, title: 'Cohort settings', fields };
}
