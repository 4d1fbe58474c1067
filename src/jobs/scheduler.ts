import cron, { type ScheduledTask } from 'node-cron';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';

/**
 * A scheduled job. `run` gets the injected clock's time; it must be safe to run at any minute
 * (it decides itself what is due, and claims before posting, see db/queries/claims.ts).
 * `signal` aborts when the app stops: stop taking new work, finish what is in flight.
 */
export interface Job {
  name: string;
  run(now: Date, signal: AbortSignal): Promise<void>;
}

export interface Scheduler {
  /** Who this process is in claims (`claimed_by`): unique per running app. */
  readonly owner: string;
  add(job: Job): void;
  /** Starts the minute tick (and runs every job once right away, for catch-up after downtime). */
  start(): void;
  /**
   * Runs every job once at `now` (default: the clock) and resolves when they are done. A job that
   * is still running is waited for and then run again, never run twice at the same time. Tests
   * call this instead of waiting for real minutes.
   */
  runDue(now?: Date): Promise<void>;
  /** Stops the tick, tells running jobs to stop taking work, and waits for them. */
  stop(): Promise<void>;
}

/** A claim owner id: host, process and a random part (two apps in one process differ). */
export function ownerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`.slice(0, 100);
}

export function createScheduler(deps: { clock: Clock; logger: Logger }, options: { expression?: string } = {}): Scheduler {
  const { clock, logger } = deps;
  const jobs: Job[] = [];
  const running = new Map<string, Promise<void>>();
  const abort = new AbortController();
  const owner = ownerId();
  let task: ScheduledTask | undefined;
  let stopped = false;

  function runJob(job: Job, now: Date): Promise<void> {
    const started = performance.now();
    const run = (async () => {
      try {
        await job.run(now, abort.signal);
        logger.debug({ job: job.name, durationMs: Math.round(performance.now() - started) }, 'job ran');
      } catch (error) {
        logger.error({ err: error, job: job.name }, 'job failed');
      }
    })().finally(() => {
      if (running.get(job.name) === run) running.delete(job.name);
    });
    running.set(job.name, run);
    return run;
  }

  /** Cron tick: a job still busy with the previous minute is skipped this minute. */
  function tick(): Promise<void> {
    if (stopped) return Promise.resolve();
    const now = clock.now();
    return Promise.all(
      jobs.map((job) => {
        if (running.has(job.name)) {
          logger.warn({ job: job.name }, 'job still running from the previous minute; skipped this minute');
          return Promise.resolve();
        }
        return runJob(job, now);
      }),
    ).then(() => undefined);
  }

  async function runDue(now?: Date): Promise<void> {
    await Promise.all(
      jobs.map(async (job) => {
        // Wait for any run in flight (a cron tick), then run once more at the requested time.
        for (let current = running.get(job.name); current; current = running.get(job.name)) await current;
        if (stopped) return;
        await runJob(job, now ?? clock.now());
      }),
    );
  }

  return {
    owner,
    add(job) {
      if (jobs.some((j) => j.name === job.name)) throw new Error(`job ${job.name} registered twice`);
      jobs.push(job);
    },
    start() {
      if (task || stopped) return;
      const cronLogger = {
        info: (message: string) => logger.debug({ source: 'node-cron' }, message),
        warn: (message: string) => logger.warn({ source: 'node-cron' }, message),
        error: (message: string | Error, err?: Error) => logger.error({ source: 'node-cron', err: err ?? message }, String(message)),
        debug: (message: string | Error) => logger.debug({ source: 'node-cron' }, String(message)),
      };
      task = cron.createTask(options.expression ?? '* * * * *', () => tick(), { name: 'cohort-scheduler', noOverlap: true, logger: cronLogger });
      void task.start();
      void tick();
    },
    runDue,
    async stop() {
      if (stopped) return;
      stopped = true;
      abort.abort();
      if (task) {
        await task.stop();
        await task.destroy();
      }
      await Promise.allSettled([...running.values()]);
    },
  };
}
