import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pickNext, rankSteps, usedInCurrentCycle, type RotationItem } from '../../src/domain/rotation.js';
import { addDays, daysBetween, localDateOf } from '../../src/domain/dates.js';
import { localDateTimeOf } from '../support/local-time.js';
import { dueAt, latestOccurrence, nextOccurrence, planDailyPosts, type TimeOfDay } from '../../src/domain/schedule.js';
import { upcomingPrompt } from '../../src/domain/setup.js';
import { zonedInstant } from '../../src/domain/dates.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Zones with DST (northern, southern, 30-minute shift, switch at midnight) and without. */
const ZONES = ['America/New_York', 'Europe/Berlin', 'Europe/London', 'Australia/Sydney', 'Australia/Lord_Howe', 'America/Havana', 'America/Santiago', 'Pacific/Auckland', 'Asia/Kolkata', 'UTC'];

const hhmm = (t: TimeOfDay) => `${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}`;

function utcOffsetMinutes(instant: number, zone: string): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(new Date(instant)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
}

/** UTC dates (YYYY-MM-DD) in [from, to) on which `zone` changes its offset. */
function switchDays(zone: string, from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t < Date.parse(`${to}T00:00:00Z`); t += DAY) {
    if (utcOffsetMinutes(t, zone) !== utcOffsetMinutes(t + DAY, zone)) out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

const switches = ZONES.flatMap((zone) => switchDays(zone, '2025-01-01', '2028-01-01').map((day) => ({ zone, day })));

/** A zone and a local date near one of its DST switches (or a plain date for zones without). */
const zoneAndDateNearSwitch = fc.oneof(
  fc.record({ s: fc.constantFrom(...switches), shift: fc.integer({ min: -1, max: 2 }) }).map(({ s, shift }) => ({ zone: s.zone, date: addDays(s.day, shift) })),
  fc.record({ zone: fc.constantFrom(...ZONES), n: fc.integer({ min: 0, max: 3 * 365 }) }).map(({ zone, n }) => ({ zone, date: addDays('2025-01-01', n) })),
);
/** Times biased to the hours clocks switch at. */
const timeOfDay = fc.record({ hour: fc.oneof(fc.constantFrom(0, 1, 2, 3), fc.integer({ min: 0, max: 23 })), minute: fc.oneof(fc.constantFrom(0, 15, 30, 45, 59), fc.integer({ min: 0, max: 59 })) });

describe('due instant of a local time', () => {
  it('is the first instant the local clock reads that date and time (or later, across a gap)', () => {
    expect(switches.length).toBeGreaterThan(30);
    fc.assert(
      fc.property(zoneAndDateNearSwitch, timeOfDay, ({ zone, date }, time) => {
        const due = dueAt(date, time, zone);
        const target = `${date}T${hhmm(time)}`;
        expect(localDateOf(due, zone)).toBe(date);
        expect(localDateTimeOf(due, zone) >= target).toBe(true);
        // Nothing earlier reads the target yet: the post is never early, and a repeated hour counts once.
        for (let t = due.getTime() - MINUTE; t > due.getTime() - 26 * HOUR; t -= 10 * MINUTE) {
          expect(localDateTimeOf(new Date(t), zone) < target).toBe(true);
        }
        expect(localDateTimeOf(new Date(due.getTime() - 1000), zone) < target).toBe(true);
        // On a normal day it reads exactly the target; only a gap moves it, by at most the gap.
        const reads = localDateTimeOf(due, zone);
        if (reads !== target) expect(Date.parse(`${reads}:00Z`) - Date.parse(`${target}:00Z`)).toBeLessThanOrEqual(HOUR);
      }),
      { numRuns: 200 },
    );
  });

  it('handles the known switches: gaps post at the jump, repeated times at their first occurrence', () => {
    const at = (date: string, time: string, zone: string) => {
      const [hour = 0, minute = 0] = time.split(':').map(Number);
      return dueAt(date, { hour, minute }, zone).toISOString();
    };
    expect(at('2026-03-08', '02:30', 'America/New_York')).toBe('2026-03-08T07:00:00.000Z'); // 02:30 EST does not exist → 03:00 EDT
    expect(at('2026-11-01', '01:30', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT, not EST
    expect(at('2026-03-29', '02:30', 'Europe/Berlin')).toBe('2026-03-29T01:00:00.000Z');
    expect(at('2026-10-25', '02:30', 'Europe/Berlin')).toBe('2026-10-25T00:30:00.000Z');
    expect(at('2026-10-04', '02:15', 'Australia/Lord_Howe')).toBe('2026-10-03T15:30:00.000Z'); // 30-minute gap
    expect(at('2026-03-08', '00:30', 'America/Havana')).toBe('2026-03-08T05:00:00.000Z'); // midnight does not exist
    expect(at('2026-07-01', '18:30', 'Asia/Kolkata')).toBe('2026-07-01T13:00:00.000Z');
  });
});

/** Ticks every `stepMs` from `from` to `to`; returns when each period got posted. */
function simulate(zone: string, time: TimeOfDay, from: number, to: number, stepMs: number, catchupMs = 6 * HOUR): Map<string, number> {
  const posted = new Map<string, number>();
  const recorded = new Set<string>();
  for (let t = from; t <= to; t += stepMs) {
    const now = new Date(t);
    const last = [...recorded].sort().at(-1);
    for (const p of planDailyPosts(now, time, zone, { catchupMs, lastRecorded: last, notBefore: new Date(from) })) {
      if (recorded.has(p.period)) continue; // the claim: a period is settled once
      recorded.add(p.period);
      if (p.action === 'post') posted.set(p.period, t);
    }
  }
  return posted;
}

describe('a minute scheduler over local dates', () => {
  it('posts each local date exactly once, at the first tick at or after its due instant, across DST switches', () => {
    fc.assert(
      fc.property(zoneAndDateNearSwitch, timeOfDay, fc.integer({ min: 0, max: 9 }), ({ zone, date }, time, phase) => {
        const step = 15 * MINUTE;
        const from = dueAt(date, time, zone).getTime() - 2 * HOUR + phase * MINUTE;
        const to = from + 3 * DAY;
        const posted = simulate(zone, time, from, to, step);
        const expected = [0, 1, 2, 3].map((d) => addDays(date, d)).filter((p) => dueAt(p, time, zone).getTime() <= to);
        expect([...posted.keys()].sort()).toEqual(expected);
        for (const [period, t] of posted) {
          const due = dueAt(period, time, zone).getTime();
          expect(t).toBeGreaterThanOrEqual(due);
          expect(t - due).toBeLessThan(step);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('spring forward: 02:30 (which does not exist) posts once, at 03:00', () => {
    const from = Date.parse('2026-03-08T04:00:00Z');
    const posted = simulate('America/New_York', { hour: 2, minute: 30 }, from, from + 6 * HOUR, MINUTE);
    expect([...posted]).toEqual([['2026-03-08', Date.parse('2026-03-08T07:00:00Z')]]);
  });

  it('fall back: 01:30 happens twice but posts once, at the first', () => {
    const from = Date.parse('2026-11-01T04:00:00Z');
    const posted = simulate('America/New_York', { hour: 1, minute: 30 }, from, from + 6 * HOUR, MINUTE);
    expect([...posted]).toEqual([['2026-11-01', Date.parse('2026-11-01T05:30:00Z')]]);
  });
});

describe('prompts set up just before or after their time (first run)', () => {
  it('the first prompt the /setup reply promises is the first the job posts, and it comes right now only when said so', () => {
    fc.assert(
      fc.property(zoneAndDateNearSwitch, timeOfDay, fc.integer({ min: -3 * 60, max: 3 * 60 }), fc.integer({ min: 0, max: 12 }), ({ zone, date }, time, minutesFromTime, catchupHours) => {
        // Set up a few minutes or hours before or after the time (a minute scheduler sees whole minutes).
        const setUpAt = new Date(zonedInstant(date, zone, time.hour, time.minute).getTime() + minutesFromTime * MINUTE);
        const catchupMs = catchupHours * HOUR;
        const promised = upcomingPrompt(setUpAt, time, zone, catchupMs, new Set());
        // The job: the tick right after the set-up, then each due instant.
        let first: { period: string; at: number } | undefined;
        const ticks = [setUpAt];
        for (let i = 0; i < 3; i += 1) ticks.push(nextOccurrence(ticks.at(-1)!, time, zone).dueAt);
        for (const tick of ticks) {
          const post = planDailyPosts(tick, time, zone, { catchupMs, notBefore: setUpAt }).find((p) => p.action === 'post');
          if (post) {
            first = { period: post.period, at: tick.getTime() };
            break;
          }
        }
        expect(first?.period).toBe(promised.period);
        expect(first?.at).toBe(promised.now ? setUpAt.getTime() : promised.dueAt.getTime());
        // Never a prompt for a day whose time came before the set-up by more than the catch-up window.
        expect(setUpAt.getTime() - dueAt(promised.period, time, zone).getTime()).toBeLessThanOrEqual(catchupMs);
      }),
      { numRuns: 500 },
    );
  });
});

describe('catch-up plan', () => {
  const zone = 'Europe/Berlin';
  const time = { hour: 18, minute: 0 };
  const opts = { catchupMs: 6 * HOUR, notBefore: new Date('2026-01-01T00:00:00Z') };

  it('posts today’s missed prompt within the window and skips it after', () => {
    const due = dueAt('2026-03-10', time, zone).getTime();
    expect(planDailyPosts(new Date(due + 3 * HOUR), time, zone, { ...opts, lastRecorded: '2026-03-09' }).map((p) => [p.period, p.action])).toEqual([['2026-03-10', 'post']]);
    expect(planDailyPosts(new Date(due + 7 * HOUR), time, zone, { ...opts, lastRecorded: '2026-03-09' }).map((p) => [p.period, p.action])).toEqual([['2026-03-10', 'skip']]);
  });

  it('after two days down, records the older misses as skipped and posts only the latest', () => {
    const due = dueAt('2026-03-12', time, zone).getTime();
    const plan = planDailyPosts(new Date(due + HOUR), time, zone, { ...opts, lastRecorded: '2026-03-09' });
    expect(plan.map((p) => [p.period, p.action])).toEqual([
      ['2026-03-10', 'skip'],
      ['2026-03-11', 'skip'],
      ['2026-03-12', 'post'],
    ]);
  });

  it('plans consecutive periods after the last recorded one, all due, at most one post and only the latest', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        timeOfDay,
        fc.integer({ min: 0, max: 20 * 24 * 60 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 12 }),
        (zone, t, minutes, recordedDaysAgo, catchupHours) => {
          const now = new Date(Date.parse('2026-03-01T00:00:00Z') + minutes * MINUTE);
          const latest = latestOccurrence(now, t, zone);
          const lastRecorded = addDays(latest.period, -recordedDaysAgo - 1);
          const plan = planDailyPosts(now, t, zone, { catchupMs: catchupHours * HOUR, lastRecorded, notBefore: new Date(0), lookbackDays: 30 });
          expect(plan.map((p) => p.period)).toEqual(Array.from({ length: recordedDaysAgo + 1 }, (_, i) => addDays(lastRecorded, i + 1)));
          for (const p of plan) expect(p.dueAt.getTime()).toBeLessThanOrEqual(now.getTime());
          expect(plan.slice(0, -1).every((p) => p.action === 'skip')).toBe(true);
          expect(plan.at(-1)?.action).toBe(now.getTime() - latest.dueAt.getTime() <= catchupHours * HOUR ? 'post' : 'skip');
          expect(nextOccurrence(now, t, zone).dueAt.getTime()).toBeGreaterThan(now.getTime());
        },
      ),
      { numRuns: 200 },
    );
  });
});

const itemsArb = fc
  .uniqueArray(fc.record({ id: fc.stringMatching(/^[a-z]{1,6}$/), step: fc.constantFrom('a', 'b', 'c', 'd') }), { minLength: 1, maxLength: 25, selector: (i) => i.id })
  .map((items) => items as RotationItem[]);

describe('prompt rotation', () => {
  it('never repeats a prompt until all were used, whatever the preferences', () => {
    fc.assert(
      fc.property(itemsArb, fc.array(fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'z'), { maxLength: 3 }), { minLength: 60, maxLength: 60 }), (items, prefs) => {
        const history: string[] = [];
        for (let day = 0; day < 2 * items.length; day += 1) {
          const next = pickNext(items, history, prefs[day % prefs.length]!, `guild:${day}`);
          expect(next).toBeDefined();
          history.push(next!);
        }
        const ids = items.map((i) => i.id).sort();
        expect(history.slice(0, items.length).sort()).toEqual(ids);
        expect(history.slice(items.length).sort()).toEqual(ids);
      }),
    );
  });

  it('continues a cycle from any history: the used ones wait for the rest', () => {
    fc.assert(
      fc.property(itemsArb, fc.array(fc.string({ maxLength: 6 }), { maxLength: 40 }), (items, noise) => {
        const history = [...noise, ...items.map((i) => i.id).filter((_, k) => k % 2 === 0)];
        const used = usedInCurrentCycle(items, history);
        const picks: string[] = [];
        for (let k = 0; k < items.length - used.size; k += 1) picks.push(pickNext(items, [...history, ...picks], [], `s${k}`)!);
        expect(new Set(picks).size).toBe(picks.length);
        expect(picks.some((id) => used.has(id))).toBe(false);
        expect(new Set([...used, ...picks]).size).toBe(items.length);
      }),
    );
  });

  it('prefers the step most active members are on, while it has unused prompts', () => {
    fc.assert(
      fc.property(itemsArb, fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 12 }), fc.string(), (items, memberSteps, seed) => {
        const ranked = rankSteps(memberSteps, ['a', 'b', 'c', 'd']);
        const counts = ranked.map((s) => memberSteps.filter((m) => m === s).length);
        expect(counts).toEqual([...counts].sort((x, y) => y - x));
        const pick = items.find((i) => i.id === pickNext(items, [], ranked, seed))!;
        const best = ranked.find((s) => items.some((i) => i.step === s));
        if (best) expect(pick.step).toBe(best);
      }),
    );
  });
});

describe('calendar arithmetic', () => {
  it('addDays and daysBetween agree with the Date arithmetic they stand for, over the years Cohort could meet', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9990-12-31T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: -800, max: 800 }), (date, n) => {
        const day = date.toISOString().slice(0, 10);
        const expected = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + n)).toISOString().slice(0, 10);
        expect(addDays(day, n)).toBe(expected);
        expect(daysBetween(day, expected)).toBe(n);
      }),
    );
  });
});
