/**
 * The streak write path: every qualifying activity (check-in, finished roadmap step, challenge
 * submission) goes through recordActivity or recordActivityOptimistically, and both end in the one
 * statement that writes it (activityStatement). Read this comment and those two functions to see
 * why the figures can be trusted.
 *
 * Invariant: a member's stored figures (member_streaks: current, longest, freezes, last_day) and the
 * freeze days in their ledger (streak_days, reason 'freeze') are always foldStreak of the counted
 * days in their ledger under the server's rules (src/domain/streaks.ts), and each activity is stored
 * with the day countingDay gives it from the figures it was written against.
 *
 * The day's effect is worked out from the stored figures: when the day comes after last_day and the
 * server's settings did not change since the figures were written, the new figures are one step of
 * the fold (extendStreak, no ledger read); a day that already counted changes nothing; anything else
 * (an earlier day, changed settings) folds the whole ledger again (recompute). It is correct only if
 * nothing changes the figures between that read and the write, which the two cases ensure:
 *
 * 1. Locked (recordActivity, recordActivityInTransaction, and fixStreakDay): in a transaction, the
 *    member's row is locked (lockMember) before it is read, so concurrent activities of one member
 *    run one after the other. Any day, in any order; four round trips (BEGIN, lock, statement,
 *    COMMIT), or inside the caller's transaction (a finished step, a challenge submission).
 * 2. Compare-and-set (recordActivityOptimistically, what /checkin and Mark done call first): read
 *    the figures without a lock, then the same statement, applied only if the figures, the day rule
 *    they follow and the settings the day was worked out from (the member's and the server's zone,
 *    rollover hour, freeze cap, when each was written) are still those read (its `ok` CTE locks the
 *    row for the statement). Two round trips, no transaction; one when the process remembers the
 *    member's figures from their last activity (ctx.memberFigures): the statement checks that guess
 *    like a read, so a stale one only costs a fresh read. Taken only when the day extends the
 *    figures or already counted; when anything changed in between, it reads again, and it hands
 *    every other case to the locked path (returning undefined, with nothing written).
 *
 * Why both exist (docs/performance.md, what bounds it): with the locked path alone, /checkin and Mark done take two
 * more round trips each, and the bot's CPU per interaction on alternating /next and /checkin rose
 * from 1.3–1.8 ms to 2.6–2.8 ms. tests/integration/streak-write-paths.property.test.ts drives both
 * paths (and the compare-and-set from remembered figures made stale behind its back) with any
 * sequence of activities, out of order and concurrent, against the fold.
 */
import { and, asc, eq, gte, inArray, ne, sql, type SQL } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import { addDays, dayRange } from '../../domain/dates.js';
import {
  countingDay,
  explainDays,
  extendStreak,
  foldStreak,
  viewAt,
  type CountReason,
  type DayRule,
  type DayStatus,
  type StreakRules,
  type StreakSummary,
  type StreakView,
} from '../../domain/streaks.js';
import { prepared, preparedRows, type Db, type Tx } from '../client.js';
import { activities, guildSettings, memberSettings, memberStreaks, streakDays } from '../schema.js';
import { logModeratorAction } from './moderator-log.js';
import { defaultGuildSettings } from './settings.js';

export type { StreakSummary } from '../../domain/streaks.js';

/** One member of one server. */
export interface MemberKey {
  guildId: string;
  userId: string;
}

export type ActivityKind = 'checkin' | 'step' | 'challenge' | 'study';

/** Where a check-in came from: `/checkin` (`command`) or the daily prompt's Check in button (`prompt`). */
export type CheckInSource = NonNullable<typeof activities.$inferInsert.source>;

export interface ActivityInput extends MemberKey {
  kind: ActivityKind;
  at: Date;
  /** What the activity was about (step id, challenge week id …). */
  ref?: string;
  note?: string;
  /** Where a check-in came from: `/checkin` or the daily prompt's button (stored in activities.source). */
  source?: CheckInSource;
  /** What the ledger says about the day (default: `ref`), e.g. "studied 1 h 20 m in <#…>". */
  ledgerNote?: string;
}

export interface ActivityResult {
  /** This activity made the member's local day count for the first time. */
  counted: boolean;
  /** The member's local day the activity belongs to ('YYYY-MM-DD'). */
  day: string;
  /** The member's streak after the activity. */
  streak: StreakSummary;
  /** The activity was stored (false only for a second check-in on the same day). */
  recorded: boolean;
  /** The stored streak just before the activity (read under the member's lock). */
  before: StreakSummary;
}

/** Runs `fn` in a transaction, or in a savepoint when `db` already is a transaction. */
function inTransaction<T>(db: Tx, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return (db as Db).transaction((tx) => fn(tx));
}

export interface MemberDayRules {
  zone: string;
  rolloverHour: number;
  rules: StreakRules;
  /** When the server's settings last changed (the epoch when it never ran /setup). */
  settingsUpdatedAt: Date;
}

/** The columns memberDayRules needs, for a select that left-joins guild_settings and member_settings. */
export const RULE_COLUMNS = {
  serverZone: guildSettings.timezone,
  rolloverHour: guildSettings.rolloverHour,
  freezeCap: guildSettings.freezeCap,
  settingsUpdatedAt: guildSettings.updatedAt,
  ownZone: memberSettings.timezone,
};

