// API tokens in process: created on the settings page, used on the JSON API with their role
// enforced, refused once expired or revoked, stored only as a hash. The command line's
// `api-token` runs as a process: test/api-token-cli.test.ts (e2e tier).
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollector, type Collector } from '../collector.ts';
import { rows, sql, value } from '../store/db.ts';
import { ENGINES, newDatabaseLocation } from '../store/test-database.ts';
import type { Engine } from '../store/db.ts';
import { createToken, enrolAgent } from '../store/tokens.ts';
import { createApiToken, formatApiTokens, listApiTokens, revokeApiToken } from './api-tokens.ts';
import { createSession, createUser } from './users.ts';

const collectors: Collector[] = [];
const tempDb = (engine: Engine) => newDatabaseLocation(engine, join(mkdtempSync(join(tmpdir(), 'tiebreak-api-tokens-')), 'test.db'));
async function make(engine: Engine, dbFile?: string): Promise<Collector> {
  const collector = await createCollector({ dbFile: dbFile ?? (await tempDb(engine)), log: pino({ level: 'silent' }) });
  collectors.push(collector);
  return collector;
}
afterAll(async () => {
  for (const c of collectors) await c.close();
});

const json = (res: Response) => res.json() as Promise<Record<string, any>>;
const withToken = (token: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
});
const asset = { name: 'Parapheur', vendor: 'Libriciel SCOP', area: 'logiciel', users: '40', annual_cost: '1200', year: '2026' };
const postAsset = (token: string) => withToken(token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(asset) });

