/**
 * Test oracle: the local date and time in `zone` at `instant`, read straight from Intl's parts
 * (independently of src/domain/dates.ts, whose instants and wall clocks the tests check with it).
 */
export function localWallClockOf(instant: Date, zone: string): { day: string; hour: number; minute: number; second: number } {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const part = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  return { day: `${part.year!.padStart(4, '0')}-${part.month}-${part.day}`, hour: Number(part.hour) % 24, minute: Number(part.minute), second: Number(part.second) };
}

/** `YYYY-MM-DDTHH:MM` in `zone` at `instant` (localWallClockOf). */
export function localDateTimeOf(instant: Date, zone: string): string {
  const { day, hour, minute } = localWallClockOf(instant, zone);
  return `${day}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}
