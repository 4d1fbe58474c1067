/**
 * Test oracle: the local date and time `YYYY-MM-DDTHH:MM` in `zone` at `instant`, read straight
 * from Intl (independently of src/domain/dates.ts, whose instants the tests check with it).
 */
export function localDateTimeOf(instant: Date, zone: string): string {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  const part = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day}T${part.hour}:${part.minute}`;
}
