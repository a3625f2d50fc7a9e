// Bodies are limited per route before anything is read, and read only after authentication and
// authorisation: an outsider's (or a viewer's) huge body is refused early over real HTTP, and the
// collector's memory stays flat.
import { request as httpRequest } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, createUser } from '../accounts/users.ts';
import { createCollector, listen, type Collector } from '../collector.ts';
import type { ServerType } from '@hono/node-server';
import { ENGINES, newDatabaseLocation } from '../store/test-database.ts';

describe.each(ENGINES)('%s', (engine) => {
  let collector: Collector;
  let server: ServerType;
  let base: string;
  const cookies: Record<'admin' | 'viewer', { cookie: string; csrf: string }> = {} as never;

  beforeAll(async () => {
    collector = await createCollector({
      dbFile: await newDatabaseLocation(engine, join(mkdtempSync(join(tmpdir(), 'tiebreak-limits-')), 'test.db')),
      log: pino({ level: 'silent' }),
    });
    for (const role of ['admin', 'viewer'] as const) {
      const id = await createUser(collector.db, `${role}-user`, role, 'a long enough password');
      const session = await createSession(collector.db, id);
      cookies[role] = { cookie: `tb_session=${session.cookie}`, csrf: session.csrf };
    }
    const listening = await listen(collector, 0, '127.0.0.1');
    server = listening.server;
    base = `http://127.0.0.1:${listening.port}`;
  });
  afterAll(async () => {
    await new Promise<void>((done) => server.close(() => done()));
    await collector.close();
  });

  interface Streamed {
    status: number | null;
    /** Bytes the client had written when the answer came (or the connection closed). */
    written: number;
  }

  /** POST `total` bytes in 1 MiB chunks, without Content-Length, stopping as soon as an answer or a close comes. */
  function streamLargeBody(path: string, total: number, headers: Record<string, string>): Promise<Streamed> {
    return new Promise((resolve) => {
      const url = new URL(path, base);
      const chunk = Buffer.alloc(1024 * 1024, 'a');
      let written = 0;
      let done = false;
      const finish = (status: number | null) => {
        if (done) return;
        done = true;
        resolve({ status, written });
        req.destroy();
      };
      const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } }, (res) => {
        res.resume();
        finish(res.statusCode ?? null);
      });
      req.on('error', () => finish(null));
      req.on('close', () => finish(null));
      const pump = () => {
        while (!done && written < total) {
          written += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!done) req.end();
      };
      req.write('_csrf=x&username=admin&password=');
      pump();
    });
  }

  const MiB = 1024 * 1024;

  describe('request bodies', () => {
    const cases: [string, string, () => Record<string, string>][] = [
      ['an unauthenticated login form', '/login', () => ({})],
      ["a viewer's post to an admin form", '/settings/users', () => ({ cookie: cookies.viewer.cookie })],
      ["an admin's form (its limit)", '/settings/users', () => ({ cookie: cookies.admin.cookie })],
      ['an unauthenticated admin form', '/agents/tokens', () => ({})],
    ];
    for (const [what, path, headers] of cases) {
      it(`refuses ${what} early under a huge streamed body, memory flat`, async () => {
        global.gc?.();
        const before = process.memoryUsage().rss;
        const result = await streamLargeBody(path, 512 * MiB, headers());
        const grown = process.memoryUsage().rss - before;
        // Refused long before the end: the server answered (or closed) after a few MiB at most, in
        // flight in the sockets' buffers.
        expect(result.written).toBeLessThan(128 * MiB);
        if (result.status !== null) expect([401, 403, 413]).toContain(result.status);
        // Reading it all would cost hundreds of MiB; a noisy machine moves RSS by tens.
        expect(grown).toBeLessThan(150 * MiB);
        // And the collector still answers.
        expect((await fetch(`${base}/healthz`)).status).toBe(200);
      });
    }

    it('refuses a declared Content-Length over the route limit before reading, with a readable reason', async () => {
      const res = await collector.app.request('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(64 * 1024) },
        body: 'x'.repeat(64 * 1024),
      });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: string }).error).toMatch(/too large.*limit 8192/);
    });

    it("reads a viewer's form not at all: refused for the role, not for the CSRF token", async () => {
      const res = await collector.app.request('/settings/users', {
        method: 'POST',
        headers: { cookie: cookies.viewer.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: cookies.viewer.csrf, username: 'someone' }),
      });
      expect(res.status).toBe(403);
      expect(await res.text()).toMatch(/read only/);
    });

    it("still accepts an admin's ordinary form and a spend CSV over the small limit", async () => {
      const res = await collector.app.request('/agents/tokens', {
        method: 'POST',
        headers: { cookie: cookies.admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: cookies.admin.csrf, name: 'limits' }),
      });
      expect(res.status).toBe(200);
      const form = new FormData();
      form.set('_csrf', cookies.admin.csrf);
      form.set('file', new File([`supplier;amount\n${'Éditeur;1\n'.repeat(20_000)}`], 'spend.csv', { type: 'text/csv' }));
      const spend = await collector.app.request('/assessment/spend', { method: 'POST', headers: { cookie: cookies.admin.cookie }, body: form });
      expect(spend.status).not.toBe(413);
    });
  });
});
