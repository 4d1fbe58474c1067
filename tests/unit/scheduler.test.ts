import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createScheduler, type Job } from '../../src/jobs/scheduler.js';

// The real node-cron drives the scheduler here, on vitest's fake timers: minutes pass in the fake
// clock without real waiting, and nothing depends on the machine's speed.

const MINUTE = 60_000;
const clock = { now: () => new Date() }; // Date is faked below

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

/** A job that records when it ran and, while `hold` is set, does not finish until released. */
function recordingJob(name: string) {
  const runs: string[] = [];
  let release: () => void = () => {};
  const job = {
    runs,
    hold: false,
    release: () => release(),
    job: {
      name,
      run: (now: Date) => {
        runs.push(now.toISOString().slice(11, 19));
        if (!job.hold) return Promise.resolve();
        return new Promise<void>((resolve) => (release = resolve));
      },
    } satisfies Job,
  };
  return job;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(new Date('2026-03-02T12:00:30Z'));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the scheduler', () => {
  it('a prompts run held for three minutes holds back only itself: the other jobs and the heartbeat keep their minute', async () => {
    const { logger, lines } = capture();
    const scheduler = createScheduler({ clock, logger });
    const prompts = recordingJob('prompts');
    const challenges = recordingJob('challenges');
    scheduler.add(prompts.job);
    scheduler.add(challenges.job);

    scheduler.start(); // the catch-up run at 12:00:30, then every minute
    // The 12:01 tick starts a prompts run that takes three minutes and more (a slow fan-out).
    prompts.hold = true;
    await vi.advanceTimersByTimeAsync(30_000);
    await vi.advanceTimersByTimeAsync(3 * MINUTE);
    expect(prompts.runs).toEqual(['12:00:30', '12:01:00']);
    expect(challenges.runs).toEqual(['12:00:30', '12:01:00', '12:02:00', '12:03:00', '12:04:00']);
    expect(scheduler.lastTick()?.toISOString()).toBe('2026-03-02T12:04:00.000Z');
    const skipped = lines.filter((l) => String(l.msg).includes('still running'));
    expect(skipped.map((l) => l.job)).toEqual(['prompts', 'prompts', 'prompts']);
    expect(skipped[0]).toMatchObject({ level: 40, runningSince: '2026-03-02T12:01:00.000Z' });

    // Once it finishes, prompts runs again at the next minute, and only once per minute.
    prompts.hold = false;
    prompts.release();
    await vi.advanceTimersByTimeAsync(2 * MINUTE);
    expect(prompts.runs).toEqual(['12:00:30', '12:01:00', '12:05:00', '12:06:00']);
    expect(challenges.runs.slice(-2)).toEqual(['12:05:00', '12:06:00']);
    await scheduler.stop();
  });

  it('a job that fails is logged and runs again the next minute; the others are unaffected', async () => {
    const { logger, lines } = capture();
    const scheduler = createScheduler({ clock, logger });
    let calls = 0;
    scheduler.add({ name: 'flaky', run: () => (calls++ === 0 ? Promise.reject(new Error('boom')) : Promise.resolve()) });
    const other = recordingJob('other');
    scheduler.add(other.job);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(calls).toBe(2);
    expect(other.runs).toEqual(['12:00:30', '12:01:00']);
    expect(lines.filter((l) => l.msg === 'job failed')).toMatchObject([{ job: 'flaky', err: { message: 'boom' } }]);
    await scheduler.stop();
  });

  it('has no heartbeat before it starts, and stops ticking when stopped', async () => {
    const scheduler = createScheduler({ clock, logger: capture().logger });
    const job = recordingJob('job');
    scheduler.add(job.job);
    expect(scheduler.lastTick()).toBeUndefined();
    scheduler.start();
    await scheduler.stop();
    await vi.advanceTimersByTimeAsync(3 * MINUTE);
    expect(job.runs).toEqual(['12:00:30']);
    expect(scheduler.lastTick()?.toISOString()).toBe('2026-03-02T12:00:30.000Z');
  });

  it('stop() aborts the signal of a running job and waits for it to finish', async () => {
    const scheduler = createScheduler({ clock, logger: capture().logger });
    let finished = false;
    scheduler.add({
      name: 'long',
      run: (_now, signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => setTimeout(() => ((finished = true), resolve()), 5_000));
        }),
    });
    scheduler.start();
    const stopping = scheduler.stop();
    let stopped = false;
    void stopping.then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(4_000);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    await stopping;
    expect(finished).toBe(true);
  });
});