type RuleRow = { serverZone: string | null; rolloverHour: number | null; freezeCap: number | null; settingsUpdatedAt: Date | null; ownZone: string | null };

export function dayRulesOf(guildId: string, row: RuleRow | undefined): MemberDayRules {
  const defaults = defaultGuildSettings(guildId);
  return {
    zone: row?.ownZone ?? row?.serverZone ?? defaults.timezone,
    rolloverHour: row?.rolloverHour ?? defaults.rolloverHour,
    rules: { freezeCap: row?.freezeCap ?? defaults.freezeCap },
    settingsUpdatedAt: row?.settingsUpdatedAt ?? defaults.updatedAt,
  };
}

/** The rule the member's last counted day followed (member_streaks.day_zone, day_rollover_hour). */
const FOLLOW_COLUMNS = { dayZone: memberStreaks.dayZone, dayRolloverHour: memberStreaks.dayRolloverHour };

function followsOf(row: { dayZone: string | null; dayRolloverHour: number | null } | undefined): DayRule | null {
  return row?.dayZone != null && row.dayRolloverHour != null ? { zone: row.dayZone, rolloverHour: row.dayRolloverHour } : null;
}

const guildOf = (member: MemberKey) => eq(guildSettings.guildId, member.guildId);
const memberSettingsOf = (member: MemberKey) => and(eq(memberSettings.guildId, member.guildId), eq(memberSettings.userId, member.userId));
const streakOf = (member: MemberKey) => and(eq(memberStreaks.guildId, member.guildId), eq(memberStreaks.userId, member.userId));

/** The member's zone (their own, else the server's) and the server's streak rules, in one query. */
export async function memberDayRules(db: Tx, member: MemberKey): Promise<MemberDayRules> {
  const [row] = await db
    .select(RULE_COLUMNS)
    .from(sql`(select 1) as "one"`)
    .leftJoin(guildSettings, guildOf(member))
    .leftJoin(memberSettings, memberSettingsOf(member));
  return dayRulesOf(member.guildId, row);
}

/** The day an instant counts for, for the member (countingDay: their zone, and the rule their last counted day followed). */
export async function memberToday(db: Tx, member: MemberKey, at: Date): Promise<string> {
  const [row] = await db
    .select({ lastDay: memberStreaks.lastDay, ...FOLLOW_COLUMNS, ...RULE_COLUMNS })
    .from(sql`(select 1) as "one"`)
    .leftJoin(memberStreaks, streakOf(member))
    .leftJoin(guildSettings, guildOf(member))
    .leftJoin(memberSettings, memberSettingsOf(member));
  const rules = dayRulesOf(member.guildId, row);
  return countingDay(at, rules, { lastDay: row?.lastDay ?? null, follows: followsOf(row) }).day;
}

interface LockedMember extends MemberDayRules {
  /** The stored figures, as of the lock. */
  before: StreakSummary;
  /** The rule the last counted day followed (null before the first, or for older figures). */
  follows: DayRule | null;
  /** When the stored figures were last worked out. */
  streakUpdatedAt: Date;
}

/**
 * Creates the member's streak row if needed and locks it until the end of the transaction (an upsert
 * whose conflict branch rewrites updated_at with itself: it takes the row lock like SELECT … FOR UPDATE
 * and returns the latest committed figures), so that concurrent activities of one member run one
 * after the other. The member's day rules come back in the same statement.
 */
async function lockMember(tx: Tx, member: MemberKey, at: Date): Promise<LockedMember> {
  const locked = tx.$with('locked').as(
    tx
      .insert(memberStreaks)
      .values({ ...member, updatedAt: at })
      .onConflictDoUpdate({ target: [memberStreaks.guildId, memberStreaks.userId], set: { updatedAt: sql`${memberStreaks.updatedAt}` } })
      .returning({
        current: memberStreaks.current,
        longest: memberStreaks.longest,
        freezes: memberStreaks.freezes,
        lastDay: memberStreaks.lastDay,
        dayZone: memberStreaks.dayZone,
        dayRolloverHour: memberStreaks.dayRolloverHour,
        streakUpdatedAt: memberStreaks.updatedAt,
      }),
  );
  const [row] = await tx
    .with(locked)
    .select({
      current: locked.current,
      longest: locked.longest,
      freezes: locked.freezes,
      lastDay: locked.lastDay,
      dayZone: locked.dayZone,
      dayRolloverHour: locked.dayRolloverHour,
      streakUpdatedAt: locked.streakUpdatedAt,
      ...RULE_COLUMNS,
    })
    .from(locked)
    .leftJoin(guildSettings, guildOf(member))
    .leftJoin(memberSettings, memberSettingsOf(member));
  const { current, longest, freezes, lastDay, streakUpdatedAt } = row!;
  return { ...dayRulesOf(member.guildId, row), before: { current, longest, freezes, lastDay }, follows: followsOf(row), streakUpdatedAt };
}

