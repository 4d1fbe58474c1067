import { describe, expect, it } from 'vitest';
import { createOutboundBudget } from '../../src/discord/pacing.js';
import { catchupWindowMs, claimIsLive, fanOut, isSettled } from '../../src/jobs/fan-out.js';

const STALE = 5 * 60_000;
const now = new Date('2026-03-02T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const row = (status: string, claimedAgoMs: number, claimedBy: string | null = 'host:1:abc') => ({ status, claimedBy, claimedAt: ago(claimedAgoMs) });

describe('claimIsLive', () => {
  it('is live while owned and not older than the stale time; exactly at it still live, like claim()', () => {
    expect(claimIsLive(row('claimed', 0), now, STALE)).toBe(true);
    expect(claimIsLive(row('claimed', STALE), now, STALE)).toBe(true);
    expect(claimIsLive(row('claimed', STALE + 1), now, STALE)).toBe(false);
  });

  it('is dead once released (no owner), however recent', () => {
    expect(claimIsLive(row('claimed', 0, null), now, STALE)).toBe(false);
  });
});

describe('isSettled', () => {
  it('posted, sent and skipped rows are settled, however old', () => {
    for (const status of ['posted', 'sent', 'skipped']) expect(isSettled(row(status, 100 * STALE), now, STALE)).toBe(true);
  });

  it('a claimed row is settled only while its claim is live', () => {
    expect(isSettled(row('claimed', 1000), now, STALE)).toBe(true);
    expect(isSettled(row('claimed', STALE + 1), now, STALE)).toBe(false); // its process died: retried
    expect(isSettled(row('claimed', 1000, null), now, STALE)).toBe(false); // released after a transient error
  });

  it('a failed row stays settled unless its claim is older than retryFailedBefore (the setup changed since)', () => {
    const failed = row('failed', 60_000);
    expect(isSettled(failed, now, STALE)).toBe(true); // e.g. digests and pod check-ins: never retried
    expect(isSettled(failed, now, STALE, ago(120_000))).toBe(true); // settings changed before the failure
    expect(isSettled(failed, now, STALE, ago(60_000))).toBe(true); // at the same instant: not older
    expect(isSettled(failed, now, STALE, ago(30_000))).toBe(false); // settings changed after it: retried
  });
});

describe('catchupWindowMs', () => {
  it('is CATCHUP_HOURS in ms', () => {
    expect(catchupWindowMs({ CATCHUP_HOURS: 6 })).toBe(6 * 3_600_000);
    expect(catchupWindowMs({ CATCHUP_HOURS: 0.5 })).toBe(1_800_000);
  });
});

describe('fanOut', () => {
  const unpaced = createOutboundBudget({ take: () => Promise.resolve() });

  it('works on at most `concurrency` items at once, every item once, and an item that throws does not stop the rest', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    const failed: number[] = [];
    const loop = { concurrency: 3, signal: new AbortController().signal, budget: unpaced, onError: (_error: unknown, item: number) => void failed.push(item) };
    await fanOut([1, 2, 3, 4, 5, 6, 7, 8], loop, async (item) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => setImmediate(resolve));
      running -= 1;
      if (item % 4 === 0) throw new Error(`item ${item}`);
      done.push(item);
    });
    expect(most).toBe(3);
    expect(done.sort()).toEqual([1, 2, 3, 5, 6, 7]);
    expect(failed.sort()).toEqual([4, 8]);
  });

  it('starts no item after the signal aborts; the ones started finish', async () => {
    const abort = new AbortController();
    const finished: number[] = [];
    const loop = { concurrency: 2, signal: abort.signal, budget: unpaced, onError: () => {} };
    await fanOut([1, 2, 3, 4, 5], loop, async (item) => {
      if (item === 2) abort.abort();
      await new Promise<void>((resolve) => setImmediate(resolve));
      finished.push(item);
    });
    expect(finished.sort()).toEqual([1, 2]);
  });

  it('runs every item within the budget', async () => {
    let slots = 0;
    const budget = createOutboundBudget({
      take: () => {
        slots += 1;
        return Promise.resolve();
      },
    });
    const send = budget.transport(() => Promise.resolve(new Response(null, { status: 204 })));
    const loop = { concurrency: 2, signal: new AbortController().signal, budget, onError: () => {} };
    await fanOut(['a', 'b', 'c'], loop, async (item) => {
      await send(`/channels/${item}/messages`, {});
      await send(`/channels/${item}/messages`, {});
    });
    expect(slots).toBe(6);
    await send('/interactions/reply', {}); // outside the loop: no slot taken
    expect(slots).toBe(6);
  });
});
