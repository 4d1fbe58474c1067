import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { LEVELS } from '../content/schema.js';
import { LOG_RETENTION_DEFAULT_DAYS, type AuditAction } from '../domain/moderator-actions.js';
import { REWARD_KINDS } from '../domain/rewards.js';

/**
 * Discord ids are snowflakes up to 2^64; they are stored as text so that no driver
 * ever turns them into a lossy JS number. Instants are `timestamptz` (UTC); member-local
 * calendar days are `date` columns computed in the domain layer.
 */
const snowflake = (name: string) => text(name);
const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const localDay = (name: string) => date(name, { mode: 'string' });

/** Server-wide settings, one row per guild, created on first use. All are set with /setup. */
export const guildSettings = pgTable('guild_settings', {
  guildId: snowflake('guild_id').primaryKey(),
  timezone: text('timezone').notNull().default('UTC'),
  rolloverHour: smallint('rollover_hour').notNull().default(4),
  freezeCap: smallint('freeze_cap').notNull().default(2),
  moderatorRoleId: snowflake('moderator_role_id'),

  promptsChannelId: snowflake('prompts_channel_id'),
  promptsTime: text('prompts_time'), // HH:MM, local to promptsTimezone (else timezone)
  promptsTimezone: text('prompts_timezone'),
  promptsPingRoleId: snowflake('prompts_ping_role_id'),
  promptsEnabled: boolean('prompts_enabled').notNull().default(false),
  promptsBrokenReason: text('prompts_broken_reason'),

  resourcesChannelId: snowflake('resources_channel_id'),
  /** Where moderators are told about new /resource suggest suggestions; null: nobody is told. */
  reviewChannelId: snowflake('review_channel_id'),
  /** Why the last notice could not be posted there (shown in /setup show); cleared by the next one that is. */
  reviewChannelError: text('review_channel_error'),

  challengesChannelId: snowflake('challenges_channel_id'),
  challengesPingRoleId: snowflake('challenges_ping_role_id'),
  challengesWeekStart: smallint('challenges_week_start').notNull().default(1), // 0 = Sunday … 6 = Saturday
  challengesEnabled: boolean('challenges_enabled').notNull().default(false),
  challengesBrokenReason: text('challenges_broken_reason'),
  /**
   * No run starts on its own in a week that starts before this instant: challenges set up with less
   * than half a week left begin with the next week (a moderator can start one now anyway).
   */
  challengesFirstWeekAt: instant('challenges_first_week_at'),
  /** Optional: the role the week's winner(s) hold until the next recap (/setup challenges winner_role). */
  challengesWinnerRoleId: snowflake('challenges_winner_role_id'),
  /** Why the last move of the winner role failed, in our words (shown in /setup show); cleared by /setup challenges or the next move that works. */
  challengesWinnerRoleError: text('challenges_winner_role_error'),

  /** Voice channels (or stage channels) whose time counts as study time (/setup study). */
  studyChannelIds: text('study_channel_ids').array().notNull().default(sql`'{}'::text[]`),
  /** Categories whose every voice channel counts as a study room. */
  studyCategoryIds: text('study_category_ids').array().notNull().default(sql`'{}'::text[]`),
  /** Minutes of study time in a member day that count the day for the streak. */
  studyMinutes: smallint('study_minutes').notNull().default(25),

  /** How long the moderator log keeps entries (/setup moderation log-retention); the daily job deletes older ones. */
  logRetentionDays: smallint('log_retention_days').notNull().default(LOG_RETENTION_DEFAULT_DAYS),

  welcomedAt: instant('welcomed_at'),
  createdAt: instant('created_at').notNull().defaultNow(),
  updatedAt: instant('updated_at').notNull().defaultNow(),
});

/** Per-member settings (time zone). */
export const memberSettings = pgTable(
  'member_settings',
  {
    guildId: snowflake('guild_id').notNull(),
    userId: snowflake('user_id').notNull(),
    timezone: text('timezone'),
    updatedAt: instant('updated_at').notNull().defaultNow(),
    // ---- weekly digest (/settings digest) ----
    /** Opt-in: the weekly digest DM is off until the member turns it on. */
    digestEnabled: boolean('digest_enabled').notNull().default(false),
    /** 0 = Sunday … 6 = Saturday, in the member's zone (their own, else the server's). */
    digestDay: smallint('digest_day').notNull().default(1),
    /** HH:MM in the member's zone. */
    digestTime: text('digest_time').notNull().default('09:00'),
    /** When the digest settings last changed: a week due before that is not caught up. */
    digestUpdatedAt: instant('digest_updated_at'),
    /** When Discord refused the digest DM (50007: DMs closed); no digest is tried while set. */
    digestDmClosedAt: instant('digest_dm_closed_at'),
    /** When the member was told (once) that their DMs are closed. */
    digestDmClosedToldAt: instant('digest_dm_closed_told_at'),
    // ---- streak reminder (/settings reminder) ----
    /** Opt-in: one DM on days the streak is at risk and the day has not counted yet; also lets moderators nudge them. */
    reminderEnabled: boolean('reminder_enabled').notNull().default(false),
    /** HH:MM in the member's zone. */
    reminderTime: text('reminder_time').notNull().default('20:00'),
    /** When the reminder settings last changed: a reminder due before that is not sent. */
    reminderUpdatedAt: instant('reminder_updated_at'),
    /** When Discord refused a reminder or nudge DM (50007: DMs closed); none is tried while set. */
    reminderDmClosedAt: instant('reminder_dm_closed_at'),
    /** When the member was told (once) that their DMs are closed to the reminder. */
    reminderDmClosedToldAt: instant('reminder_dm_closed_told_at'),
    /** When a moderator last nudged them (the once-a-week gate, taken by one conditional update). */
    nudgedAt: instant('nudged_at'),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.userId] }),
    index('member_settings_digest').on(t.guildId).where(sql`${t.digestEnabled}`),
    index('member_settings_reminder').on(t.guildId).where(sql`${t.reminderEnabled}`),
  ],
);

