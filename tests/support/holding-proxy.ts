import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the proxy is holding: never answered until `releaseAll()` (or the client gives up). */
export interface HeldRequest {
  method: string;
  path: string;
  /** True while the client still waits for the answer. */
  open: boolean;
}

export interface HoldingProxy {
  /** The REST base to give the bot (DISCORD_API_URL). */
  url: string;
  held: HeldRequest[];
  /** Forwards every held request (and from now on every request) to the target. */
  releaseAll(): void;
  close(): Promise<void>;
}

/**
 * A REST proxy in front of the fake Discord that holds the requests matching `hold` (a Discord
 * that does not answer, e.g. a slow fan-out or a hung callback) and forwards all others, so every
 * payload is still validated by the fake. The gateway is not proxied (the fake's /gateway/bot
 * names its own WebSocket URL).
 */
export interface HoldingProxyOptions {
  /**
   * A status to answer instead of the target's, after the target has taken the request (a 502 from
   * a gateway in front of Discord after Discord did the work); undefined passes the answer on.
   */
  answerInstead?: (method: string, path: string) => number | undefined;
}

export async function startHoldingProxy(target: string, hold: (method: string, path: string) => boolean, options: HoldingProxyOptions = {}): Promise<HoldingProxy> {
  const base = new URL(target);
  const prefix = base.pathname.replace(/\/$/, '');
  const waiting: { held: HeldRequest; forward: () => void }[] = [];
  let releasing = false;

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, path: string) => {
    const upstream = request(
      { host: base.hostname, port: base.port, method: req.method, path: req.url, headers: { ...req.headers, host: base.host } },
      (answer) => {
        const instead = options.answerInstead?.(req.method ?? 'GET', path);
        if (instead !== undefined) {
          answer.resume();
          res.writeHead(instead, { 'content-type': 'text/html' });
          res.end(`<html><body>${instead}</body></html>`);
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = (req.url ?? '/').split('?')[0]!.slice(prefix.length).replace(/^\/v\d+/, '');
      if (releasing || !hold(req.method ?? 'GET', path)) return forward(req, res, body, path);
      const held: HeldRequest = { method: req.method ?? 'GET', path, open: true };
      res.on('close', () => (held.open = false));
      waiting.push({ held, forward: () => forward(req, res, body, path) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    get held() {
      return waiting.map((w) => w.held);
    },
    releaseAll() {
      releasing = true;
      for (const w of waiting.splice(0)) if (w.held.open) w.forward();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
