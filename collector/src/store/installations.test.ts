// The counters kept at ingest (catalogue installations and hosts, host facets, facet host counts)
// equal a plain recount from the installations after new hosts, rescans, partial inventories, host
// deletion, failed inventories and reclassification; the drill-downs read the installations; and a
// read never writes (every reader works on a read-only connection).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Inventory } from '@tiebreak/shared';
import { expectDerivedConsistent } from '../../../test/expect-consistent.ts';
import { makeInventory } from '../../../test/fixtures.ts';
import { computeAssessment } from '../assessment/compute.ts';
import { Classifier } from '../classify/classifier.ts';
import { decide } from '../classify/local-rules.ts';
import { DEFAULT_RULES_DIR, loadRuleTrees } from '../classify/load-rules.ts';
import { createCollector } from '../collector.ts';
import { Ingestor } from '../ingest/ingest.ts';
import { computeMap } from '../map/map.ts';
import { listHosts, listProducts, listVendors, productHosts, productVersions } from '../ui/queries.ts';
import { openDatabase, type Db } from './db.ts';
import { facetsOf, rebuildFacets, type CatalogueFacts } from './facets.ts';
import { deleteHost, hostsOf, versionCounts, versionsOn } from './installations.ts';

const classifier = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR]));
const tempFile = () => join(mkdtempSync(join(tmpdir(), 'tiebreak-installations-')), 'test.db');
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** A seeded sequence, the same at every run. */
function generator(seed: number) {
  return (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return Math.floor(seed / 65_536) % n; // the high bits: the low ones of this generator repeat
  };
}

/** Drill-downs against a plain count of each entry's installations. */
function expectDrillDownsConsistent(db: Db) {
  for (const id of db.prepare('SELECT id FROM catalogue ORDER BY id').pluck().all() as number[]) {
    const hosts = db.prepare('SELECT DISTINCT host_id FROM installations WHERE catalogue_id = ? ORDER BY host_id').pluck().all(id);
    expect(hostsOf(db, [id]), `hosts of entry ${id}`).toEqual(hosts);
    const versions = db.prepare('SELECT version, COUNT(*) AS hosts FROM (SELECT DISTINCT host_id, version FROM installations WHERE catalogue_id = ?) GROUP BY version').all(id) as { version: string; hosts: number }[];
    expect(versionCounts(db, id, 1000), `versions of entry ${id}`).toEqual(versions.sort((a, b) => b.hosts - a.hosts || (a.version < b.version ? -1 : 1)));
  }
}

