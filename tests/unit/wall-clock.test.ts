import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wallClock } from '../../src/domain/dates.js';
import { localWallClockOf } from '../support/local-time.js';

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Antarctica/Troll', 'Pacific/Kiritimati', 'Pacific/Pago_Pago'];

describe('wallClock', () => {
  it('reads the same date and time as Intl’s parts (the tests’ oracle), in any zone, across centuries and around midnight', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0100-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), fc.constantFrom(...ZONES), (instant, zone) => {
        expect(wallClock(instant, zone)).toEqual(localWallClockOf(instant, zone));
      }),
      { numRuns: 2000 },
    );
  });

  it('midnight is hour 0, not 24', () => {
    expect(wallClock(new Date('2026-03-02T00:00:00Z'), 'UTC')).toEqual({ day: '2026-03-02', hour: 0, minute: 0, second: 0 });
    expect(wallClock(new Date('2026-03-01T23:00:00Z'), 'Europe/Berlin')).toEqual({ day: '2026-03-02', hour: 0, minute: 0, second: 0 });
  });
});