/**
 * Gentle nudges moderators sent from /members at-risk: one row per nudge, written in the same
 * transaction as the weekly gate (member_settings.nudged_at) and its moderator log entry.
 */
export const memberNudges = pgTable(
  'member_nudges',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: snowflake('guild_id').notNull(),
    userId: snowflake('user_id').notNull(),
    actorId: snowflake('actor_id').notNull(),
    at: instant('at').notNull(),
    status: text('status', { enum: ['claimed', 'sent', 'failed'] }).notNull(),
    messageId: snowflake('message_id'),
    error: text('error'),
  },
  (t) => [index('member_nudges_member').on(t.guildId, t.userId, t.at)],
);

/**
 * Weekly digest DMs: exactly one row per member and local week (the Monday it starts on), claimed
 * before the DM is sent and completed after (the same claim states as scheduled_posts).
 */
export const digestSends = pgTable(
  'digest_sends',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: snowflake('guild_id').notNull(),
    userId: snowflake('user_id').notNull(),
    week: localDay('week').notNull(),
    status: text('status', { enum: ['claimed', 'sent', 'skipped', 'failed'] }).notNull(),
    claimedBy: text('claimed_by'),
    claimedAt: instant('claimed_at').notNull(),
    sentAt: instant('sent_at'),
    messageId: snowflake('message_id'),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
  },
  (t) => [uniqueIndex('digest_sends_once').on(t.guildId, t.userId, t.week)],
);

