// Password guessing: the limits count per account and per real address (X-Forwarded-For only from
// trusted proxies), nobody can lock a known account out, and the hashing leaves the event loop free.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scryptSync } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../accounts/users.ts';
import { createCollector, type Collector } from '../collector.ts';
import type { Engine } from '../store/db.ts';
import { ENGINES, newDatabaseLocation } from '../store/test-database.ts';
import { parseTrustedProxies } from './auth.ts';
import { longestStall } from '../../../test/event-loop.ts';

const PASSWORD = 'the right password, long';
const collectors: Collector[] = [];

/** A collector on a new database, or on `location` (another process on the same database). */
async function make(engine: Engine, trustProxy: string[] = [], location?: string): Promise<Collector> {
  const collector = await createCollector({
    dbFile: location ?? (await newDatabaseLocation(engine, join(mkdtempSync(join(tmpdir(), 'tiebreak-login-')), 'test.db'))),
    log: pino({ level: 'silent' }),
    trustProxy: parseTrustedProxies(trustProxy),
  });
  if (!location) await createUser(collector.db, 'admin', 'admin', PASSWORD);
  collectors.push(collector);
  return collector;
}

afterAll(async () => {
  for (const c of collectors) await c.close();
});

/** A login attempt from `address` (the socket's peer), as the Node server would hand it over. */
async function attempt(collector: Collector, address: string, password: string, headers: Record<string, string> = {}, username = 'admin') {
  const form = await collector.app.request('/login');
  const csrf = /tb_login_csrf=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')![1]!;
  const res = await collector.app.request(
    '/login',
    {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...headers,
        cookie: [`tb_login_csrf=${csrf}`, headers.cookie].filter(Boolean).join('; '),
      },
      body: new URLSearchParams({ _csrf: csrf, username, password, next: '/' }),
    },
    { incoming: { socket: { remoteAddress: address } } },
  );
  return { status: res.status, retryAfter: Number(res.headers.get('retry-after') ?? 0), setCookie: res.headers.get('set-cookie') ?? '' };
}

