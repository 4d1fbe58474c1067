import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * What the network between the bot and PostgreSQL does:
 * - pass: every byte goes through;
 * - pause: nothing goes through, nothing is lost (a server stopped with SIGSTOP, a stalled link):
 *   held bytes are delivered on `pass`, if their connection is still open;
 * - blackhole: every byte is swallowed, connections stay open (a firewall dropping packets); new
 *   connections are accepted and swallowed too. Connections swallowed from are closed on `pass`
 *   (their streams have holes);
 * - reset: every connection, open or new, is reset (RST): a server that crashed;
 * - drop: open connections are closed (FIN) and new ones refused (ECONNREFUSED): a server stopped.
 */
export type FaultMode = 'pass' | 'pause' | 'blackhole' | 'reset' | 'drop';

export interface FaultProxy {
  /** The target's URL with the proxy's host and port. */
  url: string;
  mode: FaultMode;
  set(mode: FaultMode): Promise<void>;
  /** Connections open through the proxy. */
  open(): number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  server: Socket;
  /** Bytes held while paused, each way. */
  toServer: Buffer[];
  toClient: Buffer[];
  swallowed: boolean;
}

/**
 * A TCP proxy in front of a PostgreSQL server (or anything on TCP) whose faults are switched on
 * demand. Only the proxy's own sockets are touched: the server behind it keeps running.
 */
export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port || 5432);
  const targetHost = target.hostname;
  const pairs = new Set<Pair>();
  let mode: FaultMode = 'pass';
  let server: Server | undefined;
  let port = 0;

  const end = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.server.destroy();
  };
  const reset = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.resetAndDestroy();
    pair.server.destroy();
  };
  const relay = (pair: Pair, from: 'client' | 'server', chunk: Buffer) => {
    if (mode === 'pass') (from === 'client' ? pair.server : pair.client).write(chunk);
    else if (mode === 'pause') (from === 'client' ? pair.toServer : pair.toClient).push(chunk);
    else if (mode === 'blackhole') pair.swallowed = true;
  };

  const accept = (client: Socket) => {
    if (mode === 'reset' || mode === 'drop') {
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = { client, server: connect(targetPort, targetHost), toServer: [], toClient: [], swallowed: false };
    pairs.add(pair);
    client.on('data', (chunk: Buffer) => relay(pair, 'client', chunk));
    pair.server.on('data', (chunk: Buffer) => relay(pair, 'server', chunk));
    for (const socket of [client, pair.server]) {
      socket.on('error', () => end(pair));
      socket.on('close', () => end(pair));
    }
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer(accept);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  await listen();

  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);

  return {
    url: url.toString(),
    get mode() {
      return mode;
    },
    async set(next: FaultMode) {
      mode = next;
      if (next === 'reset') for (const pair of [...pairs]) reset(pair);
      if (next === 'drop') {
        for (const pair of [...pairs]) end(pair);
        await stopListening();
      }
      if (next === 'pass') {
        if (!server) await listen();
        for (const pair of [...pairs]) {
          if (pair.swallowed) {
            end(pair);
            continue;
          }
          for (const chunk of pair.toServer.splice(0)) pair.server.write(chunk);
          for (const chunk of pair.toClient.splice(0)) pair.client.write(chunk);
        }
      }
    },
    open: () => pairs.size,
    async close() {
      for (const pair of [...pairs]) end(pair);
      await stopListening();
    },
  };
}