/** Roadmap steps a member finished. Keyed by guild, member and step id (step ids are unique across tracks). */
export const stepProgress = pgTable(
  'step_progress',
  {
    guildId: snowflake('guild_id').notNull(),
    userId: snowflake('user_id').notNull(),
    stepId: text('step_id').notNull(),
    trackId: text('track_id').notNull(),
    completedAt: instant('completed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.userId, t.stepId] }), index('step_progress_guild_track').on(t.guildId, t.trackId)],
);

/** The branch a member chose on a track (/roadmap choose); one per member and track, changed at will. */
export const memberBranches = pgTable(
  'member_branches',
  {
    guildId: snowflake('guild_id').notNull(),
    userId: snowflake('user_id').notNull(),
    trackId: text('track_id').notNull(),
    branchId: text('branch_id').notNull(),
    chosenAt: instant('chosen_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.userId, t.trackId] })],
);

/**
 * The track a member follows (/roadmap track): /next and /roadmap show it when no track is named.
 * One row per member; without one, the first track (content `order:`) is theirs.
 */
export const memberTracks = pgTable(
  'member_tracks',
  {
    guildId: snowflake('guild_id').notNull(),
    userId: snowflake('user_id').notNull(),
    trackId: text('track_id').notNull(),
    chosenAt: instant('chosen_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.userId] })],
);

/**
 * Every qualifying activity (check-in, step done, challenge submission), as it happened.
 * Check-ins are unique per member and local day.
 */
export const activities = pgTable(
  'activities',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: snowflake('guild_id').notNull(),
    userId: snowflake('user_id').notNull(),
    kind: text('kind', { enum: ['checkin', 'step', 'challenge', 'study'] }).notNull(),
    day: localDay('day').notNull(),
    at: instant('at').notNull(),
    ref: text('ref'),
    note: text('note'),
    /**
     * Where a check-in came from: `/checkin` (`command`) or the daily prompt's Check in button
     * (`prompt`, also on `/prompt today`); null for other kinds and for check-ins stored before it
     * was kept. /stats counts prompt engagement by it.
     */
    source: text('source', { enum: ['command', 'prompt'] }),
  },
  (t) => [
    index('activities_member').on(t.guildId, t.userId, t.day),
    index('activities_guild_kind_at').on(t.guildId, t.kind, t.at),
    // /stats: who was active when in a server, whatever the kind (src/db/queries/stats.ts), read from the index alone.
    index('activities_guild_at').on(t.guildId, t.at, t.userId),
    uniqueIndex('activities_one_checkin_a_day').on(t.guildId, t.userId, t.day).where(sql`${t.kind} = 'checkin'`),
    uniqueIndex('activities_one_study_a_day').on(t.guildId, t.userId, t.day).where(sql`${t.kind} = 'study'`),
  ],
);

/**
 * The streak ledger: one row per member and local day that counted, with why it counted.
 * `activity` days come from activities, `fix` from moderators, `freeze` days are written by the
 * streak engine when a freeze covered a missed day.
 */
export const streakDays = pgTable(
  'streak_days',
  {
    guildId: snowflake('guild_id').notNull(),
    userId: snowflake('user_id').notNull(),
    day: localDay('day').notNull(),
    reason: text('reason', { enum: ['checkin', 'step', 'challenge', 'study', 'freeze', 'fix'] }).notNull(),
    actorId: snowflake('actor_id'),
    note: text('note'),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.userId, t.day] })],
);

/** Streak figures kept in step with streak_days inside the same transaction (also the row lock per member). */
export const memberStreaks = pgTable(
  'member_streaks',
  {
    guildId: snowflake('guild_id').notNull(),
    userId: snowflake('user_id').notNull(),
    current: integer('current').notNull().default(0),
    longest: integer('longest').notNull().default(0),
    freezes: integer('freezes').notNull().default(0),
    lastDay: localDay('last_day'),
    /**
     * The time zone and rollover hour last_day was counted under (null for figures from before
     * they were kept): after a change of zone or rollover, a day counts only once it has begun
     * under both (countingDay in src/domain/streaks.ts).
     */
    dayZone: text('day_zone'),
    dayRolloverHour: smallint('day_rollover_hour'),
    updatedAt: instant('updated_at').notNull().defaultNow(),
  },
  // By last day: /members at-risk finds the streaks at risk tonight and the inactive members of a server by range.
  (t) => [primaryKey({ columns: [t.guildId, t.userId] }), index('member_streaks_guild_last_day').on(t.guildId, t.lastDay)],
);

/**
 * One row per running Cohort process: its lease, renewed by a heartbeat (src/jobs/lease-keeper.ts).
 * A claim (scheduled_posts, digest_sends `claimed_by`) names the lease of the process that holds
 * it; once that lease lapses, the claim is released and another process finishes the post. The
 * shards the process runs are part of its lease: a second process asking for one of them is
 * refused while this lease is live.
 */
export const processLeases = pgTable('process_leases', {
  /** `host:pid:random`, also `claimed_by` of the claims this process takes. */
  id: text('id').primaryKey(),
  /**
   * The process's instance: an id kept in DATA_DIR, the same across restarts. A restarted process
   * drops the leases its instance left on this host (their pid no longer runs) and takes over
   * their claims at once, instead of waiting for them to lapse.
   */
  instance: text('instance').notNull(),
  host: text('host').notNull(),
  pid: integer('pid').notNull(),
  /** SHARD_COUNT, or null for a process that runs the whole bot (no SHARD_COUNT). */
  shardCount: integer('shard_count'),
  /** SHARD_IDS, or null for every shard of shard_count. */
  shardIds: integer('shard_ids').array(),
  startedAt: instant('started_at').notNull(),
  heartbeatAt: instant('heartbeat_at').notNull(),
  expiresAt: instant('expires_at').notNull(),
});

/**
 * Claims for scheduled posts: exactly one row per guild, kind and period (local date or week).
 * Taken before posting, completed after; a claim whose process's lease lapsed (or, for an owner
 * without a lease, a stale one) is taken over.
 */
export const scheduledPosts = pgTable(
  'scheduled_posts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: snowflake('guild_id').notNull(),
    kind: text('kind', {
      // focus_phase: one row per focus session and phase change, period `<session id>:<boundary>`.
      // cohort_unit, cohort_reminder, cohort_nudges: period `<cohort id>:<week>`; cohort_certificate: `<cohort id>:<user id>`.
      // event_discord (the occurrence's Discord scheduled event), event_reminder, event_attendance: `<event id>:<occurrence>`.
      // log_retention: the daily moderator-log clean-up of every server, guild id '0', period the UTC date.
      enum: [
        'prompt',
        'challenge_announce',
        'challenge_midweek',
        'challenge_final',
        'challenge_recap',
        // After a recap: the winner role moves from last week's winners to this week's (period: the run's week start).
        'challenge_winner_role',
        'focus_phase',
        'pods_form',
        'pod_checkin',
        'cohort_unit',
        'cohort_reminder',
        'cohort_certificate',
        'cohort_nudges',
        // streak_reminder: one row per member and streak day, period `<user id>:<day>`.
        'streak_reminder',
        'event_discord',
        'event_reminder',
        'event_attendance',
        'log_retention',
      ],
    }).notNull(),
    period: text('period').notNull(),
    status: text('status', { enum: ['claimed', 'posted', 'skipped', 'failed'] }).notNull(),
    ref: text('ref'),
    claimedBy: text('claimed_by'),
    claimedAt: instant('claimed_at').notNull(),
    postedAt: instant('posted_at'),
    channelId: snowflake('channel_id'),
    messageId: snowflake('message_id'),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    /**
     * The steps of the post done so far, recorded as each one is done (step name -> what it made,
     * e.g. {"message": "<id>", "thread": "<id>"}): a claim taken over after a crash finishes the
     * missing steps and never redoes one (src/jobs/post-steps.ts).
     */
    steps: jsonb('steps').$type<Record<string, string>>().notNull().default({}),
  },
  (t) => [
    uniqueIndex('scheduled_posts_once').on(t.guildId, t.kind, t.period),
    index('scheduled_posts_guild_kind').on(t.guildId, t.kind),
    // The few open claims, which recovery paths look for (openClaims).
    index('scheduled_posts_open').on(t.kind).where(sql`status = 'claimed'`),
  ],
);

/** A server's weekly challenge. One row per guild and local week start. */
export const challengeWeeks = pgTable(
  'challenge_weeks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: snowflake('guild_id').notNull(),
    weekStart: localDay('week_start').notNull(),
    challengeId: text('challenge_id').notNull(),
    startsAt: instant('starts_at').notNull(),
    endsAt: instant('ends_at').notNull(),
    startedBy: snowflake('started_by'),
    closedAt: instant('closed_at'),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('challenge_weeks_once').on(t.guildId, t.weekStart)],
);

