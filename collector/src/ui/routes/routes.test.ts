// The web interface's features in process (app.request), on both engines: a host's page (its
// installations searched and paginated, vendors by name, its own dependency), the hosts' dependency
// column, the agents linked to their hosts, products grouped with their raw lines, the local login
// switch, and the one error model (a form's reason in the page's language, the API's JSON).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInventory } from '../../../../test/fixtures.ts';
import { runCli } from '../../../../test/helpers.ts';
import { listAudit } from '../../accounts/audit.ts';
import { directoryConfigFromEnv } from '../../accounts/directory-config.ts';
import { createSession, createUser } from '../../accounts/users.ts';
import { createCollector, type Collector } from '../../collector.ts';
import { DomainError } from '../../errors.ts';
import { first, sql, value } from '../../store/db.ts';
import { ENGINES, newDatabaseLocation } from '../../store/test-database.ts';
import { createToken, enrolAgent } from '../../store/tokens.ts';

const PASSWORD = 'a long enough password';
/** A directory login configured (never contacted here: local accounts' names never go to it). */
const LDAP = directoryConfigFromEnv({
  TIEBREAK_LDAP_URL: 'ldap://127.0.0.1:1',
  TIEBREAK_LDAP_BIND_DN: 'cn=tiebreak,dc=example,dc=org',
  TIEBREAK_LDAP_BIND_PASSWORD: 'secret',
  TIEBREAK_LDAP_BASE_DN: 'dc=example,dc=org',
  TIEBREAK_LDAP_ADMIN_GROUPS: 'cn=dsi,dc=example,dc=org',
});

/** 60 business applications nobody knows, then well-known software: more than a page on one host. */
const MANY = [
  ...Array.from({ length: 60 }, (_, i) => ({ name: `Application métier ${String(i).padStart(2, '0')}`, version: '1.0', publisher: 'Éditeur Régional SARL' })),
  { name: 'Google Chrome', version: '131.0.6778.86', publisher: 'Google LLC' },
  { name: 'Mozilla Firefox (x64 fr)', version: '133.0', publisher: 'Mozilla' },
  { name: 'VMware Tools', version: '12.4.5', publisher: 'VMware, Inc.' },
];

