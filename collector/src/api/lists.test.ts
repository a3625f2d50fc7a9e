// The API as a BI tool uses it: a viewer API token walks /api/v1/openapi.json, calls every GET
// operation with its documented parameters, follows the pages to the end and checks each answer
// against the documented schema; the same token changes nothing; bad parameters get a 400 that
// names them. On both engines, in process (app.request()).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInventory } from '../../../test/fixtures.ts';
import { createApiToken } from '../accounts/api-tokens.ts';
import { createSession, createUser } from '../accounts/users.ts';
import { createCollector, type Collector } from '../collector.ts';
import { rows, sql, value } from '../store/db.ts';
import { ENGINES, newDatabaseLocation } from '../store/test-database.ts';
import { MAX_PAGE_SIZE } from './pagination.ts';

type Parameter = { name: string; in: 'query' | 'path'; required?: boolean; schema: { enum?: string[]; type?: string } };
type OperationDoc = {
  security: Record<string, string[]>[];
  parameters?: Parameter[];
  responses: Record<string, { content?: { 'application/json'?: { schema: object } } }>;
};
type Doc = { paths: Record<string, Record<string, OperationDoc>>; components: { schemas: Record<string, object> } };
type PageBody = { items: Record<string, unknown>[]; total: number; page: number; pages: number; limit: number; next: string | null; prev: string | null };

const YEAR = new Date().getFullYear();

/** A small authority: workstations and servers, known and unknown software, spend and a declared asset. */
function inventories() {
  const out = [];
  for (let i = 0; i < 9; i++) {
    const server = i % 4 === 3;
    out.push(
      makeInventory({
        machine: `api-host-${i}`,
        hostname: `${server ? 'SRV' : 'PC'}-${String(i).padStart(2, '0')}`,
        osName: server ? 'Microsoft Windows Server 2022 Standard' : 'Microsoft Windows 11 Pro',
        software: [
          { name: 'Google Chrome', version: '131.0.6778.86', publisher: 'Google LLC' },
          ...(i % 2 ? [{ name: 'Mozilla Firefox (x64 fr)', version: '133.0', publisher: 'Mozilla' }] : []),
          ...(i % 3 ? [{ name: 'Zoom Workplace (64-bit)', version: '6.2.11', publisher: 'Zoom Video Communications, Inc.' }] : []),
          { name: 'LibreOffice 24.8.2.1', version: '24.8.2.1', publisher: 'The Document Foundation' },
          { name: `Logiciel Métier ${i % 5}`, version: '2.1', publisher: 'Éditeur Régional SARL' },
          { name: `Outil Interne ${i}`, version: '1.0', publisher: null },
        ],
      }),
    );
  }
  return out;
}

