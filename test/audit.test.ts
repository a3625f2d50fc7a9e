// The audit log: changes made through the web interface, the JSON API (an admin API token) and the
// command line are each found in the log with who, what and from where; admins only see it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInventory } from './fixtures.ts';
import { ENGINES, newDatabaseLocation } from '../collector/src/store/test-database.ts';
import { enrolHost, login, runCli, startCollector, tempDir, type RunningCollector } from './helpers.ts';

const VIEWER = { username: 'lecteur', password: 'a viewer password of some length' };

/** The CSV export as rows of named cells (';' separated, quoted when needed, a BOM first). */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const body = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ';') row.push(cell), (cell = '');
    else if (ch === '\r' && body[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      (row = []), (cell = ''), i++;
    } else cell += ch;
  }
  const [header, ...data] = rows;
  return data.map((cells) => Object.fromEntries(header!.map((h, i) => [h, cells[i] ?? ''])));
}

describe.each(ENGINES)('%s', (engine) => {
  const dir = tempDir('tiebreak-audit-');
  let dbFile: string;
  let collector: RunningCollector;
  let apiToken: string;

  const form = (session: { cookie: string; csrf: string }, fields: Record<string, string>) => ({
    method: 'POST',
    redirect: 'manual' as const,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session.cookie },
    body: new URLSearchParams({ _csrf: session.csrf, ...fields }),
  });

  const cli = async (args: string[], input?: string) => {
    const result = await runCli('collector', [...args, '--db', dbFile], { input });
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result.stdout.trim();
  };

  beforeAll(async () => {
    dbFile = await newDatabaseLocation(engine, join(dir, 'tiebreak.db'));
    await cli(['user', 'add', VIEWER.username, '--role', 'viewer', '--password-stdin'], VIEWER.password);
    apiToken = await cli(['api-token', 'create', '--name', 'script', '--role', 'admin']);
    collector = await startCollector(dbFile);
  });

  afterAll(async () => {
    await collector?.stop();
  });

  describe('audit log', () => {
    it('records the changes made through the web interface, the API and the command line', async () => {
      const s = collector.session;
      const post = (path: string, fields: Record<string, string> = {}) => fetch(`${collector.url}${path}`, form(s, fields));
      const api = (method: string, path: string, body: unknown) =>
        fetch(`${collector.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });

      // The web interface, as the test admin.
      expect((await post('/settings/users', { username: 'alice', role: 'viewer' })).status).toBe(200);
      expect((await post('/agents/tokens', { name: 'web-token', max_uses: '3' })).status).toBe(200);
      const settings = await (await collector.get('/settings')).text();
      const category = /name="category:([a-z0-9_-]+)"/.exec(settings)![1]!;
      const level = /name="category:[^"]+"[^>]*>[\s\S]*?<option value="(\d)" selected/.exec(settings)?.[1] ?? '2';
      expect((await post('/settings/criticality', { [`category:${category}`]: level === '3' ? '1' : '3' })).status).toBe(302);
      expect((await post('/assessment/targets', { indicator: 'exposure', year: '2030', value: '25' })).status).toBe(302);
      expect(
        (await post('/assessment/assets', { name: 'Messagerie hébergée', vendor: 'Microsoft', area: 'software', users: '120', cost: '4800', year: '2026' }))
          .status,
      ).toBe(302);
      const created = await post('/settings/api-tokens', { name: 'dashboard', role: 'viewer' });
      expect(created.status).toBe(200);
      // An agent enrols and is revoked from the agents page.
      const enrolToken = await cli(['token', 'create', '--name', 'cli-token']);
      const enrolled = await enrolHost(collector.url, enrolToken, makeInventory({ machine: 'audited-pc' }).host);
      expect(enrolled.status).toBe(201);
      expect((await post(`/agents/${enrolled.body.agent_id}/revoke`)).status).toBe(302);
      expect((await post('/settings/users/alice/remove')).status).toBe(302);

      // The JSON API with an admin API token.
      expect(
        (await api('POST', '/api/v1/assessment/assets', { name: 'Parapheur', vendor: 'Libriciel', area: 'software', users: 30, annual_cost: 1200, year: 2026 }))
          .status,
      ).toBe(201);
      expect((await api('PUT', '/api/v1/assessment/targets', { indicator: 'exposure', year: 2031, value: 20 })).status).toBe(200);

      const assets = (await (await api('GET', '/api/v1/assessment/assets', undefined)).json()) as { assets: { id: number; name: string }[] };
      const parapheur = assets.assets.find((a) => a.name === 'Parapheur')!.id;
      expect((await api('DELETE', `/api/v1/assessment/assets/${parapheur}`, undefined)).status).toBe(204);
      expect((await post('/settings/api-tokens/2/revoke')).status).toBe(302);
      // A revocation of what is already revoked changes nothing, and is not recorded.
      expect((await post('/settings/api-tokens/2/revoke')).status).toBe(302);

      // The command line while the collector serves.
      await cli(['target', 'set', 'exposure', '2032', '15']);
      await cli(['token', 'revoke', '1']);
      writeFileSync(join(dir, 'spend.csv'), 'vendor;product;amount;year\nMicrosoft;Microsoft 365;12 000;2026\n');
      await cli(['spend', 'import', join(dir, 'spend.csv')]);

      const csv = await collector.get('/settings/audit.csv');
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
      const rows = parseCsv(await csv.text());
      const find = (action: string, actorKind: string, actor: RegExp, object?: string) =>
        rows.find((r) => r.Action === action && r['Type d’auteur'] === actorKind && actor.test(r.Auteur!) && (object === undefined || r.Objet === object));
      const web = /^tester$/;
      const viaCli = /^cli(:|$)/;
      const expected: [string, string, RegExp, string?][] = [
        ['user.add', 'cli', viaCli, VIEWER.username],
        ['api-token.create', 'cli', viaCli, '1'],
        ['user.add', 'cli', viaCli, 'tester'],
        ['session.login', 'user', web],
        ['user.add', 'user', web, 'alice'],
        ['enrolment-token.create', 'user', web, '1'],
        ['criticality.category', 'user', web],
        ['target.set', 'user', web, 'exposure 2030'],
        ['asset.add', 'user', web],
        ['api-token.create', 'user', web, '2'],
        ['enrolment-token.create', 'cli', viaCli, '2'],
        ['agent.revoke', 'user', web, String(enrolled.body.agent_id)],
        ['user.remove', 'user', web, 'alice'],
        ['asset.add', 'api-token', /^script \(#1\)$/],
        ['target.set', 'api-token', /^script \(#1\)$/, 'exposure 2031'],
        ['target.set', 'cli', viaCli, 'exposure 2032'],
        ['enrolment-token.revoke', 'cli', viaCli, '1'],
        ['asset.remove', 'api-token', /^script \(#1\)$/, String(parapheur)],
        ['api-token.revoke', 'user', web, '2'],
        ['spend.import', 'cli', viaCli, 'spend.csv'],
      ];
      for (const [action, kind, actor, object] of expected) {
        const row = find(action, kind, actor, object);
        expect(row, `${action} by ${kind} ${actor} on ${object}`).toBeDefined();
        // From where: the client's address over HTTP, none on the command line.
        expect(row!['Adresse IP']).toBe(kind === 'cli' ? '' : '127.0.0.1');
        expect(row!['Date (UTC)']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
      expect(find('criticality.category', 'user', web)!.Détails).toMatch(new RegExp(`^${category}=\\d$`));
      expect(find('asset.add', 'api-token', /script/)!.Détails).toBe('Parapheur');
      expect(find('api-token.create', 'user', web, '2')!.Détails).toBe('"dashboard" (viewer)');
      expect(find('spend.import', 'cli', viaCli)!.Détails).toMatch(/^1 lines, 2026, 12000 €$/);
      expect(rows.filter((r) => r.Action === 'api-token.revoke').length).toBe(1);
      // Nothing secret is recorded: no token or password in any line.
      expect(JSON.stringify(rows)).not.toContain(apiToken);
      expect(JSON.stringify(rows)).not.toContain(enrolToken);
    });

    it('filters by actor, action and date, on the page and in the export', async () => {
      const page = await (await collector.get('/settings/audit?action=user')).text();
      expect(page).toContain('Journal d’audit');
      expect(page).toContain('<td title="user.add">compte ajouté</td>');
      expect(page).toContain('title="user.remove"');
      expect(page).not.toContain('title="target.set"');
      const byActor = parseCsv(await (await collector.get('/settings/audit.csv?actor=script')).text());
      expect(byActor.map((r) => r.Action).sort()).toEqual(['asset.add', 'asset.remove', 'target.set']);
      expect(byActor.every((r) => r.Auteur === 'script (#1)')).toBe(true);
      const today = new Date().toISOString().slice(0, 10);
      const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      expect(parseCsv(await (await collector.get(`/settings/audit.csv?to=${yesterday}`)).text())).toEqual([]);
      const todays = parseCsv(await (await collector.get(`/settings/audit.csv?from=${today}&to=${today}&action=target.set`)).text());
      expect(todays.map((r) => r.Objet).sort()).toEqual(['exposure 2030', 'exposure 2031', 'exposure 2032']);
      const xlsx = await collector.get('/settings/audit.xlsx?action=user');
      expect(xlsx.status).toBe(200);
      expect(xlsx.headers.get('content-type')).toMatch(/spreadsheetml/);
      expect(
        Buffer.from(await xlsx.arrayBuffer())
          .subarray(0, 2)
          .toString(),
      ).toBe('PK');
      const english = await (await collector.get('/settings/audit?lang=en&actor=tester&action=agent.revoke')).text();
      expect(english).toContain('Audit log');
      expect(english).toContain('<td title="agent.revoke">agent revoked</td>');
      expect(english).not.toContain('title="user.add"');
    });

    it('a viewer cannot see the audit log', async () => {
      const viewer = await login(collector.url, VIEWER);
      for (const path of ['/settings/audit', '/settings/audit.csv', '/settings/audit.xlsx']) {
        const answer = await fetch(`${collector.url}${path}`, { headers: { cookie: viewer.cookie } });
        expect(answer.status, path).toBe(403);
        expect(await answer.text()).not.toContain('user.add');
      }
      const settings = await (await fetch(`${collector.url}/settings`, { headers: { cookie: viewer.cookie } })).text();
      expect(settings).not.toContain('/settings/audit');
      // An API token is no way in either: the page is not part of the JSON API.
      const token = await fetch(`${collector.url}/settings/audit.csv`, { redirect: 'manual', headers: { authorization: `Bearer ${apiToken}` } });
      expect(token.status).toBe(302);
      expect(token.headers.get('location')).toMatch(/^\/login/);
    });
  });
});