describe.each(ENGINES)('%s', (engine) => {
  let collector: Collector;
  let location: string;
  let admin: string;
  let csrf: string;
  let bigHost: number;

  const get = (path: string, cookie = admin) => collector.app.request(path, { headers: { cookie } });
  const post = (path: string, fields: Record<string, string>, cookie = admin, token = csrf, app = collector.app) =>
    app.request(path, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: token, ...fields }),
    });

  async function send(inventory: ReturnType<typeof makeInventory>) {
    const token = await createToken(collector.db, `agent-${inventory.host.hostname}`);
    const enrolment = await enrolAgent(collector.db, token.id, { id: inventory.host.id, hostname: inventory.host.hostname }, '0.1.0');
    if (!enrolment.ok) throw new Error(enrolment.reason);
    const res = await collector.app.request('/api/v1/inventories', {
      method: 'POST',
      headers: { authorization: `Bearer ${enrolment.credential}`, 'content-type': 'application/json' },
      body: JSON.stringify(inventory),
    });
    expect(res.status).toBe(200);
  }

  beforeAll(async () => {
    location = await newDatabaseLocation(engine, join(mkdtempSync(join(tmpdir(), 'tiebreak-routes-')), 'test.db'));
    collector = await createCollector({ dbFile: location, log: pino({ level: 'silent' }), snapshotDelayMs: 0, directory: LDAP });
    // An API route that the domain refuses (added before the router is built by a first request).
    collector.app.get('/api/v1/test-refusal', () => {
      throw new DomainError('conflict', 'already decided', 'userExists', { name: 'x' });
    });
    const session = await createSession(collector.db, await createUser(collector.db, 'dsi', 'admin', PASSWORD));
    admin = `tb_session=${session.cookie}`;
    csrf = session.csrf;
    await send(makeInventory({ machine: 'poste-big', software: MANY }));
    await send(makeInventory({ machine: 'poste-2', software: [{ name: 'Google Chrome', version: '131.0', publisher: 'Google LLC' }] }));
    // Two servers, two editions of one product of the rules: two inventory lines, one product.
    for (const [machine, osName] of [
      ['srv-1', 'Microsoft Windows Server 2022 Standard'],
      ['srv-2', 'Microsoft Windows Server 2019 Datacenter'],
    ])
      await send(makeInventory({ machine, osName, software: [] }));
    bigHost = (await value<number>(collector.db, sql`SELECT id FROM hosts WHERE hostname = 'POSTE-BIG'`))!;
  });
  afterAll(() => collector?.close());

  describe('a host', () => {
    it('lists its installations a page at a time, non-European first, vendors by name', async () => {
      const page1 = await (await get(`/hosts/${bigHost}`)).text();
      expect(page1).toContain('href="/vendors/google">Google</a>');
      expect(page1).not.toContain('<td>google</td>');
      // Non-European items first: Chrome is on the first page, the 50th unknown application is not.
      expect(page1).toContain('Google Chrome');
      expect(page1).toMatch(/Page 1 sur 2/);
      const page2 = await (await get(`/hosts/${bigHost}?page=2`)).text();
      expect(page2).toMatch(/Page 2 sur 2/);
      expect(page2).not.toContain('Google Chrome');
    });

    it('finds its installations by name or publisher, and by origin', async () => {
      const found = await (await get(`/hosts/${bigHost}?q=firefox`)).text();
      expect(found).toContain('Mozilla Firefox (x64 fr)');
      expect(found).not.toContain('Application métier 00');
      const unknown = await (await get(`/hosts/${bigHost}?origin=unknown&q=m%C3%A9tier+05`)).text();
      expect(unknown).toContain('Application métier 05');
      expect(unknown).not.toContain('Application métier 06');
      const none = await (await get(`/hosts/${bigHost}?q=nothing-like-it`)).text();
      expect(none).toContain('Aucun');
    });

    it('shows its own dependency: its items by origin and the non-European share', async () => {
      const origins = await collector.db
        .selectFrom('installations as i')
        .innerJoin('catalogue as c', 'c.id', 'i.catalogue_id')
        .where('i.host_id', '=', bigHost)
        .where('c.platform', '=', 0)
        .select(['c.id', 'c.origin'])
        .distinct()
        .execute();
      const nonEu = origins.filter((o) => o.origin === 'non_eu').length;
      expect(nonEu).toBeGreaterThan(1);
      const share = Math.round((100 * nonEu) / origins.length);
      const html = await (await get(`/hosts/${bigHost}`)).text();
      const kpi = /data-testid="host-non-eu-share"><div class="v">([^<]+)<\/div><div class="l">([^<]+)</.exec(html);
      expect(kpi?.[1]).toBe(`${share}\u202f%`);
      expect(kpi?.[2]).toBe(`${nonEu} sur ${origins.length} éléments`);
    });

    it('is 404 when it does not exist', async () => {
      expect((await get('/hosts/999999')).status).toBe(404);
    });
  });

  it('lists hosts with their non-European share, also in the export', async () => {
    const html = await (await get('/hosts')).text();
    expect(html).toContain('Dépendance hors Europe');
    const row = new RegExp(`href="/hosts/${bigHost}">POSTE-BIG</a>.*?</tr>`).exec(html)?.[0] ?? '';
    expect(row).toMatch(/<td class="n"><span title="\d+ sur \d+ éléments">\d+\u202f%<\/span><\/td><\/tr>$/);
    const csv = await (await get('/hosts.csv')).text();
    expect(csv.split('\n')[0]).toContain('Dépendance hors Europe');
  });

  it('lists one row per agent, linked to its host', async () => {
    const html = await (await get('/agents')).text();
    const rows = html.match(/data-testid="agent-row"/g) ?? [];
    const agents = Number(await value<number>(collector.db, sql`SELECT COUNT(*) FROM agents`));
    expect(rows.length).toBe(agents);
    expect(html).toContain(`<a href="/hosts/${bigHost}">POSTE-BIG</a>`);
  });

  it('creates an enrolment token from the agents page, shown once, its options checked', async () => {
    const res = await post('/agents/tokens', { name: 'Déploiement GPO', max_uses: '40', expires_days: 'soon' });
    expect(res.status).toBe(200);
    const token = /data-testid="new-token">(tbk[^<]+)</.exec(await res.text())?.[1];
    expect(token).toBeTruthy();
    const row = await first<{ name: string; max_uses: number | null; expires_at: string | null }>(
      collector.db,
      sql`SELECT name, max_uses, expires_at FROM enrolment_tokens ORDER BY id DESC LIMIT 1`,
    );
    expect(row).toEqual({ name: 'Déploiement GPO', max_uses: 40, expires_at: null });
    expect((await listAudit(collector.db, { action: 'enrolment-token.create' })).rows[0]?.details).toBe('"Déploiement GPO", 40 uses');
  });

  it('groups a product’s inventory lines, each line one click away', async () => {
    const lines = await collector.db.selectFrom('catalogue').where('product_id', '=', 'windows-server').select(['id', 'name']).orderBy('name').execute();
    expect(lines.map((l) => l.name)).toEqual(['Microsoft Windows Server 2019 Datacenter', 'Microsoft Windows Server 2022 Standard']);
    const html = await (await get('/products?q=windows+server')).text();
    const group = /<details data-testid="product-group"><summary>([^<]+)<\/summary>(.*?)<\/details>/.exec(html);
    expect(group?.[1]).toBe('Microsoft Windows Server (2 lignes d’inventaire)');
    for (const line of lines) expect(group?.[2]).toContain(`href="/products/${line.id}"`);
    // Two hosts, one line each: the group counts both.
    expect(html).toMatch(/<\/details><\/td>.*?<td class="n">2<\/td><\/tr>/);
    expect(html.match(/data-testid="product-group"/g)?.length).toBe(1);
    for (const sort of ['name', 'installs', 'hosts']) expect((await get(`/products?sort=${sort}&origin=non_eu&page=2`)).status).toBe(200);
    // The raw lines stay in the export.
    const csv = await (await get('/products.csv?q=windows+server')).text();
    for (const line of lines) expect(csv).toContain(line.name);
  });

  describe('errors', () => {
    it('shows a refused form again with the domain’s reason in the page’s language, at its status', async () => {
      expect((await post('/settings/users', { username: 'agent.martin', role: 'viewer' })).status).toBe(200);
      const again = await post('/settings/users', { username: 'Agent.Martin', role: 'viewer' });
      expect(again.status).toBe(409);
      expect(await again.text()).toContain('Le compte Agent.Martin existe déjà.');
      const english = await post('/settings/users?lang=en', { username: 'agent.martin', role: 'viewer' });
      expect(await english.text()).toContain('User agent.martin already exists.');
      const siren = await post('/settings/authority', { name: 'Commune', siren: '123 456 789' });
      expect(siren.status).toBe(400);
      expect(await siren.text()).toContain('Le SIREN 123456789 a une clé de contrôle fausse (Luhn)');
      const own = await post('/settings/users/dsi/remove', {});
      expect(own.status).toBe(400);
      expect(await own.text()).toContain('Vous ne pouvez pas supprimer votre propre compte.');
      const product = await post('/settings/criticality/product', { product: 'nobody/nothing', level: '3' });
      expect(product.status).toBe(400);
      expect(await product.text()).toContain('Produit inconnu');
    });

    it('shows the assessment again with a refused import’s bad lines, target or scenario', async () => {
      const spend = (csv: string, name = 'depenses.csv') => {
        const body = new FormData();
        body.set('_csrf', csrf);
        body.set('file', new File([csv], name, { type: 'text/csv' }));
        return collector.app.request('/assessment/spend', { method: 'POST', headers: { cookie: admin }, body });
      };
      const bad = await spend('Éditeur;Produit;Montant;Année\nMicrosoft;Microsoft 365;beaucoup;2026\n');
      expect(bad.status).toBe(400);
      const html = await bad.text();
      expect(html).toContain('class="error"');
      expect(html).toContain('beaucoup');
      const good = await spend('Éditeur;Produit;Montant;Année\nMicrosoft;Microsoft 365;1 200,00;2026\n');
      expect(good.status).toBe(200);
      expect(await good.text()).toContain('1 ligne importée.');
      const target = await post('/assessment/targets', { indicator: 'exposure', year: '1900', value: '30' });
      expect(target.status).toBe(400);
      const scenario = await get('/assessment?product=microsoft/windows&alternative=nothing-like-it&hosts=1');
      expect(scenario.status).toBe(400);
      expect(await scenario.text()).toContain('class="error"');
    });

    it('changes one’s own password: the current one checked, the new one by the accounts’ rules, every old session ended', async () => {
      const user = await createUser(collector.db, 'agent.durand', 'viewer', 'a generated password', true);
      const session = await createSession(collector.db, user);
      const cookie = `tb_session=${session.cookie}`;
      expect((await get('/hosts', cookie)).headers.get('location')).toBe('/account/password');
      const change = (fields: Record<string, string>) => post('/account/password', fields, cookie, session.csrf);
      const wrong = await change({ current: 'not it', password: 'une phrase assez longue', confirm: 'une phrase assez longue' });
      expect(wrong.status).toBe(400);
      expect(await wrong.text()).toContain('Mot de passe actuel incorrect.');
      const short = await change({ current: 'a generated password', password: 'court', confirm: 'court' });
      expect(short.status).toBe(400);
      expect(await short.text()).toContain('Un mot de passe compte au moins 12 caractères.');
      const done = await change({ current: 'a generated password', password: 'une phrase assez longue', confirm: 'une phrase assez longue' });
      expect(done.status).toBe(302);
      expect(done.headers.get('location')).toBe('/');
      const fresh = /tb_session=([^;]+)/.exec(done.headers.get('set-cookie') ?? '')?.[1];
      expect((await get('/hosts', cookie)).status).toBe(302);
      expect((await get('/hosts', `tb_session=${fresh}`)).status).toBe(200);
    });

    it('maps a domain error to JSON in one place for the API', async () => {
      const res = await collector.app.request('/api/v1/test-refusal', { headers: { cookie: admin } });
      expect(res.status).toBe(409);
      expect(await res.json()).toEqual({ error: 'already decided', kind: 'conflict' });
    });

    it('sends the security headers with every answer', async () => {
      const res = await get('/');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('strict-transport-security')).toBeNull();
      expect(res.headers.get('cache-control')).toBe('no-store');
    });
  });

  describe('local login switch', () => {
    it('switches local accounts off for every process on the database, audited, and back on', async () => {
      const login = async (app = collector.app) => {
        const form = await app.request('/login');
        const token = /tb_login_csrf=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')![1]!;
        return app.request('/login', {
          method: 'POST',
          headers: { cookie: `tb_login_csrf=${token}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ _csrf: token, username: 'dsi', password: PASSWORD, next: '/' }),
        });
      };
      expect((await login()).status).toBe(302);
      const off = await post('/settings/local-login', { local_login: 'off' });
      expect(off.status).toBe(302);
      // The local accounts' sessions ended, this admin's too.
      expect((await get('/settings')).status).toBe(302);
      expect((await login()).status).toBe(401);
      // A second process on the same database follows the setting (PostgreSQL with several workers, or a restart).
      const other = await createCollector({ dbFile: location, log: pino({ level: 'silent' }), snapshotDelayMs: 0, directory: LDAP });
      try {
        expect((await login(other.app)).status).toBe(401);
      } finally {
        await other.close();
      }
      const audit = await listAudit(collector.db, { action: 'settings.local-login' });
      expect(audit.rows.map((r) => r.details)).toEqual(['off']);
      // Back on by an admin of the directory (any admin session), then off again from the page.
      const session = await createSession(collector.db, (await first<{ id: number }>(collector.db, sql`SELECT id FROM users WHERE username = 'dsi'`))!.id);
      admin = `tb_session=${session.cookie}`;
      csrf = session.csrf;
      expect((await post('/settings/local-login', { local_login: 'on' })).status).toBe(302);
      expect((await login()).status).toBe(302);
      expect((await post('/settings/local-login', { local_login: 'off' })).status).toBe(302);
      expect((await login()).status).toBe(401);
      // The way back in from the server when the directory fails: the command line.
      const bad = await runCli('collector', ['settings', 'local-login', 'maybe', '--db', location]);
      expect(bad.code).toBe(2);
      const back = await runCli('collector', ['settings', 'local-login', 'on', '--db', location], { env: { TIEBREAK_LOCAL_LOGIN: '' } });
      expect(back.code, back.stderr).toBe(0);
      expect(back.stdout).toBe("local accounts' login: on\n");
      expect((await login()).status).toBe(302);
      expect((await listAudit(collector.db, { action: 'settings.local-login' })).rows.map((r) => `${r.actor_kind}:${r.details}`).sort()).toEqual([
        'cli:on',
        'user:off',
        'user:off',
        'user:on',
      ]);
    });
  });
});

// The switch's configuration checks come before any change to the database: once, on SQLite.
// Without a directory login, switching local accounts off is refused: routes/refusals.test.ts.
describe('local login switch, as configured', () => {
  const post = (path: string, fields: Record<string, string>, cookie: string, token: string, app: Collector['app']) =>
    app.request(path, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: token, ...fields }),
    });

  it('is forced off by the environment', async () => {
    const forced = await createCollector({
      dbFile: ':memory:',
      log: pino({ level: 'silent' }),
      snapshotDelayMs: 0,
      directory: { ...LDAP, localLogin: false },
    });
    try {
      const session = await createSession(forced.db, await createUser(forced.db, 'dsi', 'admin', PASSWORD));
      const settings = await (await forced.app.request('/settings', { headers: { cookie: `tb_session=${session.cookie}` } })).text();
      expect(settings).toContain('TIEBREAK_LOCAL_LOGIN=off dans l’environnement du service l’impose');
      const on = await post('/settings/local-login', { local_login: 'on' }, `tb_session=${session.cookie}`, session.csrf, forced.app);
      expect(on.status).toBe(409);
    } finally {
      await forced.close();
    }
  });
});
