import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; human-readable only when a person is watching a terminal. */
export function createLogger(level: string, options: { pretty?: boolean } = {}): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY;
  return pino({
    level,
    base: { app: 'cohort' },
    redact: { paths: ['token', 'config.DISCORD_TOKEN', '*.token'], censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } } } : {}),
  });
}
