import type { InteractionRecord } from '../discord/interaction-record.js';

/** Latency buckets in seconds: interactions should answer well under Discord's 3 s limit. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/**
 * Cohort's counters, rendered in the Prometheus text format. One object per app, created in
 * startCohort: the context's `metrics` for handlers and jobs, and recorded into by the router hook
 * and the REST listener.
 */
export interface Metrics {
  /** Router `onHandled` hook. */
  interaction(record: InteractionRecord): void;
  /** A post to a channel (prompt, challenge announcement, reminder…), by the scheduler or a moderator's command, and how it went. */
  scheduledPost(kind: string, outcome: string): void;
  /** A Discord REST answer with status >= 400; `code` is Discord's JSON error code when it gave one. */
  restError(status: number, code: number | undefined): void;
  render(): string;
}

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export function createMetrics(): Metrics {
  const interactions = new Map<string, number>();
  const durations = new Map<string, Histogram>();
  const posts = new Map<string, number>();
  const restErrors = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

  return {
    interaction(record) {
      bump(interactions, labels({ command: record.command, kind: record.kind, outcome: record.outcome }));
      const key = labels({ command: record.command, kind: record.kind });
      let h = durations.get(key);
      if (!h) durations.set(key, (h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
      const seconds = record.durationMs / 1000;
      BUCKETS.forEach((le, i) => {
        if (seconds <= le) h.counts[i]! += 1;
      });
      h.sum += seconds;
      h.count += 1;
    },
    scheduledPost(kind, outcome) {
      bump(posts, labels({ kind, outcome }));
    },
    restError(status, code) {
      bump(restErrors, labels({ status: String(status), code: code === undefined ? 'none' : String(code) }));
    },
    render() {
      const out: string[] = [];
      counter(out, 'cohort_interactions_total', 'Interactions handled, by command, kind and outcome (ok, user_error, error).', interactions);
      out.push('# HELP cohort_interaction_duration_seconds Time from receiving an interaction to the end of its handler.');
      out.push('# TYPE cohort_interaction_duration_seconds histogram');
      for (const [key, h] of durations) {
        BUCKETS.forEach((le, i) => out.push(`cohort_interaction_duration_seconds_bucket{${key},le="${le}"} ${h.counts[i]}`));
        out.push(`cohort_interaction_duration_seconds_bucket{${key},le="+Inf"} ${h.count}`);
        out.push(`cohort_interaction_duration_seconds_sum{${key}} ${h.sum}`);
        out.push(`cohort_interaction_duration_seconds_count{${key}} ${h.count}`);
      }
      counter(out, 'cohort_scheduled_posts_total', 'Posts to channels (daily prompts; challenge announcements, reminders and recaps, scheduled or by a moderator command), by kind and outcome.', posts);
      counter(out, 'cohort_discord_rest_errors_total', 'Discord REST answers with an error status, by HTTP status and Discord error code.', restErrors);
      return `${out.join('\n')}\n`;
    },
  };
}

function counter(out: string[], name: string, help: string, values: Map<string, number>): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
  for (const [key, value] of values) out.push(`${name}{${key}} ${value}`);
}

function labels(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}
