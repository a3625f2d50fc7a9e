// The read side on both engines: the map, the lists and drill-downs of the web interface, the
// assessment's inputs and its daily snapshot, each checked against a plain count in SQL, and
// none of them writing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInventory } from '../../../test/fixtures.ts';
import type { Assessment } from '../assessment/compute.ts';
import { history, recordSnapshot } from '../assessment/history.ts';
import { addAsset, importAssets, importSpend, listAssets, removeAsset, spendLines, spendYears } from '../assessment/inputs.ts';
import { Classifier } from '../classify/classifier.ts';
import { DEFAULT_RULES_DIR, loadRuleTrees } from '../classify/load-rules.ts';
import { Ingestor } from '../ingest/ingest.ts';
import { closeDatabase, openDatabase, rows, sql, value, values, type Db } from '../store/db.ts';
import { ENGINES, newDatabaseLocation, testDatabase } from '../store/test-database.ts';
import {
  hostById,
  hostInstallations,
  listHosts,
  listProducts,
  listVendors,
  productById,
  productHosts,
  productVersions,
  staleHosts,
  topNonEuProducts,
} from '../ui/queries.ts';
import { computeMap } from './map.ts';

const classifier = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR]));

const CHROME = { name: 'Google Chrome', publisher: 'Google LLC' };
const TEAMVIEWER = { name: 'TeamViewer' }; // recognised by its name alone: low confidence
const LIBREOFFICE = { name: 'LibreOffice 24.8.3.2', publisher: 'The Document Foundation' };
const UNKNOWN = { name: 'Logiciel Métier Inconnu', publisher: 'Éditeur Régional SARL' };

/** 30 workstations and 4 servers; hostnames in mixed case, two with LIKE's wildcards in them. */
function fleet() {
  return Array.from({ length: 34 }, (_, i) => {
    const software: { name: string; publisher?: string; version?: string }[] = [{ ...CHROME, version: `13${i % 3}.0` }];
    if (i % 2 === 0) software.push({ ...LIBREOFFICE, version: '24.8' });
    if (i % 5 === 0) software.push({ ...TEAMVIEWER, version: '15.60' });
    if (i % 7 === 0) software.push({ ...UNKNOWN, version: '2.1' });
    const hostname = i === 3 ? 'compta_100%' : i === 4 ? 'COMPTAX100Y' : i % 2 ? `Poste-${String(i).padStart(2, '0')}` : `poste-${String(i).padStart(2, '0')}`;
    return makeInventory({
      machine: `m-${i}`,
      hostname,
      software,
      ...(i >= 30 ? { osName: 'Microsoft Windows Server 2022 Standard' } : {}),
    });
  });
}

/** Every row the reads could change, to show they change none. */
async function everything(db: Db): Promise<unknown> {
  const tables = ['hosts', 'catalogue', 'installations', 'host_facets', 'facet_counts', 'meta', 'assessment_snapshots'];
  return Promise.all(tables.map(async (t) => (await rows(db, sql`SELECT * FROM ${sql.table(t)}`)).map((row) => JSON.stringify(row)).sort()));
}

/** Hosts that have an entry matching `where` (on catalogue c), counted in plain SQL. */
const hostsWhere = (db: Db, where: ReturnType<typeof sql>) =>
  value<number>(db, sql`SELECT COUNT(DISTINCT i.host_id) FROM installations i JOIN catalogue c ON c.id = i.catalogue_id WHERE ${where}`);

