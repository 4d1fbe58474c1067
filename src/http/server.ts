import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StartupError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from './metrics.js';

/** A named health check: resolves/returns true when healthy; a thrown error or `false` fails it. */
export type HealthCheck = () => boolean | Promise<boolean>;

export interface HttpServer {
  port: number;
  /** The address it listens on (HTTP_HOST, resolved). */
  address: string;
  close(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2_000;

/**
 * GET /healthz: runs every check (each bounded by 2 s) → 200 `{ status: "ok", checks }` or 503
 * `{ status: "unhealthy", failed: [...], checks }`. GET /metrics: Prometheus text format
 * (prom-client, the app's own registry).
 */
export async function startHttpServer(options: {
  port: number;
  host: string;
  checks: Record<string, HealthCheck>;
  metrics: Metrics;
  logger: Logger;
  /** GET /cal/<token>.ics: the cohort calendar a token opens, or undefined for 404 (src/http/calendar.ts). */
  calendar?: (token: string) => Promise<string | undefined>;
}): Promise<HttpServer> {
  const { checks, metrics, logger } = options;

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      metrics.render().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        (error: unknown) => {
          logger.error({ err: error }, 'metrics could not be collected');
          res.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics could not be collected; see the log.\n');
        },
      );
      return;
    }
    if (path === '/healthz') {
      runChecks(checks).then(
        (results) => {
          const failed = Object.entries(results).filter(([, r]) => r !== 'ok').map(([name]) => name);
          const body = JSON.stringify({ status: failed.length ? 'unhealthy' : 'ok', ...(failed.length ? { failed } : {}), checks: results });
          if (failed.length) logger.warn({ failed, checks: results }, 'health check failed');
          res.writeHead(failed.length ? 503 : 200, { 'content-type': 'application/json' }).end(body);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'health check crashed');
          res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'unhealthy', failed: ['internal'] }));
        },
      );
      return;
    }
    const cal = /^\/cal\/([^/]{1,200})\.ics$/.exec(path ?? '');
    if (cal && options.calendar) {
      options.calendar(cal[1]!).then(
        (feed) => {
          if (feed === undefined) res.writeHead(404, { 'content-type': 'text/plain' }).end('No calendar here: the link is wrong, was reset, or its member left the cohort.\n');
          else res.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8', 'cache-control': 'private, max-age=900' }).end(feed);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'calendar feed failed');
          res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '300' }).end('The calendar is not available right now; your calendar app will try again.\n');
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found. Try /healthz or /metrics.\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new StartupError(listenProblem(options.port, options.host, error), { cause: error })));
    server.listen(options.port, options.host, () => {
      server.removeAllListeners('error');
      server.on('error', (error) => logger.error({ err: error }, 'HTTP server error'));
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  logger.info({ port, host: options.host }, `HTTP server listening (/healthz, /metrics${options.calendar ? ', /cal/<token>.ics' : ''})`);

  return {
    port,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Why the server could not listen, in one sentence naming the setting to change. */
export function listenProblem(port: number, host: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return `HTTP_PORT ${port} is already in use on ${host} (another process, perhaps another Cohort, listens there): stop it or choose another HTTP_PORT.`;
    case 'EACCES':
      return `HTTP_PORT ${port} may not be used by this user (ports below 1024 need extra rights): choose a port from 1024 up.`;
    case 'EADDRNOTAVAIL':
      return `HTTP_HOST ${host} is not an address of this machine: use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HTTP_HOST ${host} does not resolve to an address: use an IP address such as 127.0.0.1 or 0.0.0.0.`;
    default:
      return `Cannot serve /healthz and /metrics on ${where} (${code ?? (error instanceof Error ? error.message : String(error))}): check HTTP_HOST and HTTP_PORT.`;
  }
}

async function runChecks(checks: Record<string, HealthCheck>): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, string]> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${name} did not answer within ${CHECK_TIMEOUT_MS / 1000} s`)), CHECK_TIMEOUT_MS);
        });
        const ok = await Promise.race([Promise.resolve(check()), timeout]);
        return [name, ok ? 'ok' : 'failing'];
      } catch (error) {
        return [name, error instanceof Error ? error.message : String(error)];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(entries);
}
