import { describe, expect, it } from 'vitest';
import { runningClock } from '../../../src/sim/running-clock.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runningClock', () => {
  it('leaves out a stretch in which the event loop could not run, and keeps time while it waits', async () => {
    const clock = runningClock();
    try {
      await wait(30);
      const before = clock.now();
      const wallBefore = performance.now();
      const blockedUntil = performance.now() + 400;
      while (performance.now() < blockedUntil) {
        // the process cannot run its timers: a loaded machine, or synchronous work
      }
      await wait(30);
      const ran = clock.now() - before;
      const wall = performance.now() - wallBefore;
      expect(wall).toBeGreaterThanOrEqual(430);
      // The 400 ms block is left out (all but one tick of it); the waiting is counted.
      expect(ran).toBeLessThan(wall - 300);
      expect(ran).toBeGreaterThanOrEqual(0);
    } finally {
      clock.stop();
    }
  });

  it('never runs backwards', async () => {
    const clock = runningClock();
    try {
      let last = clock.now();
      for (let i = 0; i < 20; i++) {
        const block = performance.now() + (i % 3) * 15;
        while (performance.now() < block) {
          // uneven stalls
        }
        await wait(i % 4);
        const now = clock.now();
        expect(now).toBeGreaterThanOrEqual(last);
        last = now;
      }
    } finally {
      clock.stop();
    }
  });
});
