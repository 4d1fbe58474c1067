/**
 * Calendar days as 'YYYY-MM-DD' strings, and the member-local day of an instant.
 * Local times come from Intl only (the runtime's tz database): no hand-made offsets, so DST,
 * half-hour zones and half-hour DST shifts (Australia/Lord_Howe) are all handled by the runtime.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** `MM/DD/YYYY, HH:MM:SS`, what the en-US formatter above writes for years 1000-9999. */
const EN_US = /^(\d{2})\/(\d{2})\/(\d{4}), (\d{2}):(\d{2}):(\d{2})$/;

/** The wall-clock date and time of an instant in a zone. */
export function wallClock(instant: Date, zone: string): { day: string; hour: number; minute: number; second: number } {
  const f = formatter(zone);
  // format() and a match cost half of formatToParts (a check-in asks twice); anything else it
  // writes (another year range, another ICU) takes the parts.
  const m = EN_US.exec(f.format(instant));
  if (m) return { day: `${m[3]}-${m[1]}-${m[2]}`, hour: Number(m[4]) % 24, minute: Number(m[5]), second: Number(m[6]) };
  const parts = f.formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const year = get('year').padStart(4, '0');
  return { day: `${year}-${get('month')}-${get('day')}`, hour: Number(get('hour')) % 24, minute: Number(get('minute')), second: Number(get('second')) };
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms (as Intl reports it). */
function offsetMs(instant: number, zone: string, wall = wallClock(new Date(instant), zone)): number {
  return toUtcMs(wall.day) + ((wall.hour * 60 + wall.minute) * 60 + wall.second) * 1000 - Math.floor(instant / 1000) * 1000;
}

/** The UTC offset of `zone` at `instant`, in whole minutes (from Intl through `wallClock`). */
export function utcOffsetMinutes(zone: string, instant: Date): number {
  return Math.round(offsetMs(instant.getTime(), zone) / 60_000);
}

function wallDay(instant: number, zone: string, rolloverHour: number, wall = wallClock(new Date(instant), zone)): string {
  return wall.hour < rolloverHour ? addDays(wall.day, -1) : wall.day;
}

/** Clock changes move wall clocks by at most 2 hours (Antarctica/Troll); look back a little more. */
const CLOCK_BACK_WINDOW = 3 * 3_600_000;

/**
 * The member-local day an instant belongs to. Before `rolloverHour` (wall clock) it still counts
 * for the day before, so a 01:30 check-in counts for yesterday with the default rollover of 4.
 *
 * When the clocks go back, an hour of wall-clock time repeats; if the day boundary falls inside
 * it, the wall clock would say "yesterday" again for a while. A day never ends twice: once a day
 * has begun it stays begun, so the local day never goes backwards.
 */
export function localDay(instant: Date, zone: string, rolloverHour = 0): string {
  const t = instant.getTime();
  const wall = wallClock(instant, zone);
  const day = wallDay(t, zone, rolloverHour, wall);
  let lo = t - CLOCK_BACK_WINDOW;
  let hi = t;
  const before = offsetMs(lo, zone);
  if (before <= offsetMs(hi, zone, wall)) return day;
  // The clocks went back within the window: find the last instant before the change (to the second).
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(mid, zone) === before) lo = mid;
    else hi = mid;
  }
  const beforeChange = wallDay(lo, zone, rolloverHour);
  return beforeChange > day ? beforeChange : day;
}

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses a 'YYYY-MM-DD' day; undefined unless it is a real calendar date. */
export function parseDay(value: string): string | undefined {
  const match = DAY_PATTERN.exec(value.trim());
  if (!match) return undefined;
  const [, y, m, d] = match;
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  if (date.getUTCFullYear() !== Number(y) || date.getUTCMonth() !== Number(m) - 1 || date.getUTCDate() !== Number(d)) return undefined;
  return formatUtcDay(date);
}

function toUtcMs(day: string): number {
  const match = DAY_PATTERN.exec(day);
  if (!match) throw new Error(`not a day: ${day}`);
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}

/** 'YYYY-MM-DD' of a UTC date (by hand: toISOString builds the whole timestamp, and views call this thousands of times). */
function formatUtcDay(date: Date): string {
  const y = date.getUTCFullYear();
  if (y < 1000 || y > 9999) return date.toISOString().slice(0, 10);
  const m = date.getUTCMonth() + 1;
  const d = date.getUTCDate();
  return `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

export function addDays(day: string, n: number): string {
  return formatUtcDay(new Date(toUtcMs(day) + n * DAY_MS));
}

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: string, b: string): number {
  return Math.round((toUtcMs(b) - toUtcMs(a)) / DAY_MS);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(day: string): number {
  return new Date(toUtcMs(day)).getUTCDay();
}

/** Every day from `from` to `to`, both included (empty when to < from). */
export function dayRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** The wall-clock reading in `zone` at `instant`, expressed as milliseconds "as if it were UTC". */
function wallMs(instant: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const { year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  const wall = new Date(0);
  wall.setUTCFullYear(year, month - 1, day);
  wall.setUTCHours(hour % 24, minute, second, 0);
  return wall.getTime() + (instant - Math.floor(instant / 1000) * 1000);
}

/** The local date in `zone` at `instant`. */
export function localDateOf(instant: Date, zone: string): string {
  return new Date(wallMs(instant.getTime(), zone)).toISOString().slice(0, 10);
}

/**
 * The instant at which the local wall clock in `zone` first reads `date` `hour:minute`.
 * When that reading does not exist (a spring-forward gap), the instant the clocks jump over it,
 * i.e. the first instant after the gap; when it exists twice (fall back), the earlier one.
 */
export function zonedInstant(date: string, zone: string, hour = 0, minute = 0): Date {
  const target = Date.parse(`${date}T00:00:00Z`) + hour * HOUR_MS + minute * 60_000;
  const offsets = new Set([-DAY_MS, 0, DAY_MS].map((d) => wallMs(target + d, zone) - (target + d)));
  const exact = [...offsets].map((o) => target - o).filter((t) => wallMs(t, zone) === target);
  if (exact.length > 0) return new Date(Math.min(...exact));

  // A gap: find the transition between an instant before it (wall < target) and after it.
  const candidates = [...offsets].map((o) => target - o);
  let lo = Math.min(...candidates);
  let hi = Math.max(...candidates);
  if (!(wallMs(lo, zone) < target && wallMs(hi, zone) > target)) {
    lo = target - 2 * DAY_MS;
    hi = target + 2 * DAY_MS;
  }
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (mid <= lo || mid >= hi) break;
    if (wallMs(mid, zone) < target) lo = mid;
    else hi = mid;
  }
  return new Date(hi);
}

/** The first instant of local day `date` in `zone` (local midnight, or when the day really begins). */
export function startOfLocalDay(date: string, zone: string): Date {
  return zonedInstant(date, zone, 0, 0);
}
