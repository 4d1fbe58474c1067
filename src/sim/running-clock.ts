/**
 * A monotonic clock (ms) that stands still while this process cannot run: a loaded machine that
 * starves it, or a long synchronous stretch that blocks its event loop. It measures how late a
 * short timer fires and leaves that lateness out.
 *
 * The test suite runs the fake Discord's deadlines on it (FAKE_DISCORD_CLOCK=running, set in
 * vitest.config.ts): the bot and the fake share one process there, so on a busy 2-core machine a
 * first answer the bot sent at its 2 s deferral could reach the fake "4 s" after the interaction
 * only because neither could run. The 3 s rule still holds for everything the bot waits on (the
 * database, Discord's answers, its own timers); tests of the rule itself move a clock by hand.
 * The console and the benchmarks keep the real clock.
 */
export interface RunningClock {
  now: () => number;
  stop: () => void;
}

const TICK_MS = 10;

export function runningClock(): RunningClock {
  let stalled = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    stalled += Math.max(0, now - last - TICK_MS);
    last = now;
  }, TICK_MS);
  timer.unref();
  return {
    // A stall still under way (the timer has not run since) is left out too.
    now: () => {
      const now = performance.now();
      return now - stalled - Math.max(0, now - last - TICK_MS);
    },
    stop: () => clearInterval(timer),
  };
}
