// Evidence and confidence where people read them: the map filtered to high-confidence evidence, the
// API, the product lists, their exports and the product page.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInventory } from '../../../test/fixtures.ts';
import { createSession, createUser } from '../accounts/users.ts';
import { createCollector, type Collector } from '../collector.ts';
import { SESSION_COOKIE } from '../http/auth.ts';
import { sql, value } from '../store/db.ts';
import { ENGINES, newDatabaseLocation } from '../store/test-database.ts';
import { computeMap, type DependencyMap } from './map.ts';

describe.each(ENGINES)('evidence and confidence on %s', (engine) => {
  let collector: Collector;
  let cookie: string;
  const get = (path: string) => collector.app.request(path, { headers: { cookie } });

  beforeAll(async () => {
    const dbFile = await newDatabaseLocation(engine, join(mkdtempSync(join(tmpdir(), 'tiebreak-confidence-')), 'test.db'));
    collector = await createCollector({ dbFile, log: pino({ level: 'silent' }) });
    cookie = `${SESSION_COOKIE}=${(await createSession(collector.db, await createUser(collector.db, 'dsi', 'viewer', 'a long enough password'))).cookie}`;
    const software = [
      { name: 'Google Chrome', version: '131.0', publisher: 'Google LLC' }, // exact name and publisher: high
      { name: 'TeamViewer', version: '15.60' }, // a name alone: low
      { name: 'Logiciel Métier Inconnu', version: '2.1', publisher: 'Éditeur Régional SARL' }, // unknown
    ];
    await collector.ingestor.ingest(makeInventory({ machine: 'a', software }));
    await collector.ingestor.ingest(makeInventory({ machine: 'b', software: software.slice(0, 1) }));
  });
  afterAll(async () => collector?.close());

  it('filters the map to high-confidence evidence, the rest counted as unknown, hosts counted from the installations', async () => {
    const all = await computeMap(collector.db, collector.classifier);
    const high = await computeMap(collector.db, collector.classifier, { confidence: 'high' });
    expect(all.confidence).toBe('all');
    expect(high.confidence).toBe('high');
    const teamviewer = (map: DependencyMap) => map.by_vendor.find((v) => v.vendor_id === 'teamviewer');
    expect(teamviewer(all)).toMatchObject({ hosts: 1, installations: 1 });
    expect(teamviewer(high)).toBeUndefined();
    expect(high.by_vendor.find((v) => v.vendor_id === 'google')).toMatchObject({ hosts: 2, installations: 2 });
    // Everything recognised on less than high confidence (here also the OS and hardware, by name or maker alone) moves to unknown.
    const weak = (await value<number>(collector.db, sql`SELECT SUM(installs) FROM catalogue WHERE origin <> 'unknown' AND confidence <> 'high'`))!;
    expect(weak).toBeGreaterThan(1);
    expect(high.totals.installations).toBe(all.totals.installations);
    expect(high.totals.unknown_installations).toBe(all.totals.unknown_installations + weak);
    const unknown = (map: DependencyMap) => map.by_origin.find((o) => o.origin === 'unknown')!;
    expect(unknown(all).hosts).toBe(1);
    expect(unknown(high).hosts).toBe(2);
    expect(unknown(high).installations).toBe(unknown(all).installations + weak);
    // Without a filter the stored facet counts say the same as a count from the installations.
    const recount = await computeMap(collector.db, collector.classifier, { confidence: 'medium' });
    expect(recount.by_vendor.find((v) => v.vendor_id === 'google')!.hosts).toBe(all.by_vendor.find((v) => v.vendor_id === 'google')!.hosts);
  });

  it('serves the filter in the API and refuses an unknown level', async () => {
    const high = (await (await get('/api/v1/map?confidence=high')).json()) as DependencyMap;
    expect(high.confidence).toBe('high');
    expect(high.by_vendor.map((v) => v.vendor_id)).not.toContain('teamviewer');
    const bad = await get('/api/v1/map?confidence=certain');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/confidence: expected one of high, medium, all/);
  });

  it('shows evidence and confidence in the lists, their exports and the product page, in French and English', async () => {
    const list = await (await get('/products?confidence=high')).text();
    expect(list).toContain('Google Chrome');
    expect(list).not.toContain('TeamViewer');
    expect(list).toContain('élevée');
    expect(await (await get('/products')).text()).toContain('TeamViewer');

    const csv = await (await get('/products.csv')).text();
    const [header, ...lines] = csv
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(header!.split(';').slice(-2)).toEqual(['Preuve', 'Confiance']);
    expect(
      lines
        .find((l) => l.startsWith('Google Chrome;'))!
        .split(';')
        .slice(-2),
    ).toEqual(['name_publisher', 'high']);
    expect(
      lines
        .find((l) => l.startsWith('TeamViewer'))!
        .split(';')
        .slice(-2),
    ).toEqual(['name', 'low']);
    const xlsx = await get('/products.xlsx?confidence=high');
    expect(xlsx.status).toBe(200);

    const id = (await value<number>(collector.db, sql`SELECT id FROM catalogue WHERE name = 'Google Chrome'`))!;
    const page = await (await get(`/products/${id}`)).text();
    expect(page).toMatch(/Preuve<\/t[dh]>\s*<td>nom exact et éditeur/);
    expect(page).toMatch(/Confiance<\/t[dh]>\s*<td>élevée/);
    const english = await (await collector.app.request(`/products/${id}?lang=en`, { headers: { cookie: `${cookie}; tb_lang=en` } })).text();
    expect(english).toContain('exact name and publisher');

    const overview = await (await get('/?confidence=high')).text();
    expect(overview).toContain('Seules les reconnaissances de confiance élevée comptent ici');
    expect(overview).toMatch(/<option value="high" selected/);
  });
});
