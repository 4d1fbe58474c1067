import pMap from 'p-map';
import type { Config } from '../config.js';
import type { OutboundBudget } from '../discord/pacing.js';

/**
 * The scaffolding the scheduled jobs share (prompts, digests, pods, challenges): their options, the
 * rule for when a claim is settled or dead, the catch-up window after downtime, and the loop that
 * does each item's work a few at a time within the app's outbound budget.
 */

export interface FanOutJobOptions {
  /** Who claims: this process's id (scheduler.owner). */
  owner: string;
  /** The app's one outbound budget: every Discord call of the job's work waits for a slot. */
  budget: OutboundBudget;
  /** Items (servers, members) worked on at the same time; the job has its own default. */
  concurrency?: number;
  /** A claim not settled within this time is dead (its process crashed) and is taken over; the job has its own default. */
  staleAfterMs?: number;
}

/** The columns of a claim row (scheduled_posts, digest_sends) that say whether it is done. */
export interface ClaimState {
  status: string;
  claimedBy: string | null;
  claimedAt: Date;
}

/**
 * Whether a claim is held by a live process: it has an owner (a released claim has none) and is
 * not older than `staleAfterMs`. The same boundary as `claim()`'s takeover in db/queries/claims.ts:
 * a claim exactly `staleAfterMs` old is still live.
 */
export function claimIsLive(row: Pick<ClaimState, 'claimedBy' | 'claimedAt'>, now: Date, staleAfterMs: number): boolean {
  return row.claimedBy !== null && now.getTime() - row.claimedAt.getTime() <= staleAfterMs;
}

/**
 * Whether a row needs no claim attempt, the way `claim()` decides: settled (posted, sent, skipped;
 * failed unless its claim is older than `retryFailedBefore`, e.g. the setup changed since) or held
 * by a live claim. A job asks this of many rows in one query and claims only the rest; /setup asks
 * it to tell which post comes next.
 */
export function isSettled(row: ClaimState, now: Date, staleAfterMs: number, retryFailedBefore?: Date): boolean {
  if (row.status === 'claimed') return claimIsLive(row, now, staleAfterMs);
  if (row.status === 'failed') return !retryFailedBefore || row.claimedAt.getTime() >= retryFailedBefore.getTime();
  return true;
}

/** How long after its time a missed post (the bot was down) is still made: CATCHUP_HOURS. */
export function catchupWindowMs(config: Pick<Config, 'CATCHUP_HOURS'>): number {
  return config.CATCHUP_HOURS * 3_600_000;
}

export interface FanOutLoop<T> {
  concurrency: number;
  /** The scheduler's: once it aborts, items not started yet are left for the next run; started ones finish. */
  signal: AbortSignal;
  budget: OutboundBudget;
  /** An item whose work threw: counted and logged by the job; the other items go on. */
  onError(error: unknown, item: T): void;
}

/**
 * Does `each` for every item, `concurrency` at a time, in order of the list, every Discord call
 * within the budget. Resolves when all started items are done.
 */
export async function fanOut<T>(items: Iterable<T>, loop: FanOutLoop<T>, each: (item: T) => Promise<void>): Promise<void> {
  await loop.budget.paced(() =>
    pMap(
      items,
      async (item) => {
        if (loop.signal.aborted) return;
        try {
          await each(item);
        } catch (error) {
          loop.onError(error, item);
        }
      },
      { concurrency: loop.concurrency },
    ),
  );
}