describe.each(ENGINES)('%s', (engine) => {
  describe('login limits', () => {
    let direct: Collector;
    let proxied: Collector;
    beforeAll(async () => {
      direct = await make(engine);
      proxied = await make(engine, ['10.0.0.1', '192.168.0.0/16']);
    });

    it('ignores X-Forwarded-For from an untrusted peer: one guesser is slowed down whatever it claims', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++)
        statuses.push((await attempt(direct, '203.0.113.7', 'wrong guess', { 'x-forwarded-for': `198.51.100.${i}` }, `nobody${i}`)).status);
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.at(-1)).toBe(429);
    });

    it("believes a trusted proxy's X-Forwarded-For, the address just before the proxies", async () => {
      for (let i = 0; i < 8; i++) await attempt(proxied, '10.0.0.1', 'wrong guess', { 'x-forwarded-for': `6.6.6.6, 198.51.100.9, 192.168.3.4` }, `other${i}`);
      expect((await attempt(proxied, '10.0.0.1', 'wrong guess', { 'x-forwarded-for': '198.51.100.9' }, 'someone')).status).toBe(429);
      // Another client behind the same proxy is not held back by that one.
      expect((await attempt(proxied, '10.0.0.1', 'wrong guess', { 'x-forwarded-for': '198.51.100.10' }, 'someone-else')).status).toBe(401);
    });

    // The collectors above serve the next tests too, each with accounts and addresses of its own:
    // a collector is slow to make (its rules), the limits' state is what each test starts afresh.
    it('counts failures per account across addresses, with a delay that grows to a minute at most, never a lock', async () => {
      const collector = direct;
      let last = { status: 0, retryAfter: 0, setCookie: '' };
      for (let i = 0; i < 12; i++) last = await attempt(collector, `198.51.100.${i}`, `guess ${i}`);
      expect(last.status).toBe(429);
      expect(last.retryAfter).toBeGreaterThan(0);
      expect(last.retryAfter).toBeLessThanOrEqual(60);
    });

    it('lets the owner in from a browser where they logged in before, whatever outsiders did to the account', async () => {
      const collector = proxied;
      const first = await attempt(collector, '192.0.2.1', PASSWORD);
      expect(first.status).toBe(302);
      const device = /tb_device=([^;]+)/.exec(first.setCookie)![1]!;
      for (let i = 0; i < 12; i++) await attempt(collector, `198.51.100.${100 + i}`, `guess ${i}`);
      expect((await attempt(collector, '198.51.100.199', PASSWORD)).status).toBe(429);
      expect((await attempt(collector, '192.0.2.1', PASSWORD, { cookie: `tb_device=${device}` })).status).toBe(302);
      // The device cookie of one account is worth nothing for another, nor forged.
      await createUser(collector.db, 'viewer', 'viewer', PASSWORD);
      for (let i = 0; i < 12; i++) await attempt(collector, `198.51.100.${100 + i}`, `guess ${i}`, {}, 'viewer');
      expect((await attempt(collector, '192.0.2.1', PASSWORD, { cookie: `tb_device=${device}` }, 'viewer')).status).toBe(429);
      expect(
        (await attempt(collector, '192.0.2.1', PASSWORD, { cookie: `tb_device=${Buffer.from('viewer').toString('base64url')}.x.y` }, 'viewer')).status,
      ).toBe(429);
    });

    it('hashes off the event loop: guesses at once leave it free', async () => {
      const collector = proxied;
      const started = performance.now();
      scryptSync('x', 'salt', 32, { N: 16384, r: 8, p: 1 });
      const oneHash = performance.now() - started;
      const longest = await longestStall(() =>
        Promise.all(Array.from({ length: 12 }, (_, i) => attempt(collector, `198.51.100.${50 + i}`, `guess ${i}`, {}, `user${i}`))),
      );
      // Twelve hashes in a row would stall it twelve times as long as one.
      expect(longest).toBeLessThan(Math.max(4 * oneHash, 100));
    });

    it('shares the limits between two collector processes on one database', async () => {
      const location = await newDatabaseLocation(engine, join(mkdtempSync(join(tmpdir(), 'tiebreak-login-')), 'shared.db'));
      const one = await make(engine, [], location);
      await createUser(one.db, 'admin', 'admin', PASSWORD);
      const two = await make(engine, [], location);
      // A guesser that spreads its attempts over both processes is counted once, whole.
      for (let i = 0; i < 5; i++) expect((await attempt(i % 2 ? one : two, '203.0.113.9', 'wrong guess', {}, `spread${i}`)).status).toBe(401);
      const held = await attempt(two, '203.0.113.9', 'wrong guess', {}, 'spread-last');
      expect(held.status).toBe(429);
      expect(held.retryAfter).toBeGreaterThan(0);
      expect((await attempt(one, '203.0.113.9', PASSWORD)).status).toBe(429);
      // So is a guesser of one account from many addresses, and the owner's browser is known to both.
      const owner = await attempt(one, '192.0.2.50', PASSWORD);
      expect(owner.status).toBe(302);
      const device = /tb_device=([^;]+)/.exec(owner.setCookie)![1]!;
      for (let i = 0; i < 12; i++) await attempt(i % 2 ? one : two, `198.51.100.${100 + i}`, `guess ${i}`);
      expect((await attempt(one, '198.51.100.200', PASSWORD)).status).toBe(429);
      expect((await attempt(two, '192.0.2.50', PASSWORD, { cookie: `tb_device=${device}` })).status).toBe(302);
      // A session opened by one process is valid on the other.
      const session = /tb_session=([^;]+)/.exec((await attempt(two, '192.0.2.51', PASSWORD, { cookie: `tb_device=${device}` })).setCookie)![1]!;
      expect((await one.app.request('/settings', { headers: { cookie: `tb_session=${session}` } })).status).toBe(200);
    });
  });
});
