import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { InteractionRecord } from '../discord/interaction-record.js';

/** Latency buckets in seconds: interactions should answer well under Discord's 3 s limit. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Cohort's metrics, on a prom-client registry of their own: one per app, created in startCohort
 * (the context's `metrics` for handlers and jobs, recorded into by the router hook and the REST
 * wrapper) and served at /metrics. Never prom-client's global registry, so two apps in one
 * process (tests do this) keep separate counts.
 */
export interface Metrics {
  /** Router `onHandled` hook. */
  interaction(record: InteractionRecord): void;
  /** A post to a channel (prompt, challenge announcement, reminder…), by the scheduler or a moderator's command, and how it went. */
  scheduledPost(kind: string, outcome: string): void;
  /** A Discord REST answer with status >= 400; `code` is Discord's JSON error code when it gave one. */
  restError(status: number, code: number | undefined): void;
  /** Every metric in the Prometheus text format (`contentType`). */
  render(): Promise<string>;
  readonly contentType: string;
  /** The app's own registry (to add a metric next to Cohort's). */
  readonly registry: Registry;
}

export interface MetricsOptions {
  /**
   * prom-client's default process metrics on this registry: heap and memory
   * (nodejs_heap_size_used_bytes, process_resident_memory_bytes…), CPU, event-loop lag, GC pauses,
   * handles (default true).
   */
  processMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const interactions = new Counter({
    name: 'cohort_interactions_total',
    help: 'Interactions handled, by command, kind and outcome (ok, user_error, unavailable: the database did not answer, error).',
    labelNames: ['command', 'kind', 'outcome'] as const,
    registers,
  });
  const durations = new Histogram({
    name: 'cohort_interaction_duration_seconds',
    help: 'Time from receiving an interaction to the end of its handler.',
    labelNames: ['command', 'kind'] as const,
    buckets: BUCKETS,
    registers,
  });
  const posts = new Counter({
    name: 'cohort_scheduled_posts_total',
    help: 'Posts to channels (daily prompts; challenge announcements, reminders and recaps, scheduled or by a moderator command), by kind and outcome.',
    labelNames: ['kind', 'outcome'] as const,
    registers,
  });
  const restErrors = new Counter({
    name: 'cohort_discord_rest_errors_total',
    help: 'Discord REST answers with an error status, by HTTP status and Discord JSON error code (none when the body had no code).',
    labelNames: ['status', 'code'] as const,
    registers,
  });

  // Every interaction records into these: their labelled children are looked up once per label set
  // (prom-client otherwise hashes the labels object on every observation).
  const interactionChildren = new Map<string, { count: ReturnType<typeof interactions.labels>; duration: ReturnType<typeof durations.labels> }>();
  const childrenOf = ({ command, kind, outcome }: InteractionRecord) => {
    const key = `${command}\u0000${kind}\u0000${outcome}`;
    let children = interactionChildren.get(key);
    if (!children) interactionChildren.set(key, (children = { count: interactions.labels({ command, kind, outcome }), duration: durations.labels({ command, kind }) }));
    return children;
  };

  return {
    interaction(record) {
      const { count, duration } = childrenOf(record);
      count.inc();
      duration.observe(record.durationMs / 1000);
    },
    scheduledPost(kind, outcome) {
      posts.inc({ kind, outcome });
    },
    restError(status, code) {
      restErrors.inc({ status: String(status), code: code === undefined ? 'none' : String(code) });
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
    registry,
  };
}
