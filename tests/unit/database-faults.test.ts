import { describe, expect, it } from 'vitest';
import { DatabaseDeadlineError, databaseFault, statementCancelled } from '../../src/db/faults.js';

const coded = (code: string, message = 'driver message') => Object.assign(new Error(message), { code });
/** drizzle wraps the driver's error in its own, with the driver's as `cause`. */
const wrapped = (cause: Error) => new Error('Failed query: select 1', { cause });

describe('databaseFault', () => {
  it('a statement that never reached the server, or that the server cancelled: nothing was saved', () => {
    for (const error of [coded('CONNECT_TIMEOUT'), coded('ECONNREFUSED'), coded('57014'), coded('53100'), new DatabaseDeadlineError('no connection', false), new Error('could not extend file: No space left on device')])
      expect(databaseFault(wrapped(error)), error.message).toBe('not_saved');
  });

  it('a connection lost after a statement may have been sent: unsure', () => {
    for (const error of [coded('CONNECTION_CLOSED'), coded('ECONNRESET'), coded('57P01'), new DatabaseDeadlineError('silent', true)]) expect(databaseFault(wrapped(error)), error.message).toBe('unsure');
  });

  it('anything else is no outage', () => {
    expect(databaseFault(wrapped(coded('23505')))).toBeUndefined();
    expect(databaseFault(new Error('a bug'))).toBeUndefined();
    expect(databaseFault('not an error')).toBeUndefined();
  });
});

describe('statementCancelled', () => {
  it('is a statement the server cancelled (statement_timeout), and nothing else', () => {
    expect(statementCancelled(wrapped(coded('57014')))).toBe(true);
    for (const error of [coded('ECONNREFUSED'), coded('53100'), new DatabaseDeadlineError('silent', true), new Error('a bug')]) expect(statementCancelled(wrapped(error)), error.message).toBe(false);
    expect(statementCancelled('not an error')).toBe(false);
  });
});
