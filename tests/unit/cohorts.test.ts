import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, weekday } from '../../src/domain/dates.js';
import {
  assignChallenges,
  earnsCertificate,
  firstDeadlineDay,
  normaliseCode,
  paceOf,
  parseCertificateRule,
  parseExplicitPlan,
  parseStart,
  planUnits,
  selectSteps,
  unitDoneAt,
  verificationCode,
  weeksAtPace,
  type CohortCalendar,
} from '../../src/domain/cohorts.js';
import type { Track } from '../../src/content/schema.js';
import { localWallClockOf } from '../support/local-time.js';

const ZONES = ['UTC', 'Europe/Berlin', 'America/Sao_Paulo', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham', 'America/Santiago', 'Asia/Kathmandu'];
const DAY = 86_400_000;

const day = fc.integer({ min: Date.UTC(2010, 0, 1), max: Date.UTC(2035, 0, 1) }).map((ms) => new Date(ms).toISOString().slice(0, 10));
const calendar = fc.record({
  zone: fc.constantFrom(...ZONES),
  startDay: day,
  openHour: fc.integer({ min: 0, max: 23 }),
  openMinute: fc.integer({ min: 0, max: 59 }),
  deadlineWeekday: fc.integer({ min: 0, max: 6 }),
  deadlineHour: fc.integer({ min: 0, max: 23 }),
  deadlineMinute: fc.integer({ min: 0, max: 59 }),
});
const steps = fc.uniqueArray(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 1, maxLength: 60 });

const wall = (h: number, m: number) => h * 60 + m;