/**
 * Folds the member's ledger into the streak figures and writes them back in the same transaction:
 * freeze days in the ledger are made to match what the engine spent, and member_streaks is updated.
 * Call with the member's row locked.
 */
async function recompute(tx: Tx, member: MemberKey, rules: StreakRules, at: Date, follows?: DayRule): Promise<StreakSummary> {
  const rows = await tx
    .select({ day: streakDays.day, reason: streakDays.reason })
    .from(streakDays)
    .where(and(eq(streakDays.guildId, member.guildId), eq(streakDays.userId, member.userId)));
  const counted = rows.filter((r) => r.reason !== 'freeze').map((r) => r.day);
  const state = foldStreak(counted, rules);

  const wanted = new Set(state.freezeDays);
  const existing = new Set(rows.filter((r) => r.reason === 'freeze').map((r) => r.day));
  const stale = [...existing].filter((d) => !wanted.has(d));
  const missing = [...wanted].filter((d) => !existing.has(d));
  if (stale.length > 0) {
    await tx
      .delete(streakDays)
      .where(and(eq(streakDays.guildId, member.guildId), eq(streakDays.userId, member.userId), eq(streakDays.reason, 'freeze'), inArray(streakDays.day, stale)));
  }
  if (missing.length > 0) {
    await tx
      .insert(streakDays)
      .values(missing.map((day) => ({ ...member, day, reason: 'freeze' as const, createdAt: at })))
      .onConflictDoNothing();
  }
  const summary: StreakSummary = { current: state.current, longest: state.longest, freezes: state.freezes, lastDay: state.lastDay };
  await tx
    .update(memberStreaks)
    .set({ ...summary, ...(follows ? { dayZone: follows.zone, dayRolloverHour: follows.rolloverHour } : {}), updatedAt: at })
    .where(and(eq(memberStreaks.guildId, member.guildId), eq(memberStreaks.userId, member.userId)));
  return summary;
}

const memberPlaceholders = { guildId: sql.placeholder('guildId'), userId: sql.placeholder('userId') } as unknown as MemberKey;

/**
 * What a compare-and-set was worked out from: the member's day rules and stored figures, and the
 * stored values they came from (`basis`: the settings columns as stored, null where there is no row),
 * so that the statement can check that none of them changed. `stored` is false before the member's
 * first activity.
 */
export interface MemberRead extends LockedMember {
  stored: boolean;
  basis: RuleRow;
}

/** A member's day rules and stored figures, read without a lock. */
async function readMember(db: Db, member: MemberKey): Promise<MemberRead> {
  const query = prepared(db, 'read_member', (db) =>
    db
      .select({
        current: memberStreaks.current,
        longest: memberStreaks.longest,
        freezes: memberStreaks.freezes,
        lastDay: memberStreaks.lastDay,
        streakUpdatedAt: memberStreaks.updatedAt,
        ...FOLLOW_COLUMNS,
        ...RULE_COLUMNS,
      })
      .from(sql`(select 1) as "one"`)
      .leftJoin(memberStreaks, streakOf(memberPlaceholders))
      .leftJoin(guildSettings, guildOf(memberPlaceholders))
      .leftJoin(memberSettings, memberSettingsOf(memberPlaceholders))
      .prepare('read_member'),
  );
  const [row] = await query.execute({ guildId: member.guildId, userId: member.userId });
  const rules = dayRulesOf(member.guildId, row);
  const basis: RuleRow = {
    serverZone: row?.serverZone ?? null,
    rolloverHour: row?.rolloverHour ?? null,
    freezeCap: row?.freezeCap ?? null,
    settingsUpdatedAt: row?.settingsUpdatedAt ?? null,
    ownZone: row?.ownZone ?? null,
  };
  if (!row || row.current === null || row.longest === null || row.freezes === null || row.streakUpdatedAt === null) {
    return { ...rules, before: { current: 0, longest: 0, freezes: 0, lastDay: null }, follows: null, streakUpdatedAt: new Date(0), stored: false, basis };
  }
  const { current, longest, freezes, lastDay, streakUpdatedAt } = row;
  return { ...rules, before: { current, longest, freezes, lastDay }, follows: followsOf(row), streakUpdatedAt, stored: true, basis };
}

/**
 * Where the compare-and-set path may start instead of reading the member (a member's last read or
 * written figures, kept by this process: ctx.memberFigures). Only a guess: the statement applies
 * the activity only if the figures, the day rules and the settings they came from are all still
 * those, so a stale entry costs one statement and a fresh read, never a wrong figure.
 */
export interface MemberFigures {
  get(key: string): MemberRead | undefined;
  set(key: string, read: MemberRead): unknown;
  delete(key: string): unknown;
}

/** A member's entry in MemberFigures (ctx.memberFigures). */
export const memberFiguresKey = (member: MemberKey): string => `${member.guildId}:${member.userId}`;

/**
 * The extension of the figures by the activity's day, when it is one step of the fold from the stored
 * figures: the day comes after the last counted one and the server's settings have not changed
 * since the figures were worked out (the freeze cap applies to the whole history). Else null:
 * changed settings fold the whole ledger again should the day count; a day that already counted
 * changes nothing (countingDay never gives an activity a day before the last counted one).
 */