describe.each(ENGINES)('%s', (engine) => {
  describe('API tokens on the JSON API', () => {
    let collector: Collector;
    let viewer: string;
    let admin: string;
    beforeAll(async () => {
      collector = await make(engine);
      viewer = (await createApiToken(collector.db, { name: 'bi-tool', role: 'viewer', expiresInDays: 30 })).token;
      admin = (await createApiToken(collector.db, { name: 'glpi-sync', role: 'admin' })).token;
    });

    it('lets a viewer token read the map and the assessment, and nothing without a token', async () => {
      for (const path of ['/api/v1/map', '/api/v1/assessment', '/api/v1/assessment/assets', '/api/v1/assessment/history']) {
        const res = await collector.app.request(path, withToken(viewer));
        expect(res.status, path).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/application\/json/);
      }
      expect((await collector.app.request('/api/v1/map')).status).toBe(401);
      const map = await json(await collector.app.request('/api/v1/map', withToken(viewer)));
      expect(map).toHaveProperty('totals');
    });

    it('refuses every change to a viewer token with a reason (403), and stores nothing', async () => {
      const post = await collector.app.request('/api/v1/assessment/assets', postAsset(viewer));
      expect(post.status).toBe(403);
      expect((await json(post)).error).toBe('API token "bi-tool" is read-only (viewer): it cannot change anything');
      const put = await collector.app.request(
        '/api/v1/assessment/targets',
        withToken(viewer, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ indicator: 'non_eu_share', year: 2030, value: 0.2 }),
        }),
      );
      expect(put.status).toBe(403);
      const del = await collector.app.request('/api/v1/assessment/assets/1', withToken(viewer, { method: 'DELETE' }));
      expect(del.status).toBe(403);
      expect((await json(await collector.app.request('/api/v1/assessment/assets', withToken(viewer)))).assets).toEqual([]);
    });

    it('lets an admin token change things without a CSRF token, recorded under its name', async () => {
      const post = await collector.app.request('/api/v1/assessment/assets', postAsset(admin));
      expect(post.status).toBe(201);
      const { id } = await json(post);
      expect(await value(collector.db, sql`SELECT created_by FROM declared_assets WHERE id = ${id}`)).toBe('api-token:glpi-sync');
      const assets = (await json(await collector.app.request('/api/v1/assessment/assets', withToken(viewer)))).assets;
      expect(assets.map((a: { name: string }) => a.name)).toEqual(['Parapheur']);
      const del = await collector.app.request(`/api/v1/assessment/assets/${id}`, withToken(admin, { method: 'DELETE' }));
      expect(del.status).toBe(204);
    });

    it('keeps the CSRF token for changes made with a session', async () => {
      const session = await createSession(collector.db, await createUser(collector.db, 'admin-user', 'admin', 'a long enough password'));
      const cookie = `tb_session=${session.cookie}`;
      const without = await collector.app.request('/api/v1/assessment/assets', {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify(asset),
      });
      expect(without.status).toBe(403);
      const withCsrf = await collector.app.request('/api/v1/assessment/assets', {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': session.csrf },
        body: JSON.stringify(asset),
      });
      expect(withCsrf.status).toBe(201);
      // A bad token is refused even alongside a good session: the header says who is asking.
      const both = await collector.app.request('/api/v1/map', { headers: { cookie, authorization: 'Bearer tbt_not-a-real-token' } });
      expect(both.status).toBe(401);
    });

    it('refuses an expired, a revoked, an unknown or a malformed token with a reason (401)', async () => {
      const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
      const expired = await createApiToken(collector.db, { name: 'old-export', role: 'admin', expiresInDays: 1 }, twoDaysAgo);
      const res = await collector.app.request('/api/v1/map', withToken(expired.token));
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await json(res)).error).toBe(`API token "old-export" expired on ${expired.expires_at}`);

      const revoked = await createApiToken(collector.db, { name: 'leaked', role: 'viewer' });
      expect((await collector.app.request('/api/v1/map', withToken(revoked.token))).status).toBe(200);
      expect(await revokeApiToken(collector.db, revoked.id)).toBe(true);
      expect(await revokeApiToken(collector.db, revoked.id)).toBe(false);
      const after = await collector.app.request('/api/v1/map', withToken(revoked.token));
      expect(after.status).toBe(401);
      expect((await json(after)).error).toMatch(/^API token "leaked" was revoked on \d{4}-/);

      expect((await json(await collector.app.request('/api/v1/map', withToken('tbt_unknown')))).error).toBe('unknown API token');
      const malformed = await collector.app.request('/api/v1/map', { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } });
      expect(malformed.status).toBe(401);
      expect((await json(malformed)).error).toMatch(/Bearer/);
    });

    it("accepts neither an agent's credential nor an enrolment token as an API token, and grants no web page", async () => {
      const enrolment = await createToken(collector.db, 'agents');
      const agent = await enrolAgent(collector.db, enrolment.id, { id: 'host-1', hostname: 'pc-1' }, null);
      if (!agent.ok) throw new Error(agent.reason);
      for (const credential of [enrolment.token, agent.credential])
        expect((await collector.app.request('/api/v1/map', withToken(credential))).status).toBe(401);
      // The web pages need a session: a token there is no login.
      const page = await collector.app.request('/hosts', withToken(viewer));
      expect(page.status).toBe(302);
      expect(page.headers.get('location')).toMatch(/^\/login/);
    });

    it('stores the hash only, and when each token was last used', async () => {
      const stored = await rows<{ name: string; token_hash: string; last_used_at: string | null }>(
        collector.db,
        sql`SELECT name, token_hash, last_used_at FROM api_tokens ORDER BY id`,
      );
      expect(stored[0]).toMatchObject({ name: 'bi-tool', token_hash: createHash('sha256').update(viewer).digest('hex') });
      expect(stored[0]!.last_used_at).toMatch(/^\d{4}-/);
      const text = JSON.stringify(await rows(collector.db, sql`SELECT * FROM api_tokens`));
      expect(text).not.toContain(viewer.slice(4));
      expect(text).not.toContain(admin.slice(4));
    });

    it('refuses a bad name, role or expiry', async () => {
      await expect(createApiToken(collector.db, { name: '  ', role: 'viewer' })).rejects.toThrow(/name/);
      await expect(createApiToken(collector.db, { name: 'x', role: 'root' as never })).rejects.toThrow(/admin or viewer, not root/);
      await expect(createApiToken(collector.db, { name: 'x', role: 'viewer', expiresInDays: 0 })).rejects.toThrow(/1 to 3650/);
      await expect(createApiToken(collector.db, { name: 'x', role: 'viewer', expiresInDays: 1.5 })).rejects.toThrow(/whole number/);
    });
  });

  describe('API tokens on the settings page', () => {
    let collector: Collector;
    let admin: { cookie: string; csrf: string };
    let viewer: { cookie: string; csrf: string };
    beforeAll(async () => {
      collector = await make(engine);
      const a = await createSession(collector.db, await createUser(collector.db, 'dsi-admin', 'admin', 'a long enough password'));
      const v = await createSession(collector.db, await createUser(collector.db, 'dsi-viewer', 'viewer', 'a long enough password'));
      admin = { cookie: `tb_session=${a.cookie}`, csrf: a.csrf };
      viewer = { cookie: `tb_session=${v.cookie}`, csrf: v.csrf };
    });
    const form = (who: { cookie: string; csrf: string }, fields: Record<string, string>): RequestInit => ({
      method: 'POST',
      headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: who.csrf, ...fields }),
    });

    it('creates a token shown once, lists it, and revokes it (French by default)', async () => {
      const empty = await (await collector.app.request('/settings', { headers: { cookie: admin.cookie } })).text();
      expect(empty).toContain('Jetons d’API');
      expect(empty).toContain('Aucun jeton d’API.');

      const created = await collector.app.request('/settings/api-tokens', form(admin, { name: 'Tableur DSI', role: 'viewer', expires_days: '90' }));
      expect(created.status).toBe(200);
      expect(created.headers.get('cache-control')).toBe('no-store');
      const page = await created.text();
      expect(page).toContain('affiché une seule fois');
      const token = /data-testid="new-api-token">(tbt_[A-Za-z0-9_-]+)</.exec(page)![1]!;
      expect((await collector.app.request('/api/v1/map', withToken(token))).status).toBe(200);

      const listed = await (await collector.app.request('/settings', { headers: { cookie: admin.cookie } })).text();
      expect(listed).toContain('Tableur DSI');
      expect(listed).toContain('lecteur');
      expect(listed).not.toContain(token);
      const [row] = await listApiTokens(collector.db);
      expect(row).toMatchObject({ name: 'Tableur DSI', role: 'viewer', created_by: 'dsi-admin', revoked_at: null });
      expect(Date.parse(row!.expires_at!) - Date.now()).toBeGreaterThan(89 * 86_400_000);

      const revoked = await collector.app.request(`/settings/api-tokens/${row!.id}/revoke`, form(admin, {}));
      expect(revoked.status).toBe(302);
      expect((await collector.app.request('/api/v1/map', withToken(token))).status).toBe(401);
      expect(await (await collector.app.request('/settings', { headers: { cookie: admin.cookie } })).text()).toContain('révoqué');
    });

    it('speaks English, and refuses a bad expiry with a reason', async () => {
      const english = await (await collector.app.request('/settings?lang=en', { headers: { cookie: admin.cookie } })).text();
      expect(english).toContain('API tokens');
      expect(english).toContain('Expires in (days, empty: never)');
      const created = await (
        await collector.app.request('/settings/api-tokens?lang=en', form(admin, { name: 'admin script', role: 'admin', expires_days: '' }))
      ).text();
      expect(created).toContain('New API token (shown only once, copy it now):');
      expect((await listApiTokens(collector.db)).find((t) => t.name === 'admin script')).toMatchObject({ role: 'admin', expires_at: null });
      const bad = await collector.app.request('/settings/api-tokens', form(admin, { name: 'x', role: 'viewer', expires_days: '-3' }));
      expect(bad.status).toBe(400);
      // The domain's reason in the page's language (French by default).
      expect(await bad.text()).toMatch(/pas «\s-3\s»/u);
    });

    it('describes every API route on a readable page, linked from the tokens', async () => {
      const settings = await (await collector.app.request('/settings', { headers: { cookie: admin.cookie } })).text();
      expect(settings).toContain('href="/settings/api"');
      const page = await collector.app.request('/settings/api', { headers: { cookie: viewer.cookie } });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<code>GET /api/v1/map</code>');
      expect(html).toContain('<code>DELETE /api/v1/assessment/assets/{id}</code>');
      expect(html).toContain('modification\u202f: jeton d’API administrateur');
      expect(html).toContain('href="/api/v1/openapi.json"');
      expect(await (await collector.app.request('/settings/api?lang=en', { headers: { cookie: viewer.cookie } })).text()).toContain(
        'read: API token or session',
      );
    });

    it('is for admins only: a viewer neither sees nor creates tokens', async () => {
      const page = await (await collector.app.request('/settings', { headers: { cookie: viewer.cookie } })).text();
      expect(page).not.toContain('Jetons d’API');
      const before = (await listApiTokens(collector.db)).length;
      expect((await collector.app.request('/settings/api-tokens', form(viewer, { name: 'sneaky', role: 'admin' }))).status).toBe(403);
      expect((await listApiTokens(collector.db)).length).toBe(before);
    });
  });
});

describe('api-token list', () => {
  it('formats an expired token as expired', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const text = formatApiTokens(
      [
        {
          id: 7,
          name: 'old',
          role: 'viewer',
          created_at: '2026-01-01T00:00:00.000Z',
          created_by: 'cli',
          expires_at: '2026-02-01T00:00:00.000Z',
          revoked_at: null,
          last_used_at: null,
        },
      ],
      now,
    );
    expect(text).toMatch(/\n7\s+old\s+viewer\s+expired\s+2026-01-01 00:00\s+2026-02-01 00:00\s+-\n$/);
  });
});
