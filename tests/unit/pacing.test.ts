import { describe, expect, it } from 'vitest';
import { createOutboundBudget, slidingWindowPacer, type Pacer, type PacerTimer } from '../../src/discord/pacing.js';

/** Time that moves only when told; sleepers wake when it passes their time. No real waiting. */
function fakeTimer(): PacerTimer & { advance(ms: number): Promise<void>; sleeping(): number } {
  let now = 0;
  let sleepers: { until: number; wake: () => void }[] = [];
  return {
    now: () => now,
    sleep: (ms) => new Promise<void>((wake) => sleepers.push({ until: now + ms, wake })),
    async advance(ms) {
      now += ms;
      const due = sleepers.filter((s) => s.until <= now);
      sleepers = sleepers.filter((s) => s.until > now);
      for (const s of due) s.wake();
      await settle();
    },
    sleeping: () => sleepers.length,
  };
}

/** Lets every promise that can go on do so (the pacer's queue is a chain of them). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Calls `take` `n` times and records, for each, the fake time at which it was granted. */
function takeMany(pacer: Pacer, timer: PacerTimer, n: number): (number | undefined)[] {
  const at: (number | undefined)[] = Array.from({ length: n }, () => undefined);
  for (let i = 0; i < n; i++) void pacer.take().then(() => (at[i] = timer.now()));
  return at;
}

describe('slidingWindowPacer', () => {
  it('grants `limit` slots at once, then each further one when the oldest leaves the window, in order', async () => {
    const timer = fakeTimer();
    const pacer = slidingWindowPacer({ limit: 3, windowMs: 1000, timer });
    const at = takeMany(pacer, timer, 7);
    await settle();
    expect(at).toEqual([0, 0, 0, undefined, undefined, undefined, undefined]);
    await timer.advance(999);
    expect(at.filter((t) => t !== undefined)).toHaveLength(3);
    await timer.advance(1);
    expect(at).toEqual([0, 0, 0, 1000, 1000, 1000, undefined]);
    await timer.advance(1000);
    expect(at).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
  });

  it('counts in a sliding window, not a fixed one: no more than `limit` in any second, also across a window’s edge', async () => {
    const timer = fakeTimer();
    const pacer = slidingWindowPacer({ limit: 4, windowMs: 1000, timer });
    const granted: number[] = [];
    const take = () => void pacer.take().then(() => granted.push(timer.now()));
    take(); // at 0
    await settle();
    await timer.advance(900);
    for (let i = 0; i < 6; i++) take(); // three fit at 900; a fixed window restarting at 1000 would let all six through by then
    await settle();
    expect(granted).toEqual([0, 900, 900, 900]);
    await timer.advance(100); // 1000: the slot from 0 has left the window
    expect(granted).toEqual([0, 900, 900, 900, 1000]);
    await timer.advance(899);
    expect(granted).toHaveLength(5);
    await timer.advance(1); // 1900: the three from 900 have left
    expect(granted).toEqual([0, 900, 900, 900, 1000, 1900, 1900]);
    for (const t of granted) expect(granted.filter((u) => u > t - 1000 && u <= t).length).toBeLessThanOrEqual(4);
  });

  it('waits only as long as needed: one sleeper at a time, until the oldest slot expires', async () => {
    const timer = fakeTimer();
    const pacer = slidingWindowPacer({ limit: 2, windowMs: 1000, timer });
    const at = takeMany(pacer, timer, 3);
    await settle();
    expect(timer.sleeping()).toBe(1); // the third waits; nothing behind it sleeps on its own
    await timer.advance(1000);
    expect(at).toEqual([0, 0, 1000]);
    expect(timer.sleeping()).toBe(0);
  });

  it('refuses a limit that is not a whole number above 0', () => {
    expect(() => slidingWindowPacer({ limit: 0 })).toThrow(RangeError);
    expect(() => slidingWindowPacer({ limit: 2.5 })).toThrow(RangeError);
  });
});

describe('createOutboundBudget', () => {
  function countingTransport() {
    const urls: string[] = [];
    const inner = (url: string) => {
      urls.push(url);
      return Promise.resolve(new Response(null, { status: 204 }));
    };
    return { urls, inner };
  }

  it('makes REST calls inside `paced` wait for a slot, one slot per call, and lets calls outside it go at once', async () => {
    const timer = fakeTimer();
    const budget = createOutboundBudget(slidingWindowPacer({ limit: 2, windowMs: 1000, timer }));
    const { urls, inner } = countingTransport();
    const send = budget.transport(inner);

    const scheduled = budget.paced(async () => {
      await Promise.all([send('a/1', {}), send('a/2', {})]); // the two slots of this second
      await send('a/3', {}); // must wait for the next second
    });
    await settle();
    expect(urls).toEqual(['a/1', 'a/2']);

    // An interaction reply (not paced) is not held back by the scheduled work waiting.
    await send('reply', {});
    expect(urls).toEqual(['a/1', 'a/2', 'reply']);

    await timer.advance(1000);
    await scheduled;
    expect(urls).toEqual(['a/1', 'a/2', 'reply', 'a/3']);
  });

  it('is one budget for all the work paced through it (two jobs share the slots)', async () => {
    const timer = fakeTimer();
    const budget = createOutboundBudget(slidingWindowPacer({ limit: 3, windowMs: 1000, timer }));
    const { urls, inner } = countingTransport();
    const send = budget.transport(inner);
    const job = (name: string) => budget.paced(async () => {
      for (let i = 1; i <= 3; i++) await send(`${name}/${i}`, {});
    });
    const both = Promise.all([job('prompts'), job('digest')]);
    await settle();
    expect(urls).toHaveLength(3);
    await timer.advance(1000);
    expect(urls).toHaveLength(6);
    await both;
    expect(urls.filter((u) => u.startsWith('prompts'))).toHaveLength(3);
    expect(urls.filter((u) => u.startsWith('digest'))).toHaveLength(3);
  });

  it('keeps two budgets apart (two apps in one process)', async () => {
    const timer = fakeTimer();
    const one = createOutboundBudget(slidingWindowPacer({ limit: 1, windowMs: 1000, timer }));
    const other = createOutboundBudget(slidingWindowPacer({ limit: 1, windowMs: 1000, timer }));
    const { urls, inner } = countingTransport();
    // Work paced by one budget, calling through the other app's transport: only the other's own work is paced there.
    await one.paced(async () => {
      await one.transport(inner)('one/1', {});
      await other.transport(inner)('other/1', {});
      await other.transport(inner)('other/2', {});
    });
    expect(urls).toEqual(['one/1', 'other/1', 'other/2']);
  });
});
