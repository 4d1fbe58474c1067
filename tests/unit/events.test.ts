import { describe, expect, it } from 'vitest';
import { attendance, currentOccurrence, endedOccurrences, instantsAt, occurrence, occurrencesBetween, parseWhen, type EventSchedule } from '../../src/domain/events.js';

const NOW = new Date('2026-03-10T12:00:00Z');
const weekly: EventSchedule = { timezone: 'Europe/Berlin', firstDay: '2026-03-24', localTime: '18:00', baseOccurrence: 0, durationMinutes: 90, weekly: true };

describe('parseWhen', () => {
  it('reads YYYY-MM-DD HH:MM in the zone', () => {
    expect(parseWhen('2026-03-12 18:30', 'Europe/Berlin', NOW)).toEqual({ ok: true, day: '2026-03-12', time: '18:30', start: new Date('2026-03-12T17:30:00Z') });
    expect(parseWhen('2026-03-12T09:05', 'America/New_York', NOW)).toMatchObject({ ok: true, start: new Date('2026-03-12T13:05:00Z') });
  });
  it('refuses what is not a time, the past, the skipped and the doubled hour of a DST change', () => {
    expect(parseWhen('tomorrow', 'UTC', NOW)).toMatchObject({ ok: false, problem: expect.stringContaining('YYYY-MM-DD HH:MM') });
    expect(parseWhen('2026-02-30 10:00', 'UTC', NOW)).toMatchObject({ ok: false });
    expect(parseWhen('2026-03-10 24:00', 'UTC', NOW)).toMatchObject({ ok: false });
    expect(parseWhen('2026-03-10 12:00', 'UTC', NOW)).toMatchObject({ ok: false, problem: expect.stringContaining('already passed') });
    expect(parseWhen('2026-03-29 02:30', 'Europe/Berlin', NOW)).toMatchObject({ ok: false, problem: expect.stringContaining('skip') });
    expect(parseWhen('2026-10-25 02:30', 'Europe/Berlin', NOW)).toMatchObject({ ok: false, problem: expect.stringContaining('twice') });
    expect(parseWhen('2026-03-08 02:30', 'America/New_York', new Date('2026-03-01T00:00:00Z'))).toMatchObject({ ok: false, problem: expect.stringContaining('skip') });
    expect(parseWhen('2027-06-01 10:00', 'UTC', NOW)).toMatchObject({ ok: false, problem: expect.stringContaining('within a year') });
  });
  it('finds one instant for a plain time, none in a gap, two in an overlap (also in a half-hour zone)', () => {
    expect(instantsAt('2026-03-29', 3, 0, 'Europe/Berlin')).toHaveLength(1);
    expect(instantsAt('2026-03-29', 2, 0, 'Europe/Berlin')).toHaveLength(0);
    expect(instantsAt('2026-10-25', 2, 0, 'Europe/Berlin').map((d) => d.toISOString())).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z']);
    expect(instantsAt('2026-04-05', 1, 45, 'Australia/Lord_Howe')).toHaveLength(2); // clocks go back half an hour at 02:00
  });
});

describe('occurrences', () => {
  it('a weekly event keeps its local time across DST', () => {
    expect([0, 1, 2].map((k) => occurrence(weekly, k).start.toISOString())).toEqual(['2026-03-24T17:00:00.000Z', '2026-03-31T16:00:00.000Z', '2026-04-07T16:00:00.000Z']);
    expect(occurrence(weekly, 1).end.toISOString()).toBe('2026-03-31T17:30:00.000Z');
  });
  it('the current one is on now or next; ended ones newest first; a one-off has none after it ends', () => {
    expect(currentOccurrence(weekly, NOW)?.index).toBe(0);
    expect(currentOccurrence(weekly, new Date('2026-03-24T18:29:00Z'))?.index).toBe(0);
    expect(currentOccurrence(weekly, new Date('2026-03-24T18:30:00Z'))?.index).toBe(1);
    expect(currentOccurrence(weekly, new Date('2026-06-01T00:00:00Z'))?.start.toISOString()).toBe('2026-06-02T16:00:00.000Z');
    expect(endedOccurrences(weekly, new Date('2026-04-08T00:00:00Z'), 5).map((o) => o.index)).toEqual([2, 1, 0]);
    const once = { ...weekly, weekly: false };
    expect(currentOccurrence(once, new Date('2026-03-25T00:00:00Z'))).toBeUndefined();
    expect(endedOccurrences(once, new Date('2026-03-25T00:00:00Z'), 5).map((o) => o.index)).toEqual([0]);
    expect(occurrencesBetween(once, NOW, new Date('2026-12-01T00:00:00Z'))).toHaveLength(1);
  });
  it('an edit rebases: occurrence k counts from the base', () => {
    const moved = { ...weekly, firstDay: '2026-04-01', localTime: '19:00', baseOccurrence: 1 };
    expect(occurrence(moved, 1).start.toISOString()).toBe('2026-04-01T17:00:00.000Z');
    expect(currentOccurrence(moved, new Date('2026-03-26T00:00:00Z'))?.index).toBe(1);
    expect(occurrencesBetween(moved, NOW, new Date('2026-04-20T00:00:00Z')).map((o) => o.index)).toEqual([1, 2, 3]);
  });
});

describe('attendance', () => {
  const session = { start: new Date('2026-03-12T17:30:00Z'), end: new Date('2026-03-12T18:30:00Z') };
  const at = (t: string) => new Date(`2026-03-12T${t}:00Z`);
  it('counts minutes inside the session, overlaps once, an open session until now; 10 minutes or more attend', () => {
    const rows = attendance(
      [
        { userId: 'a', startedAt: at('17:20'), endedAt: at('17:45') }, // 15 inside
        { userId: 'b', startedAt: at('17:40'), endedAt: at('17:47') }, // 7
        { userId: 'b', startedAt: at('17:45'), endedAt: at('17:50') }, // overlaps: 10 in all
        { userId: 'c', startedAt: at('18:25'), endedAt: null }, // open: 5 by the end
        { userId: 'd', startedAt: at('16:00'), endedAt: at('17:30') }, // before it
      ],
      session,
      at('18:40'),
    );
    expect(rows).toEqual([
      { userId: 'a', minutes: 15 },
      { userId: 'b', minutes: 10 },
    ]);
  });
});
