import { startCohort } from './app.js';
import { ConfigError, loadConfig, prepareEnvironment } from './config.js';
import { DatabaseUnavailableError } from './db/client.js';
import { StartupError } from './errors.js';
import { createLogger } from './logger.js';
import { handleShutdown } from './shutdown.js';

let config;
try {
  // First of all: read .env and drop empty variables, before discord.js or anything else reads them.
  prepareEnvironment();
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger(config.LOG_LEVEL);
// SIGTERM/SIGINT are handled from here on, start-up included (src/shutdown.ts).
const shutdown = handleShutdown({ logger, deadlineMs: config.SHUTDOWN_TIMEOUT * 1000 });
try {
  const app = await startCohort({ config, logger });
  shutdown.started(app);
  // Another process took this one's shards while its lease had lapsed: stop, and say so for the supervisor.
  void app.lost.then(async (message) => {
    logger.fatal(`stopping: ${message}`);
    await Promise.race([app.stop().catch(() => {}), new Promise((r) => setTimeout(r, config.SHUTDOWN_TIMEOUT * 1000).unref())]);
    process.exit(1);
  });
  await app.ready;
} catch (error) {
  if (error instanceof DatabaseUnavailableError || error instanceof StartupError) {
    logger.fatal(error.message);
  } else if (error instanceof Error && /TokenInvalid|invalid token|401/i.test(`${error.name} ${error.message}`)) {
    logger.fatal('Discord rejected DISCORD_TOKEN. Copy a fresh token from the developer portal (Bot → Reset Token).');
  } else {
    logger.fatal({ err: error }, 'Cohort could not start');
  }
  process.exit(1);
}
