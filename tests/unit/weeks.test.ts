import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, localDateOf, startOfLocalDay, weekday, zonedInstant } from '../../src/domain/dates.js';
import { localDateTimeOf } from '../support/local-time.js';
import {
  calendarWeek,
  competitionSlug,
  duePosts,
  formatInZone,
  formatTimeLeft,
  lessThanHalfLeft,
  nextInRotation,
  parseDeadline,
  parseKaggleLink,
  remindersToCome,
  weekOf,
  weekSchedule,
  type PostKind,
} from '../../src/domain/weeks.js';

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/Sao_Paulo', // DST switched at midnight until 2019
  'America/New_York',
  'Australia/Lord_Howe', // 30-minute DST shift
  'Asia/Kolkata',
  'Pacific/Chatham',
  'America/Santiago', // DST switch at midnight
  'Asia/Kathmandu',
] as const;

const zone = fc.constantFrom(...ZONES);
// 2010–2035, which covers the old Sao Paulo midnight switches and many DST transitions.
const instant = fc.integer({ min: Date.UTC(2010, 0, 1), max: Date.UTC(2035, 0, 1) }).map((ms) => new Date(ms));
const weekStartDay = fc.integer({ min: 0, max: 6 });
const HOUR = 3_600_000;

describe('local calendar', () => {
  it('the start of a local day reads as that date and the instant before it reads as an earlier date', () => {
    fc.assert(
      fc.property(instant, zone, (at, z) => {
        const date = localDateOf(at, z);
        const start = startOfLocalDay(date, z);
        expect(localDateOf(start, z)).toBe(date);
        expect(localDateOf(new Date(start.getTime() - 1000), z) < date).toBe(true);
        expect(start.getTime()).toBeLessThanOrEqual(at.getTime());
      }),
      { numRuns: 300 },
    );
  });

  it('zonedInstant reads back as the asked wall time, except inside a DST gap where it lands right after the jump', () => {
    fc.assert(
      fc.property(instant, zone, fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), (at, z, h, m) => {
        const date = localDateOf(at, z);
        const wanted = `${date}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
        const got = zonedInstant(date, z, h, m);
        const reads = localDateTimeOf(got, z);
        if (reads !== wanted) {
          // A gap: one second earlier the wall clock is still before the wanted time.
          expect(reads > wanted).toBe(true);
          expect(localDateTimeOf(new Date(got.getTime() - 1000), z) < wanted).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('handles the known switches: Berlin spring-forward gap and fall-back repeat, Sao Paulo midnight gap', () => {
    expect(zonedInstant('2026-03-29', 'Europe/Berlin', 2, 30).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(zonedInstant('2026-10-25', 'Europe/Berlin', 2, 30).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(startOfLocalDay('2018-11-04', 'America/Sao_Paulo').toISOString()).toBe('2018-11-04T03:00:00.000Z');
  });
});

describe('weeks', () => {
  it('a week starts on the configured weekday, contains the instant, and lasts 7 local days', () => {
    fc.assert(
      fc.property(instant, zone, weekStartDay, (at, z, day) => {
        const week = weekOf(at, z, day);
        expect(weekday(week.weekStart)).toBe(day);
        expect(week.startsAt.getTime()).toBeLessThanOrEqual(at.getTime());
        expect(week.endsAt.getTime()).toBeGreaterThan(at.getTime());
        expect(localDateOf(week.startsAt, z)).toBe(week.weekStart);
        expect(localDateOf(week.endsAt, z)).toBe(addDays(week.weekStart, 7));
        // 7 days, give or take the DST shifts of that week (at most a few hours).
        const length = week.endsAt.getTime() - week.startsAt.getTime();
        expect(Math.abs(length - 7 * 24 * HOUR)).toBeLessThanOrEqual(3 * HOUR);
      }),
      { numRuns: 300 },
    );
  });

  it('consecutive weeks tile time: the deadline of one week is the start of the next', () => {
    fc.assert(
      fc.property(instant, zone, weekStartDay, (at, z, day) => {
        const week = weekOf(at, z, day);
        const next = weekOf(week.endsAt, z, day);
        expect(next.weekStart).toBe(addDays(week.weekStart, 7));
        expect(next.startsAt.getTime()).toBe(week.endsAt.getTime());
        expect(weekOf(new Date(week.endsAt.getTime() - 1), z, day).weekStart).toBe(week.weekStart);
      }),
      { numRuns: 300 },
    );
  });

  it('a Berlin week across the spring switch is 167 hours long, ends at local midnight', () => {
    const week = calendarWeek('2026-03-23', 'Europe/Berlin');
    expect(week.startsAt.toISOString()).toBe('2026-03-22T23:00:00.000Z');
    expect(week.endsAt.toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect((week.endsAt.getTime() - week.startsAt.getTime()) / HOUR).toBe(167);
  });

  it('schedule: announce at start < midweek at local noon < 24 h reminder exactly 24 h before the deadline < recap', () => {
    fc.assert(
      fc.property(instant, zone, weekStartDay, (at, z, day) => {
        const week = weekOf(at, z, day);
        const s = weekSchedule(week, z);
        expect(s.announceAt.getTime()).toBe(week.startsAt.getTime());
        expect(s.finalAt!.getTime()).toBe(week.endsAt.getTime() - 24 * HOUR);
        expect(s.midweekAt).toBeDefined();
        expect(s.midweekAt!.getTime()).toBeGreaterThan(s.announceAt.getTime());
        expect(s.midweekAt!.getTime()).toBeLessThan(s.finalAt!.getTime());
        expect(localDateOf(s.midweekAt!, z)).toBe(addDays(week.weekStart, 3));
        expect(localDateTimeOf(s.midweekAt!, z).slice(11)).toBe('12:00');
        expect(s.recapAt.getTime()).toBe(week.endsAt.getTime());
      }),
      { numRuns: 200 },
    );
  });

  it('runs of any length keep the posts in order; short runs drop the reminders that would not fit', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 60 * 24 * 40 }), zone, (start, minutes, z) => {
        const run = { startsAt: start, endsAt: new Date(start.getTime() + minutes * 60_000) };
        const s = weekSchedule(run, z);
        const times = [s.announceAt, s.midweekAt, s.finalAt, s.recapAt].filter((d): d is Date => d !== undefined).map((d) => d.getTime());
        expect([...times].sort((a, b) => a - b)).toEqual(times);
        expect(new Set(times).size).toBe(times.length);
        if (minutes <= 24 * 60) expect(s.finalAt).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});

describe('due posts (catch-up)', () => {
  it('each post becomes due at its time, once past it stays due, and the recap is always posted', () => {
    fc.assert(
      fc.property(instant, zone, weekStartDay, fc.integer({ min: -2 * 24, max: 9 * 24 }), (at, z, day, hours) => {
        const week = weekOf(at, z, day);
        const run = { ...week, closedAt: null };
        const s = weekSchedule(run, z);
        const now = new Date(week.startsAt.getTime() + hours * HOUR);
        // Announced on time.
        const due = duePosts(run, z, now, s.announceAt);
        const kinds = due.map((d) => d.kind);
        expect(kinds.includes('challenge_announce')).toBe(now >= s.announceAt);
        expect(kinds.includes('challenge_midweek')).toBe(now >= s.midweekAt!);
        expect(kinds.includes('challenge_final')).toBe(now >= s.finalAt!);
        expect(kinds.includes('challenge_recap')).toBe(now >= week.endsAt);
        for (const d of due) {
          if (d.kind === 'challenge_recap') expect(d.action).toBe('post');
          // Nothing but the recap is posted after the deadline.
          if (now >= week.endsAt && d.kind !== 'challenge_recap') expect(d.action).toBe('skip');
        }
        const midweek = due.find((d) => d.kind === 'challenge_midweek');
        if (midweek) expect(midweek.action).toBe(now < s.finalAt! ? 'post' : 'skip');
      }),
      { numRuns: 300 },
    );
  });

  it('a run closed early is recapped at the close and its later reminders are skipped', () => {
    const week = calendarWeek('2026-03-23', 'Europe/Berlin');
    const closedAt = new Date('2026-03-24T10:00:00Z');
    const due = duePosts({ ...week, closedAt }, 'Europe/Berlin', new Date('2026-03-28T23:00:00Z'));
    expect(due).toEqual([
      { kind: 'challenge_announce', action: 'skip' },
      { kind: 'challenge_midweek', action: 'skip' },
      { kind: 'challenge_final', action: 'skip' },
      { kind: 'challenge_recap', action: 'post' },
    ]);
  });
});

describe('the first run of a server (set up at any instant, in any zone, on any week start)', () => {
  /**
   * The challenge job's decisions, minute by minute where something is due: the set-up instant
   * decides the first run (this week when at least half of it is left, else next week's; "start now"
   * starts one at the set-up instant), the announcement goes out at the first tick, and each
   * reminder at its due time. Returns what was posted when.
   */
  function simulate(run: { startsAt: Date; endsAt: Date; closedAt: null }, z: string, firstTick: Date) {
    const s = weekSchedule(run, z);
    const ticks = [firstTick, s.midweekAt, s.finalAt, run.endsAt]
      .filter((t): t is Date => t !== undefined && t.getTime() >= firstTick.getTime())
      .sort((a, b) => a.getTime() - b.getTime());
    const settled = new Set<PostKind>();
    const posted: { kind: PostKind; at: Date }[] = [];
    let announcedAt: Date | undefined;
    for (const tick of ticks) {
      for (const d of duePosts(run, z, tick, announcedAt)) {
        if (settled.has(d.kind)) continue;
        settled.add(d.kind);
        if (d.action !== 'post') continue;
        posted.push({ kind: d.kind, at: tick });
        if (d.kind === 'challenge_announce') announcedAt = tick;
      }
    }
    return { posted, announcedAt };
  }

  it('no reminder goes out with or before the announcement, and a member joining at any time is promised exactly the reminders that follow', () => {
    fc.assert(
      fc.property(instant, zone, weekStartDay, fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true }), (setUpAt, z, day, startNow, joinShare) => {
        const week = weekOf(setUpAt, z, day);
        const late = lessThanHalfLeft(week, setUpAt);
        const run = late
          ? startNow
            ? { startsAt: setUpAt, endsAt: week.endsAt, closedAt: null }
            : { ...calendarWeek(addDays(week.weekStart, 7), z), closedAt: null }
          : { ...week, closedAt: null };
        if (run.endsAt.getTime() <= run.startsAt.getTime()) return;
        const firstTick = new Date(Math.max(setUpAt.getTime(), run.startsAt.getTime()));
        const { posted, announcedAt } = simulate(run, z, firstTick);
        expect(posted[0]?.kind).toBe('challenge_announce');
        const reminders = posted.filter((p) => p.kind === 'challenge_midweek' || p.kind === 'challenge_final');
        for (const r of reminders) expect(r.at.getTime()).toBeGreaterThan(announcedAt!.getTime());
        // An automatic first run has at least half a week ahead of it when announced: both reminders.
        if (!startNow || !late) expect(reminders.map((r) => r.kind)).toEqual(['challenge_midweek', 'challenge_final']);
        // A member joins somewhere between the announcement and the deadline.
        const joinAt = new Date(announcedAt!.getTime() + joinShare * (run.endsAt.getTime() - announcedAt!.getTime() - 1));
        const promised = remindersToCome(run, z, joinAt, { announcedAt: announcedAt! });
        expect(promised.map((p) => p.kind)).toEqual(reminders.filter((r) => r.at.getTime() > joinAt.getTime()).map((r) => r.kind));
      }),
      { numRuns: 400 },
    );
  });

  it('the reported run: a Monday week set up on Sunday morning is announced next Monday, not with a “24 hours left” reminder', () => {
    const setUpAt = new Date('2026-03-08T08:00:00Z');
    const week = weekOf(setUpAt, 'UTC', 1);
    expect(lessThanHalfLeft(week, setUpAt)).toBe(true);
    // Had this week run anyway, announced now: the reminders due before are skipped, not posted with it.
    expect(duePosts({ ...week, closedAt: null }, 'UTC', setUpAt)).toEqual([
      { kind: 'challenge_announce', action: 'post' },
      { kind: 'challenge_midweek', action: 'skip' },
      { kind: 'challenge_final', action: 'skip' },
    ]);
    // Announced on time, the 24-hour reminder caught up late still goes out (saying the real time left).
    expect(duePosts({ ...week, closedAt: null }, 'UTC', setUpAt, week.startsAt).find((d) => d.kind === 'challenge_final')).toEqual({ kind: 'challenge_final', action: 'post' });
  });

  it('time left reads as a person counts it', () => {
    expect(formatTimeLeft(24 * HOUR)).toBe('24 hours');
    expect(formatTimeLeft(24 * HOUR - 30_000)).toBe('24 hours');
    expect(formatTimeLeft(16 * HOUR)).toBe('16 hours');
    expect(formatTimeLeft(84 * HOUR)).toBe('3 days 12 hours');
    expect(formatTimeLeft(48 * HOUR)).toBe('2 days');
    expect(formatTimeLeft(90 * 60_000)).toBe('90 minutes');
    expect(formatTimeLeft(60_000)).toBe('1 minute');
  });
});

describe('deadlines typed by moderators', () => {
  it('a date means the end of that local day; a date-time is that local time', () => {
    fc.assert(
      fc.property(instant, zone, fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), (at, z, h, m) => {
        const date = localDateOf(at, z);
        const endOfDay = parseDeadline(date, z)!;
        expect(localDateOf(endOfDay, z)).toBe(addDays(date, 1));
        expect(endOfDay.getTime()).toBe(startOfLocalDay(addDays(date, 1), z).getTime());
        const time = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
        expect(parseDeadline(`${date} ${time}`, z)!.getTime()).toBe(zonedInstant(date, z, h, m).getTime());
        expect(parseDeadline(`${date}T${time}`, z)!.getTime()).toBe(zonedInstant(date, z, h, m).getTime());
      }),
      { numRuns: 200 },
    );
  });

  it('refuses anything else', () => {
    for (const bad of ['tomorrow', '2026-02-30', '2026-13-01', '2026-03-01 24:00', '2026-03-01 12:60', '03/01/2026', '']) {
      expect(parseDeadline(bad, 'Europe/Berlin')).toBeUndefined();
    }
  });
});

describe('rotation', () => {
  const ids = fc.uniqueArray(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 1, maxLength: 15 });

  it('from an empty history, every challenge runs once before any repeats, in every cycle', () => {
    fc.assert(
      fc.property(ids, fc.integer({ min: 1, max: 4 }), (list, cycles) => {
        const history: string[] = [];
        for (let i = 0; i < list.length * cycles; i += 1) history.push(nextInRotation(list, history)!);
        for (let c = 0; c < cycles; c += 1) {
          expect(new Set(history.slice(c * list.length, (c + 1) * list.length)).size).toBe(list.length);
        }
      }),
    );
  });

  it('with moderator picks and removed content in the history: picks a least-used challenge, never the one that just ran', () => {
    fc.assert(
      fc.property(ids, fc.array(fc.stringMatching(/^[a-z]{1,6}$/), { maxLength: 40 }), (list, history) => {
        const pick = nextInRotation(list, history)!;
        expect(list).toContain(pick);
        if (list.length > 1) expect(pick).not.toBe(history.at(-1));
        const uses = (id: string) => history.filter((h) => h === id).length;
        const eligible = list.length > 1 ? list.filter((id) => id !== history.at(-1)) : list;
        expect(uses(pick)).toBe(Math.min(...eligible.map(uses)));
      }),
    );
  });

  it('no content, no pick', () => {
    expect(nextInRotation([], ['a'])).toBeUndefined();
  });
});

describe('submission links', () => {
  it('accepts Kaggle https links and normalises the host', () => {
    expect(parseKaggleLink('https://www.kaggle.com/code/alice/titanic-rf')).toBe('https://www.kaggle.com/code/alice/titanic-rf');
    expect(parseKaggleLink(' https://kaggle.com/competitions/titanic/leaderboard#me ')).toBe('https://www.kaggle.com/competitions/titanic/leaderboard');
  });

  it('refuses anything that is not an https Kaggle page', () => {
    for (const bad of [
      'http://www.kaggle.com/code/x',
      'https://www.kaggle.com.evil.example/code/x',
      'https://evil.example/?https://www.kaggle.com/',
      'https://user:pw@www.kaggle.com/x',
      'https://www.kaggle.com:8443/x',
      'javascript:alert(1)',
      'www.kaggle.com/code/x',
      `https://www.kaggle.com/${'a'.repeat(600)}`,
    ]) {
      expect(parseKaggleLink(bad)).toBeUndefined();
    }
  });

  it('any accepted link is an https URL on www.kaggle.com', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        const parsed = parseKaggleLink(url);
        if (parsed !== undefined) {
          const u = new URL(parsed);
          expect(u.protocol).toBe('https:');
          expect(u.hostname).toBe('www.kaggle.com');
        }
      }),
    );
  });
});

