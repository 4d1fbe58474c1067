import type { Context } from '../context.js';
import { makeStatsSummaries, serversToSummarise } from '../db/queries/stats-summaries.js';
import type { Job } from './scheduler.js';

/** How often the job looks for servers whose yesterday is not summarised (clock time). */
export const STATS_SUMMARY_EVERY_MS = 15 * 60_000;

/** Servers asked for per look (looks repeat until none is left that this run has not taken). */
export const STATS_SUMMARY_SERVERS = 500;

/**
 * Summarises each server's yesterday for /stats (src/db/queries/stats-summaries.ts) soon after it
 * ends in the server's zone, and whatever else of its finished days is missing (after an upgrade:
 * its whole history, in chunks). Every STATS_SUMMARY_EVERY_MS; a server is taken under its advisory
 * lock with `try`, so across processes one does it and the others skip it, and a day made once is
 * not made again that run (no claim rows: the summary rows are the record). /stats catches up by
 * itself too, so a server this job has not reached yet still gets correct figures.
 */
export function statsSummariesJob(ctx: Pick<Context, 'db' | 'logger'>, options: { everyMs?: number; servers?: number } = {}): Job {
  const everyMs = options.everyMs ?? STATS_SUMMARY_EVERY_MS;
  const servers = options.servers ?? STATS_SUMMARY_SERVERS;
  const log = ctx.logger.child({ job: 'stats-summaries' });
  let lastRun: number | undefined;
  return {
    name: 'stats-summaries',
    async run(now, signal) {
      if (lastRun !== undefined && now.getTime() - lastRun < everyMs && now.getTime() >= lastRun) return;
      lastRun = now.getTime();
      let days = 0;
      let made = 0;
      // Servers taken this run: one that failed or that another process holds is not taken again until the next run.
      const taken = new Set<string>();
      for (;;) {
        const batch = (await serversToSummarise(ctx.db, now, servers + taken.size)).filter((server) => !taken.has(server.guildId));
        if (batch.length === 0) break;
        for (const server of batch) {
          if (signal.aborted) break;
          taken.add(server.guildId);
          try {
            const result = await makeStatsSummaries(ctx.db, { ...server, now }, { lock: 'try' });
            days += result.days;
            if (result.days > 0) made += 1;
          } catch (error) {
            // One server's failure (a statement over the deadline, say) leaves the others to do; its /stats catches up.
            log.warn({ err: error, guildId: server.guildId }, 'summarising a server for /stats failed');
          }
        }
        if (signal.aborted) break;
      }
      if (made > 0) log.info({ servers: made, days }, 'days summarised for /stats');
    },
  };
}
