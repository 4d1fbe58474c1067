import { z } from 'zod';

const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (17 to 20 digits)');
const emptyAsUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(emptyAsUndefined, schema.optional());

const shardIds = z
  .string()
  .regex(/^\d+(,\d+)*$/, 'must be a comma-separated list of shard numbers, e.g. 0,1')
  .transform((value) => value.split(',').map(Number));

export const configSchema = z
  .object({
    DISCORD_TOKEN: z.preprocess(
      emptyAsUndefined,
      z
        .string({ error: 'is required: the bot token from the Discord developer portal (Bot → Reset Token)' })
        .regex(/^[\w-]+\.[\w-]+\.[\w-]+$/, 'does not look like a bot token (three dot-separated parts)'),
    ),
    DISCORD_API_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('https://discord.com/api')),
    DISCORD_DEV_GUILD_ID: optional(snowflake),
    DATABASE_URL: optional(
      z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// connection string'),
    ),
    DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('./data')),
    CONTENT_DIR: z.preprocess(emptyAsUndefined, z.string().default('./content')),
    LOG_LEVEL: z.preprocess(
      emptyAsUndefined,
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ),
    HTTP_PORT: optional(z.coerce.number().int().min(1).max(65535)),
    SHARD_COUNT: optional(z.coerce.number().int().min(1).max(4096)),
    SHARD_IDS: optional(shardIds),
    CATCHUP_HOURS: z.preprocess(emptyAsUndefined, z.coerce.number().min(0).max(48).default(6)),
    /** The most one study session counts, in ms: `12h`, `90m`, or hours as a number (default 12 h). */
    STUDY_SESSION_CAP: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^\s*\d+(\.\d+)?\s*(h|m)?\s*$/i, 'must be a duration such as 12h, 90m or 12 (hours), at least 1 minute and at most 7 days')
        .transform((v) => Number.parseFloat(v) * (/m\s*$/i.test(v) ? 60_000 : 3_600_000))
        .refine((ms) => ms >= 60_000 && ms <= 7 * 86_400_000, 'must be at least 1 minute (1m) and at most 7 days (168h)')
        .default(12 * 3_600_000),
    ),
  })
  .superRefine((value, ctx) => {
    if (value.SHARD_IDS && !value.SHARD_COUNT) {
      ctx.addIssue({ code: 'custom', path: ['SHARD_IDS'], message: 'needs SHARD_COUNT as well' });
    }
    if (value.SHARD_IDS && value.SHARD_COUNT && value.SHARD_IDS.some((id) => id >= value.SHARD_COUNT!)) {
      ctx.addIssue({ code: 'custom', path: ['SHARD_IDS'], message: `must all be below SHARD_COUNT (${value.SHARD_COUNT})` });
    }
  });

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Cohort cannot start; fix these settings (see .env.example):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; every problem is reported at once and no value (the token least of all) is echoed. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'environment'} ${issue.message}`);
  throw new ConfigError(problems);
}
