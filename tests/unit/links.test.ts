import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { checkLink, checkLinks, formatLinkReport } from '../../src/content/links.js';

/** A local site with every kind of link the checker meets in the wild. */
let server: Server;
let base: string;
let deadPort: number;
const hits = new Map<string, string[]>();
let inFlight = 0;
let maxInFlight = 0;
let poolSeen = 0;
const poolHeld: (() => void)[] = [];
const open = new Set<ServerResponse>();

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '/';
  hits.set(path, [...(hits.get(path) ?? []), req.method ?? '?']);
  const send = (status: number, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'text/html', ...headers });
    res.end(req.method === 'HEAD' ? undefined : `<p>${status}</p>`);
  };
  switch (path) {
    case '/live':
      return send(200);
    case '/dead':
      return send(404);
    case '/gone':
      return send(410);
    case '/moved':
      return send(301, { location: '/live' });
    case '/moved-twice':
      return send(302, { location: '/moved' });
    case '/moved-to-dead':
      return send(308, { location: '/dead' });
    case '/loop':
      return send(302, { location: '/loop' });
    case '/head-not-allowed':
      return req.method === 'HEAD' ? send(405) : send(200);
    case '/head-forbidden':
      return req.method === 'HEAD' ? send(403) : send(200);
    case '/head-not-implemented-then-gone':
      return req.method === 'HEAD' ? send(501) : send(410);
    case '/blocked':
      return send(403);
    case '/flaky': {
      // Fails the first time it is asked, then works: retries must get past it.
      return (hits.get(path)?.length ?? 0) === 1 ? send(503) : send(200);
    }
    case '/broken':
      return send(500);
    case '/slow':
      // Never answers; the checker must give up on its own. Closed in afterAll.
      open.add(res);
      return;
    default:
      if (path.startsWith('/pool/')) {
        // Answers are held until 4 are in flight (the concurrency the test asks for) or all 20 have
        // arrived: whether the checker runs them side by side does not depend on timing.
        inFlight += 1;
        poolSeen += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        poolHeld.push(() => {
          inFlight -= 1;
          send(200);
        });
        if (inFlight >= 4 || poolSeen >= 20) for (const answer of poolHeld.splice(0)) answer();
        return;
      }
      return send(404);
  }
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port that was just free and is closed again: connection refused, like being offline.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  deadPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  for (const res of open) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

// The local site answers at once, however slow the machine: its pages get a timeout far above any
// answer time (a short one raced the answers under load), and only /slow, which never answers,
// meets the short one (nothing to race there).
const fast = { timeoutMs: 60_000, backoffMs: 5, retries: 2 };
const neverAnswers = { ...fast, timeoutMs: 300 };

describe('checkLink', () => {
  it('a live page is ok after one HEAD', async () => {
    const result = await checkLink(`${base}/live`, fast);
    expect(result).toMatchObject({ state: 'ok', status: 200, attempts: 1 });
    expect(hits.get('/live')).toContain('HEAD');
  });

  it('404 and 410 are dead, with their status, and are not retried', async () => {
    expect(await checkLink(`${base}/dead`, fast)).toMatchObject({ state: 'dead', status: 404, reason: 'HTTP 404', attempts: 1 });
    expect(await checkLink(`${base}/gone`, fast)).toMatchObject({ state: 'dead', status: 410, reason: 'HTTP 410', attempts: 1 });
  });

  it('follows redirects and reports where they end', async () => {
    expect(await checkLink(`${base}/moved`, fast)).toMatchObject({ state: 'ok', status: 200, finalUrl: `${base}/live` });
    expect(await checkLink(`${base}/moved-twice`, fast)).toMatchObject({ state: 'ok', finalUrl: `${base}/live` });
    expect(await checkLink(`${base}/moved-to-dead`, fast)).toMatchObject({ state: 'dead', status: 404, finalUrl: `${base}/dead` });
  });

  it('a redirect loop is dead, without retries', async () => {
    expect(await checkLink(`${base}/loop`, fast)).toMatchObject({ state: 'dead', reason: 'too many redirects (a redirect loop)', attempts: 1 });
  });

  it('falls back to GET when HEAD is refused with 405, 403 or 501', async () => {
    expect(await checkLink(`${base}/head-not-allowed`, fast)).toMatchObject({ state: 'ok', status: 200, attempts: 2 });
    expect(hits.get('/head-not-allowed')).toEqual(['HEAD', 'GET']);
    expect(await checkLink(`${base}/head-forbidden`, fast)).toMatchObject({ state: 'ok', status: 200 });
    expect(await checkLink(`${base}/head-not-implemented-then-gone`, fast)).toMatchObject({ state: 'dead', status: 410 });
  });

  it('a site that refuses the check even with GET is unchecked, not dead', async () => {
    expect(await checkLink(`${base}/blocked`, fast)).toMatchObject({ state: 'unchecked', status: 403 });
  });

  it('retries a server error and accepts the page once it works', async () => {
    expect(await checkLink(`${base}/flaky`, fast)).toMatchObject({ state: 'ok', status: 200, attempts: 2 });
  });

  it('a server error that persists through 2 retries is dead after 3 tries', async () => {
    expect(await checkLink(`${base}/broken`, fast)).toMatchObject({ state: 'dead', status: 500, attempts: 3 });
    expect(hits.get('/broken')).toEqual(['HEAD', 'HEAD', 'HEAD']);
  });

  it('a page that never answers times out and is unchecked after the retries', async () => {
    const result = await checkLink(`${base}/slow`, { ...neverAnswers, retries: 1 });
    expect(result).toMatchObject({ state: 'unchecked', attempts: 2, reason: 'no answer within 0.3 s' });
    expect(result.status).toBeUndefined();
  });

  it('an unreachable port is unchecked (connection refused), never dead', async () => {
    const result = await checkLink(`http://127.0.0.1:${deadPort}/anything`, fast);
    expect(result).toMatchObject({ state: 'unchecked', reason: 'connection refused', attempts: 3 });
  });
});

