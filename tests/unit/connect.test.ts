import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { causeOf, connectToDiscord, isNetworkFailure } from '../../src/discord/connect.js';
import { StartupError } from '../../src/errors.js';

const refused = () => new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });

/** A virtual clock: sleeping moves it, nothing waits for real. */
function harness(probe: () => { status: number }) {
  let now = 0;
  const lines: { msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
  const sleeps: number[] = [];
  const options = {
    apiUrl: 'https://discord.com/api',
    timeoutMs: 60_000,
    logger,
    probe: () => {
      now += 100;
      return new Promise<{ status: number }>((resolve) => resolve(probe()));
    },
    now: () => now,
    sleep: (ms: number) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
  return { options, lines, sleeps };
}

describe('connectToDiscord', () => {
  it('retries with backoff while Discord cannot be reached, then logs in', async () => {
    let failures = 2;
    const { options, lines, sleeps } = harness(() => {
      if (failures-- > 0) throw refused();
      return { status: 200 };
    });
    let logins = 0;
    await connectToDiscord(() => Promise.resolve(void logins++), options);
    expect(logins).toBe(1);
    expect(sleeps).toEqual([1_000, 2_000]);
    expect(lines.map((l) => l.msg)).toEqual([
      'Cannot reach Discord at https://discord.com/api: the connection was refused (nothing listens there, or a firewall rejects it); trying again in 1 s.',
      'Cannot reach Discord at https://discord.com/api: the connection was refused (nothing listens there, or a firewall rejects it); trying again in 2 s.',
      'reached Discord at https://discord.com/api',
    ]);
  });

  it('gives up after DISCORD_CONNECT_TIMEOUT with one sentence: the URL, the cause, the tries', async () => {
    const { options, sleeps } = harness(() => {
      throw refused();
    });
    const error = await connectToDiscord(() => Promise.resolve(), options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toBe(
      'Cannot reach Discord at https://discord.com/api: the connection was refused (nothing listens there, or a firewall rejects it); gave up after 7 tries in 46 s (DISCORD_CONNECT_TIMEOUT is 60 s).',
    );
    expect(sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 15_000, 15_000]);
  });

  it('retries a 5xx from Discord, and says so', async () => {
    const { options } = harness(() => ({ status: 503 }));
    const error = await connectToDiscord(() => Promise.resolve(), { ...options, timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^Cannot reach Discord at https:\/\/discord\.com\/api: Discord answered 503 \(it may be having an outage\); gave up after 2 tries/);
  });

  it('does not retry what is not the network: a rejected token is thrown as it is', async () => {
    const { options, sleeps } = harness(() => ({ status: 200 }));
    const rejected = Object.assign(new Error('An invalid token was provided.'), { code: 'TokenInvalid' });
    await expect(connectToDiscord(() => Promise.reject(rejected), options)).rejects.toBe(rejected);
    expect(sleeps).toEqual([]);
  });

  it('retries a login that failed for the network', async () => {
    const { options } = harness(() => ({ status: 200 }));
    let tries = 0;
    await connectToDiscord(() => (tries++ === 0 ? Promise.reject(new Error('This operation was aborted')) : Promise.resolve()), options);
    expect(tries).toBe(2);
  });

  it('ends the tries when the process stops', async () => {
    const stop = new AbortController();
    const { options } = harness(() => {
      stop.abort(new Error('stopped during start-up'));
      throw refused();
    });
    await expect(connectToDiscord(() => Promise.resolve(), { ...options, signal: stop.signal })).rejects.toThrow('stopped during start-up');
  });
});

describe('causeOf', () => {
  const withCode = (code: string) => new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
  it('names DNS, refusal, silence, TLS and resets in our words', () => {
    expect(causeOf(withCode('ENOTFOUND'), 10_000)).toBe('the host name does not resolve (DNS lookup failed: ENOTFOUND)');
    expect(causeOf(withCode('ECONNREFUSED'), 10_000)).toMatch(/^the connection was refused/);
    expect(causeOf(new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 10_000)).toBe('no answer within 10 s (a firewall or proxy may be dropping the traffic)');
    expect(causeOf(new Error('This operation was aborted'), 15_000)).toMatch(/^no answer within 15 s/);
    expect(causeOf(withCode('SELF_SIGNED_CERT_IN_CHAIN'), 10_000)).toMatch(/^its TLS certificate was not accepted \(SELF_SIGNED_CERT_IN_CHAIN\)/);
    expect(causeOf(withCode('ECONNRESET'), 10_000)).toBe('the connection was closed before an answer (ECONNRESET)');
    expect(causeOf(new TypeError('fetch failed', { cause: new Error('bad port') }), 10_000)).toBe('bad port');
  });

  it('tells network failures from refusals', () => {
    expect(isNetworkFailure(withCode('EAI_AGAIN'))).toBe(true);
    expect(isNetworkFailure(Object.assign(new Error('Internal Server Error'), { status: 502 }))).toBe(true);
    expect(isNetworkFailure(Object.assign(new Error('401: Unauthorized'), { status: 401 }))).toBe(false);
    expect(isNetworkFailure(Object.assign(new Error('An invalid token was provided.'), { code: 'TokenInvalid' }))).toBe(false);
  });
});
