/**
 * Time zones by their IANA names, checked with the runtime's own tz database (Intl).
 *
 * Intl canonicalises an identifier the way ICU/CLDR does, which keeps some old spellings as the
 * canonical ones (Asia/Calcutta, Pacific/Truk, America/Buenos_Aires …) and lists only those in
 * `Intl.supportedValuesOf('timeZone')`. Cohort stores and offers the current IANA name instead
 * (Asia/Kolkata, Pacific/Chuuk, America/Argentina/Buenos_Aires): ICU's name is mapped through
 * MODERN_NAMES below, so the stored name is the same whatever Node's ICU version does.
 */

/** ICU/CLDR canonical names whose current IANA name differs (every one ICU 74-78 returns; see the test). */
const MODERN_NAMES: Record<string, string> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Coral_Harbour': 'America/Atikokan',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

/**
 * The name a zone is stored and shown by: its current IANA name, in its proper case ("utc" is
 * UTC, "america/new_york" America/New_York, "Asia/Calcutta" Asia/Kolkata, "US/Eastern"
 * America/New_York, Etc/UTC and GMT are UTC). A place name alone, current or old, finds its zone
 * when exactly one zone has it ("truk" and "chuuk" are Pacific/Chuuk, "new york" America/New_York),
 * as autocomplete finds it. Undefined when no zone matches. Every place that accepts a zone from a
 * member or a moderator stores what this returns.
 */
export function canonicalTimeZone(zone: string): string | undefined {
  return runtimeZone(zone) ?? zoneByPlace(zone);
}

/**
 * What runtimeZone found for each identifier asked: building an Intl.DateTimeFormat is the costly
 * part, and the jobs ask for every due server and member each tick. Identifiers typed by members
 * can be anything, so the memo is emptied when it grows past MEMO_LIMIT.
 */
const runtimeZones = new Map<string, string | undefined>();
const MEMO_LIMIT = 2_000;

/** The zone the runtime knows by this identifier, by its current IANA name. */
function runtimeZone(zone: string): string | undefined {
  if (runtimeZones.has(zone)) return runtimeZones.get(zone);
  const found = lookUpRuntimeZone(zone);
  if (runtimeZones.size >= MEMO_LIMIT) runtimeZones.clear();
  runtimeZones.set(zone, found);
  return found;
}

function lookUpRuntimeZone(zone: string): string | undefined {
  const trimmed = zone.trim();
  if (trimmed === '') return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: trimmed }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  // Runtimes that follow ECMA-402's newer rule return the input's case-regularised spelling, not
  // ICU's canonical name; a name with both spellings in the table is mapped either way.
  const name = MODERN_NAMES[resolved] ?? resolved;
  return name === 'Etc/UTC' || name === 'Etc/GMT' ? 'UTC' : name;
}

/** Whether the runtime knows the zone by this identifier (a stored zone always passes). */
export function isValidTimeZone(zone: string): boolean {
  return runtimeZone(zone) !== undefined;
}

/** The one zone whose name, or an older name of it, ends with this place ("truk" → Pacific/Chuuk); undefined when none or several do. */
function zoneByPlace(typed: string): string | undefined {
  const place = typed.trim().toLowerCase().replace(/\s+/g, '_');
  if (!place || place.includes('/')) return undefined;
  const found = new Set(ZONES.filter((entry) => entry.lower.some((name) => name.split('/').at(-1) === place)).map((entry) => entry.zone));
  return found.size === 1 ? [...found][0] : undefined;
}

interface ZoneEntry {
  /** The stored name. */
  zone: string;
  /** Names it is found by, the stored one first, then older spellings. */
  names: string[];
  /** The same, lower-case. */
  lower: string[];
}

/**
 * Every zone, with the old spellings that find it. `supportedValuesOf` lists canonical names
 * already (ICU's), so only the table maps them: no formatter is built for each zone at start-up.
 */
const ZONES: readonly ZoneEntry[] = (() => {
  const byZone = new Map<string, string[]>();
  const add = (name: string, zone: string) => {
    const names = byZone.get(zone);
    if (!names) byZone.set(zone, [zone, ...(name === zone ? [] : [name])]);
    else if (!names.includes(name)) names.push(name);
  };
  add('UTC', 'UTC');
  for (const name of Intl.supportedValuesOf('timeZone')) add(name, MODERN_NAMES[name] ?? name);
  for (const [old, modern] of Object.entries(MODERN_NAMES)) add(old, modern);
  return [...byZone].map(([zone, names]) => ({ zone, names, lower: names.map((n) => n.toLowerCase()) }));
})();

const POPULAR = ['UTC', 'Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'Asia/Kolkata', 'Asia/Tokyo', 'Australia/Sydney'];

export interface TimeZoneChoice {
  /** What the member reads: the zone, and the old name they typed when that is what matched. */
  name: string;
  /** The stored name. */
  value: string;
}

/**
 * Up to `limit` zones matching what the member typed (case-insensitive; "new york" finds
 * America/New_York, "truk" and "chuuk" find Pacific/Chuuk), those whose name or a part of it
 * starts with it first.
 */
export function timeZoneChoices(query: string, limit = 25): TimeZoneChoice[] {
  const q = query.trim().toLowerCase().replace(/\s+/g, '_');
  if (!q) return POPULAR.slice(0, limit).map((zone) => ({ name: zone, value: zone }));
  const starts = (name: string) => name.startsWith(q) || name.split('/').some((part) => part.startsWith(q));
  const ranked: { entry: ZoneEntry; rank: number; via: number }[] = [];
  for (const entry of ZONES) {
    // The stored name wins over an old spelling, and a match at the start of a part over one inside.
    const byStart = starts(entry.lower[0]!) ? 0 : entry.lower.findIndex(starts);
    const via = byStart >= 0 ? byStart : entry.lower[0]!.includes(q) ? 0 : entry.lower.findIndex((n) => n.includes(q));
    if (via >= 0) ranked.push({ entry, rank: byStart >= 0 ? 0 : 1, via });
  }
  ranked.sort((a, b) => a.rank - b.rank);
  return ranked.slice(0, limit).map(({ entry, via }) => ({ name: via === 0 ? entry.zone : `${entry.zone} (formerly ${entry.names[via]})`, value: entry.zone }));
}

/** The stored names of timeZoneChoices. */
export function searchTimeZones(query: string, limit = 25): string[] {
  return timeZoneChoices(query, limit).map((choice) => choice.value);
}

/** Parses "HH:MM" (24-hour). */
export function parseTimeOfDay(value: string): { hour: number; minute: number } | undefined {
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(value.trim());
  if (!match) return undefined;
  return { hour: Number(match[1]), minute: Number(match[2]) };
}