describe.each(ENGINES)('reads on %s', (engine) => {
  let db: Db;
  beforeAll(async () => {
    db = await testDatabase(engine);
    const results = await new Ingestor(db, classifier).ingestMany(fleet());
    expect(results.filter((r) => r instanceof Error)).toEqual([]);
  });
  afterAll(async () => db && closeDatabase(db));

  it('map: every host count equals a count of the installations, with and without a confidence filter', async () => {
    const before = await everything(db);
    const map = await computeMap(db, classifier);
    expect(map.totals.hosts).toBe(34);
    expect(map.hosts_by_role).toEqual([
      { role: 'server', hosts: 4 },
      { role: 'workstation', hosts: 30 },
    ]);
    expect(map.hosts_by_agent).toEqual([{ agent: 'tiebreak-agent', hosts: 34 }]);
    for (const o of map.by_origin) expect(o.hosts, o.origin).toBe(await hostsWhere(db, sql`c.origin = ${o.origin}`));
    for (const v of map.by_vendor) expect(v.hosts, v.vendor_id).toBe(await hostsWhere(db, sql`c.vendor_id = ${v.vendor_id}`));
    for (const cell of map.by_area_origin)
      expect(cell.hosts, `${cell.area} ${cell.origin}`).toBe(
        await hostsWhere(db, sql`COALESCE(c.area, 'unknown') = ${cell.area} AND c.origin = ${cell.origin}`),
      );
    expect(map.totals.installations).toBe(await value<number>(db, sql`SELECT COUNT(*) FROM installations`));
    expect(map.unclassified.map((u) => u.name)).toContain(UNKNOWN.name);
    expect(map.unclassified.find((u) => u.name === UNKNOWN.name)).toMatchObject({ hosts: 5, installations: 5 });

    // High confidence only: TeamViewer (a name alone) counts as unknown, its hosts counted from the installations.
    const high = await computeMap(db, classifier, { confidence: 'high' });
    expect(high.by_vendor.map((v) => v.vendor_id)).not.toContain('teamviewer');
    const weak = sql`c.origin = 'unknown' OR c.confidence IS NULL OR c.confidence <> 'high'`;
    expect(high.by_origin.find((o) => o.origin === 'unknown')!.hosts).toBe(await hostsWhere(db, weak));
    expect(high.totals.installations).toBe(map.totals.installations);
    expect(await everything(db)).toEqual(before);
  });

  it('host list: searched ignoring case with LIKE wildcards taken literally, filtered, sorted and paged', async () => {
    const before = await everything(db);
    const all = await listHosts(db, { sort: 'hostname' }, 10);
    expect(all).toMatchObject({ total: 34, page: 1, pages: 4 });
    // Ignoring case, ties by id: poste-00, Poste-01, poste-02...
    const names = [];
    for (let page = 1; page <= 4; page++) names.push(...(await listHosts(db, { sort: 'hostname', page: String(page) }, 10)).rows.map((h) => h.hostname));
    expect(names).toEqual([...names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0)));
    expect(names.slice(2, 5)).toEqual(['poste-00', 'Poste-01', 'poste-02']);
    expect((await listHosts(db, { q: 'POSTE-1' })).total).toBe(10);
    // `_` and `%` are letters here, not wildcards: COMPTAX100Y does not match "compta_100%".
    expect((await listHosts(db, { q: 'compta_100%' })).rows.map((h) => h.hostname)).toEqual(['compta_100%']);
    expect((await listHosts(db, { role: 'server' })).total).toBe(4);
    expect((await listHosts(db, { origin: 'unknown' })).total).toBe(await hostsWhere(db, sql`c.origin = 'unknown'`));
    expect((await listHosts(db, { agent: 'tiebreak-agent', stale: '1' })).total).toBe(0);
    expect((await listHosts(db, { page: '99' }, 10)).page).toBe(4);
    expect(await staleHosts(db)).toEqual([]);
    expect(await everything(db)).toEqual(before);
  });

  it('product list, vendors and the top non-European products agree with the catalogue', async () => {
    const chrome = await listProducts(db, { q: 'google chrome' });
    expect(chrome.total).toBe(1);
    expect(chrome.rows[0]).toMatchObject({ vendor_id: 'google', hosts: 34, installs: 34, confidence: 'high' });
    expect((await listProducts(db, { q: 'teamviewer', confidence: 'high' })).total).toBe(0);
    expect((await listProducts(db, { q: 'teamviewer', confidence: 'medium' })).total).toBe(0);
    expect((await listProducts(db, { q: 'teamviewer' })).total).toBe(1);
    expect((await listProducts(db, { unknown: '1' })).rows.map((p) => p.name)).toContain(UNKNOWN.name);
    const byName = (await listProducts(db, { sort: 'name' }, 500)).rows.map((p) => p.name.toLowerCase());
    expect(byName).toEqual([...byName].sort());
    const installed = await value<number>(db, sql`SELECT COUNT(*) FROM catalogue WHERE installs > 0`);
    expect((await listProducts(db, {}, 500)).total).toBe(installed);

    const vendors = await listVendors(db, classifier, {});
    expect(vendors.rows.find((v) => v.vendor_id === 'google')).toMatchObject({ vendor: 'Google', hosts: 34 });
    expect(vendors.rows.find((v) => v.vendor_id === 'teamviewer')).toMatchObject({ hosts: 7, installs: 7 });
    const top = await topNonEuProducts(db, classifier, 3);
    expect(top[0]).toMatchObject({ vendor_id: 'google', product_id: 'google-chrome', hosts: 34, installs: 34 });
  });

  it('product drill-down: its hosts from the installations, their versions, a host and its items', async () => {
    const id = (await value<number>(db, sql`SELECT id FROM catalogue WHERE name = ${CHROME.name}`))!;
    expect(await productById(db, id)).toMatchObject({ id, name: CHROME.name, hosts: 34 });
    expect(await productById(db, 999_999)).toBeUndefined();
    const first = await productHosts(db, id, 1);
    expect(first).toMatchObject({ total: 34, page: 1, pages: 1 });
    expect(first.rows).toHaveLength(34);
    expect(first.rows.find((h) => h.hostname === 'poste-00')!.version).toBe('130.0');
    expect(await productVersions(db, id)).toEqual([
      { version: '130.0', hosts: 12 },
      { version: '131.0', hosts: 11 },
      { version: '132.0', hosts: 11 },
    ]);
    const host = first.rows.find((h) => h.hostname === 'poste-00')!;
    expect(await hostById(db, host.id)).toMatchObject({ id: host.id, hostname: 'poste-00', role: 'workstation' });
    const items = await hostInstallations(db, host.id);
    // Non-European first, then the unknown, then the rest.
    const origins = items.map((i) => i.origin);
    expect(origins.indexOf('unknown')).toBeGreaterThan(origins.lastIndexOf('non_eu'));
    expect(items.map((i) => i.name)).toEqual(expect.arrayContaining([CHROME.name, LIBREOFFICE.name, TEAMVIEWER.name, UNKNOWN.name]));
  });

  it('spend and declared assets: a year replaced whole, ids returned, all lines or none', async () => {
    const first = await importSpend(db, classifier, 'vendor;amount;year\nMicrosoft;1 000;2025\nGoogle;200,50;2026\n', 'a.csv');
    expect(first).toMatchObject({ lines: 2, years: [2025, 2026], total_eur: 1200.5, matched: 2 });
    await importSpend(db, classifier, 'vendor;amount;year\nAdobe;300;2026\n', 'b.csv');
    expect((await spendLines(db)).map((l) => [l.year, l.vendor_text, l.amount_cents, l.source_file])).toEqual([
      [2025, 'Microsoft', 100000, 'a.csv'],
      [2026, 'Adobe', 30000, 'b.csv'],
    ]);
    expect(await spendYears(db)).toEqual([2025, 2026]);
    await expect(importSpend(db, classifier, 'vendor;amount;year\nAdobe;douze;2026\n', 'c.csv')).rejects.toThrow(/line 2/);
    expect(await spendLines(db, 2026)).toHaveLength(1);

    const id = await addAsset(
      db,
      {
        name: 'Hébergement',
        vendor_text: 'OVH SAS',
        area: 'infrastructure',
        users: 0,
        annual_cost_cents: 60000,
        cost_year: 2026,
        contract_ref: 'OVH-1',
        note: null,
      },
      'test',
    );
    const next = await addAsset(
      db,
      { name: 'Messagerie', vendor_text: 'Google', area: 'software', users: 12, annual_cost_cents: null, cost_year: null, contract_ref: null, note: 'n' },
      'test',
    );
    expect(next).toBe(id + 1);
    expect(await importAssets(db, 'name,vendor,area\nA,Microsoft,logiciels\nB,Google,infra\n', 'test')).toBe(2);
    await expect(importAssets(db, 'name,vendor,area\nC,Microsoft,logiciels\nD,Google,nuage\n', 'test')).rejects.toThrow(/line 3/);
    expect((await listAssets(db)).map((a) => a.name)).toEqual(['Hébergement', 'Messagerie', 'A', 'B']);
    expect(await removeAsset(db, id)).toBe(true);
    expect(await removeAsset(db, id)).toBe(false);
    expect((await listAssets(db)).map((a) => a.id)).not.toContain(id);
  });
});

