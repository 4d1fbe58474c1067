import type { Context } from '../context.js';
import { claim, completeWork, findPost, release } from '../db/queries/claims.js';
import { deleteExpiredLogBatch } from '../db/queries/moderator-log.js';
import { isSettled } from './fan-out.js';
import type { Job } from './scheduler.js';

/** The claim of the daily clean-up is not a server's: it covers them all. */
export const ALL_SERVERS = '0';

/** Rows deleted per statement: each batch is its own short statement, so the log stays writable meanwhile. */
export const LOG_RETENTION_BATCH = 1000;

/** A clean-up claim not finished within this time (its process died without a lease) is taken over. */
export const LOG_RETENTION_STALE_MS = 30 * 60_000;

export interface LogRetentionOptions {
  /** This process in claims (the scheduler's owner). */
  owner: string;
  batch?: number;
  staleAfterMs?: number;
}

/**
 * Once a day (UTC), deletes the moderator log entries older than each server's retention
 * (/setup log-retention, a year by default), in batches. The day is claimed in scheduled_posts
 * (kind log_retention, guild '0'), so one process does it across processes and restarts; a run
 * stopped part way gives its claim back and the next run carries on.
 */
export function logRetentionJob(ctx: Context, options: LogRetentionOptions): Job {
  const batch = options.batch ?? LOG_RETENTION_BATCH;
  const staleAfterMs = options.staleAfterMs ?? LOG_RETENTION_STALE_MS;
  const log = ctx.logger.child({ job: 'log-retention' });
  return {
    name: 'log-retention',
    async run(now, signal) {
      const key = { guildId: ALL_SERVERS, kind: 'log_retention' as const, period: now.toISOString().slice(0, 10) };
      const existing = await findPost(ctx.db, key);
      if (existing && isSettled(existing, now, staleAfterMs)) return;
      const taken = await claim(ctx.db, { ...key, owner: options.owner, now, staleAfterMs });
      if (!taken) return;
      let deleted = 0;
      try {
        for (;;) {
          if (signal.aborted) {
            await release(ctx.db, taken.id, `stopped after deleting ${deleted} entries; the next run carries on`);
            return;
          }
          const n = await deleteExpiredLogBatch(ctx.db, now, batch);
          deleted += n;
          if (n < batch) break;
        }
      } catch (error) {
        await release(ctx.db, taken.id, error instanceof Error ? error.message : String(error)).catch(() => false);
        throw error;
      }
      await completeWork(ctx.db, taken.id, { doneAt: ctx.clock.now(), ref: `${deleted} deleted` });
      log.info({ day: key.period, deleted }, 'moderator log entries past retention deleted');
    },
  };
}
