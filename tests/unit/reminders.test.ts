import { describe, expect, it } from 'vitest';
import { dueReminder, inactiveFor, nextNudgeAt, NUDGE_EVERY_MS, nudgeRefusal, reminderPeriod, streakDayEnd } from '../../src/domain/reminders.js';

const at = (iso: string) => new Date(iso);
const options = { catchupMs: 6 * 3_600_000, notBefore: at('2026-01-01T00:00:00Z') };

describe('dueReminder', () => {
  const york = { time: { hour: 20, minute: 0 }, zone: 'America/New_York' };

  it('is due at the member’s local time, which moves with DST', () => {
    // 20:00 EST on Saturday 7 March is 01:00 UTC; 20:00 EDT on Sunday 8 March is 00:00 UTC.
    expect(dueReminder(at('2026-03-08T00:59:00Z'), york, options)).toBeUndefined(); // Friday's is 24 h old
    expect(dueReminder(at('2026-03-08T01:00:00Z'), york, options)).toEqual({ period: '2026-03-07', dueAt: at('2026-03-08T01:00:00Z') });
    expect(dueReminder(at('2026-03-08T23:59:00Z'), york, options)).toBeUndefined(); // 19:59 EDT: Saturday's is past the window
    expect(dueReminder(at('2026-03-09T00:00:00Z'), york, options)).toEqual({ period: '2026-03-08', dueAt: at('2026-03-09T00:00:00Z') });
  });

  it('is caught up within the window after downtime, not after, and never before the member’s change', () => {
    expect(dueReminder(at('2026-03-09T06:00:00Z'), york, options)?.period).toBe('2026-03-08');
    expect(dueReminder(at('2026-03-09T06:00:01Z'), york, options)).toBeUndefined();
    expect(dueReminder(at('2026-03-09T00:30:00Z'), york, { ...options, notBefore: at('2026-03-09T00:10:00Z') })).toBeUndefined();
  });
});

describe('streakDayEnd', () => {
  it('is the next rollover hour in the zone, on either side of a DST change', () => {
    expect(streakDayEnd('2026-03-06', { zone: 'America/New_York', rolloverHour: 4 })).toEqual(at('2026-03-07T09:00:00Z'));
    expect(streakDayEnd('2026-03-07', { zone: 'America/New_York', rolloverHour: 4 })).toEqual(at('2026-03-08T08:00:00Z'));
    expect(streakDayEnd('2026-03-07', { zone: 'UTC', rolloverHour: 0 })).toEqual(at('2026-03-08T00:00:00Z'));
  });
});

describe('reminderPeriod', () => {
  it('names the member and the streak day', () => {
    expect(reminderPeriod('123456789012345678', '2026-03-07')).toBe('123456789012345678:2026-03-07');
  });
});

describe('nudges', () => {
  const now = at('2026-03-10T12:00:00Z');
  const optedIn = { enabled: true, dmClosedAt: null, nudgedAt: null };

  it('go only to members who turned reminders on and whose DMs are not known to be closed', () => {
    expect(nudgeRefusal(undefined, now)).toEqual({ kind: 'not-opted-in' });
    expect(nudgeRefusal({ ...optedIn, enabled: false }, now)).toEqual({ kind: 'not-opted-in' });
    expect(nudgeRefusal({ ...optedIn, dmClosedAt: now }, now)).toEqual({ kind: 'dms-closed' });
    expect(nudgeRefusal(optedIn, now)).toBeUndefined();
  });

  it('at most once in seven days', () => {
    const last = at('2026-03-03T12:00:01Z');
    expect(nextNudgeAt(null)).toBeNull();
    expect(nextNudgeAt(last)).toEqual(new Date(last.getTime() + NUDGE_EVERY_MS));
    expect(nudgeRefusal({ ...optedIn, nudgedAt: last }, now)).toEqual({ kind: 'too-soon', nextAt: at('2026-03-10T12:00:01Z') });
    expect(nudgeRefusal({ ...optedIn, nudgedAt: at('2026-03-03T12:00:00Z') }, now)).toBeUndefined();
  });
});

describe('inactiveFor', () => {
  it('counts the full days without a counted day before today', () => {
    expect(inactiveFor('2026-03-02', '2026-03-10', 7)).toBe(true); // 3 … 9 March
    expect(inactiveFor('2026-03-03', '2026-03-10', 7)).toBe(false);
    expect(inactiveFor('2026-03-09', '2026-03-10', 0)).toBe(true);
    expect(inactiveFor('2026-03-10', '2026-03-10', 0)).toBe(false);
    expect(inactiveFor(null, '2026-03-10', 1)).toBe(false);
  });
});