describe('counters kept at ingest', () => {
  it('equal a recount after new hosts, rescans, duplicates, partial inventories and host deletion', () => {
    const db = openDatabase(tempFile());
    const ingestor = new Ingestor(db, classifier);
    const random = generator(42);
    const software = () =>
      range(0, 2 + random(7)).map(() => {
        const item = random(14);
        // A few real products (recognised, with vendors and countries), the rest unknown.
        const known = [
          { name: 'Google Chrome', publisher: 'Google LLC' },
          { name: 'VLC media player', publisher: 'VideoLAN' },
          { name: 'Mozilla Firefox (x64 fr)', publisher: 'Mozilla' },
        ][item % 5];
        return { ...(known ?? { name: `Tool ${item}`, publisher: `Vendor ${item % 4}` }), version: `${random(3)}.0`, scope: random(5) ? ('machine' as const) : ('user' as const) };
      });
    const machines: string[] = [];
    for (let step = 0; step < 150; step++) {
      const rescan = machines.length > 0 && random(3) > 0;
      const machine = rescan ? machines[random(machines.length)]! : `m${machines.push(`m${machines.length}`) - 1}`;
      const inventory = makeInventory({ machine, software: software(), hardware: random(4) ? {} : { cpus: [{ manufacturer: 'AMD', model: 'Ryzen 5' }] } });
      // Now and then a partial report: only the software, or only the hardware, replaced.
      const partial = rescan && random(4) === 0 ? ([random(2) ? 'software' : 'cpus'] as Inventory['partial']) : undefined;
      if (random(6) === 0) ingestor.ingestMany([inventory, makeInventory({ machine: `${machine}-twin`, software: software() })]);
      else ingestor.ingest(partial ? { ...inventory, partial } : inventory);
      if (step % 25 === 0) expectDerivedConsistent(db);
    }
    // A rescan that reports the same item twice, and one that empties a host of software.
    ingestor.ingest(makeInventory({ machine: 'm0', software: [{ name: 'Tool 1', version: '1.0', publisher: 'Vendor 1' }, { name: 'Tool 1', version: '1.0', publisher: 'Vendor 1' }] }));
    ingestor.ingest(makeInventory({ machine: 'm1', software: [] }));
    expectDerivedConsistent(db);
    expectDrillDownsConsistent(db);

    // Hosts removed: what they had leaves the counters and facets.
    const hosts = db.prepare('SELECT id FROM hosts ORDER BY id').pluck().all() as number[];
    for (const id of hosts.slice(0, 10)) expect(deleteHost(db, id)).toBe(true);
    expect(deleteHost(db, hosts[0]!)).toBe(false);
    expect(db.prepare('SELECT COUNT(*) FROM installations WHERE host_id IN (?, ?)').pluck().get(hosts[0], hosts[1])).toBe(0);
    expectDerivedConsistent(db);
    expectDrillDownsConsistent(db);
    db.close();
  });

  it('stay exact when an inventory of a batch fails and is rolled back alone', () => {
    const db = openDatabase(tempFile());
    const ingestor = new Ingestor(db, classifier);
    ingestor.ingest(makeInventory({ machine: 'a' }));
    // The second inventory creates a catalogue entry, then fails (an installation without a scope,
    // which validation would have refused): its rows and counters are rolled back, and the third
    // must not reuse the catalogue id it was given.
    const broken = makeInventory({ machine: 'b', software: [{ name: 'Only In The Failed One', version: '1', publisher: 'Nobody', scope: null as unknown as 'machine' }] });
    const results = ingestor.ingestMany([
      makeInventory({ machine: 'c', software: [{ name: 'Tool X', version: '1', publisher: 'X' }] }),
      broken,
      makeInventory({ machine: 'd', software: [{ name: 'Only In The Failed One', version: '2', publisher: 'Nobody' }, { name: 'Tool Y', version: '1', publisher: 'Y' }] }),
    ]);
    expect(results.map((r) => r instanceof Error)).toEqual([false, true, false]);
    const names = db.prepare("SELECT c.name FROM installations i JOIN catalogue c ON c.id = i.catalogue_id WHERE c.kind = 'software' AND i.host_id = ? ORDER BY c.name").pluck();
    expect(names.all((results[2] as { host_id: number }).host_id)).toEqual(['Only In The Failed One', 'Tool Y']);
    expect(db.prepare('SELECT COUNT(*) FROM hosts').pluck().get()).toBe(3);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expectDerivedConsistent(db);
    db.close();
  });

  it('follow a reclassification, host by host for a local rule and rebuilt for a wide change', () => {
    const collector = createCollector({ dbFile: tempFile(), log: pino({ level: 'silent' }) });
    const { db, ingestor } = collector;
    const unknownItem = { name: 'Logiciel Métier Inconnu', version: '2.1', publisher: 'Éditeur Régional SARL' };
    for (let i = 0; i < 40; i++) {
      ingestor.ingest(makeInventory({ machine: `pc-${i}`, software: [{ name: 'Google Chrome', version: '131.0', publisher: 'Google LLC' }, ...(i === 0 ? [unknownItem] : [])] }));
    }
    const cellOfUnknown = () => db.prepare("SELECT hosts FROM facet_counts WHERE facet = 'vendor' AND value = 'editeur-regional'").pluck().get();
    expect(cellOfUnknown()).toBeUndefined();
    // One host of 40 has the item: its facets alone are refreshed.
    decide(db, collector.classifier, { source: 'registry', name: unknownItem.name, publisher: unknownItem.publisher }, { vendor: { name: 'Éditeur Régional', country: 'FR' }, product: { name: 'Logiciel Métier', area: 'software', category: 'utility', licence: 'proprietary' } }, 'dsi');
    expect(collector.applyLocalRules()).toBe(1);
    expect(cellOfUnknown()).toBe(1);
    expectDerivedConsistent(db);
    // Every host's facets rebuilt at once (as a wide change of the rules does) say the same.
    const before = db.prepare('SELECT * FROM host_facets ORDER BY host_id, facet, value').all();
    db.transaction(() => rebuildFacets(db))();
    expect(db.prepare('SELECT * FROM host_facets ORDER BY host_id, facet, value').all()).toEqual(before);
    // A classification changed under every host (Chrome's vendor dropped): rebuilt, then recounted.
    db.prepare("UPDATE catalogue SET vendor_id = NULL, origin = 'unknown' WHERE name = 'Google Chrome'").run();
    expect(ingestor.reclassify(collector.classifier)).toBeGreaterThan(0);
    expectDerivedConsistent(db);
    collector.close();
  });

  it('give each facet of the view catalogue_facets as facetsOf does', () => {
    const db = openDatabase(':memory:');
    const insert = db.prepare(`INSERT INTO catalogue (kind, source, name, name_norm, publisher_norm, package_norm, area, origin, licence, vendor_id, country, owner_country, platform, first_seen)
      VALUES ('software', 'registry', ?, ?, '', '', ?, ?, ?, ?, ?, ?, ?, '')`);
    const cases: CatalogueFacts[] = [
      { area: null, origin: 'unknown', licence: 'unknown', vendor_id: null, country: null, owner_country: null, platform: 0 },
      { area: 'software', origin: 'non_eu', licence: 'proprietary', vendor_id: 'zoom', country: 'US', owner_country: null, platform: 0 },
      { area: 'workstation', origin: 'non_eu', licence: 'proprietary', vendor_id: 'x', country: 'IE', owner_country: 'US', platform: 0 },
      { area: 'software', origin: 'non_eu', licence: 'proprietary', vendor_id: 'microsoft', country: 'US', owner_country: null, platform: 1 },
      { area: 'infrastructure', origin: 'community', licence: 'open_source', vendor_id: 'y', country: null, owner_country: null, platform: 0 },
    ];
    cases.forEach((c, i) => insert.run(`n${i}`, `n${i}`, c.area, c.origin, c.licence, c.vendor_id, c.country, c.owner_country, c.platform));
    const ids = db.prepare('SELECT id FROM catalogue ORDER BY id').pluck().all() as number[];
    cases.forEach((c, i) => {
      const view = (db.prepare('SELECT facet, value FROM catalogue_facets WHERE catalogue_id = ?').all(ids[i]) as { facet: string; value: string }[]).map((f) => `${f.facet}\u0000${f.value}`);
      expect(view.sort(), JSON.stringify(c)).toEqual(facetsOf(c).sort());
    });
    db.close();
  });
});