export const challengeParticipants = pgTable(
  'challenge_participants',
  {
    weekId: bigint('week_id', { mode: 'number' })
      .notNull()
      .references(() => challengeWeeks.id, { onDelete: 'cascade' }),
    userId: snowflake('user_id').notNull(),
    joinedAt: instant('joined_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.weekId, t.userId] })],
);

export const challengeSubmissions = pgTable(
  'challenge_submissions',
  {
    weekId: bigint('week_id', { mode: 'number' })
      .notNull()
      .references(() => challengeWeeks.id, { onDelete: 'cascade' }),
    userId: snowflake('user_id').notNull(),
    link: text('link').notNull(),
    score: text('score'),
    note: text('note'),
    submittedAt: instant('submitted_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
    /** Set aside by a moderator (/challenge flag): out of the ranking and the submissions milestone. Null: it counts. */
    flaggedAt: instant('flagged_at'),
    flaggedBy: snowflake('flagged_by'),
    /** Why, as the moderator wrote it (the member is told). */
    flagReason: text('flag_reason'),
  },
  (t) => [primaryKey({ columns: [t.weekId, t.userId] })],
);

/**
 * Who holds the server's weekly winner role because Cohort gave it (one row per member): the next
 * recap takes it from them. `role_id` is the role given, which may since have changed in /setup.
 */
export const challengeWinners = pgTable(
  'challenge_winners',
  {
    guildId: snowflake('guild_id').notNull(),
    userId: snowflake('user_id').notNull(),
    roleId: snowflake('role_id').notNull(),
    weekId: bigint('week_id', { mode: 'number' })
      .notNull()
      .references(() => challengeWeeks.id, { onDelete: 'cascade' }),
    grantedAt: instant('granted_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.userId] })],
);

/** Resources added or suggested in a server; catalogue resources live in content/. */
export const guildResources = pgTable(
  'guild_resources',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: snowflake('guild_id').notNull(),
    url: text('url').notNull(),
    title: text('title').notNull(),
    kind: text('kind').notNull().default('article'),
    /** Null when whoever added or suggested it did not say; shown as not rated. */
    level: text('level', { enum: LEVELS }),
    free: boolean('free'),
    stepId: text('step_id'),
    note: text('note'),
    status: text('status', { enum: ['pending', 'approved', 'rejected', 'removed'] }).notNull(),
    suggestedBy: snowflake('suggested_by').notNull(),
    reviewedBy: snowflake('reviewed_by'),
    reviewedAt: instant('reviewed_at'),
    rejectReason: text('reject_reason'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [uniqueIndex('guild_resources_url').on(t.guildId, t.url), index('guild_resources_status').on(t.guildId, t.status)],
);

/** Who posted which resource where, so that a link is not posted twice in a week unawares. */
export const resourcePosts = pgTable(
  'resource_posts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: snowflake('guild_id').notNull(),
    url: text('url').notNull(),
    resourceRef: text('resource_ref').notNull(),
    channelId: snowflake('channel_id').notNull(),
    messageId: snowflake('message_id'),
    postedBy: snowflake('posted_by').notNull(),
    note: text('note'),
    postedAt: instant('posted_at').notNull(),
  },
  (t) => [index('resource_posts_guild_url').on(t.guildId, t.url, t.postedAt)],
);

/**
 * Study time: one row per stretch a member spent in a study room (`voice`) or in a finished focus
 * round (`focus`). `ended_at` is null while a voice session is open; a closed session counts from
 * started_at to ended_at, already capped (STUDY_SESSION_CAP): `cut_ms` is what the cap removed.
 * At most one open voice session per member and server.
 */
export const studySessions = pgTable(
  'study_sessions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: snowflake('guild_id').notNull(),
    userId: snowflake('user_id').notNull(),
    channelId: snowflake('channel_id').notNull(),
    source: text('source', { enum: ['voice', 'focus'] }).notNull(),
    startedAt: instant('started_at').notNull(),
    endedAt: instant('ended_at'),
    cutMs: bigint('cut_ms', { mode: 'number' }).notNull().default(0),
  },
  (t) => [
    index('study_sessions_member').on(t.guildId, t.userId, t.startedAt),
    index('study_sessions_guild_started').on(t.guildId, t.startedAt),
    uniqueIndex('study_sessions_one_open').on(t.guildId, t.userId).where(sql`${t.endedAt} is null`),
  ],
);

/**
 * The last moment the bot knew who was in voice in a server (its heartbeat, every minute or so):
 * reconciliation closes a session whose member is gone at this moment, never at "now".
 */
export const studyHeartbeats = pgTable('study_heartbeats', {
  guildId: snowflake('guild_id').primaryKey(),
  at: instant('at').notNull(),
});

/** Moderator actions, kept for accountability. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: snowflake('guild_id').notNull(),
    actorId: snowflake('actor_id').notNull(),
    /** A MODERATOR_ACTIONS key (src/domain/moderator-actions.ts), or a staged resource post: no other string compiles. */
    action: text('action').$type<AuditAction>().notNull(),
    targetUserId: snowflake('target_user_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    at: instant('at').notNull(),
  },
  // /admin log pages by (at, id) newest first: for the server, for a member, or for a kind; the retention job reads by at.
  (t) => [
    index('audit_log_guild_at').on(t.guildId, t.at, t.id),
    index('audit_log_guild_target_at').on(t.guildId, t.targetUserId, t.at, t.id),
    index('audit_log_guild_action_at').on(t.guildId, t.action, t.at, t.id),
    index('audit_log_at').on(t.at),
  ],
);

/**
 * Group focus sessions (/focus start). At most one active session per channel: the partial unique
 * index decides between two members, or two processes, starting one at the same time. Phase
 * changes are claimed in scheduled_posts (kind focus_phase); the schedule is src/domain/focus.ts.
 */
export const focusSessions = pgTable(
  'focus_sessions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: snowflake('guild_id').notNull(),
    channelId: snowflake('channel_id').notNull(),
    startedBy: snowflake('started_by').notNull(),
    focusMinutes: smallint('focus_minutes').notNull(),
    breakMinutes: smallint('break_minutes').notNull(),
    rounds: smallint('rounds').notNull(),
    startedAt: instant('started_at').notNull(),
    /** The card; null only between the insert and the card's post. */
    messageId: snowflake('message_id'),
    status: text('status', { enum: ['active', 'finished', 'stopped'] }).notNull().default('active'),
    /** The latest phase change claimed (0 before the first): the job skips a session with nothing newer due without a query. */
    phasesClaimed: smallint('phases_claimed').notNull().default(0),
    endedAt: instant('ended_at'),
    stoppedBy: snowflake('stopped_by'),
  },
  (t) => [
    uniqueIndex('focus_sessions_one_per_channel').on(t.channelId).where(sql`${t.status} = 'active'`),
    index('focus_sessions_active').on(t.status, t.guildId),
    index('focus_sessions_guild_starter').on(t.guildId, t.startedBy),
  ],
);

/** Who is in a focus session: one row per join, left_at set on leaving; at most one open row per member. */
export const focusParticipants = pgTable(
  'focus_participants',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sessionId: bigint('session_id', { mode: 'number' })
      .notNull()
      .references(() => focusSessions.id, { onDelete: 'cascade' }),
    userId: snowflake('user_id').notNull(),
    joinedAt: instant('joined_at').notNull(),
    leftAt: instant('left_at'),
  },
  (t) => [
    uniqueIndex('focus_participants_one_open').on(t.sessionId, t.userId).where(sql`${t.leftAt} is null`),
    index('focus_participants_session').on(t.sessionId),
  ],
);

// ---- milestone roles (/setup rewards) -----------------------------------------

/**
 * A milestone role: members whose figure of `kind` reaches `threshold` get `roleId`. `error` is why
 * Discord refused the last grant (e.g. 50013): set, the reward is not retried until /setup rewards
 * runs again (which clears it).
 */
export const rewards = pgTable(
  'rewards',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: snowflake('guild_id').notNull(),
    kind: text('kind', { enum: REWARD_KINDS }).notNull(),
    threshold: integer('threshold').notNull(),
    roleId: snowflake('role_id').notNull(),
    removeWhenBelow: boolean('remove_when_below').notNull().default(false),
    error: text('error'),
    errorAt: instant('error_at'),
    createdBy: snowflake('created_by').notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [uniqueIndex('rewards_once').on(t.guildId, t.kind, t.threshold, t.roleId)],
);

/** A reward a member holds: written when the role was granted, deleted when it was removed. */
export const memberRewards = pgTable(
  'member_rewards',
  {
    guildId: snowflake('guild_id').notNull(),
    userId: snowflake('user_id').notNull(),
    rewardId: bigint('reward_id', { mode: 'number' })
      .notNull()
      .references(() => rewards.id, { onDelete: 'cascade' }),
    roleId: snowflake('role_id').notNull(),
    grantedAt: instant('granted_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.userId, t.rewardId] })],
);

/** Per-server reward settings: where milestones are announced (null: nowhere). */
export const rewardSettings = pgTable('reward_settings', {
  guildId: snowflake('guild_id').primaryKey(),
  announceChannelId: snowflake('announce_channel_id'),
  /** Why the last announcement did not go out, in the moderator's words (shown in /setup show); null once one does. */
  announceError: text('announce_error'),
  updatedAt: instant('updated_at').notNull(),
});

export type Reward = typeof rewards.$inferSelect;
export type MemberReward = typeof memberRewards.$inferSelect;

// ---- study pods ---------------------------------------------------------------

/** A server's pod settings (/setup pods): forming day and time in the server's time zone, and the channel the threads go under. */
export const podSettings = pgTable('pod_settings', {
  guildId: snowflake('guild_id').primaryKey(),
  channelId: snowflake('channel_id').notNull(),
  day: smallint('day').notNull(), // 0 = Sunday … 6 = Saturday
  time: text('time').notNull(), // HH:MM, local to guild_settings.timezone
  enabled: boolean('enabled').notNull().default(true),
  /** Why forming stopped (Discord refused); shown in /setup show, cleared by the next /setup pods. */
  brokenReason: text('broken_reason'),
  updatedAt: instant('updated_at').notNull(),
});

/** Members who want a pod (/pod join); removed by /pod leave. */
export const podOptIns = pgTable(
  'pod_opt_ins',
  {
    guildId: snowflake('guild_id').notNull(),
    userId: snowflake('user_id').notNull(),
    preferredSize: smallint('preferred_size').notNull().default(3),
    joinedAt: instant('joined_at').notNull(),
    /** The last week they were the only member opted in, so nobody could be paired with them. */
    aloneWeek: text('alone_week'),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.userId] })],
);

