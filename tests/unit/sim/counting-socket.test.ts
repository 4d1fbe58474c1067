import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingSocket } from '../../../src/sim/postgres.js';

/** A frontend message of the PostgreSQL protocol: type byte, int32 length (itself included), body. */
function message(type: string, body: string): Buffer {
  const payload = Buffer.from(body);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(payload.length + 4, 1);
  return Buffer.concat([head, payload]);
}

/** The startup message has no type byte: int32 length, protocol 3.0, parameters. */
function startup(): Buffer {
  const params = Buffer.from('user\0postgres\0application_name\0EQ\0\0');
  const head = Buffer.alloc(8);
  head.writeInt32BE(params.length + 8, 0);
  head.writeInt32BE(196_608, 4);
  return Buffer.concat([head, params]);
}

describe('countingSocket (the statement counter of the benchmarks and tests)', () => {
  const received: Buffer[] = [];
  const server = createServer((socket) => socket.on('data', (chunk: Buffer) => received.push(chunk)));
  let port = 0;
  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('counts each Execute and simple Query, across pipelined writes, and passes every byte on', async () => {
    let statements = 0;
    const socket = countingSocket(() => (statements += 1))({ host: ['127.0.0.1'], port: [port] });
    await once(socket, 'connect');
    const writes = [
      // The startup message: its bytes hold an 'E' and a 'Q' that are not message types.
      startup(),
      // Parse, Describe, Sync (a statement prepared, not run); then Bind, Execute, Sync, twice in one write.
      Buffer.concat([message('P', '\0select 1 as Q\0\0\0'), message('D', 'S'), message('S', '')]),
      Buffer.concat([message('B', '\0\0\0\0\0\0\0'), message('E', '\0\0\0\0\0'), message('S', ''), message('B', '\0\0\0\0\0\0\0'), message('E', '\0\0\0\0\0'), message('S', '')]),
      // BEGIN and COMMIT as simple queries.
      message('Q', 'begin\0'),
      message('Q', 'commit\0'),
    ];
    for (const chunk of writes) socket.write(chunk);
    socket.end();
    await once(socket, 'close');
    expect(statements).toBe(4);
    await expect.poll(() => Buffer.concat(received).length).toBe(Buffer.concat(writes).length);
    expect(Buffer.concat(received).equals(Buffer.concat(writes))).toBe(true);
  });
});