describe('formatInZone', () => {
  it('shows the deadline in the reader’s zone', () => {
    const deadline = new Date('2026-03-29T22:00:00Z');
    expect(formatInZone(deadline, 'Europe/Berlin')).toContain('Monday, 30 March 2026');
    expect(formatInZone(deadline, 'Europe/Berlin')).toContain('00:00');
    expect(formatInZone(deadline, 'America/Sao_Paulo')).toContain('Sunday, 29 March 2026');
    expect(formatInZone(deadline, 'America/Sao_Paulo')).toContain('19:00');
  });
});

describe('competitionSlug', () => {
  it('reads the competition of a Kaggle link, and nothing from other links', () => {
    expect(competitionSlug('https://www.kaggle.com/competitions/titanic')).toBe('titanic');
    expect(competitionSlug('https://www.kaggle.com/competitions/Titanic/submissions?x=1')).toBe('titanic');
    expect(competitionSlug('https://www.kaggle.com/c/digit-recognizer')).toBe('digit-recognizer');
    expect(competitionSlug('https://www.kaggle.com/code/alice/titanic-notebook')).toBeUndefined();
    expect(competitionSlug('https://www.kaggle.com/competitions')).toBeUndefined();
    expect(competitionSlug('not a url')).toBeUndefined();
  });
});
