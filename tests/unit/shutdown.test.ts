import { EventEmitter } from 'node:events';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handleShutdown } from '../../src/shutdown.js';

// The deadline runs on vitest's fake timers: no real waiting, nothing depends on the machine's speed.

function setup(deadlineMs = 10_000) {
  const source = new EventEmitter();
  const exits: number[] = [];
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const shutdown = handleShutdown({ logger, deadlineMs, source, exit: (code) => void exits.push(code) });
  const messages = () => lines.map((l) => l.msg);
  return { source, exits, messages, shutdown };
}

/** An app whose stop() resolves only when told to. */
function app() {
  let finish: () => void = () => {};
  let fail: (error: Error) => void = () => {};
  const stop = vi.fn(() => new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject))));
  return { stop, finish: () => finish(), fail: (error: Error) => fail(error) };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('handleShutdown', () => {
  it('stops the app on SIGTERM and exits 0 once it has stopped', async () => {
    const { source, exits, messages, shutdown } = setup();
    const a = app();
    shutdown.started(a);
    source.emit('SIGTERM');
    expect(a.stop).toHaveBeenCalledTimes(1);
    expect(exits).toEqual([]);
    a.finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(exits).toEqual([0]);
    expect(messages()).toEqual(['shutting down', 'stopped cleanly']);
  });

  it('a signal during start-up is kept: the app is stopped as soon as start-up hands it over', async () => {
    const { source, exits, messages, shutdown } = setup();
    source.emit('SIGINT');
    expect(shutdown.signal).toBe('SIGINT');
    expect(messages()).toEqual(['shutting down once start-up has finished']);
    const a = app();
    shutdown.started(a);
    expect(a.stop).toHaveBeenCalledTimes(1);
    a.finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(exits).toEqual([0]);
  });

  it('a stop that hangs ends the process at the deadline with exit code 1, and says so', async () => {
    const { source, exits, messages, shutdown } = setup(10_000);
    shutdown.started(app());
    source.emit('SIGTERM');
    await vi.advanceTimersByTimeAsync(9_999);
    expect(exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(exits).toEqual([1]);
    expect(messages()).toContain('did not stop within 10 s of SIGTERM; exiting anyway');
  });

  it('a start-up that never finishes also ends at the deadline', async () => {
    const { source, exits } = setup(1_000);
    source.emit('SIGTERM');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(exits).toEqual([1]);
  });

  it('a second signal exits at once with 128 + its number; stop() is not called twice', () => {
    const { source, exits, messages, shutdown } = setup();
    const a = app();
    shutdown.started(a);
    source.emit('SIGTERM');
    source.emit('SIGTERM');
    expect(exits).toEqual([143]);
    source.emit('SIGINT');
    expect(exits).toEqual([143, 130]);
    expect(a.stop).toHaveBeenCalledTimes(1);
    expect(messages()).toContain('second SIGTERM while stopping: exiting now');
  });

  it('a stop that fails exits 1 with the error logged', async () => {
    const { source, exits, messages, shutdown } = setup();
    const a = app();
    shutdown.started(a);
    source.emit('SIGTERM');
    a.fail(new Error('database would not close'));
    await vi.advanceTimersByTimeAsync(0);
    expect(exits).toEqual([1]);
    expect(messages()).toContain('error while stopping');
  });

  it('an unhandled rejection is logged with an error id and the process carries on', async () => {
    const { source, exits, messages, shutdown } = setup();
    const a = app();
    shutdown.started(a);
    source.emit('unhandledRejection', new TypeError('Invalid state: ReadableStream is already closed'));
    await vi.advanceTimersByTimeAsync(20_000);
    expect(exits).toEqual([]);
    expect(a.stop).not.toHaveBeenCalled();
    expect(messages()).toContain('a promise failed and nothing handled it; carrying on');
  });

  it('an uncaught exception stops the app and exits 1 once it has stopped; a signal then exits at once', async () => {
    const { source, exits, messages, shutdown } = setup();
    const a = app();
    shutdown.started(a);
    source.emit('uncaughtException', new Error('boom'));
    expect(a.stop).toHaveBeenCalledTimes(1);
    expect(messages()).toContain('uncaught exception: stopping, then exiting 1');
    a.finish();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(exits).toEqual([1]);
    source.emit('SIGTERM');
    expect(exits).toEqual([1, 128 + 15]);
    expect(a.stop).toHaveBeenCalledTimes(1);
  });

  it('an uncaught exception during start-up exits 1; one whose stop hangs ends at the deadline', async () => {
    const early = setup();
    early.source.emit('uncaughtException', new Error('boom'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(early.exits).toEqual([1]);

    const { source, exits, shutdown } = setup(5_000);
    const a = app();
    shutdown.started(a);
    source.emit('uncaughtException', new Error('boom'));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(exits).toEqual([1]);
  });
});
