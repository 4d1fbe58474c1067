import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RESTOptions } from 'discord.js';

type MakeRequest = RESTOptions['makeRequest'];

/**
 * Pacing of the scheduled jobs' Discord REST calls, so that a fan-out (10,000 digests, prompts to
 * every server) stays under Discord's global limit (50 requests per second per bot) instead of
 * running into it: discord.js retries a 429, but every 429 counts toward Cloudflare's ban on
 * invalid requests (10,000 per 10 minutes), and discord.js's own global limiter counts in fixed
 * windows, which lets bursts over a sliding second through.
 */

/** Hands out slots for requests; `take` resolves when the next request may go. A tiny interface, so another limiter can stand in. */
export interface Pacer {
  take(): Promise<void>;
}

/** Real time for the pacer: a monotonic clock in ms and a way to wait (tests pass a fake one). */
export interface PacerTimer {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realTimer: PacerTimer = { now: () => performance.now(), sleep: (ms) => sleep(ms) };

/**
 * At most `limit` slots in any window of `windowMs` (a sliding window, like Discord's), handed out
 * first come, first served. Unlike a fixed window it never lets 2 × limit through around a window's edge.
 */
export function slidingWindowPacer(options: { limit: number; windowMs?: number; timer?: PacerTimer }): Pacer {
  const { limit } = options;
  const windowMs = options.windowMs ?? 1000;
  const timer = options.timer ?? realTimer;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a pacer needs a whole number of slots above 0, got ${limit}`);
  /** When the last `limit` slots were handed out, oldest first. */
  const granted: number[] = [];
  let queue: Promise<void> = Promise.resolve();

  async function next(): Promise<void> {
    for (;;) {
      const now = timer.now();
      while (granted.length > 0 && granted[0]! <= now - windowMs) granted.shift();
      if (granted.length < limit) {
        granted.push(now);
        return;
      }
      await timer.sleep(granted[0]! + windowMs - now);
    }
  }

  return {
    take() {
      const turn = queue.then(next);
      queue = turn.catch(() => {}); // a failed wait must not block the ones behind it
      return turn;
    },
  };
}

/**
 * One outbound budget per app, shared by the scheduled sends: work run through `paced` waits for a
 * slot before each Discord REST call it makes, counted per call as it goes out (a digest to a
 * member whose DM channel is cached is one call, otherwise two; a retried 429 is one more), because
 * the app's REST transport is wrapped with `transport`. Everything else (interaction replies, a
 * moderator's command) goes at once: the budget is set below Discord's limit to leave it room.
 */
export interface OutboundBudget {
  paced<T>(work: () => Promise<T>): Promise<T>;
  transport(inner: MakeRequest): MakeRequest;
}

export function createOutboundBudget(pacer: Pacer): OutboundBudget {
  // Per budget, not per module: two apps in one process (tests, the benchmarks) each have their own.
  const scope = new AsyncLocalStorage<true>();
  return {
    paced: (work) => scope.run(true, work),
    transport: (inner) => async (url, init) => {
      if (scope.getStore()) await pacer.take();
      return inner(url, init);
    },
  };
}
