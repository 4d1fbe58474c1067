import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Content } from './content/loader.js';
import type { Db } from './db/client.js';
import type { Logger } from './logger.js';

/** Everything a handler or job needs, built once in main.ts and passed down as an argument. */
export interface Context {
  config: Config;
  db: Db;
  content: Content;
  logger: Logger;
  clock: Clock;
}
