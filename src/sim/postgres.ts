import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import postgres from 'postgres';

/** A new empty database on a PostgreSQL server (named `<prefix>_<random>`); `drop` removes it. */
export async function scratchPostgres(serverUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 1 });
    },
  };
}

/**
 * A postgres.js `socket` factory whose connections call `onStatement` for each statement they send:
 * each Execute ('E', a statement of the extended protocol, prepared or not) and simple Query ('Q',
 * BEGIN, COMMIT) message of the frontend protocol. postgres.js writes whole messages, several to a
 * write when it pipelines; the first message of a connection (startup) has no type byte. Plain
 * TCP only: over TLS (`sslmode=require`) postgres.js writes past this socket and the count stays 0.
 */
export function countingSocket(onStatement: () => void) {
  return ({ host, port }: { host: string[]; port: number[] }): Socket => {
    const socket = connect(port[0] ?? 5432, host[0] ?? '127.0.0.1');
    let started = false;
    const write = socket.write.bind(socket) as (chunk: Uint8Array, ...rest: unknown[]) => boolean;
    socket.write = (chunk: Uint8Array, ...rest: unknown[]) => {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      let at = 0;
      if (!started) {
        started = true;
        at = bytes.readInt32BE(0);
      }
      while (at + 5 <= bytes.length) {
        const type = bytes[at];
        if (type === 0x45 || type === 0x51) onStatement();
        at += 1 + bytes.readInt32BE(at + 1);
      }
      return write(chunk, ...rest);
    };
    return socket;
  };
}

/**
 * postgres.js options whose connections count statements (countingSocket): spread them into a
 * pool's options. postgres.js takes a `socket` factory, though its types do not list it.
 */
export function countingStatements(onStatement: () => void): object {
  return { socket: countingSocket(onStatement) };
}
