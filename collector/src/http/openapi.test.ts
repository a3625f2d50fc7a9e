// The OpenAPI document describes every /api/v1 route the collector registers, and nothing else;
// its schemas are valid JSON Schema 2020-12 that accept what the collector accepts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInventory } from '../../../test/fixtures.ts';
import { createCollector, type Collector } from '../collector.ts';
import { ENGINES, newDatabaseLocation } from '../store/test-database.ts';
import { openApiPath } from './openapi.ts';

describe.each(ENGINES)('%s', (engine) => {
  let collector: Collector;
  beforeAll(async () => {
    collector = await createCollector({
      dbFile: await newDatabaseLocation(engine, join(mkdtempSync(join(tmpdir(), 'tiebreak-openapi-')), 'test.db')),
      log: pino({ level: 'silent' }),
    });
  });
  afterAll(() => collector.close());

  type Doc = {
    openapi: string;
    paths: Record<string, Record<string, { security: unknown[]; responses: Record<string, unknown> }>>;
    components: { schemas: Record<string, object> };
  };
  async function fetchDocument(): Promise<Doc> {
    const res = await collector.app.request('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    return (await res.json()) as Doc;
  }

  describe('GET /api/v1/openapi.json', () => {
    it('is served without a login, as OpenAPI 3.1', async () => {
      const doc = await fetchDocument();
      expect(doc.openapi).toBe('3.1.0');
    });

    it('describes every registered /api/v1 route, and no route that does not exist', async () => {
      const doc = await fetchDocument();
      const registered = new Set(
        collector.app.routes
          .filter((r) => r.path.startsWith('/api/v1') && r.method !== 'ALL')
          .map((r) => `${r.method} ${openApiPath(r.path.replace(/\/$/, ''))}`),
      );
      expect(registered.size).toBeGreaterThan(10);
      const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)));
      expect(
        [...registered].filter((r) => !documented.has(r)),
        'registered but not documented',
      ).toEqual([]);
      expect(
        [...documented].filter((d) => !registered.has(d)),
        'documented but not registered',
      ).toEqual([]);
    });

    it('says which credential each route takes', async () => {
      const doc = await fetchDocument();
      expect(doc.paths['/api/v1/map']!.get!.security).toEqual([{ apiToken: [] }, { session: [] }]);
      expect(doc.paths['/api/v1/assessment/targets']!.put!.security).toEqual([{ apiToken: [] }, { session: [], csrf: [] }]);
      expect(doc.paths['/api/v1/assessment/targets']!.put!.responses).toHaveProperty('403');
      expect(doc.paths['/api/v1/inventories']!.post!.security).toEqual([{ agentCredential: [] }]);
    });

    it('has schemas that compile as JSON Schema 2020-12 and accept a real inventory, refusing a broken one', async () => {
      const doc = await fetchDocument();
      const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
      for (const [name, schema] of Object.entries(doc.components.schemas)) ajv.addSchema(schema, `#/components/schemas/${name}`);
      const inventory = ajv.getSchema('#/components/schemas/Inventory')!;
      expect(inventory(JSON.parse(JSON.stringify(makeInventory())))).toBe(true);
      expect(inventory({ ...makeInventory(), host: { id: 42 } })).toBe(false);
      const target = ajv.getSchema('#/components/schemas/TargetRequest')!;
      expect(target({ indicator: 'exposure', year: 2030, value: 0.3 })).toBe(true);
      expect(target({ indicator: 'exposure', year: 'soon' })).toBe(false);
    });
  });
});