function extensionOf(member: LockedMember, day: string) {
  const { before, rules } = member;
  const inOrder = before.lastDay === null || (day > before.lastDay && member.settingsUpdatedAt.getTime() <= member.streakUpdatedAt.getTime());
  return inOrder ? extendStreak(before, day, rules) : null;
}

/**
 * CTEs that run first in an activity's statement: `gate` (which may read `ok`) stores the thing the
 * activity is about, and the activity is stored once per row it returns (e.g. a step newly marked
 * done); `columns` are more values of the statement's result (`<expression> as <name>`). Written
 * with placeholders (activityPlaceholder for the activity's own values, others named in `values`):
 * `key` names the gate's shape, `build` runs once per shape and database handle.
 */
export interface ActivityGate {
  key: string;
  build(): { cte: SQL; columns: SQL[] };
  values: Record<string, unknown>;
}

/** The values of an activity's statement, by placeholder name (freeze days are `freeze0`, `freeze1` …). */
interface ActivityValues {
  guildId: string;
  userId: string;
  kind: ActivityKind;
  day: string;
  at: string;
  ref: string | null;
  note: string | null;
  source: CheckInSource | null;
  ledgerNote: string | null;
  /** The new figures (when `next`) and the day rule they were counted under. */
  current: number;
  longest: number;
  freezes: number;
  lastDay: string | null;
  zone: string;
  rolloverHour: number;
  /** The figures the compare-and-set expects. */
  expectedCurrent: number;
  expectedLongest: number;
  expectedFreezes: number;
  expectedLastDay: string | null;
  expectedZone: string | null;
  expectedRolloverHour: number | null;
  /** When the figures were written, and the settings they were worked out under, as stored (null: no row). */
  expectedStreakUpdatedAt: string;
  expectedServerZone: string | null;
  expectedServerRolloverHour: number | null;
  expectedFreezeCap: number | null;
  expectedSettingsUpdatedAt: string | null;
  expectedOwnZone: string | null;
}

/** A placeholder for one of the activity's values, for activityStatement and gates. */
export const activityPlaceholder = (name: keyof ActivityValues | `freeze${number}`) => sql.placeholder(name);
const p = activityPlaceholder;

/**
 * What decides the statement's text: whether and how it compares the figures (`ok`: `first` creates
 * them, `unchanged` compares them, `none` does neither, in the locked path), how many freeze days it
 * writes, whether it updates the figures, and the gate.
 */
interface ActivityShape {
  ok: 'first' | 'unchanged' | 'none';
  freezeDays: number;
  figures: boolean;
  gate?: ActivityGate;
}

/**
 * The one statement that stores an activity, counts its day in the ledger when it was stored (a day a
 * freeze covered becomes a real day; real days stay as they are) and, when the day newly counted and
 * `next` extends the figures, writes the freeze days it spent and the figures with the day rule the
 * day was counted under (`follows`). With `expected`, everything happens only if the member's figures
 * and day rule are still those (an `ok` CTE that locks the row for the statement: a compare-and-set,
 * so no transaction is needed). Its text depends only on the shape (activityStatement, built once
 * per shape), its values are activityValues.
 */
async function runActivityStatement<T>(
  db: Tx,
  member: MemberKey,
  input: ActivityInput,
  counting: { day: string; follows: DayRule },
  next: ReturnType<typeof extendStreak> | null,
  { expected, gate }: { expected?: MemberRead | 'none'; gate?: ActivityGate } = {},
): Promise<T[]> {
  // The member's first figures: the row is created with them (a day with no figures before always
  // counts; the caller checks that it did).
  if (expected === 'none' && !next) throw new Error('activityStatement: a member without figures needs the extension of the empty figures');
  const shape: ActivityShape = {
    ok: expected === 'none' ? 'first' : expected ? 'unchanged' : 'none',
    freezeDays: next?.freezeDays.length ?? 0,
    figures: next !== null && expected !== 'none',
    ...(gate ? { gate } : {}),
  };
  const values: Record<string, unknown> = {
    guildId: member.guildId,
    userId: member.userId,
    kind: input.kind,
    day: counting.day,
    at: input.at.toISOString(),
    ref: input.ref ?? null,
    note: input.note ?? null,
    source: input.source ?? null,
    ledgerNote: input.ledgerNote ?? input.ref ?? null,
    zone: counting.follows.zone,
    rolloverHour: counting.follows.rolloverHour,
    ...gate?.values,
  } satisfies Partial<ActivityValues>;
  if (next) {
    Object.assign(values, { current: next.current, longest: next.longest, freezes: next.freezes, lastDay: next.lastDay } satisfies Partial<ActivityValues>);
    next.freezeDays.forEach((d, i) => (values[`freeze${i}`] = d));
  }
  if (expected && expected !== 'none') {
    const { before, follows, basis } = expected;
    Object.assign(values, {
      expectedCurrent: before.current,
      expectedLongest: before.longest,
      expectedFreezes: before.freezes,
      expectedLastDay: before.lastDay,
      expectedZone: follows?.zone ?? null,
      expectedRolloverHour: follows?.rolloverHour ?? null,
      expectedStreakUpdatedAt: expected.streakUpdatedAt.toISOString(),
      expectedServerZone: basis.serverZone,
      expectedServerRolloverHour: basis.rolloverHour,
      expectedFreezeCap: basis.freezeCap,
      expectedSettingsUpdatedAt: basis.settingsUpdatedAt?.toISOString() ?? null,
      expectedOwnZone: basis.ownZone,
    } satisfies Partial<ActivityValues>);
  }
  const key = `activity:${shape.ok}:${shape.freezeDays}:${shape.figures ? 'figures' : '-'}:${gate?.key ?? '-'}`;
  return preparedRows<T>(db, key, () => activityStatement(shape)).execute(values);
}