/** One pod of one week: number 1… within the server's week, and its private thread once created. */
export const pods = pgTable(
  'pods',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: snowflake('guild_id').notNull(),
    week: text('week').notNull(), // the local date of the forming
    number: smallint('number').notNull(),
    threadId: snowflake('thread_id'),
    kickoffMessageId: snowflake('kickoff_message_id'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [uniqueIndex('pods_once').on(t.guildId, t.week, t.number)],
);

/** Who was in which pod (the history that keeps pairs from repeating), with where each stood. */
export const podMembers = pgTable(
  'pod_members',
  {
    podId: bigint('pod_id', { mode: 'number' })
      .notNull()
      .references(() => pods.id, { onDelete: 'cascade' }),
    userId: snowflake('user_id').notNull(),
    stepId: text('step_id'),
  },
  (t) => [primaryKey({ columns: [t.podId, t.userId] }), index('pod_members_user').on(t.userId)],
);

// ---- course cohorts (/cohort) -----------------------------------------------------

/**
 * A course cohort: roadmap steps in weekly units (`weeks`, step ids per week), each announced at
 * `open_time` and due on `deadline_weekday` at `deadline_time`, local to `timezone`
 * (src/domain/cohorts.ts planUnits). The plan can change until the first unit opens.
 */
export const cohorts = pgTable(
  'cohorts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: snowflake('guild_id').notNull(),
    name: text('name').notNull(),
    trackId: text('track_id').notNull(),
    weeks: jsonb('weeks').$type<string[][]>().notNull(),
    /** The challenge of each week (null: none); submitting it completes the unit. */
    challenges: jsonb('challenges').$type<(string | null)[]>().notNull(),
    timezone: text('timezone').notNull(),
    startDay: localDay('start_day').notNull(),
    openTime: text('open_time').notNull(), // HH:MM
    deadlineWeekday: smallint('deadline_weekday').notNull(), // 0 = Sunday … 6 = Saturday
    deadlineTime: text('deadline_time').notNull(), // HH:MM
    channelId: snowflake('channel_id').notNull(),
    /** Given to members while they are in the cohort. */
    memberRoleId: snowflake('member_role_id'),
    /** Given with the certificate. */
    certificateRoleId: snowflake('certificate_role_id'),
    joinUntil: instant('join_until').notNull(),
    latePolicy: text('late_policy', { enum: ['accept', 'separate'] }).notNull().default('accept'),
    /** Null: every unit; else the percentage of units done on time the certificate needs. */
    certificatePercent: smallint('certificate_percent'),
    /** Key of the members' calendar links (HMAC, src/http/calendar.ts): hex, made at creation. */
    secret: text('secret').notNull(),
    /** Whether moderators turned on the cohort's public calendar feed (/cohort calendar public:on). */
    publicFeed: boolean('public_feed').notNull().default(false),
    /** Bumped each time the public feed is turned on: a link from before it was last turned off stays off. */
    publicFeedVersion: integer('public_feed_version').notNull().default(0),
    /** Why Discord refused the cohort's channel (shown in /cohort status); cleared when the plan or channel is edited. */
    brokenReason: text('broken_reason'),
    createdBy: snowflake('created_by').notNull(),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [uniqueIndex('cohorts_name').on(t.guildId, sql`lower(${t.name})`), index('cohorts_guild').on(t.guildId)],
);

export const cohortMembers = pgTable(
  'cohort_members',
  {
    cohortId: bigint('cohort_id', { mode: 'number' })
      .notNull()
      .references(() => cohorts.id, { onDelete: 'cascade' }),
    userId: snowflake('user_id').notNull(),
    joinedAt: instant('joined_at').notNull(),
    /** Hidden from /cohort board: counted only as a number. */
    hidden: boolean('hidden').notNull().default(false),
    /** Bumped by /cohort calendar reset: the old feed link stops working. */
    calendarVersion: integer('calendar_version').notNull().default(0),
    /** When the member, two units behind, was told privately how to catch up (once). */
    nudgedAt: instant('nudged_at'),
  },
  (t) => [primaryKey({ columns: [t.cohortId, t.userId] }), index('cohort_members_user').on(t.userId)],
);

/** A unit a member finished: when, and whether before its deadline. Written once, never moved. */
export const cohortUnitsDone = pgTable(
  'cohort_units_done',
  {
    cohortId: bigint('cohort_id', { mode: 'number' })
      .notNull()
      .references(() => cohorts.id, { onDelete: 'cascade' }),
    userId: snowflake('user_id').notNull(),
    week: smallint('week').notNull(),
    doneAt: instant('done_at').notNull(),
    onTime: boolean('on_time').notNull(),
    via: text('via', { enum: ['steps', 'challenge'] }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.cohortId, t.userId, t.week] })],
);

