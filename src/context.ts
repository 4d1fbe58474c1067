import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Content } from './content/loader.js';
import type { Db } from './db/client.js';
import type { ImageRenderer } from './discord/views/heatmap.js';
import type { Metrics } from './http/metrics.js';
import type { Logger } from './logger.js';

/** Everything a handler or job needs, built once in startCohort (app.ts) and passed down as an argument. */
export interface Context {
  config: Config;
  db: Db;
  content: Content;
  logger: Logger;
  clock: Clock;
  /** The app's counters, also served at /metrics. */
  metrics: Metrics;
  /** The /streak heatmap renderer; `app.stop()` closes it once the interactions in flight are done. */
  images: ImageRenderer;
}