function activityStatement({ ok: okShape, freezeDays, figures: writesFigures, gate: gateShape }: ActivityShape): SQL {
  const gate = gateShape?.build();
  let ok = sql``;
  if (okShape === 'first') {
    ok = sql`ok as (
        insert into ${memberStreaks} (guild_id, user_id, current, longest, freezes, last_day, day_zone, day_rollover_hour, updated_at)
        values (${p('guildId')}, ${p('userId')}, ${p('current')}, ${p('longest')}, ${p('freezes')}, ${p('lastDay')}::date, ${p('zone')}, ${p('rolloverHour')}, ${p('at')}::timestamptz)
        on conflict do nothing
        returning 1
      ), `;
  } else if (okShape === 'unchanged') {
    // Timestamps are compared to the millisecond: JavaScript dates carry no more.
    ok = sql`ok as (
        select 1 from ${memberStreaks} s
          left join ${guildSettings} g on g.guild_id = s.guild_id
          left join ${memberSettings} m on m.guild_id = s.guild_id and m.user_id = s.user_id
        where s.guild_id = ${p('guildId')} and s.user_id = ${p('userId')} and s.current = ${p('expectedCurrent')} and s.longest = ${p('expectedLongest')}
          and s.freezes = ${p('expectedFreezes')} and s.last_day is not distinct from ${p('expectedLastDay')}::date
          and s.day_zone is not distinct from ${p('expectedZone')}::text
          and s.day_rollover_hour is not distinct from ${p('expectedRolloverHour')}::smallint
          and date_trunc('milliseconds', s.updated_at) = ${p('expectedStreakUpdatedAt')}::timestamptz
          and g.timezone is not distinct from ${p('expectedServerZone')}::text
          and g.rollover_hour is not distinct from ${p('expectedServerRolloverHour')}::smallint
          and g.freeze_cap is not distinct from ${p('expectedFreezeCap')}::smallint
          and date_trunc('milliseconds', g.updated_at) is not distinct from ${p('expectedSettingsUpdatedAt')}::timestamptz
          and m.timezone is not distinct from ${p('expectedOwnZone')}::text
        for update of s
      ), `;
  }
  const compared = okShape !== 'none';
  const source = gate ? sql` from gate` : compared ? sql` from ok` : sql``;
  const results = [
    sql`(select count(*) from stored)::int as stored`,
    sql`(select count(*) from counted)::int as counted`,
    ...(compared ? [sql`(select count(*) from ok)::int as ok`] : []),
    ...(gate?.columns ?? []),
  ];
  const freezes =
    freezeDays > 0
      ? sql`, freezes as (
          insert into ${streakDays} (guild_id, user_id, day, reason, created_at)
          select ${p('guildId')}, ${p('userId')}, f.day::date, 'freeze', ${p('at')}::timestamptz
          from (values ${sql.join(
            Array.from({ length: freezeDays }, (_, i) => sql`(${p(`freeze${i}`)})`),
            sql`, `,
          )}) as f(day)
          where exists (select 1 from counted)
          on conflict do nothing
        )`
      : sql``;
  const figures = writesFigures
    ? sql`, figures as (
          update ${memberStreaks}
          set current = ${p('current')}, longest = ${p('longest')}, freezes = ${p('freezes')}, last_day = ${p('lastDay')}::date,
            day_zone = ${p('zone')}, day_rollover_hour = ${p('rolloverHour')}, updated_at = ${p('at')}::timestamptz
          where guild_id = ${p('guildId')} and user_id = ${p('userId')} and exists (select 1 from counted)
        )`
    : sql``;
  return sql`with ${ok}${gate ? sql`${gate.cte}, ` : sql``}stored as (
      insert into ${activities} (guild_id, user_id, kind, day, at, ref, note, source)
      select ${p('guildId')}, ${p('userId')}, ${p('kind')}, ${p('day')}::date, ${p('at')}::timestamptz, ${p('ref')}, ${p('note')}, ${p('source')}${source}
      on conflict do nothing
      returning id
    ), counted as (
      insert into ${streakDays} (guild_id, user_id, day, reason, note, created_at)
      select ${p('guildId')}, ${p('userId')}, ${p('day')}::date, ${p('kind')}, ${p('ledgerNote')}, ${p('at')}::timestamptz from stored
      on conflict (guild_id, user_id, day) do update
        set reason = excluded.reason, actor_id = null, note = excluded.note, created_at = excluded.created_at
        where ${streakDays}.reason = 'freeze'
      returning day
    )${freezes}${figures}
    select ${sql.join(results, sql`, `)}`;
}