/** A certificate: issued when the cohort ended to members who met its rule; `code` verifies it. */
export const cohortCertificates = pgTable(
  'cohort_certificates',
  {
    cohortId: bigint('cohort_id', { mode: 'number' })
      .notNull()
      .references(() => cohorts.id, { onDelete: 'cascade' }),
    userId: snowflake('user_id').notNull(),
    code: text('code').notNull(),
    displayName: text('display_name').notNull(),
    units: smallint('units').notNull(),
    unitsDone: smallint('units_done').notNull(),
    unitsOnTime: smallint('units_on_time').notNull(),
    issuedAt: instant('issued_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.cohortId, t.userId] }), uniqueIndex('cohort_certificates_code').on(t.code)],
);

// ---- scheduled study sessions (/event) ----------------------------------------------

/**
 * A scheduled study session (study hall, office hours, a paper reading): once, or weekly. Occurrence
 * k (0-based) starts at `local_time` on `first_day` + 7(k − `base_occurrence`) in `timezone`, for
 * k ≥ `base_occurrence` (an edit of a weekly event moves the occurrences from the current one on:
 * src/domain/events.ts). Each occurrence is its own Discord guild scheduled event (`discord_event_id`
 * is the current one's), so that every occurrence keeps its local time across DST.
 */
export const studyEvents = pgTable(
  'study_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: snowflake('guild_id').notNull(),
    cohortId: bigint('cohort_id', { mode: 'number' }).references(() => cohorts.id, { onDelete: 'set null' }),
    title: text('title').notNull(),
    description: text('description'),
    timezone: text('timezone').notNull(),
    firstDay: localDay('first_day').notNull(),
    localTime: text('local_time').notNull(), // HH:MM
    baseOccurrence: integer('base_occurrence').notNull().default(0),
    durationMinutes: smallint('duration_minutes').notNull(),
    weekly: boolean('weekly').notNull().default(false),
    /** Where it happens (attendance counts time there); null: no voice channel (an external event in Discord). */
    voiceChannelId: snowflake('voice_channel_id'),
    /** Where the card is posted. */
    channelId: snowflake('channel_id').notNull(),
    messageId: snowflake('message_id'),
    /** The Discord scheduled event of occurrence `discord_occurrence`. */
    discordEventId: snowflake('discord_event_id'),
    discordOccurrence: integer('discord_occurrence'),
    /** Why Discord refused the scheduled event, in our words (shown in /event list); cleared when it works. */
    discordProblem: text('discord_problem'),
    cancelledAt: instant('cancelled_at'),
    createdBy: snowflake('created_by').notNull(),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [index('study_events_guild').on(t.guildId), index('study_events_cohort').on(t.cohortId)],
);

/** A member's answer on an event's card for one occurrence: going or maybe (pressing again removes it). */
export const studyEventRsvps = pgTable(
  'study_event_rsvps',
  {
    eventId: bigint('event_id', { mode: 'number' })
      .notNull()
      .references(() => studyEvents.id, { onDelete: 'cascade' }),
    occurrence: integer('occurrence').notNull(),
    userId: snowflake('user_id').notNull(),
    answer: text('answer', { enum: ['going', 'maybe'] }).notNull(),
    at: instant('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.occurrence, t.userId] }), index('study_event_rsvps_user').on(t.userId)],
);

/** Who attended an occurrence: minutes in its voice channel during it (voice study sessions), recorded once after it ends. */
export const studyEventAttendance = pgTable(
  'study_event_attendance',
  {
    eventId: bigint('event_id', { mode: 'number' })
      .notNull()
      .references(() => studyEvents.id, { onDelete: 'cascade' }),
    occurrence: integer('occurrence').notNull(),
    userId: snowflake('user_id').notNull(),
    minutes: integer('minutes').notNull(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.occurrence, t.userId] }), index('study_event_attendance_user').on(t.userId)],
);

export type StudyEvent = typeof studyEvents.$inferSelect;
export type StudyEventRsvp = typeof studyEventRsvps.$inferSelect;

export type Cohort = typeof cohorts.$inferSelect;
export type CohortMember = typeof cohortMembers.$inferSelect;
export type CohortCertificate = typeof cohortCertificates.$inferSelect;

export type GuildSettings = typeof guildSettings.$inferSelect;
export type MemberSettings = typeof memberSettings.$inferSelect;
export type StreakDay = typeof streakDays.$inferSelect;
export type ScheduledPost = typeof scheduledPosts.$inferSelect;
export type ChallengeWeek = typeof challengeWeeks.$inferSelect;
export type GuildResource = typeof guildResources.$inferSelect;
export type FocusSession = typeof focusSessions.$inferSelect;
export type FocusParticipant = typeof focusParticipants.$inferSelect;
export type StudySession = typeof studySessions.$inferSelect;

export type PodSettings = typeof podSettings.$inferSelect;
export type Pod = typeof pods.$inferSelect;
export type DigestSend = typeof digestSends.$inferSelect;
export type MemberNudge = typeof memberNudges.$inferSelect;
export type ProcessLease = typeof processLeases.$inferSelect;

/**
 * One row that GET /healthz rewrites on every check: the database is healthy when it can write,
 * not only answer `select 1` (a full disk, a read-only standby or a missing grant fail here first).
 */
export const healthProbe = pgTable('health_probe', {
  id: smallint('id').primaryKey(),
  checkedAt: instant('checked_at').notNull(),
});

/**
 * A server's own content (docs/server-content.md): YAML files in the format of content/, layered
 * over the built-in content for that server only. `name` is `<folder>/<file>.yaml`.
 */
export const serverContentFiles = pgTable(
  'server_content_files',
  {
    guildId: snowflake('guild_id').notNull(),
    name: text('name').notNull(),
    folder: text('folder', { enum: ['tracks', 'resources', 'prompts', 'challenges'] }).notNull(),
    text: text('text').notNull(),
    updatedBy: snowflake('updated_by').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.name] })],
);

