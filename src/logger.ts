import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs; human-readable only when a person is watching a terminal and pino-pretty
 * is installed (a development dependency: the production image has none, and logs JSON).
 */
export function createLogger(level: string, options: { pretty?: boolean } = {}): Logger {
  const pretty = (options.pretty ?? process.stdout.isTTY) && prettyAvailable();
  return pino({
    level,
    base: { app: 'cohort' },
    redact: { paths: ['token', 'config.DISCORD_TOKEN', '*.token'], censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } } } : {}),
  });
}

/** Whether pino-pretty can be loaded (pino loads it itself, in its transport worker, only when used). */
export function prettyAvailable(resolve: (id: string) => string = createRequire(import.meta.url).resolve): boolean {
  try {
    resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