/**
 * recordActivity inside a transaction the caller owns, without a savepoint of its own: when it
 * throws, the caller's transaction must fail as a whole (as completeStep's does).
 *
 * Round trips: the lock (with the day rules), then the activity's statement. In the usual case the
 * new figures are one step of the fold from the stored ones (extensionOf), worked out before the
 * statement and applied only if the day counts, so the ledger is not read; otherwise a day that newly
 * counts folds the whole ledger again afterwards.
 */
export async function recordActivityInTransaction(tx: Tx, input: ActivityInput): Promise<ActivityResult> {
  const member = { guildId: input.guildId, userId: input.userId };
  const locked = await lockMember(tx, member, input.at);
  const { before, rules } = locked;
  const counting = countingDay(input.at, locked, { lastDay: before.lastDay, follows: locked.follows });
  const { day } = counting;
  const next = extensionOf(locked, day);
  const [written] = await runActivityStatement<{ stored: number; counted: number }>(tx, member, input, counting, next);
  if (written!.stored === 0) return { counted: false, day, streak: before, recorded: false, before };
  if (written!.counted === 0) return { counted: false, day, streak: before, recorded: true, before };
  const streak: StreakSummary = next
    ? { current: next.current, longest: next.longest, freezes: next.freezes, lastDay: next.lastDay }
    : await recompute(tx, member, rules, input.at, counting.follows);
  return { counted: true, day, streak, recorded: true, before };
}

/**
 * The one entry point for qualifying activities (check-in, roadmap step done, challenge submission).
 * Stores the activity, counts the member's local day once in the ledger, and keeps the streak figures
 * in step, all in one transaction (a savepoint when called inside the caller's transaction).
 */
export async function recordActivity(db: Db | Tx, input: ActivityInput): Promise<ActivityResult> {
  return inTransaction(db, (tx) => recordActivityInTransaction(tx, input));
}

/**
 * recordActivity in two round trips instead of four (no BEGIN, lock, COMMIT): read the figures, then
 * one statement that applies the activity only if they are unchanged (activityStatement's `expected`;
 * for a member without figures yet, only if nobody created them meanwhile). Taken when the day
 * extends the figures or already counted; when another activity of the member changed the figures
 * in between, it reads again (a few times). Returns undefined when the activity needs the locked path
 * (recordActivity): nothing has been written then. `gate` adds the thing the activity is about to
 * the statement; its columns come back in `row`.
 */
export async function recordActivityOptimistically(
  db: Db,
  input: ActivityInput,
  gate?: ActivityGate,
  figures?: MemberFigures,
): Promise<{ result: ActivityResult; row: Record<string, unknown> } | undefined> {
  const member = { guildId: input.guildId, userId: input.userId };
  const key = memberFiguresKey(member);
  // A remembered read of a member with figures saves the read; a stale one costs one more attempt.
  let guess = figures?.get(key);
  if (guess && !guess.stored) guess = undefined;
  for (let attempt = 0; attempt < (guess ? 4 : 3); attempt++) {
    const read = guess ?? (await readMember(db, member));
    const guessed = guess !== undefined;
    guess = undefined;
    const { before } = read;
    const counting = countingDay(input.at, read, { lastDay: before.lastDay, follows: read.follows });
    const { day } = counting;
    const next = extensionOf(read, day);
    if (!next && day !== before.lastDay) {
      if (guessed) continue; // the guess may be what sends it to the lock: read first
      figures?.delete(key);
      return undefined;
    }
    const expected = read.stored ? read : 'none';
    const [row] = await runActivityStatement<{ stored: number; counted: number; ok: number } & Record<string, unknown>>(db, member, input, counting, next, {
      expected,
      ...(gate ? { gate } : {}),
    });
    if (row!.ok === 0) continue;
    const counted = row!.counted > 0;
    let streak = next && counted ? { current: next.current, longest: next.longest, freezes: next.freezes, lastDay: next.lastDay } : before;
    // Two cases that cannot happen while the ledger and the figures agree: the last counted day (a
    // real day in the ledger) counting again, or a member's first day not counting although their
    // first figures were written. Should either happen, the figures are folded again under the lock.
    if ((counted && !next) || (!counted && expected === 'none')) {
      streak = await db.transaction(async (tx) => recompute(tx, member, (await lockMember(tx, member, input.at)).rules, input.at, counting.follows));
      figures?.delete(key);
    } else if (figures) {
      // What the member's row now holds: the new figures when the day counted, else the ones read.
      const follows = { zone: counting.follows.zone, rolloverHour: counting.follows.rolloverHour };
      figures.set(key, next && counted ? { ...read, before: streak, follows, streakUpdatedAt: input.at, stored: true } : read);
    }
    return { result: { counted, day, streak, recorded: row!.stored > 0, before }, row: row! };
  }
  figures?.delete(key);
  return undefined;
}

export interface CheckInResult extends ActivityResult {
  /** The member had already checked in that day. */
  already: boolean;
  /** Freezes the member had before this check-in (to say when one was earned). */
  freezesBefore: number;
}

