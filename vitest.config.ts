import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Timeouts only catch hangs: tests wait for conditions, never for time, and a loaded 2-core
    // machine can take minutes over a spawned bot's start-up, so the limits are generous.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Database-backed files each own one database; two workers keep the 2-core machine busy without thrashing.
    maxWorkers: 2,
    // The fake Discord's 3 s and 15 min deadlines run on a clock that stands still while the test
    // process cannot run (src/sim/running-clock.ts): no test depends on the machine's speed.
    env: { FAKE_DISCORD_CLOCK: 'running' },
  },
});