describe('the plan and its deadlines (property)', () => {
  it('every step is in exactly one week, deadlines strictly increase, each is the chosen local weekday and time', () => {
    fc.assert(
      fc.property(steps, fc.integer({ min: 1, max: 8 }), calendar, (ids, pace, cal: CohortCalendar) => {
        const weeks = weeksAtPace(ids, pace);
        const units = planUnits(weeks, cal);
        // Every step in exactly one week, in order, no week empty, none over the pace.
        expect(units.flatMap((u) => u.stepIds)).toEqual(ids);
        for (const u of units) expect(u.stepIds.length).toBeGreaterThan(0);
        for (const u of units) expect(u.stepIds.length).toBeLessThanOrEqual(pace);
        expect(units.length).toBe(Math.ceil(ids.length / pace));
        for (const [i, u] of units.entries()) {
          const read = localWallClockOf(u.deadline, cal.zone);
          expect(weekday(read.day)).toBe(cal.deadlineWeekday);
          if (wall(read.hour, read.minute) !== wall(cal.deadlineHour, cal.deadlineMinute)) {
            // Only inside a DST gap: the chosen time does not exist that day; the deadline is the
            // instant the clocks jump over it, and a second earlier reads before the chosen time.
            const before = localWallClockOf(new Date(u.deadline.getTime() - 1000), cal.zone);
            expect(wall(read.hour, read.minute)).toBeGreaterThan(wall(cal.deadlineHour, cal.deadlineMinute));
            expect(before.day < read.day || wall(before.hour, before.minute) < wall(cal.deadlineHour, cal.deadlineMinute)).toBe(true);
          } else expect(read.second).toBe(0);
          if (i > 0) expect(u.deadline.getTime()).toBeGreaterThan(units[i - 1]!.deadline.getTime());
          // Each unit opens before it is due, and the reminder falls inside the unit.
          expect(u.opensAt.getTime()).toBeLessThan(u.deadline.getTime());
          if (u.reminderAt) {
            expect(u.reminderAt.getTime()).toBe(u.deadline.getTime() - DAY);
            expect(u.reminderAt.getTime()).toBeGreaterThan(u.opensAt.getTime());
          }
        }
        // The first week lasts six to twelve local days.
        const first = firstDeadlineDay(cal.startDay, cal.deadlineWeekday);
        expect(first >= addDays(cal.startDay, 6) && first <= addDays(cal.startDay, 12)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('an explicit plan reads back as written; bad ones are refused with a sentence', () => {
    fc.assert(
      fc.property(fc.array(steps, { minLength: 1, maxLength: 6 }), (weeks) => {
        const unique = [...new Set(weeks.flat())];
        const plan = weeksAtPace(unique, 3);
        const text = plan.map((w) => w.join(', ')).join(' | ');
        expect(parseExplicitPlan(text, () => true)).toEqual(plan);
      }),
    );
    expect(parseExplicitPlan('a, b | | c', () => true)).toBe('Week 2 of the plan has no steps.');
    expect(parseExplicitPlan('a | a', () => true)).toContain('twice');
    expect(parseExplicitPlan('a | zz', (id) => id === 'a')).toContain('zz is not a roadmap step');
    expect(parseExplicitPlan('  ', () => true)).toContain('empty');
    expect(parseExplicitPlan('a\nb;c', () => true)).toEqual([['a'], ['b'], ['c']]);
  });
});

describe('known deadlines', () => {
  it('Monday 23:59 Berlin across the switch to summer time', () => {
    const units = planUnits([['a'], ['b'], ['c']], {
      zone: 'Europe/Berlin',
      startDay: '2026-03-16',
      openHour: 9,
      openMinute: 0,
      deadlineWeekday: 1,
      deadlineHour: 23,
      deadlineMinute: 59,
    });
    expect(units.map((u) => u.deadline.toISOString())).toEqual(['2026-03-23T22:59:00.000Z', '2026-03-30T21:59:00.000Z', '2026-04-06T21:59:00.000Z']);
    expect(units.map((u) => u.opensAt.toISOString())).toEqual(['2026-03-16T08:00:00.000Z', '2026-03-23T08:00:00.000Z', '2026-03-30T07:00:00.000Z']);
    expect(units[1]!.reminderAt!.toISOString()).toBe('2026-03-29T21:59:00.000Z'); // 24 real hours, not a local day
  });

  it('a deadline inside the spring-forward gap is the first instant after it', () => {
    const [unit] = planUnits([['a']], { zone: 'Europe/Berlin', startDay: '2026-03-23', openHour: 9, openMinute: 0, deadlineWeekday: 0, deadlineHour: 2, deadlineMinute: 30 });
    expect(unit!.deadline.toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });
});

describe('units done, pace and certificates', () => {
  const cal: CohortCalendar = { zone: 'UTC', startDay: '2026-01-05', openHour: 9, openMinute: 0, deadlineWeekday: 1, deadlineHour: 23, deadlineMinute: 59 };
  const units = planUnits([['a', 'b'], ['c'], ['d'], ['e']], cal, [undefined, 'ch', undefined, undefined]);

  it('a unit is done when its last step is, or when its challenge was submitted, whichever first', () => {
    const at = (iso: string) => new Date(iso);
    expect(unitDoneAt(units[0]!, new Map([['a', at('2026-01-06T00:00:00Z')]]))).toBeUndefined();
    expect(unitDoneAt(units[0]!, new Map([['a', at('2026-01-06T00:00:00Z')], ['b', at('2026-01-07T00:00:00Z')]]))?.toISOString()).toBe('2026-01-07T00:00:00.000Z');
    expect(unitDoneAt(units[1]!, new Map(), at('2026-01-15T00:00:00Z'))?.toISOString()).toBe('2026-01-15T00:00:00.000Z');
    expect(unitDoneAt(units[0]!, new Map(), at('2026-01-15T00:00:00Z'))).toBeUndefined(); // unit 1 has no challenge
  });

  it('pace: not started, on pace, ahead, behind by N', () => {
    expect(paceOf(units, new Set(), new Date('2026-01-05T08:59:00Z'))).toEqual({ kind: 'not-started' });
    expect(paceOf(units, new Set(), new Date('2026-01-05T09:00:00Z'))).toEqual({ kind: 'on-pace' });
    expect(paceOf(units, new Set([1, 2, 3]), new Date('2026-01-06T09:00:00Z'))).toEqual({ kind: 'ahead', by: 2 });
    expect(paceOf(units, new Set(), new Date('2026-01-19T23:59:00Z'))).toEqual({ kind: 'behind', by: 2 });
    expect(paceOf(units, new Set([1, 2]), new Date('2026-01-19T23:59:00Z'))).toEqual({ kind: 'on-pace' });
  });

  it('certificate: all units, or N% on time; late counts only when accepted', () => {
    const late = [
      { week: 1, onTime: true },
      { week: 2, onTime: true },
      { week: 3, onTime: true },
      { week: 4, onTime: false },
    ];
    expect(earnsCertificate(4, late, { kind: 'all' }, 'accept')).toBe(true);
    expect(earnsCertificate(4, late, { kind: 'all' }, 'separate')).toBe(false);
    expect(earnsCertificate(4, late, { kind: 'percent', percent: 75 }, 'separate')).toBe(true);
    expect(earnsCertificate(4, late.slice(0, 2), { kind: 'percent', percent: 75 }, 'accept')).toBe(false);
    expect(parseCertificateRule('80%')).toEqual({ kind: 'percent', percent: 80 });
    expect(parseCertificateRule(null)).toEqual({ kind: 'all' });
    expect(parseCertificateRule('0')).toBeUndefined();
    expect(parseCertificateRule('lots')).toBeUndefined();
  });
});

describe('inputs', () => {
  const track = {
    id: 't',
    title: 'T',
    summary: 's',
    steps: [{ id: 'a' }, { id: 'b', optional: true }, { id: 'c' }],
    branches: [{ id: 'br', title: 'Br', summary: 's', after: 'c', steps: [{ id: 'd' }] }],
  } as unknown as Track;

  it('selects the core, a branch, or an explicit list', () => {
    expect(selectSteps(track, {})).toEqual(['a', 'c']);
    expect(selectSteps(track, { branchId: 'br' })).toEqual(['a', 'c', 'd']);
    expect(selectSteps(track, { stepIds: ['d', 'b'] })).toEqual(['d', 'b']);
    expect(selectSteps(track, { stepIds: ['x'] })).toContain('x is not a step');
    expect(selectSteps(track, { branchId: 'zz' })).toContain('no branch called zz');
  });

  it('assigns each challenge to at most one unit', () => {
    const challenges = [
      { id: 'c1', steps: ['a', 'c'] },
      { id: 'c2', steps: ['c'] },
    ];
    expect(assignChallenges([['a'], ['c'], ['c']], challenges)).toEqual(['c1', 'c2', undefined]);
  });

  it('parses a start and reads verification codes forgivingly', () => {
    expect(parseStart('2026-03-02')).toEqual({ day: '2026-03-02', hour: 9, minute: 0 });
    expect(parseStart('2026-03-02 18:30')).toEqual({ day: '2026-03-02', hour: 18, minute: 30 });
    expect(parseStart('2026-02-30')).toBeUndefined();
    const code = verificationCode(new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 31]));
    expect(code).toBe('01234-5678Z');
    expect(normaliseCode(' o1234 5678z ')).toBe(code);
    expect(normaliseCode('nope')).toBeUndefined();
  });
});
