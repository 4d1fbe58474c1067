import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger, LogDestination } from '../../src/logger.js';

// Retries run on vitest's fake timers: nothing depends on the machine's speed.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const errno = (code: string) => Object.assign(new Error(`${code}: write`), { code });

/** A destination over a scripted descriptor: `fail` decides each write's fate. */
function scripted() {
  const written: string[] = [];
  let fail: ((data: Buffer) => string | number | undefined) | undefined;
  const writes: number[] = [];
  const destination = new LogDestination((data) => {
    writes.push(data.length);
    const outcome = fail?.(data);
    if (typeof outcome === 'string') throw errno(outcome);
    const n = outcome ?? data.length;
    written.push(data.subarray(0, n).toString());
    return n;
  });
  return { destination, written, writes, setFail: (f: typeof fail) => (fail = f), text: () => written.join('') };
}

describe('LogDestination', () => {
  it('writes each line at once when the destination takes it', () => {
    const { destination, written } = scripted();
    destination.write('a\n');
    destination.write('b\n');
    expect(written).toEqual(['a\n', 'b\n']);
  });

  it('keeps lines in order while a pipe is full (EAGAIN) and writes them once it drains, on timers that do not hold the process', async () => {
    const { destination, text, setFail } = scripted();
    setFail(() => 'EAGAIN');
    destination.write('one\n');
    destination.write('two\n');
    expect(text()).toBe('');
    let flushed = false;
    destination.flush(() => (flushed = true));
    await vi.advanceTimersByTimeAsync(100);
    expect(flushed).toBe(false);
    setFail(undefined);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(text()).toBe('one\ntwo\n');
    expect(flushed).toBe(true);
  });

  it('keeps the rest of a line a pipe took only part of', async () => {
    const { destination, text, setFail } = scripted();
    let first = true;
    setFail(() => (first ? ((first = false), 3) : undefined));
    destination.write('héllo\n');
    destination.write('next\n');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(text()).toBe('héllo\nnext\n');
  });

  it('gives up a destination that is gone (EPIPE): nothing more is written or retried, flush answers at once', async () => {
    const { destination, writes, setFail } = scripted();
    setFail(() => 'EPIPE');
    destination.write('a\n');
    destination.write('b\n');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(writes).toHaveLength(1);
    expect(destination.gone).toBe('EPIPE');
    expect(destination.dropped).toBe(2);
    let flushed = false;
    destination.flush(() => (flushed = true));
    expect(flushed).toBe(true);
    destination.flushSync();
    expect(writes).toHaveLength(1);
  });

  it('drops lines a full disk refuses (ENOSPC), never throws, and says how many were lost once writing works again', () => {
    const { destination, written, setFail } = scripted();
    setFail(() => 'ENOSPC');
    expect(() => {
      destination.write('lost 1\n');
      destination.write('lost 2\n');
    }).not.toThrow();
    expect(destination.dropped).toBe(2);
    setFail(undefined);
    destination.write('back\n');
    expect(written).toHaveLength(2);
    expect(JSON.parse(written[0]!)).toMatchObject({ level: 40, msg: '2 log lines were dropped: the log destination has no space left (ENOSPC)' });
    expect(written[1]).toBe('back\n');
  });

  it('holds at most maxQueuedBytes while a pipe is full and drops the rest, counted', async () => {
    const writes: string[] = [];
    let full = true;
    const destination = new LogDestination(
      (data) => {
        if (full) throw errno('EAGAIN');
        writes.push(data.toString());
        return data.length;
      },
      { maxQueuedBytes: 10 },
    );
    for (let i = 0; i < 5; i++) destination.write('1234\n');
    expect(destination.dropped).toBe(3);
    full = false;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(writes[0]).toBe('1234\n');
    expect(writes[1]).toBe('1234\n');
    expect(writes.join('')).toContain('3 log lines were dropped');
  });

  it('serves pino: a logger on it writes JSON lines, and logger.flush calls back', () => {
    const { destination, written } = scripted();
    const logger = createLogger('info', { destination });
    logger.info({ token: 'secret' }, 'hello');
    expect(JSON.parse(written[0]!)).toMatchObject({ app: 'cohort', msg: 'hello', token: '[redacted]' });
    let flushed = false;
    logger.flush(() => (flushed = true));
    expect(flushed).toBe(true);
  });
});
