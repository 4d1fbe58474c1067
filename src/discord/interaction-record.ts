/**
 * What the router reports about each interaction it handled: read by the metrics (http/metrics.ts)
 * and by tests. A module of its own, with no imports, so that the router, the metrics and the
 * context can all use it without importing one another.
 */
/** `unavailable`: the database did not answer (the member was told whether anything was saved). */
export type Outcome = 'ok' | 'user_error' | 'unavailable' | 'error';

export interface InteractionRecord {
  command: string;
  kind: 'command' | 'component' | 'autocomplete' | 'modal';
  outcome: Outcome;
  durationMs: number;
}