/**
 * One row per server that ever had its own content: bumped in the transaction of every change to its
 * files, and read (one primary-key lookup) before each use of its content, so that every process
 * builds the server's content again after a change and no process serves a stale copy. A server
 * without a row has only the built-in content.
 */
export const serverContentRevisions = pgTable('server_content_revisions', {
  guildId: snowflake('guild_id').primaryKey(),
  revision: integer('revision').notNull(),
});

export type ServerContentFile = typeof serverContentFiles.$inferSelect;

/**
 * /stats's summaries (src/db/queries/stats-summaries.ts): figures of a server's finished local days
 * (in `zone`, the server's zone when they were made), kept so that /stats reads a row per day or
 * member week instead of a year of activities. Made again from the raw rows whenever needed: a
 * missing day, a day not yet settled (late study sessions may still land in it), or the server's
 * zone changed.
 */
export const statsDays = pgTable(
  'stats_days',
  {
    guildId: snowflake('guild_id').notNull(),
    day: localDay('day').notNull(),
    zone: text('zone').notNull(),
    /** Members with any activity that day. */
    activeMembers: integer('active_members').notNull(),
    checkins: integer('checkins').notNull(),
    /** Check-ins made with the daily prompt's button (activities.source = 'prompt'). */
    promptCheckins: integer('prompt_checkins').notNull(),
    steps: integer('steps').notNull(),
    /** Study time of the sessions that started that day, less what a member's earlier session already covered. */
    studyMs: bigint('study_ms', { mode: 'number' }).notNull(),
    /** Nothing can land in this day any more: made a day after it ended, with no study session open that started before its end. */
    settled: boolean('settled').notNull(),
    madeAt: instant('made_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.day] })],
);

/** Which members were active in which week (Monday, in the zone of the server's stats_days), from finished days. */
export const statsMemberWeeks = pgTable(
  'stats_member_weeks',
  {
    guildId: snowflake('guild_id').notNull(),
    week: localDay('week').notNull(),
    userId: snowflake('user_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.week, t.userId] })],
);

/** Each member's first active week in the server (over every finished day summarised), for retention. */
export const statsMembers = pgTable(
  'stats_members',
  {
    guildId: snowflake('guild_id').notNull(),
    userId: snowflake('user_id').notNull(),
    firstWeek: localDay('first_week').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.userId] }), index('stats_members_first_week').on(t.guildId, t.firstWeek)],
);
