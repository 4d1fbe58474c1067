import type { LRUCache } from 'lru-cache';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Content } from './content/loader.js';
import type { ContentStore } from './content/store.js';
import type { Db } from './db/client.js';
import type { MemberRead } from './db/queries/streaks.js';
import type { DmClosedNotices } from './discord/dm-closed-notices.js';
import type { ImageRenderer } from './discord/views/heatmap.js';
import type { Metrics } from './http/metrics.js';
import type { Logger } from './logger.js';

/** Everything a handler or job needs, built once in startCohort (app.ts) and passed down as an argument. */
export interface Context {
  config: Config;
  /** This process's lease id (src/jobs/lease-keeper.ts): `claimed_by` of the claims it takes, scheduled or asked for by a command. */
  owner: string;
  db: Db;
  /**
   * Every server's content, as of now in every process (src/content/store.ts): jobs and anything
   * else working for a server ask `contents.forGuild`. A command that reads content declares
   * `content: true` and its handlers get a ContentContext.
   */
  contents: ContentStore;
  logger: Logger;
  clock: Clock;
  /** The app's counters, also served at /metrics. */
  metrics: Metrics;
  /** The /streak heatmap renderer; `app.stop()` closes it once the interactions in flight are done. */
  images: ImageRenderer;
  /** Members to tell, after their next command, that their digest DM was refused (src/discord/dm-closed-notices.ts). */
  notices: DmClosedNotices;
  /**
   * Servers known to have no milestone rewards, so that a check-in there asks nothing more of the
   * database. Entries live REWARDLESS_TTL_MS; /setup rewards clears its server's at once (another
   * process on the same server sees a new reward within that time; /setup rewards sync catches up).
   */
  rewardless: LRUCache<string, true>;
  /**
   * Each member's figures as this process last read or wrote them, so that /checkin and Mark done
   * can skip reading them first: a guess the compare-and-set checks (src/db/queries/streaks.ts,
   * MemberFigures), never trusted on its own.
   */
  memberFigures: LRUCache<string, MemberRead>;
}

/**
 * The context of a command that declared `content: true` (src/discord/command.ts): `content` is its
 * server's content, the built-in content with the server's own files over it, read by the router
 * before the handler runs (one primary-key lookup, more only when the server's files changed).
 */
export interface ContentContext extends Context {
  content: Content;
}

/** How many members' figures ctx.memberFigures keeps: about 800 bytes each, 8 MB when full. */
export const MEMBER_FIGURES_MAX = 10_000;

export const REWARDLESS_TTL_MS = 30_000;
