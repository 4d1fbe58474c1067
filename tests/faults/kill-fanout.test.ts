import { describe, expect, it } from 'vitest';
import { runFanOutFault } from '../support/fanout-faults.js';

/** A small seeded random source, so that a failing run can be repeated (FAULT_SEED=…). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('the bot killed during a prompt fan-out', () => {
  it('killed three times at random moments, then restarted: every post exactly once, each with its thread, every claim completed', { timeout: 600_000 }, async () => {
    const seed = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000);
    const result = await runFanOutFault({ servers: 40, kills: 3, random: seeded(seed) });
    const figures = { seed, ...result, logs: undefined };
    expect(result.kills.length, JSON.stringify(figures)).toBeGreaterThan(0);
    expect({ duplicated: result.duplicated, missing: result.missing, withoutThread: result.withoutThread, unfinishedClaims: result.unfinishedClaims }, `${JSON.stringify(figures)}\n${result.logs.slice(-4000)}`).toEqual({
      duplicated: 0,
      missing: 0,
      withoutThread: 0,
      unfinishedClaims: 0,
    });
    expect(result.posts).toBe(40);
  });
});
