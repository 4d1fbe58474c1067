/**
 * The REST server: parses each request (JSON or multipart), applies the global rate limit,
 * validates the body against Discord's OpenAPI spec (spec.ts; problems go to `violations`),
 * checks the bot token, applies injected failures (`failWith`), runs the matching route, records
 * the request and answers with Discord's headers and errors.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { HttpError, defaultStatusFor } from './errors.js';
import type { Obj } from './model.js';
import type { Route } from './routes.js';
import { validateDiscordRequest } from './spec.js';
import type { SimState } from './state.js';
import type { FailRule, RecordedFile, RecordedRequest, Violation } from './types.js';

export interface RestOptions {
  /** global REST rate limit (requests per rolling second); unset = unlimited */
  rateLimitPerSecond?: number | undefined;
  /** paths (normalised) never subject to the global rate limit */
  rateLimitExempt: RegExp;
}

export class RestServer {
  readonly server: Server;
  readonly requests: RecordedRequest[] = [];
  readonly violations: Violation[] = [];
  private readonly failRules: (FailRule & { remaining: number; hits: number })[] = [];
  /** responses held by a 'hang' fault (closed by clearFailures or close) */
  private readonly hanging = new Set<ServerResponse>();
  private readonly rateWindow: number[] = [];
  private readonly sockets = new Set<Socket>();
  /** set once the routes are built (they need the server's port) */
  routes: Route[] = [];

  constructor(
    private readonly state: SimState,
    private readonly options: RestOptions,
  ) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) send(res, 500, { message: String(e), code: 0 });
      });
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  failWith(rule: FailRule): { readonly hits: number } {
    const entry = { ...rule, remaining: rule.times ?? Number.POSITIVE_INFINITY, hits: 0 };
    this.failRules.push(entry);
    return {
      get hits() {
        return entry.hits;
      },
    };
  }

  clearFailures(): void {
    this.failRules.splice(0);
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }

  waitFor(predicate: (r: RecordedRequest) => boolean, timeoutMs = 5000): Promise<RecordedRequest> {
    const hit = this.requests.find(predicate);
    if (hit) return Promise.resolve(hit);
    const { events } = this.state;
    return new Promise((resolve, reject) => {
      const onReq = (r: RecordedRequest): void => {
        if (predicate(r)) {
          clearTimeout(timer);
          events.off('request', onReq);
          resolve(r);
        }
      };
      const timer = setTimeout(() => {
        events.off('request', onReq);
        const recent = this.requests
          .slice(-15)
          .map((r) => `  ${r.method} ${r.path} -> ${r.status}`)
          .join('\n');
        reject(new Error(`fake.waitFor timed out after ${timeoutMs}ms. Last requests:\n${recent || '  (none)'}`));
      }, timeoutMs);
      events.on('request', onReq);
    });
  }

  async close(): Promise<void> {
    this.clearFailures();
    this.server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (query[k] = v));
    if (method === 'GET' && url.pathname.startsWith('/attachments/')) {
      // Discord's CDN: an uploaded file (fake.uploadAttachment), not the API (no rate limit, not recorded).
      const upload = this.state.uploads.get(url.pathname.split('/')[3] ?? '');
      if (!upload) return send(res, 404, { message: '404: Not Found', code: 0 });
      res.writeHead(200, { 'content-type': upload.contentType, 'content-length': String(upload.data.length) });
      res.end(upload.data);
      return;
    }
    const path = normalisePath(url.pathname);
    this.state.stats.requests++;

    // global rate limit (before anything is recorded: the request never "reached" Discord)
    const limit = this.options.rateLimitPerSecond;
    if (limit && !this.options.rateLimitExempt.test(path)) {
      const window = this.rateWindow;
      const now = Date.now();
      while (window.length && window[0]! <= now - 1000) window.shift();
      if (window.length >= limit) {
        this.state.stats.rateLimited++;
        const retryAfter = Math.max(0.001, (window[0]! + 1000 - now) / 1000);
        send(
          res,
          429,
          { message: 'You are being rate limited.', retry_after: Number(retryAfter.toFixed(3)), global: true },
          { 'retry-after': retryAfter.toFixed(3), 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' },
        );
        return;
      }
      window.push(now);
    }

    let parsed: { body: unknown; files: RecordedFile[] };
    try {
      parsed = await parseBody(req, raw);
    } catch (e) {
      send(res, 400, { message: `fake-discord: cannot parse body: ${String(e)}`, code: 50109 });
      return;
    }
    const record: RecordedRequest = {
      method,
      path,
      rawPath: req.url ?? '',
      query,
      body: parsed.body,
      files: parsed.files,
      headers: req.headers,
      status: 0,
      at: Date.now(),
    };

    if (parsed.body !== undefined && !path.startsWith('/gateway')) {
      const problems = validateDiscordRequest(method, path, parsed.body);
      if (problems.length) this.violations.push({ method, path, problems });
    }

    let status = 500;
    let json: unknown;
    const headers = rateLimitHeaders(path);
    let rule: (typeof this.failRules)[number] | undefined;
    try {
      const needsAuth = !/^\/(interactions|webhooks)\//.test(path) && path !== '/gateway';
      if (needsAuth && !String(req.headers.authorization ?? '').startsWith('Bot ')) {
        throw new HttpError(401, 0, '401: Unauthorized');
      }
      rule = this.failRules.find((r) => (!r.method || r.method.toUpperCase() === method) && r.path.test(path) && r.remaining > 0);
      if (rule) {
        rule.remaining--;
        rule.hits++;
        this.state.stats.injectedFailures++;
        if (!rule.applied) throw faultError(rule);
      }
      const r = this.routes.find((x) => x.method === method && x.re.test(path));
      if (!r) throw new HttpError(404, 0, '404: Not Found');
      const params = (r.re.exec(path) ?? []).slice(1);
      // Objects and arrays (PUT /commands) are handed over as they are; anything else is {}.
      const body = (parsed.body && typeof parsed.body === 'object' ? parsed.body : {}) as Obj;
      const out = r.handler({ method, path, params, query, body, files: parsed.files });
      status = out.status;
      json = out.json;
      if (rule) throw faultError(rule); // applied: it took effect, and the answer is lost
    } catch (e) {
      if (e instanceof HttpError) {
        status = e.status;
        json = { message: e.message, code: e.code, ...(e.errors ? { errors: e.errors } : {}) };
      } else {
        status = 500;
        json = { message: `fake-discord internal error: ${e instanceof Error ? (e.stack ?? String(e)) : String(e)}`, code: 0 };
      }
    }
    // A transport fault: the client gets no answer at all (status 0 in the record).
    const transport = rule?.fault === 'hang' || rule?.fault === 'reset' ? rule.fault : undefined;
    record.status = transport ? 0 : status;
    this.requests.push(record);
    if (transport === 'reset') req.socket.destroy();
    else if (transport === 'hang') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
    } else {
      // Listeners run after the request took effect and before its answer is written (a test can kill the bot there: the answer is lost).
      this.state.events.emit('answering', record);
      send(res, status, json, headers);
    }
    this.state.events.emit('request', record);
  }
}