/** /checkin (`command`) and the daily prompt's Check in button (`prompt`): counts the member's day and returns the streak. */
export async function checkIn(
  ctx: { db: Db; clock: Clock; memberFigures?: MemberFigures },
  member: MemberKey,
  note: string | null,
  source: CheckInSource = 'command',
): Promise<CheckInResult> {
  const input: ActivityInput = { ...member, kind: 'checkin', at: ctx.clock.now(), source, ...(note ? { note } : {}) };
  const result = (await recordActivityOptimistically(ctx.db, input, undefined, ctx.memberFigures))?.result ?? (await recordActivity(ctx.db, input));
  return { ...result, already: !result.recorded, freezesBefore: result.before.freezes };
}

/** The stored streak figures (as of the member's last counted day). */
export async function getStreakSummary(db: Tx, member: MemberKey): Promise<StreakSummary> {
  const [row] = await db
    .select({ current: memberStreaks.current, longest: memberStreaks.longest, freezes: memberStreaks.freezes, lastDay: memberStreaks.lastDay })
    .from(memberStreaks)
    .where(and(eq(memberStreaks.guildId, member.guildId), eq(memberStreaks.userId, member.userId)));
  return row ?? { current: 0, longest: 0, freezes: 0, lastDay: null };
}

export interface LedgerDay {
  day: string;
  reason: CountReason | 'freeze';
  actorId: string | null;
  note: string | null;
}

/** The member's ledger, oldest first (optionally from a day on). */
export async function ledger(db: Tx, member: MemberKey): Promise<LedgerDay[]> {
  return db
    .select({ day: streakDays.day, reason: streakDays.reason, actorId: streakDays.actorId, note: streakDays.note })
    .from(streakDays)
    .where(and(eq(streakDays.guildId, member.guildId), eq(streakDays.userId, member.userId)))
    .orderBy(asc(streakDays.day));
}

/** Why a member day counts for the streak (its ledger row), or undefined when it does not count (yet) or a freeze covered it. */
export async function countedReason(db: Tx, member: MemberKey, day: string): Promise<CountReason | undefined> {
  const [row] = await db
    .select({ reason: streakDays.reason })
    .from(streakDays)
    .where(and(eq(streakDays.guildId, member.guildId), eq(streakDays.userId, member.userId), eq(streakDays.day, day)));
  return row && row.reason !== 'freeze' ? row.reason : undefined;
}

/** Counted (non-freeze) ledger days; used by tests and the export. */
export async function countedDays(db: Tx, member: MemberKey): Promise<string[]> {
  const rows = await db
    .select({ day: streakDays.day })
    .from(streakDays)
    .where(and(eq(streakDays.guildId, member.guildId), eq(streakDays.userId, member.userId), ne(streakDays.reason, 'freeze')))
    .orderBy(asc(streakDays.day));
  return rows.map((r) => r.day);
}

export type FixOutcome = { status: 'fixed'; streak: StreakSummary } | { status: 'already'; reason: LedgerDay['reason']; streak: StreakSummary };

/**
 * A moderator counts a day for a member (e.g. the bot was down, or the member was travelling): a
 * `fix` day in the ledger, the figures recomputed, and a moderator log entry, in one transaction.
 * A day a freeze covered becomes a fix (the freeze goes back); a day that already counted is left alone.
 */
export async function fixStreakDay(
  db: Db | Tx,
  input: MemberKey & { day: string; actorId: string; reason: string; at: Date },
): Promise<FixOutcome> {
  const member = { guildId: input.guildId, userId: input.userId };
  return inTransaction(db, async (tx) => {
    const { before, rules } = await lockMember(tx, member, input.at);
    const [existing] = await tx
      .select({ reason: streakDays.reason })
      .from(streakDays)
      .where(and(eq(streakDays.guildId, member.guildId), eq(streakDays.userId, member.userId), eq(streakDays.day, input.day)));
    if (existing && existing.reason !== 'freeze') return { status: 'already', reason: existing.reason, streak: before };
    await tx
      .insert(streakDays)
      .values({ ...member, day: input.day, reason: 'fix', actorId: input.actorId, note: input.reason, createdAt: input.at })
      .onConflictDoUpdate({
        target: [streakDays.guildId, streakDays.userId, streakDays.day],
        set: { reason: 'fix', actorId: input.actorId, note: input.reason, createdAt: input.at },
      });
    const streak = await recompute(tx, member, rules, input.at);
    await logModeratorAction(tx, {
      guildId: member.guildId,
      actorId: input.actorId,
      action: 'streak.fix',
      targetUserId: member.userId,
      reason: input.reason,
      details: { day: input.day, before, after: streak },
      at: input.at,
    });
    return { status: 'fixed', streak };
  });
}

export interface StreakDetails {
  today: string;
  zone: string;
  view: StreakView;
  /** The member's ledger from the day before `daysBack` days ago on, oldest first (what the statuses explain). */
  ledger: LedgerDay[];
  /** Why each day from `from` to today counted or not. */
  statuses: Map<string, DayStatus | 'today'>;
}