describe('drill-downs and reads', () => {
  it('give a product spelt several ways once per host, and each host its versions', () => {
    const db = openDatabase(tempFile());
    const ingestor = new Ingestor(db, classifier);
    const a = ingestor.ingest(makeInventory({ machine: 'a', software: [{ name: 'VLC media player', version: '3.0.20', publisher: 'VideoLAN' }] }));
    const b = ingestor.ingest(
      makeInventory({
        machine: 'b',
        software: [
          { name: 'VLC media player', version: '3.0.21', publisher: 'VideoLAN' },
          { name: 'VLC media player', version: '3.0.21', publisher: 'VideoLAN', scope: 'user' },
          { name: 'VLC media player', version: '3.0.20', publisher: 'VideoLAN', arch: 'x86' },
          { name: 'VLC', version: '3.0.21', publisher: 'VideoLAN' },
        ],
      }),
    );
    const [vlc, short] = db.prepare("SELECT id FROM catalogue WHERE name IN ('VLC media player', 'VLC') ORDER BY name DESC").pluck().all() as number[];
    expect(hostsOf(db, [vlc!, short!])).toEqual([a.host_id, b.host_id]);
    expect(versionCounts(db, vlc!)).toEqual([
      { version: '3.0.20', hosts: 2 },
      { version: '3.0.21', hosts: 1 },
    ]);
    expect(versionsOn(db, vlc!, [a.host_id, b.host_id])).toEqual(
      new Map([
        [a.host_id, ['3.0.20']],
        [b.host_id, ['3.0.20', '3.0.21']],
      ]),
    );
    expect(db.prepare('SELECT installs, hosts FROM catalogue WHERE id = ?').get(vlc)).toEqual({ installs: 4, hosts: 2 });
    expect(productHosts(db, vlc!, 1).rows.map((h) => [h.hostname, h.version])).toEqual([
      ['A', '3.0.20'],
      ['B', '3.0.20, 3.0.21'],
    ]);
    db.close();
  });

  it('never write: the map, lists, drill-downs and the assessment read a read-only connection', () => {
    const file = tempFile();
    const collector = createCollector({ dbFile: file, log: pino({ level: 'silent' }) });
    for (let i = 0; i < 20; i++) collector.ingestor.ingest(makeInventory({ machine: `pc-${i}` }));
    const expected = computeMap(collector.db, collector.classifier);
    const top = collector.db.prepare('SELECT id FROM catalogue ORDER BY hosts DESC, id LIMIT 1').pluck().get() as number;
    const reader = new Database(file, { readonly: true });
    try {
      const { generated_at: _, ...map } = computeMap(reader, collector.classifier);
      const { generated_at: __, ...written } = expected;
      expect(map).toEqual(written);
      expect(computeMap(reader, collector.classifier, { confidence: 'high' }).totals.hosts).toBe(20);
      expect(computeAssessment(reader, collector.classifier).overall.hosts.total).toBe(20);
      expect(listHosts(reader, { origin: 'non_eu' }).total).toBe(20);
      expect(listProducts(reader, {}).total).toBeGreaterThan(0);
      expect(listVendors(reader, collector.classifier, {}).total).toBeGreaterThan(0);
      expect(productHosts(reader, top, 1).total).toBe(20);
      expect(productVersions(reader, top)).toEqual([{ version: expect.any(String), hosts: 20 }]);
    } finally {
      reader.close();
      collector.close();
    }
  });
});
