// The entities in the web interface (in process) and on the command line, on both engines: the tree
// made, edited and pruned from the settings page, the rules listed and applied, a token issued for an
// entity, the hosts list's column and filter, a host moved by hand from its page; every change in
// the audit log, a viewer refused, bad input refused with its reason; a collector without entities
// shows none of it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInventory } from '../../../../test/fixtures.ts';
import { runCli } from '../../../../test/helpers.ts';
import { listAudit } from '../../accounts/audit.ts';
import { createSession, createUser } from '../../accounts/users.ts';
import { createCollector, type Collector } from '../../collector.ts';
import { listEntities } from '../../entities/entities.ts';
import { listRules } from '../../entities/rules.ts';
import { first, sql, value } from '../../store/db.ts';
import { ENGINES, newDatabaseLocation } from '../../store/test-database.ts';
import { createToken, enrolAgent, listTokens } from '../../store/tokens.ts';

describe.each(ENGINES)('entities in the web interface and the CLI (%s)', (engine) => {
  let collector: Collector;
  let location: string;
  let admin: string;
  let csrf: string;
  let viewer: string;
  let viewerCsrf: string;

  const get = (path: string, cookie = admin) => collector.app.request(path, { headers: { cookie } });
  const post = (path: string, fields: Record<string, string>, cookie = admin, token = csrf) =>
    collector.app.request(path, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: token, ...fields }),
    });
  const entityId = async (name: string) => (await listEntities(collector.db)).find((e) => e.name === name)!.id;
  const hostId = (hostname: string) => value<number>(collector.db, sql`SELECT id FROM hosts WHERE hostname = ${hostname}`);

  /** Each host's agent credential, enrolled at its first inventory. */
  const credentials = new Map<string, string>();
  async function send(inventory: ReturnType<typeof makeInventory>, tokenId?: number) {
    let credential = credentials.get(inventory.host.id);
    if (!credential) {
      const token = tokenId ?? (await createToken(collector.db, `agent-${inventory.host.hostname}`)).id;
      const enrolment = await enrolAgent(collector.db, token, { id: inventory.host.id, hostname: inventory.host.hostname }, '0.1.0');
      if (!enrolment.ok) throw new Error(enrolment.reason);
      credentials.set(inventory.host.id, (credential = enrolment.credential));
    }
    const res = await collector.app.request('/api/v1/inventories', {
      method: 'POST',
      headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
      body: JSON.stringify(inventory),
    });
    expect(res.status).toBe(200);
  }

  beforeAll(async () => {
    location = await newDatabaseLocation(engine, join(mkdtempSync(join(tmpdir(), 'tiebreak-entities-ui-')), 'test.db'));
    collector = await createCollector({ dbFile: location, log: pino({ level: 'silent' }), snapshotDelayMs: 0 });
    const session = await createSession(collector.db, await createUser(collector.db, 'dsi', 'admin', 'a long enough password'));
    admin = `tb_session=${session.cookie}`;
    csrf = session.csrf;
    const reader = await createSession(collector.db, await createUser(collector.db, 'lecteur', 'viewer', 'a long enough password'));
    viewer = `tb_session=${reader.cookie}`;
    viewerCsrf = reader.csrf;
    await send(makeInventory({ machine: 'pc-bourg-1', hostname: 'PC-BOURG-1' }));
  });
  afterAll(async () => {
    await collector.close();
  });

  it('without entities, the hosts list, a host and the agents page show no entity', async () => {
    const hosts = await (await get('/hosts')).text();
    expect(hosts).toContain('PC-BOURG-1');
    expect(hosts).not.toContain('name="entity"');
    expect(await (await get(`/hosts/${await hostId('PC-BOURG-1')}`)).text()).not.toContain('host-entity');
    expect(await (await get('/agents')).text()).not.toContain('name="entity"');
    expect(await (await get('/settings')).text()).toContain('href="/settings/entities"');
    expect(await (await get('/settings/entities')).text()).toContain('tous les postes sont à la racine.');
  });

  it('builds the tree from the page, refuses bad input with its reason, and audits each change', async () => {
    expect((await post('/settings/entities', { name: 'Communauté du Val', kind: 'intercommunalite', siren: '200069094', parent: '' })).status).toBe(302);
    const epci = await entityId('Communauté du Val');
    expect((await post('/settings/entities', { name: 'Bourg', kind: 'commune', parent: String(epci) })).status).toBe(302);
    expect((await post('/settings/entities', { name: 'Aube', kind: 'commune', parent: String(epci) })).status).toBe(302);
    const page = await (await get('/settings/entities')).text();
    expect(page).toContain('Intercommunalité');
    expect(page).toContain('200 069 094');
    expect(page.indexOf('Communauté du Val')).toBeLessThan(page.indexOf('Aube'));

    // Refusals, in the page's language.
    const badSiren = await post('/settings/entities', { name: 'X', kind: 'commune', siren: '200069095', parent: '' });
    expect(badSiren.status).toBe(400);
    expect(await badSiren.text()).toContain('clé de contrôle fausse');
    const badKind = await post('/settings/entities', { name: 'X', kind: 'ville', parent: '' });
    expect(badKind.status).toBe(400);
    const cycle = await post(`/settings/entities/${epci}`, {
      name: 'Communauté du Val',
      kind: 'intercommunalite',
      siren: '',
      parent: String(await entityId('Aube')),
    });
    expect(cycle.status).toBe(409);
    expect(await cycle.text()).toContain('ne peut pas être placée sous');
    const unknownParent = await post('/settings/entities', { name: 'X', kind: 'commune', parent: 'abc' });
    expect(unknownParent.status).toBe(404);
    // A viewer changes nothing.
    expect((await post('/settings/entities', { name: 'Y', kind: 'commune', parent: '' }, viewer, viewerCsrf)).status).toBe(403);
    expect(await (await get('/settings/entities', viewer)).text()).not.toContain('action="/settings/entities"');

    // Edit and move; then delete an empty one.
    expect((await post(`/settings/entities/${await entityId('Aube')}`, { name: 'Aube-sur-Val', kind: 'commune', siren: '', parent: '' })).status).toBe(302);
    expect((await listEntities(collector.db)).map((e) => [e.name, e.depth])).toEqual([
      ['Aube-sur-Val', 0],
      ['Communauté du Val', 0],
      ['Bourg', 1],
    ]);
    expect((await post(`/settings/entities/${await entityId('Aube-sur-Val')}/remove`, {})).status).toBe(302);
    expect((await listAudit(collector.db, { action: 'entity' })).rows.map((r) => r.action).sort()).toEqual([
      'entity.add',
      'entity.add',
      'entity.add',
      'entity.move',
      'entity.remove',
    ]);
  });

  it('issues a token for an entity; the hosts list shows and filters by entity; rules are listed and applied at once', async () => {
    const bourg = await entityId('Bourg');
    const epci = await entityId('Communauté du Val');
    const agents = await (await get('/agents')).text();
    expect(agents).toContain('name="entity"');
    const created = await post('/agents/tokens', { name: 'bourg', entity: String(bourg) });
    expect(created.status).toBe(200);
    const token = (await listTokens(collector.db)).find((t) => t.name === 'bourg')!;
    expect(token.entity_id).toBe(bourg);
    expect((await post('/agents/tokens', { name: 'nowhere', entity: '999' })).status).toBe(404);
    expect((await listTokens(collector.db)).some((t) => t.name === 'nowhere')).toBe(false);

    await send(makeInventory({ machine: 'pc-bourg-2', hostname: 'PC-BOURG-2' }), token.id);
    await send(makeInventory({ machine: 'srv-val', hostname: 'SRV-VAL' }));
    const list = await (await get(`/hosts?entity=${epci}`)).text();
    expect(list).toContain('PC-BOURG-2');
    expect(list).not.toContain('SRV-VAL');
    expect((await (await get('/hosts?entity=root')).text()).includes('PC-BOURG-2')).toBe(false);
    expect(await (await get('/hosts?entity=root')).text()).toContain('SRV-VAL');
    // The export has the column.
    expect(await (await get(`/hosts.csv?entity=${bourg}`)).text()).toMatch(/PC-BOURG-2.*Bourg/);
    // The JSON API filters the same way and names the entity.
    const api = (await (await get(`/api/v1/hosts?entity=${epci}`)).json()) as { items: { hostname: string; entity_id: number | null }[] };
    expect(api.items.map((h) => [h.hostname, h.entity_id])).toEqual([['PC-BOURG-2', bourg]]);

    // A rule by host name moves the hosts it matches at once (their agents may never send a full inventory again).
    expect((await post('/settings/entities/rules', { kind: 'hostname', pattern: 'PC-BOURG-*', entity: String(bourg) })).status).toBe(302);
    expect((await post('/settings/entities/rules', { kind: 'subnet', pattern: '10.0.0.0/33', entity: String(bourg) })).status).toBe(400);
    expect(await first(collector.db, sql`SELECT entity_id FROM hosts WHERE hostname = 'PC-BOURG-1'`)).toEqual({ entity_id: bourg });
    expect((await post('/settings/entities/rules', { kind: 'domain', pattern: 'mairie.local', entity: String(epci) })).status).toBe(302);
    const rules = await listRules(collector.db);
    const rulesPage = await (await get('/settings/entities')).text();
    expect(rulesPage).toContain('pc-bourg-*');
    expect(rulesPage).toContain('Nom du poste (* et ?)');
    // SRV-VAL is in mairie.local (the fixtures' domain): the second rule takes it.
    expect(await first(collector.db, sql`SELECT entity_id FROM hosts WHERE hostname = 'SRV-VAL'`)).toEqual({ entity_id: epci });
    // The domain rule first: it now wins for the PCs too.
    expect((await post(`/settings/entities/rules/${rules[1]!.id}/up`, {})).status).toBe(302);
    expect(await first(collector.db, sql`SELECT entity_id FROM hosts WHERE hostname = 'PC-BOURG-1'`)).toEqual({ entity_id: epci });
    expect((await post(`/settings/entities/rules/${rules[1]!.id}/remove`, {})).status).toBe(302);
    expect(await first(collector.db, sql`SELECT entity_id FROM hosts WHERE hostname = 'PC-BOURG-1'`)).toEqual({ entity_id: bourg });
    // An entity holding hosts is not deleted.
    const refused = await post(`/settings/entities/${bourg}/remove`, {});
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('n’est pas vide');
  });

  it('moves a host by hand from its page (audited, it sticks), and gives it back to the rules', async () => {
    const id = (await hostId('PC-BOURG-1'))!;
    const epci = await entityId('Communauté du Val');
    const bourg = await entityId('Bourg');
    const page = await (await get(`/hosts/${id}`)).text();
    expect(page).toContain('data-testid="host-entity"');
    expect(page).toContain('suit son jeton et les règles');
    expect((await post(`/hosts/${id}/entity`, { entity: String(epci) })).status).toBe(302);
    expect(await first(collector.db, sql`SELECT entity_id, entity_by_hand FROM hosts WHERE id = ${id}`)).toEqual({ entity_id: epci, entity_by_hand: 1 });
    expect(await (await get(`/hosts/${id}`)).text()).toContain('déplacé à la main');
    // A new inventory and a rule change leave it there.
    await send(makeInventory({ machine: 'pc-bourg-1', hostname: 'PC-BOURG-1' }));
    expect((await post('/settings/entities/rules', { kind: 'domain', pattern: 'mairie.local', entity: String(bourg) })).status).toBe(302);
    expect(await first(collector.db, sql`SELECT entity_id FROM hosts WHERE id = ${id}`)).toEqual({ entity_id: epci });
    expect((await post(`/hosts/${id}/entity`, { entity: '12345' })).status).toBe(404);
    expect((await post(`/hosts/${id}/entity`, { entity: '' }, viewer, viewerCsrf)).status).toBe(403);
    expect((await post(`/hosts/${id}/entity`, { entity: 'auto' })).status).toBe(302);
    expect(await first(collector.db, sql`SELECT entity_id, entity_by_hand FROM hosts WHERE id = ${id}`)).toEqual({ entity_id: bourg, entity_by_hand: 0 });
    expect((await listAudit(collector.db, { action: 'entity.host' })).rows.map((r) => r.details)).toEqual([
      `PC-BOURG-1: #${epci} → #${bourg} (by token and rules)`,
      `PC-BOURG-1: #${bourg} → #${epci} (by hand)`,
    ]);
  });

  it('shows an admin the map of an entity on the overview and through the API; a viewer sees the whole collector', async () => {
    const bourg = await entityId('Bourg');
    const epci = await entityId('Communauté du Val');
    const hostsIn = async (where: ReturnType<typeof sql>) => Number(await value<number>(collector.db, sql`SELECT COUNT(*) FROM hosts WHERE ${where}`));
    const mapOf = async (query: string) => {
      const res = await get(`/api/v1/map${query}`);
      expect(res.status, query).toBe(200);
      return (await res.json()) as { totals: { hosts: number } };
    };
    const all = await hostsIn(sql`1 = 1`);
    expect((await mapOf('')).totals.hosts).toBe(all);
    expect((await mapOf(`?entity=${bourg}`)).totals.hosts).toBe(await hostsIn(sql`entity_id = ${bourg}`));
    expect((await mapOf(`?entity=${epci}`)).totals.hosts).toBe(await hostsIn(sql`entity_id IN (${bourg}, ${epci})`));
    expect((await mapOf(`?entity=${epci}&entity_alone=true`)).totals.hosts).toBe(await hostsIn(sql`entity_id = ${epci}`));
    expect((await mapOf('?entity=root')).totals.hosts).toBe(await hostsIn(sql`entity_id IS NULL`));
    const unknown = await get('/api/v1/map?entity=98765');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toBe('no entity 98765');

    const overview = await (await get(`/?entity=${bourg}`)).text();
    expect(overview).toContain('data-testid="scope"');
    expect(overview).toContain('Carte de Bourg et des entités rattachées.');
    expect(overview).toMatch(new RegExp(`<option value="${bourg}" selected`));
    // Each filter form keeps the other's choice: the evidence filter the scope, the scope the evidence.
    const both = await (await get(`/?entity=${bourg}&confidence=high`)).text();
    expect(both).toMatch(new RegExp(`<input type="hidden" name="entity" value="${bourg}"/>[\\s\\S]*name="confidence"`));
    expect(both).toContain('<input type="hidden" name="confidence" value="high"/>');
    expect(await (await get('/')).text()).not.toContain('data-testid="scope"');
    const asViewer = await (await get(`/?entity=${bourg}`, viewer)).text();
    expect(asViewer).not.toContain('<select name="entity"');
    expect(asViewer).not.toContain('data-testid="scope"');

    // A browser asking for an entity that is not there, or an unknown page, gets a page in its language.
    const page = (path: string) => collector.app.request(path, { headers: { cookie: admin, accept: 'text/html,application/xhtml+xml' } });
    for (const [path, text] of [
      ['/?entity=98765', 'Aucune entité 98765.'],
      ['/?entity=abc', 'Aucune entité &quot;abc&quot;.'],
      ['/nimportequoi', 'Cette page n’existe pas.'],
    ] as const) {
      const res = await page(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(await res.text(), path).toContain(text);
    }
    expect((await collector.app.request('/api/v1/nothing', { headers: { cookie: admin, accept: 'text/html' } })).headers.get('content-type')).toMatch(/json/);
  });

  it('refuses a name that reads as an id or as the root', async () => {
    for (const name of ['4', 'root', ' Root ']) {
      const res = await post('/settings/entities', { name, kind: 'commune', parent: '' });
      expect(res.status, name).toBe(400);
      expect(await res.text(), name).toContain('des chiffres seuls désignent un identifiant');
    }
  });

  it('lists, adds, moves and removes entities on the command line, with clear errors and exit codes', async () => {
    const cli = (...args: string[]) => runCli('collector', ['entities', ...args, '--db', location]);
    const added = await cli('add', 'CCAS de Bourg', '--kind', 'ccas', '--parent', 'Bourg');
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^entity \d+ added: CCAS de Bourg/);
    const list = await cli('list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/Communauté du Val \(intercommunalite, SIREN 200 069 094\)/);
    expect(list.stdout).toMatch(/\n\s+\d+ {6}CCAS de Bourg \(ccas\): 0 hosts/);
    expect(list.stdout).toContain('assignment rules, in order:');
    const json = JSON.parse((await cli('list', '--json')).stdout) as { entities: { name: string }[] };
    expect(json.entities.map((e) => e.name)).toContain('CCAS de Bourg');

    expect(await cli('add', 'X', '--kind', 'ville')).toMatchObject({ code: 2, stderr: expect.stringMatching(/kind is one of commune/) });
    expect(await cli('add', 'X')).toMatchObject({ code: 2, stderr: expect.stringMatching(/needs --kind/) });
    expect(await cli('add', 'X', '--kind', 'commune', '--siren', '123')).toMatchObject({ code: 2, stderr: expect.stringMatching(/SIREN is 9 digits/) });
    expect(await cli('move', 'Communauté du Val', '--parent', 'CCAS de Bourg')).toMatchObject({ code: 2, stderr: expect.stringMatching(/cannot go under/) });
    expect(await cli('move', 'Nowhere', '--parent', 'root')).toMatchObject({ code: 2, stderr: expect.stringMatching(/no entity named "Nowhere"/) });
    expect(await cli('remove', 'Bourg')).toMatchObject({ code: 2, stderr: expect.stringMatching(/is not empty/) });
    expect(await cli('frobnicate')).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown entities command/) });

    expect(await cli('move', 'CCAS de Bourg', '--parent', 'root')).toMatchObject({ code: 0, stdout: expect.stringMatching(/now under the root/) });
    const token = await runCli('collector', ['token', 'create', '--name', 'ccas', '--entity', 'CCAS de Bourg', '--db', location]);
    expect(token.code).toBe(0);
    expect((await listTokens(collector.db)).find((t) => t.name === 'ccas')!.entity_id).toBe(await entityId('CCAS de Bourg'));
    const tokens = await runCli('collector', ['token', 'list', '--db', location]);
    expect(tokens.stdout).toMatch(/ENTITY/);
    expect(tokens.stdout).toMatch(/ccas .* CCAS de Bourg/);
    expect(await cli('remove', 'CCAS de Bourg')).toMatchObject({ code: 2, stderr: expect.stringMatching(/1 enrolment tokens in force/) });
    const ccas = (await listTokens(collector.db)).find((t) => t.name === 'ccas')!;
    expect((await runCli('collector', ['token', 'revoke', String(ccas.id), '--db', location])).code).toBe(0);
    expect(await cli('remove', 'CCAS de Bourg')).toMatchObject({ code: 0, stdout: expect.stringMatching(/removed/) });
    expect((await listAudit(collector.db, { action: 'entity' })).rows.filter((r) => r.actor_kind === 'cli').map((r) => r.action)).toEqual([
      'entity.remove',
      'entity.move',
      'entity.add',
    ]);
  });
});
