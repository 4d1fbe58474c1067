import { DiscordAPIError, Routes } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { startTestBot, until, type TestBot } from '../support/bot.js';
import { openTestDatabase } from '../support/db.js';
import { freePort } from '../../src/sim/net.js';

let database: Database;
let bot: TestBot;

beforeAll(async () => {
  database = await openTestDatabase();
  bot = await startTestBot({ database, config: { HTTP_PORT: String(await freePort()) } });
});
afterAll(async () => {
  await bot?.stop();
  await database?.close();
});

async function scrape(): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`http://127.0.0.1:${bot.app.http!.port}/metrics`);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

describe('GET /metrics', () => {
  it('serves the process metrics (memory, heap, event-loop lag, GC) beside Cohort’s own', async () => {
    let handled = 0;
    const record = bot.app.metrics.interaction.bind(bot.app.metrics);
    bot.app.metrics.interaction = (r) => {
      record(r);
      handled += 1;
    };
    await bot.command('checkin');
    // The reply reaches Discord before the router's last step records the interaction: wait for that step.
    await until(() => handled > 0, 'the interaction to be recorded', 60_000);
    const { status, type, text } = await scrape();
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of ['process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'process_cpu_seconds_total']) {
      expect(text).toMatch(new RegExp(`^${name} \\d`, 'm'));
    }
    expect(text).toContain('# TYPE nodejs_gc_duration_seconds histogram');
    expect(text).toContain('cohort_interactions_total{command="checkin",kind="command",outcome="ok"} 1');
    expect(text).toMatch(/^cohort_interaction_duration_seconds_count\{command="checkin",kind="command"\} 1$/m);
  });

  it('counts a Discord REST error by status and Discord’s own error code, and discord.js still sees the whole error', async () => {
    const channelId = bot.channelId;
    bot.fake.failWith({ method: 'POST', path: new RegExp(`^/channels/${channelId}/messages$`), code: 50013, times: 1 });
    const refused = await bot.app.client.rest.post(Routes.channelMessages(channelId), { body: { content: 'hello' } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DiscordAPIError);
    expect((refused as DiscordAPIError).code).toBe(50013);
    expect((refused as DiscordAPIError).status).toBe(403);

    const { text } = await scrape();
    expect(text).toContain('cohort_discord_rest_errors_total{status="403",code="50013"} 1');
    expect(text).not.toContain('code="none"');
    // The next request is answered normally through the same transport.
    await expect(bot.app.client.rest.post(Routes.channelMessages(channelId), { body: { content: 'hello again' } })).resolves.toMatchObject({ content: 'hello again' });
  });
});
