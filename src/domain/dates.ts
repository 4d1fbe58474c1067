/**
 * Calendar days as 'YYYY-MM-DD' strings, and the member-local day of an instant.
 * Local times come from Intl only (the runtime's tz database): no hand-made offsets, so DST,
 * half-hour zones and half-hour DST shifts (Australia/Lord_Howe) are all handled by the runtime.
 */

const DAY_MS = 86_400_000;
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
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall-clock date and hour of an instant in a zone. */
export function wallClock(instant: Date, zone: string): { day: string; hour: number } {
  const parts = formatter(zone).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const year = get('year').padStart(4, '0');
  return { day: `${year}-${get('month')}-${get('day')}`, hour: Number(get('hour')) % 24 };
}

/**
 * The member-local day an instant belongs to. Before `rolloverHour` (wall clock) it still counts
 * for the day before, so a 01:30 check-in counts for yesterday with the default rollover of 4.
 */
export function localDay(instant: Date, zone: string, rolloverHour = 0): string {
  const { day, hour } = wallClock(instant, zone);
  return hour < rolloverHour ? addDays(day, -1) : day;
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

function formatUtcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
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