function faultError(rule: FailRule): HttpError {
  const status = rule.status ?? (rule.code !== undefined ? defaultStatusFor(rule.code) : 500);
  return new HttpError(status, rule.code ?? 0, rule.message ?? (rule.code === undefined ? `${status}: fake-discord injected fault` : undefined));
}

/** No /api/v10 prefix, URL-decoded segments (`@original`), no trailing slash. */
function normalisePath(pathname: string): string {
  let path = pathname.replace(/^\/api(\/v\d+)?/, '');
  path = path
    .split('/')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    })
    .join('/');
  if (path.length > 1) path = path.replace(/\/$/, '');
  return path;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function parseBody(req: IncomingMessage, raw: Buffer): Promise<{ body: unknown; files: RecordedFile[] }> {
  const ct = String(req.headers['content-type'] ?? '');
  if (raw.length === 0) return { body: undefined, files: [] };
  if (ct.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': ct } }).formData();
    let body: unknown = undefined;
    const files: RecordedFile[] = [];
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = JSON.parse(value);
        continue;
      }
      const blob = value as Blob & { name?: string };
      const bytes = Buffer.from(await blob.arrayBuffer());
      files.push({ field, name: blob.name ?? field, contentType: blob.type, size: bytes.length, bytes });
    }
    return { body, files };
  }
  const text = raw.toString('utf8');
  try {
    return { body: JSON.parse(text), files: [] };
  } catch {
    return { body: text, files: [] };
  }
}

function rateLimitHeaders(path: string): Record<string, string> {
  const resetAfter = 1;
  return {
    'x-ratelimit-limit': '1000',
    'x-ratelimit-remaining': '999',
    'x-ratelimit-reset': ((Date.now() + resetAfter * 1000) / 1000).toFixed(3),
    'x-ratelimit-reset-after': resetAfter.toFixed(3),
    'x-ratelimit-bucket': Buffer.from(path.replace(/\d{15,}/g, ':id')).toString('hex').slice(0, 32),
  };
}

function send(res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void {
  if (status === 204 || json === undefined) {
    res.writeHead(status, headers); // no content-type on empty responses
    res.end();
    return;
  }
  const text = JSON.stringify(json);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}