describe.each(ENGINES)('%s', (engine) => {
  let collector: Collector;
  let viewer: string;
  let admin: string;
  let doc: Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const validators = new Map<string, ValidateFunction>();

  const get = (path: string, token = viewer) => collector.app.request(path, { headers: { authorization: `Bearer ${token}` } });
  const json = async (res: Response) => (await res.json()) as Record<string, any>;

  beforeAll(async () => {
    const dbFile = await newDatabaseLocation(engine, join(mkdtempSync(join(tmpdir(), 'tiebreak-api-lists-')), 'test.db'));
    collector = await createCollector({ dbFile, log: pino({ level: 'silent' }), observatory: true });
    for (const inventory of inventories()) await collector.ingestor.ingest(inventory);
    viewer = (await createApiToken(collector.db, { name: 'bi-tool', role: 'viewer' })).token;
    admin = (await createApiToken(collector.db, { name: 'admin-script', role: 'admin' })).token;
    const post = (path: string, type: string, body: string) =>
      collector.app.request(path, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': type }, body });
    expect(
      (
        await post(
          '/api/v1/assessment/spend?file=budget.csv',
          'text/csv',
          `vendor;product;amount;year\nGoogle;Chrome;1200;${YEAR}\nZoom;Zoom Workplace;3400,50;${YEAR}\n`,
        )
      ).status,
    ).toBe(200);
    const asset = { name: 'Messagerie', vendor: 'Microsoft', area: 'logiciel', users: 40, annual_cost: 9000, year: YEAR };
    expect((await post('/api/v1/assessment/assets', 'application/json', JSON.stringify(asset))).status).toBe(201);

    doc = (await json(await collector.app.request('/api/v1/openapi.json'))) as Doc;
    for (const [name, schema] of Object.entries(doc.components.schemas)) ajv.addSchema(schema, `#/components/schemas/${name}`);
  });
  afterAll(() => collector?.close());

  /** The documented schema of an operation's 200 answer, compiled once. */
  function validatorOf(path: string, method: string): ValidateFunction {
    const key = `${method} ${path}`;
    let validate = validators.get(key);
    if (!validate) {
      const schema = doc.paths[path]![method]!.responses['200']?.content?.['application/json']?.schema;
      expect(schema, `${key}: a documented JSON answer`).toBeDefined();
      validate = ajv.compile(schema!);
      validators.set(key, validate);
    }
    return validate;
  }
  async function expectValid(path: string, url: string, res: Response): Promise<Record<string, any>> {
    expect(res.status, `${url}: ${res.status === 200 ? '' : await res.clone().text()}`).toBe(200);
    const body = await json(res);
    const validate = validatorOf(path, 'get');
    expect(validate(body), `${url}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    return body;
  }

  /** Values for the required parameters, taken from the data as a client would find them. */
  async function requiredValues(): Promise<Record<string, string>> {
    const products = (await json(await get(`/api/v1/assessment/products?limit=${MAX_PAGE_SIZE}`))).items as {
      key: string;
      hosts: number;
      platform: boolean;
      alternatives: { id: string }[];
    }[];
    const replaceable = products.find((p) => !p.platform && p.hosts > 0 && p.alternatives.length > 0);
    expect(replaceable, 'a product with an alternative in the seeded data').toBeDefined();
    return { product: replaceable!.key, alternative: replaceable!.alternatives[0]!.id, hosts: '1' };
  }

  /** Every page of a list, following next: the items, checked page by page. */
  async function walk(path: string, first: string): Promise<{ items: Record<string, unknown>[]; total: number; requests: number }> {
    const items: Record<string, unknown>[] = [];
    let url: string | null = first;
    let total = -1;
    let requests = 0;
    while (url) {
      const res = await get(url);
      const body = (await expectValid(path, url, res)) as PageBody;
      for (const header of Object.keys((doc.paths[path]!.get!.responses['200'] as { headers?: object }).headers ?? {}))
        expect(res.headers.get(header), `${url}: the documented ${header}`).not.toBeNull();
      expect(res.headers.get('link'), url).toContain('rel="first"');
      if (body.next) expect(res.headers.get('link')).toContain(`<${body.next}>; rel="next"`);
      if (total >= 0) expect(body.total, `${url}: the total does not change while walking`).toBe(total);
      total = body.total;
      expect(body.items.length).toBeLessThanOrEqual(body.limit);
      items.push(...body.items);
      url = body.next;
      expect(++requests).toBeLessThanOrEqual(1000);
    }
    return { items, total, requests };
  }

  it('lets a viewer token pull every list of the document with its documented parameters, to the last page, in the documented shapes', async () => {
    const required = await requiredValues();
    const gets = Object.entries(doc.paths).filter(([, ops]) => ops.get);
    expect(gets.length).toBeGreaterThan(10);
    let paginated = 0;
    for (const [path, ops] of gets) {
      const op = ops.get!;
      expect(op.security.some((s) => 'apiToken' in s) || op.security.length === 0, `${path}: readable with an API token`).toBe(true);
      expect(path, 'no path parameter on a GET list').not.toMatch(/\{/);
      const parameters = op.parameters ?? [];
      const base = new URLSearchParams();
      for (const p of parameters.filter((x) => x.required)) {
        expect(required[p.name], `${path}: a value for the required ${p.name}`).toBeDefined();
        base.set(p.name, required[p.name]!);
      }
      const query = (extra: Record<string, string> = {}) => {
        const q = new URLSearchParams(base);
        for (const [k, v] of Object.entries(extra)) q.set(k, v);
        return q.size ? `${path}?${q}` : path;
      };
      const isList = parameters.some((p) => p.name === 'limit');
      if (isList) {
        paginated++;
        // Small pages: the walk crosses several of them; every row once, in a stable order.
        const small = await walk(path, query({ limit: '2' }));
        expect(small.items.length, path).toBe(small.total);
        const whole = await walk(path, query({ limit: String(MAX_PAGE_SIZE) }));
        expect(whole.requests, path).toBe(1);
        expect(small.items, `${path}: the same rows in the same order, whatever the page size`).toEqual(whole.items);
        if (!path.includes('/assessment/')) expect(small.total, `${path}: the seeded data has rows`).toBeGreaterThan(2);
      } else {
        await expectValid(path, query(), await get(query()));
      }
      // Every documented value of every enumerated parameter is accepted and answers in the documented shape.
      for (const p of parameters.filter((x) => x.schema.enum))
        for (const v of p.schema.enum!) {
          const url = query({ [p.name]: v, ...(isList ? { limit: String(MAX_PAGE_SIZE) } : {}) });
          await expectValid(path, url, await get(url));
        }
    }
    expect(paginated).toBeGreaterThanOrEqual(6);
    // The map and the assessment's answers have a schema of their own, not a bare object.
    const bare = gets.filter(([, ops]) => !('$ref' in (ops.get!.responses['200']?.content?.['application/json']?.schema ?? {}))).map(([path]) => path);
    expect(bare.sort()).toEqual(['/api/v1/federation/preview', '/api/v1/observatory/aggregate', '/api/v1/openapi.json']);
  });

  it('lists the hosts, the catalogue, the vendors and the unknown items as the database holds them', async () => {
    const hosts = (await walk('/api/v1/hosts', '/api/v1/hosts?limit=4')).items;
    expect(hosts.map((h) => h.hostname)).toEqual(
      await rows<{ hostname: string }>(collector.db, sql`SELECT hostname FROM hosts ORDER BY lower(hostname), id`).then((r) => r.map((x) => x.hostname)),
    );
    const servers = (await walk('/api/v1/hosts', '/api/v1/hosts?role=server')).items;
    expect(servers.map((h) => h.hostname)).toEqual(['SRV-03', 'SRV-07']);
    const zoom = (await walk('/api/v1/hosts', '/api/v1/hosts?vendor=zoom&limit=3')).items;
    expect(zoom.length).toBe(
      await value<number>(
        collector.db,
        sql`SELECT COUNT(DISTINCT i.host_id) FROM installations i JOIN catalogue c ON c.id = i.catalogue_id WHERE c.vendor_id = 'zoom'`,
      ),
    );
    expect(zoom.length).toBe(6);
    expect((await walk('/api/v1/hosts', '/api/v1/hosts?q=srv-0')).total).toBe(2);
    expect((await walk('/api/v1/hosts', '/api/v1/hosts?area=infrastructure&origin=non_eu')).items.map((h) => h.hostname)).toEqual(['SRV-03', 'SRV-07']);
    const withArea = (area: string) =>
      value<number>(
        collector.db,
        sql`SELECT COUNT(DISTINCT i.host_id) FROM installations i JOIN catalogue c ON c.id = i.catalogue_id WHERE COALESCE(c.area, 'unknown') = ${area}`,
      );
    for (const area of ['infrastructure', 'workstation', 'software'])
      expect((await walk('/api/v1/hosts', `/api/v1/hosts?area=${area}`)).total, area).toBe(await withArea(area));
    expect((await walk('/api/v1/hosts', '/api/v1/hosts?area=infrastructure&origin=eu')).total).toBe(0);

    const unknown = (await walk('/api/v1/unknown', '/api/v1/unknown?limit=3')).items;
    expect(unknown.every((p) => p.origin === 'unknown')).toBe(true);
    expect(unknown.length).toBe(await value<number>(collector.db, sql`SELECT COUNT(*) FROM catalogue WHERE origin = 'unknown' AND installs > 0`));
    expect(unknown.map((p) => p.name)).toContain('Outil Interne 4');

    const nonEu = (await walk('/api/v1/products', '/api/v1/products?origin=non_eu')).items;
    expect(nonEu.map((p) => p.vendor_id)).toEqual(expect.arrayContaining(['google', 'zoom']));
    expect(nonEu.every((p) => p.origin === 'non_eu')).toBe(true);
    const chrome = nonEu.find((p) => p.vendor_id === 'google')!;
    expect(chrome.hosts).toBe(9);
    const inArea = (await walk('/api/v1/products', `/api/v1/products?origin=non_eu&area=${chrome.area}&vendor=google`)).items;
    expect(inArea.map((p) => p.id)).toEqual([chrome.id]);
    expect((await walk('/api/v1/products', '/api/v1/products?vendor=google&area=infrastructure')).items.every((p) => p.area === 'infrastructure')).toBe(true);

    const vendors = (await walk('/api/v1/vendors', '/api/v1/vendors?limit=1')).items;
    expect(vendors.map((v) => v.vendor_id)).toEqual(expect.arrayContaining(['google', 'zoom', 'microsoft']));
    expect((await walk('/api/v1/vendors', '/api/v1/vendors?country=us')).items.every((v) => v.country === 'US' || v.owner_country === 'US')).toBe(true);

    const critical = (await walk('/api/v1/assessment/critical', '/api/v1/assessment/critical?limit=1')).items;
    expect(critical.length).toBeGreaterThan(0);
    const declared = (await walk('/api/v1/assessment/products', '/api/v1/assessment/products?source=declared')).items;
    expect(declared.map((p) => p.vendor_id)).toContain('microsoft');
  });

  it('says where the next page is, in the body and the Link header, and gives an empty page past the last', async () => {
    const res = await get('/api/v1/hosts?limit=4&role=workstation');
    const body = (await json(res)) as PageBody;
    expect(body).toMatchObject({ total: 7, page: 1, pages: 2, limit: 4, prev: null });
    expect(body.next).toBe('/api/v1/hosts?limit=4&role=workstation&page=2');
    expect(res.headers.get('link')).toBe(
      '</api/v1/hosts?limit=4&role=workstation&page=2>; rel="next", </api/v1/hosts?limit=4&role=workstation&page=1>; rel="first", </api/v1/hosts?limit=4&role=workstation&page=2>; rel="last"',
    );
    expect(res.headers.get('x-total-count')).toBe('7');
    const past = (await json(await get('/api/v1/hosts?limit=4&role=workstation&page=5'))) as PageBody;
    expect(past).toMatchObject({ items: [], total: 7, page: 5, pages: 2, next: null, prev: '/api/v1/hosts?limit=4&role=workstation&page=2' });
  });

  it('lists the paginated routes and their parameters on the readable page, in French', async () => {
    const session = await createSession(collector.db, await createUser(collector.db, 'lectrice', 'viewer', 'a viewer password, long enough'));
    const page = await (await collector.app.request('/settings/api', { headers: { cookie: `tb_session=${session.cookie}` } })).text();
    expect(page).toContain(`au plus ${MAX_PAGE_SIZE} lignes par page`);
    for (const path of [
      '/api/v1/hosts',
      '/api/v1/products',
      '/api/v1/vendors',
      '/api/v1/unknown',
      '/api/v1/assessment/critical',
      '/api/v1/assessment/products',
    ])
      expect(page).toContain(`GET ${path}`);
    expect(page).toContain('vendor?: hosts with at least one item of this vendor');
  });

  it('refuses a bad parameter with a 400 that names it, on every list', async () => {
    const lists = Object.entries(doc.paths).filter(([, ops]) => ops.get?.parameters?.some((p) => p.name === 'limit'));
    for (const [path] of lists) {
      for (const [query, named] of [
        [`limit=${MAX_PAGE_SIZE + 1}`, `limit: limit must be at most ${MAX_PAGE_SIZE}`],
        ['limit=0', 'limit: limit must be at least 1'],
        ['page=two', 'page: page must be a whole number'],
        ['page=1.5', 'page: page must be a whole number'],
        ['limt=5', 'Unrecognized key: "limt"'],
      ] as const) {
        const res = await get(`${path}?${query}`);
        expect(res.status, `${path}?${query}`).toBe(400);
        expect((await json(res)).error, `${path}?${query}`).toContain(named);
      }
      const enumerated = doc.paths[path]!.get!.parameters!.find((p) => p.schema.enum);
      if (enumerated) {
        const res = await get(`${path}?${enumerated.name}=nonsense`);
        expect(res.status).toBe(400);
        expect((await json(res)).error).toBe(`bad query: ${enumerated.name}: expected one of ${enumerated.schema.enum!.join(', ')}, not "nonsense"`);
      }
    }
    expect((await json(await get('/api/v1/assessment/products?year=26'))).error).toBe('bad query: year: year must be four digits');
    expect((await json(await get('/api/v1/vendors?country=USA'))).error).toBe('bad query: country: an ISO 3166-1 alpha-2 code (FR, US…)');
  });

  it("refuses every documented change to a viewer token (403 where API tokens are taken, 401 on the agents' and authorities' endpoints), and nothing changes", async () => {
    const tables = ['hosts', 'catalogue', 'declared_assets', 'spend_lines', 'assessment_targets', 'audit_log', 'agents', 'observatory_documents'];
    const count = async () => Promise.all(tables.map((t) => value<number>(collector.db, sql`SELECT COUNT(*) FROM ${sql.table(t)}`)));
    const before = await count();
    const changes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method]) => method !== 'get')
        .map(([method, op]) => ({ path, method, op })),
    );
    expect(changes.length).toBeGreaterThan(6);
    for (const { path, method, op } of changes) {
      const url = path.replace(/\{\w+\}/g, '1');
      const res = await collector.app.request(url, {
        method: method.toUpperCase(),
        headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' },
        body: '{}',
      });
      const takesApiTokens = op.security.some((s) => 'apiToken' in s);
      expect(res.status, `${method.toUpperCase()} ${path}`).toBe(takesApiTokens ? 403 : 401);
      if (takesApiTokens) expect((await json(res)).error).toBe('API token "bi-tool" is read-only (viewer): it cannot change anything');
    }
    expect(await count()).toEqual(before);
  });
});