describe('checkLinks', () => {
  it('checks at most `concurrency` links at a time, each distinct link once, in input order', async () => {
    const urls = Array.from({ length: 20 }, (_, i) => `${base}/pool/${i}`);
    const report = await checkLinks([...urls, urls[0]!], { ...fast, concurrency: 4 });
    expect(report.results.map((r) => r.url)).toEqual(urls);
    expect(report.ok).toBe(20);
    expect(maxInFlight).toBe(4);
    expect(hits.get('/pool/0')).toEqual(['HEAD']);
  });

  it('counts and reports dead and unchecked links', async () => {
    const report = await checkLinks([`${base}/live`, `${base}/dead`, `http://127.0.0.1:${deadPort}/x`], fast);
    expect(report).toMatchObject({ ok: 1, dead: 1, unchecked: 1, offline: false });
    const lines = formatLinkReport(report);
    expect(lines).toContain(`DEAD: ${base}/dead: HTTP 404`);
    expect(lines).toContain(`unchecked: http://127.0.0.1:${deadPort}/x: connection refused`);
    expect(lines.at(-1)).toBe('links: 1 ok, 1 dead, 1 unchecked of 3');
  });

  it('offline (nothing answers): everything unchecked, nothing dead, and it says so', async () => {
    const report = await checkLinks([`http://127.0.0.1:${deadPort}/a`, `http://127.0.0.1:${deadPort}/b`], { ...fast, retries: 0 });
    expect(report).toMatchObject({ ok: 0, dead: 0, unchecked: 2, offline: true });
    expect(formatLinkReport(report).at(-1)).toMatch(/offline\? nothing was marked dead/);
  });
});

describe('npm run content:check -- --links', () => {
  const run = promisify(execFile);
  const resource = (id: string, url: string) =>
    `- id: ${id}\n  title: ${id}\n  url: ${url}\n  kind: docs\n  level: beginner\n  free: true\n  topics: [python]\n  description: A test resource.\n`;

  async function check(resources: string[]): Promise<{ code: number; stdout: string }> {
    const dir = await mkdtemp(join(tmpdir(), 'cohort-links-'));
    try {
      await mkdir(join(dir, 'resources'));
      await writeFile(join(dir, 'resources', 'r.yaml'), resources.join(''));
      const result = await run(process.execPath, ['--import', 'tsx', 'src/content/check.ts', dir, '--links'], { cwd: process.cwd() }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );
      return result;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('exits 1 and names the dead link', { timeout: 120_000 }, async () => {
    const { code, stdout } = await check([resource('alive', `${base}/live`), resource('missing', `${base}/gone`)]);
    expect(stdout).toContain(`DEAD: resource missing <${base}/gone>: HTTP 410`);
    expect(stdout).toContain('links: 1 ok, 1 dead, 0 unchecked of 2');
    expect(code).toBe(1);
  });

  it('exits 0 when links could only not be checked', { timeout: 120_000 }, async () => {
    const { code, stdout } = await check([resource('unreachable', `http://127.0.0.1:${deadPort}/x`)]);
    expect(stdout).toContain('unchecked: resource unreachable');
    expect(stdout).toContain('offline?');
    expect(code).toBe(0);
  });
});
