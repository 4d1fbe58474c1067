import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/http/metrics.js';
import { errorCode } from '../../src/discord/rest-errors.js';

describe('metrics', () => {
  it('two apps in one process keep their own registries: no clash, no shared counts, process metrics in each', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.interaction({ command: 'next', kind: 'command', outcome: 'ok', durationMs: 12 });
    a.scheduledPost('prompt', 'posted');
    b.restError(403, 50013);
    b.restError(502, undefined);
    const [textA, textB] = await Promise.all([a.render(), b.render()]);
    expect(textA).toContain('cohort_interactions_total{command="next",kind="command",outcome="ok"} 1');
    expect(textA).toContain('cohort_interaction_duration_seconds_bucket{le="0.025",command="next",kind="command"} 1');
    expect(textA).toContain('cohort_scheduled_posts_total{kind="prompt",outcome="posted"} 1');
    expect(textA).not.toContain('cohort_discord_rest_errors_total{');
    expect(textB).not.toContain('cohort_interactions_total{');
    expect(textB).toContain('cohort_discord_rest_errors_total{status="403",code="50013"} 1');
    expect(textB).toContain('cohort_discord_rest_errors_total{status="502",code="none"} 1');
    for (const text of [textA, textB]) expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
  });

  it('reads Discord’s error code from a JSON error body only', () => {
    const bytes = (text: string) => new TextEncoder().encode(text).buffer;
    expect(errorCode('application/json', bytes('{"message":"Missing Permissions","code":50013}'))).toBe(50013);
    expect(errorCode('application/json; charset=utf-8', bytes('{"message":"401: Unauthorized","code":0}'))).toBe(0);
    expect(errorCode('text/html', bytes('<html>502 Bad Gateway</html>'))).toBeUndefined();
    expect(errorCode('application/json', bytes('{"message":"x"}'))).toBeUndefined();
    expect(errorCode('application/json', bytes('not json'))).toBeUndefined();
  });
});