describe.each(ENGINES)('the daily snapshot on %s', (engine) => {
  const assessmentAt = (computedAt: string, exposure: number) => {
    const indicators = {
      exposure,
      priority: exposure / 2,
      lock_in: 50,
      installations: { by_origin: { non_eu: { share: 10 } } },
      spend: { by_origin: { non_eu: { share: null } } },
      critical_dependencies: 1,
    };
    return {
      generated_at: computedAt,
      overall: indicators,
      areas: { infrastructure: indicators, workstation: indicators, software: indicators },
      uncertainty: { unknown_share: 1 },
    } as unknown as Assessment;
  };

  it('is one row per day when two collector processes take it at once, the latest computation kept', async () => {
    const location = await newDatabaseLocation(engine, join(mkdtempSync(join(tmpdir(), 'tiebreak-snapshot-')), 'collector.db'));
    // Two handles on one database, as two collector processes have.
    const one = await openDatabase(location);
    const two = await openDatabase(location);
    try {
      const times = Array.from({ length: 20 }, (_, i) => `2026-03-04T10:00:${String(i).padStart(2, '0')}.000Z`);
      // The later computations first: an earlier one committed last must not replace them.
      const taken = await Promise.all(times.reverse().map((at, i) => recordSnapshot(i % 2 ? one : two, assessmentAt(at, Number(at.slice(17, 19))))));
      expect(new Set(taken)).toEqual(new Set(['2026-03-04']));
      expect(await rows(one, sql`SELECT day, computed_at FROM assessment_snapshots`)).toEqual([{ day: '2026-03-04', computed_at: '2026-03-04T10:00:19.000Z' }]);
      expect((await history(two)).series.exposure).toEqual([19]);
      await recordSnapshot(two, assessmentAt('2026-03-05T08:00:00.000Z', 7));
      expect((await history(one)).days).toEqual(['2026-03-04', '2026-03-05']);
      expect(await values(one, sql`SELECT day FROM assessment_snapshots ORDER BY day`)).toEqual(['2026-03-04', '2026-03-05']);
    } finally {
      await closeDatabase(one);
      await closeDatabase(two);
    }
  });
});
