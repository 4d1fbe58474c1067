import { describe, expect, it } from 'vitest';
import { isValidTimeZone, parseTimeOfDay, searchTimeZones } from '../../src/domain/timezones.js';

describe('time zones', () => {
  it('finds zones by city, with modern names', () => {
    expect(searchTimeZones('kolk')).toContain('Asia/Kolkata');
    expect(searchTimeZones('kyiv')).toContain('Europe/Kyiv');
    expect(searchTimeZones('new york')).toContain('America/New_York');
    expect(searchTimeZones('berlin')[0]).toBe('Europe/Berlin');
    expect(searchTimeZones('')).toContain('UTC');
    expect(searchTimeZones('a').length).toBeLessThanOrEqual(25);
  });

  it('accepts IANA zones and rejects made-up ones', () => {
    for (const zone of ['UTC', 'Asia/Kolkata', 'Europe/Kyiv', 'America/Sao_Paulo']) expect(isValidTimeZone(zone)).toBe(true);
    for (const zone of ['', 'Mars/Olympus', 'GMT+25', 'Europe/Berlinn']) expect(isValidTimeZone(zone)).toBe(false);
  });

  it('parses 24-hour times', () => {
    expect(parseTimeOfDay('07:30')).toEqual({ hour: 7, minute: 30 });
    expect(parseTimeOfDay('7:05')).toEqual({ hour: 7, minute: 5 });
    expect(parseTimeOfDay('23:59')).toEqual({ hour: 23, minute: 59 });
    for (const bad of ['24:00', '12:60', '1230', 'noon', '']) expect(parseTimeOfDay(bad)).toBeUndefined();
  });
});
