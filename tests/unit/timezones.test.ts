import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, isValidTimeZone, parseTimeOfDay, searchTimeZones, timeZoneChoices } from '../../src/domain/timezones.js';

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

  it('stores a zone by its canonical name: proper case, current IANA name, UTC for its aliases', () => {
    const cases: Record<string, string> = {
      utc: 'UTC',
      'Etc/UTC': 'UTC',
      GMT: 'UTC',
      'america/new_york': 'America/New_York',
      ' Europe/Berlin ': 'Europe/Berlin',
      'US/Eastern': 'America/New_York',
      'Asia/Calcutta': 'Asia/Kolkata',
      'asia/kolkata': 'Asia/Kolkata',
      'Pacific/Truk': 'Pacific/Chuuk',
      'Pacific/Chuuk': 'Pacific/Chuuk',
      'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
      'America/Argentina/Buenos_Aires': 'America/Argentina/Buenos_Aires',
      'America/Indianapolis': 'America/Indiana/Indianapolis',
      'America/Indiana/Indianapolis': 'America/Indiana/Indianapolis',
      'Africa/Asmera': 'Africa/Asmara',
      'Africa/Asmara': 'Africa/Asmara',
      'Europe/Kiev': 'Europe/Kyiv',
      'Pacific/Samoa': 'Pacific/Pago_Pago',
    };
    for (const [typed, stored] of Object.entries(cases)) expect([typed, canonicalTimeZone(typed)]).toEqual([typed, stored]);
    for (const bad of ['', '  ', 'Mars/Olympus', 'Europe/Berlinn']) expect(canonicalTimeZone(bad)).toBeUndefined();
  });

  it('every zone the runtime lists has one canonical name, a fixed point that search offers', () => {
    for (const name of Intl.supportedValuesOf('timeZone')) {
      const zone = canonicalTimeZone(name);
      expect(zone, name).toBeDefined();
      expect(canonicalTimeZone(zone!), name).toBe(zone);
      expect(searchTimeZones(zone!, 500), name).toContain(zone);
      // No old ICU spelling is ever stored (Node 20 and 24 both return them from Intl).
      expect(['Asia/Calcutta', 'Pacific/Truk', 'Africa/Asmera', 'America/Buenos_Aires', 'America/Indianapolis', 'Europe/Kiev']).not.toContain(zone);
    }
  });

  it('finds zones by their old names, and says so', () => {
    expect(searchTimeZones('chuuk')).toContain('Pacific/Chuuk');
    expect(timeZoneChoices('truk')).toContainEqual({ name: 'Pacific/Chuuk (formerly Pacific/Truk)', value: 'Pacific/Chuuk' });
    for (const typed of ['buenos aires', 'Buenos_Aires', 'argentina/buenos']) expect(searchTimeZones(typed)).toContain('America/Argentina/Buenos_Aires');
    for (const typed of ['indianapolis', 'America/Indianapolis']) expect(searchTimeZones(typed)).toContain('America/Indiana/Indianapolis');
    for (const typed of ['asmara', 'asmera']) expect(searchTimeZones(typed)).toContain('Africa/Asmara');
    expect(searchTimeZones('calcutta')).toEqual(['Asia/Kolkata']);
    // A zone appears once, by its stored name.
    const all = searchTimeZones('a', 1000);
    expect(new Set(all).size).toBe(all.length);
  });

  it('a place typed alone, current or old, in any case, is the one zone that has it; an ambiguous or unknown one is refused', () => {
    const cases: Record<string, string> = { truk: 'Pacific/Chuuk', TRUK: 'Pacific/Chuuk', chuuk: 'Pacific/Chuuk', ' Kolkata ': 'Asia/Kolkata', calcutta: 'Asia/Kolkata', 'new york': 'America/New_York', kiev: 'Europe/Kyiv', indianapolis: 'America/Indiana/Indianapolis' };
    for (const [typed, stored] of Object.entries(cases)) expect([typed, canonicalTimeZone(typed)]).toEqual([typed, stored]);
    for (const bad of ['olympus', 'york', 'pacific', 'Mars/Truk']) expect(canonicalTimeZone(bad)).toBeUndefined();
    // Every place name that finds one zone finds it the way search offers it.
    for (const name of Intl.supportedValuesOf('timeZone')) {
      const place = name.split('/').at(-1)!;
      const found = canonicalTimeZone(place);
      if (found) expect(searchTimeZones(place, 500), place).toContain(found);
    }
  });

  it('parses 24-hour times', () => {
    expect(parseTimeOfDay('07:30')).toEqual({ hour: 7, minute: 30 });
    expect(parseTimeOfDay('7:05')).toEqual({ hour: 7, minute: 5 });
    expect(parseTimeOfDay('23:59')).toEqual({ hour: 23, minute: 59 });
    for (const bad of ['24:00', '12:60', '1230', 'noon', '']) expect(parseTimeOfDay(bad)).toBeUndefined();
  });
});
