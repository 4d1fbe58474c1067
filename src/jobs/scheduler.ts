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
   * The clock's time of the last tick (undefined before the first): the scheduler's heartbeat,
   * which /healthz reads. Each tick starts the jobs that are not busy and never waits for them.
   */
  lastTick(): Date | undefined;
  /**
   * Runs every job once at `now` (default: the clock) and resolves when they are done. A job that
   * is still running is waited for and then run again, never run twice at the same time. Tests
   * call this instead of waiting for real minutes.
   */
  runDue(now?: Date): Promise<void>;
  /** Starts now every job that is not running (claims of a stopped process were released); never waits. */
  kick(): void;
  /** Stops the tick, tells running jobs to stop taking work, and waits for them. */
  stop(): Promise<void>;
}

/** A claim owner id (a process lease's id): host, process and a random part (two apps in one process differ). */
export function ownerId(host = hostname(), pid = process.pid): string {
  return `${host}:${pid}:${randomBytes(3).toString('hex')}`.slice(0, 100);
}

export interface SchedulerOptions {
  /** The tick's cron expression (default every minute; node-cron also takes a seconds field). */
  expression?: string;
}

/** `owner`: this process's lease id (lease-keeper.ts); a fresh id by default. */
export function createScheduler(deps: { clock: Clock; logger: Logger; owner?: string }, options: SchedulerOptions = {}): Scheduler {
  const { clock, logger } = deps;
  const jobs: Job[] = [];
  const running = new Map<string, Promise<void>>();
  /** When (clock time) each running job's current run began, for the "still running" log. */
  const runningSince = new Map<string, Date>();
  let lastTick: Date | undefined;
  const abort = new AbortController();
  const owner = deps.owner ?? ownerId();
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
      if (running.get(job.name) === run) {
        running.delete(job.name);
        runningSince.delete(job.name);
      }
    });
    running.set(job.name, run);
    runningSince.set(job.name, now);
    return run;
  }

  /**
   * Cron tick: starts every job that is not still busy with an earlier minute, and returns at once.
   * Each job holds back only itself: the tick never waits for the jobs, so one slow run (a prompts
   * fan-out to thousands of servers) does not stop the others or the heartbeat. (node-cron's own
   * `noOverlap` would skip the whole tick while any job of it is still running.)
   */
  function tick(): void {
    if (stopped) return;
    const now = clock.now();
    lastTick = now;
    for (const job of jobs) {
      const since = runningSince.get(job.name);
      if (since) {
        logger.warn({ job: job.name, runningSince: since.toISOString() }, 'job still running from an earlier minute; skipped this minute');
        continue;
      }
      void runJob(job, now); // runJob logs its own failures
    }
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
      task = cron.createTask(options.expression ?? '* * * * *', () => tick(), { name: 'cohort-scheduler', logger: cronLogger });
      void task.start();
      tick();
    },
    lastTick: () => lastTick,
    kick() {
      if (stopped || !task) return;
      for (const job of jobs) if (!running.has(job.name)) void runJob(job, clock.now());
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