/**
 * Everything /streak shows: figures as of the member's today and the explained days since `daysBack`
 * ago. Two queries at once: the day rules with the stored figures, and the recent ledger. The ledger
 * window is wide enough whatever the zone: a member's today is at most two days before the UTC day
 * (a zone 12 hours behind and a 23 o'clock rollover), and the statuses look one day further back.
 */
export async function streakDetails(db: Tx, member: MemberKey, now: Date, daysBack: number): Promise<StreakDetails> {
  const from = addDays(now.toISOString().slice(0, 10), -daysBack - 3);
  const [[row], rows] = await Promise.all([
    db
      .select({ current: memberStreaks.current, longest: memberStreaks.longest, freezes: memberStreaks.freezes, lastDay: memberStreaks.lastDay, ...FOLLOW_COLUMNS, ...RULE_COLUMNS })
      .from(sql`(select 1) as "one"`)
      .leftJoin(guildSettings, guildOf(member))
      .leftJoin(memberSettings, memberSettingsOf(member))
      .leftJoin(memberStreaks, streakOf(member)),
    db
      .select({ day: streakDays.day, reason: streakDays.reason, actorId: streakDays.actorId, note: streakDays.note })
      .from(streakDays)
      .where(and(eq(streakDays.guildId, member.guildId), eq(streakDays.userId, member.userId), gte(streakDays.day, from)))
      .orderBy(asc(streakDays.day)),
  ]);
  const rules = dayRulesOf(member.guildId, row);
  const { zone } = rules;
  const today = countingDay(now, rules, { lastDay: row?.lastDay ?? null, follows: followsOf(row) }).day;
  const summary: StreakSummary = { current: row?.current ?? 0, longest: row?.longest ?? 0, freezes: row?.freezes ?? 0, lastDay: row?.lastDay ?? null };
  const view = viewAt(summary, today);
  const statuses = explainDays(new Map(rows.map((r) => [r.day, r.reason])), view, dayRange(addDays(today, -daysBack), today), today);
  return { today, zone, view, ledger: rows, statuses };
}

/** A member's streak as of an instant, worked out by the same rules as /streak (countingDay, viewAt). */
export interface MemberStreakState extends MemberKey {
  rules: MemberDayRules;
  /** The rule the last counted day followed (countingDay's `follows`). */
  follows: DayRule | null;
  /** The stored figures (as of the last counted day). */
  summary: StreakSummary;
  /** The member's day at the instant asked about. */
  today: string;
  /** The figures as of `today`. */
  view: StreakView;
}

/** The member's streak day at `at`, from a state read earlier (countingDay with the same rules). */
export function streakDayAt(state: Pick<MemberStreakState, 'rules' | 'follows' | 'summary'>, at: Date): string {
  return countingDay(at, state.rules, { lastDay: state.summary.lastDay, follows: state.follows }).day;
}

export interface StreakStateFilter {
  /** Only these members of the server. */
  userIds?: readonly string[];
  /** Only figures of a running streak (stored current > 0). */
  running?: boolean;
  /** Only members whose last counted day is on or after this day. */
  lastDayFrom?: string;
  /** Only members whose last counted day is before this day. */
  lastDayBefore?: string;
}

/**
 * Many members' streaks as of `at`, in one query over member_streaks (its index by server and last
 * day serves the day ranges), with the day rules of each (their zone, the server's rollover hour and
 * freeze cap): the same rules as memberToday and streakDetails, for many members at once.
 */
export async function memberStreakStates(db: Tx, guildId: string, at: Date, filter: StreakStateFilter = {}): Promise<MemberStreakState[]> {
  if (filter.userIds && filter.userIds.length === 0) return [];
  const conditions: SQL[] = [eq(memberStreaks.guildId, guildId)];
  if (filter.userIds) conditions.push(inArray(memberStreaks.userId, [...filter.userIds]));
  if (filter.running) conditions.push(sql`${memberStreaks.current} > 0`);
  if (filter.lastDayFrom !== undefined) conditions.push(sql`${memberStreaks.lastDay} >= ${filter.lastDayFrom}::date`);
  if (filter.lastDayBefore !== undefined) conditions.push(sql`${memberStreaks.lastDay} < ${filter.lastDayBefore}::date`);
  const rows = await db
    .select({
      userId: memberStreaks.userId,
      current: memberStreaks.current,
      longest: memberStreaks.longest,
      freezes: memberStreaks.freezes,
      lastDay: memberStreaks.lastDay,
      ...FOLLOW_COLUMNS,
      ...RULE_COLUMNS,
    })
    .from(memberStreaks)
    .leftJoin(guildSettings, eq(guildSettings.guildId, memberStreaks.guildId))
    .leftJoin(memberSettings, and(eq(memberSettings.guildId, memberStreaks.guildId), eq(memberSettings.userId, memberStreaks.userId)))
    .where(and(...conditions));
  return rows.map((row) => {
    const rules = dayRulesOf(guildId, row);
    const follows = followsOf(row);
    const summary: StreakSummary = { current: row.current, longest: row.longest, freezes: row.freezes, lastDay: row.lastDay };
    const today = countingDay(at, rules, { lastDay: row.lastDay, follows }).day;
    return { guildId, userId: row.userId, rules, follows, summary, today, view: viewAt(summary, today) };
  });
}
