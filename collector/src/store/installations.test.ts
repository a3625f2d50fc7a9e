// The counters kept at ingest (catalogue installations and hosts, host facets, facet host counts)
// equal a plain recount from the installations after new hosts, rescans, partial inventories, host
// deletion, failed inventories and reclassification; the drill-downs read the installations; and a
// read never writes (every reader works on a read-only connection). On both engines.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { closeDatabase, openDatabase, rows, sql, sqliteHandle, transaction, value, values, type Db, type Engine } from './db.ts';
import { facetsOf, rebuildFacets, type CatalogueFacts } from './facets.ts';
import { deleteHost, hostCounts, hostsOf, versionCounts, versionsOn } from './installations.ts';
import { ENGINES, newDatabaseLocation, testDatabase } from './test-database.ts';

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
async function expectDrillDownsConsistent(db: Db) {
  for (const id of await values<number>(db, sql`SELECT id FROM catalogue ORDER BY id`)) {
    const hosts = await values(db, sql`SELECT DISTINCT host_id FROM installations WHERE catalogue_id = ${id} ORDER BY host_id`);
    expect(await hostsOf(db, [id]), `hosts of entry ${id}`).toEqual(hosts);
    const versions = await rows<{ version: string; hosts: number }>(
      db,
      sql`SELECT version, COUNT(*) AS hosts FROM (SELECT DISTINCT host_id, version FROM installations WHERE catalogue_id = ${id}) AS v GROUP BY version`,
    );
    expect(await versionCounts(db, id, 1000), `versions of entry ${id}`).toEqual(
      versions.sort((a, b) => b.hosts - a.hosts || (a.version < b.version ? -1 : 1)),
    );
  }
}

/** A second connection to the database at `location` that cannot write: SQLite's query_only, PostgreSQL's read-only transactions. */
async function readOnlyTwin(location: string, engine: Engine): Promise<Db> {
  const reader = await openDatabase(location, { poolSize: 1 });
  if (engine === 'sqlite') sqliteHandle(reader)!.pragma('query_only = ON');
  else await sql`SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY`.execute(reader);
  return reader;
}

describe.each(ENGINES)('counters kept at ingest (%s)', (engine) => {
  it('equal a recount after new hosts, rescans, duplicates, partial inventories and host deletion', async () => {
    const db = await testDatabase(engine);
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
        return {
          ...(known ?? { name: `Tool ${item}`, publisher: `Vendor ${item % 4}` }),
          version: `${random(3)}.0`,
          scope: random(5) ? ('machine' as const) : ('user' as const),
        };
      });
    const machines: string[] = [];
    for (let step = 0; step < 150; step++) {
      const rescan = machines.length > 0 && random(3) > 0;
      const machine = rescan ? machines[random(machines.length)]! : `m${machines.push(`m${machines.length}`) - 1}`;
      const inventory = makeInventory({ machine, software: software(), hardware: random(4) ? {} : { cpus: [{ manufacturer: 'AMD', model: 'Ryzen 5' }] } });
      // Now and then a partial report: only the software, or only the hardware, replaced.
      const partial = rescan && random(4) === 0 ? ([random(2) ? 'software' : 'cpus'] as Inventory['partial']) : undefined;
      if (random(6) === 0) await ingestor.ingestMany([inventory, makeInventory({ machine: `${machine}-twin`, software: software() })]);
      else await ingestor.ingest(partial ? { ...inventory, partial } : inventory);
      if (step % 25 === 0) await expectDerivedConsistent(db);
    }
    // A rescan that reports the same item twice, and one that empties a host of software.
    await ingestor.ingest(
      makeInventory({
        machine: 'm0',
        software: [
          { name: 'Tool 1', version: '1.0', publisher: 'Vendor 1' },
          { name: 'Tool 1', version: '1.0', publisher: 'Vendor 1' },
        ],
      }),
    );
    await ingestor.ingest(makeInventory({ machine: 'm1', software: [] }));
    await expectDerivedConsistent(db);
    await expectDrillDownsConsistent(db);

    // Hosts removed: what they had leaves the counters and facets.
    const hosts = await values<number>(db, sql`SELECT id FROM hosts ORDER BY id`);
    for (const id of hosts.slice(0, 10)) expect(await deleteHost(db, id)).toBe(true);
    expect(await deleteHost(db, hosts[0]!)).toBe(false);
    expect(await value(db, sql`SELECT COUNT(*) FROM installations WHERE host_id IN (${hosts[0]}, ${hosts[1]})`)).toBe(0);
    await expectDerivedConsistent(db);
    await expectDrillDownsConsistent(db);
    await closeDatabase(db);
  });

  it('stay exact when an inventory of a batch fails and is rolled back alone', async () => {
    const db = await testDatabase(engine);
    const ingestor = new Ingestor(db, classifier);
    await ingestor.ingest(makeInventory({ machine: 'a' }));
    // The second inventory creates a catalogue entry, then fails (an installation without a scope,
    // which validation would have refused): its rows and counters are rolled back, and the third
    // must not reuse the catalogue id it was given.
    const broken = makeInventory({
      machine: 'b',
      software: [{ name: 'Only In The Failed One', version: '1', publisher: 'Nobody', scope: null as unknown as 'machine' }],
    });
    const results = await ingestor.ingestMany([
      makeInventory({ machine: 'c', software: [{ name: 'Tool X', version: '1', publisher: 'X' }] }),
      broken,
      makeInventory({
        machine: 'd',
        software: [
          { name: 'Only In The Failed One', version: '2', publisher: 'Nobody' },
          { name: 'Tool Y', version: '1', publisher: 'Y' },
        ],
      }),
    ]);
    expect(results.map((r) => r instanceof Error)).toEqual([false, true, false]);
    const hostD = (results[2] as { host_id: number }).host_id;
    const names = await values(
      db,
      sql`SELECT c.name FROM installations i JOIN catalogue c ON c.id = i.catalogue_id WHERE c.kind = 'software' AND i.host_id = ${hostD} ORDER BY c.name`,
    );
    expect(names).toEqual(['Only In The Failed One', 'Tool Y']);
    expect(await value(db, sql`SELECT COUNT(*) FROM hosts`)).toBe(3);
    expect(await value(db, sql`SELECT COUNT(*) FROM installations i LEFT JOIN catalogue c ON c.id = i.catalogue_id WHERE c.id IS NULL`)).toBe(0);
    await expectDerivedConsistent(db);
    await closeDatabase(db);
  });

  it('follow a reclassification, host by host for a local rule and rebuilt for a wide change', async () => {
    const collector = await createCollector({ dbFile: await newDatabaseLocation(engine, tempFile()), log: pino({ level: 'silent' }) });
    const { db, ingestor } = collector;
    const unknownItem = { name: 'Logiciel Métier Inconnu', version: '2.1', publisher: 'Éditeur Régional SARL' };
    for (let i = 0; i < 40; i++) {
      await ingestor.ingest(
        makeInventory({
          machine: `pc-${i}`,
          software: [{ name: 'Google Chrome', version: '131.0', publisher: 'Google LLC' }, ...(i === 0 ? [unknownItem] : [])],
        }),
      );
    }
    const cellOfUnknown = () => value(db, sql`SELECT hosts FROM facet_counts WHERE facet = 'vendor' AND value = 'editeur-regional'`);
    expect(await cellOfUnknown()).toBeUndefined();
    // One host of 40 has the item: its facets alone are refreshed.
    await decide(
      db,
      collector.classifier,
      { source: 'registry', name: unknownItem.name, publisher: unknownItem.publisher },
      {
        vendor: { name: 'Éditeur Régional', country: 'FR' },
        product: { name: 'Logiciel Métier', area: 'software', category: 'utility', licence: 'proprietary' },
      },
      'dsi',
    );
    expect(await collector.applyLocalRules()).toBe(1);
    expect(await cellOfUnknown()).toBe(1);
    await expectDerivedConsistent(db);
    // Every host's facets rebuilt at once (as a wide change of the rules does) say the same.
    const before = await rows(db, sql`SELECT * FROM host_facets ORDER BY host_id, facet, value`);
    await transaction(db, rebuildFacets);
    expect(await rows(db, sql`SELECT * FROM host_facets ORDER BY host_id, facet, value`)).toEqual(before);
    // A classification changed under every host (Chrome's vendor dropped): rebuilt, then recounted.
    await sql`UPDATE catalogue SET vendor_id = NULL, origin = 'unknown' WHERE name = 'Google Chrome'`.execute(db);
    expect(await ingestor.reclassify(collector.classifier)).toBeGreaterThan(0);
    await expectDerivedConsistent(db);
    await collector.close();
  });

  it('give each facet of the view catalogue_facets as facetsOf does', async () => {
    const db = await testDatabase(engine);
    const insert = (name: string, c: CatalogueFacts) =>
      sql`INSERT INTO catalogue (kind, source, name, name_norm, publisher_norm, package_norm, area, origin, licence, vendor_id, country, owner_country, platform, confidence, first_seen)
        VALUES ('software', 'registry', ${name}, ${name}, '', '', ${c.area}, ${c.origin}, ${c.licence}, ${c.vendor_id}, ${c.country}, ${c.owner_country}, ${c.platform}, ${c.confidence}, '')`.execute(
        db,
      );
    const cases: CatalogueFacts[] = [
      { area: null, origin: 'unknown', licence: 'unknown', vendor_id: null, country: null, owner_country: null, platform: 0, confidence: null },
      { area: 'software', origin: 'non_eu', licence: 'proprietary', vendor_id: 'zoom', country: 'US', owner_country: null, platform: 0, confidence: 'high' },
      { area: 'workstation', origin: 'non_eu', licence: 'proprietary', vendor_id: 'x', country: 'IE', owner_country: 'US', platform: 0, confidence: 'medium' },
      {
        area: 'software',
        origin: 'non_eu',
        licence: 'proprietary',
        vendor_id: 'microsoft',
        country: 'US',
        owner_country: null,
        platform: 1,
        confidence: 'high',
      },
      { area: 'software', origin: 'eu', licence: 'proprietary', vendor_id: 'w', country: 'FR', owner_country: null, platform: 1, confidence: 'low' },
      {
        area: 'infrastructure',
        origin: 'community',
        licence: 'open_source',
        vendor_id: 'y',
        country: null,
        owner_country: null,
        platform: 0,
        confidence: 'low',
      },
    ];
    for (const [i, c] of cases.entries()) await insert(`n${i}`, c);
    const ids = await values<number>(db, sql`SELECT id FROM catalogue ORDER BY id`);
    for (const [i, c] of cases.entries()) {
      const view = (await rows<{ facet: string; value: string }>(db, sql`SELECT facet, value FROM catalogue_facets WHERE catalogue_id = ${ids[i]}`)).map(
        (f) => `${f.facet}\u0000${f.value}`,
      );
      expect(view.sort(), JSON.stringify(c)).toEqual(facetsOf(c).sort());
    }
    await closeDatabase(db);
  });
});

describe.each(ENGINES)('drill-downs and reads (%s)', (engine) => {
  it('give a product spelt several ways once per host, and each host its versions', async () => {
    const db = await testDatabase(engine);
    const ingestor = new Ingestor(db, classifier);
    const a = await ingestor.ingest(makeInventory({ machine: 'a', software: [{ name: 'VLC media player', version: '3.0.20', publisher: 'VideoLAN' }] }));
    const b = await ingestor.ingest(
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
    const [vlc, short] = await values<number>(db, sql`SELECT id FROM catalogue WHERE name IN ('VLC media player', 'VLC') ORDER BY name DESC`);
    expect(await hostsOf(db, [vlc!, short!])).toEqual([a.host_id, b.host_id]);
    expect(await versionCounts(db, vlc!)).toEqual([
      { version: '3.0.20', hosts: 2 },
      { version: '3.0.21', hosts: 1 },
    ]);
    // Hosts counted per label, each host once, whatever the rows a query may return (2: one entry a query).
    const labels = new Map([
      [vlc!, ['vlc', 'any']],
      [short!, ['vlc-short', 'any']],
    ]);
    for (const page of [2, 1000]) {
      expect(await hostCounts(db, labels, page)).toEqual(
        new Map([
          ['vlc', 2],
          ['any', 2],
          ['vlc-short', 1],
        ]),
      );
    }
    expect(await versionsOn(db, vlc!, [a.host_id, b.host_id])).toEqual(
      new Map([
        [a.host_id, ['3.0.20']],
        [b.host_id, ['3.0.20', '3.0.21']],
      ]),
    );
    expect(await rows(db, sql`SELECT installs, hosts FROM catalogue WHERE id = ${vlc}`)).toEqual([{ installs: 4, hosts: 2 }]);
    expect((await productHosts(db, vlc!, 1)).rows.map((h) => [h.hostname, h.version])).toEqual([
      ['A', '3.0.20'],
      ['B', '3.0.20, 3.0.21'],
    ]);
    await closeDatabase(db);
  });

  it('never write: the map, lists, drill-downs and the assessment read a read-only connection', async () => {
    const location = await newDatabaseLocation(engine, tempFile());
    const collector = await createCollector({ dbFile: location, log: pino({ level: 'silent' }) });
    for (let i = 0; i < 20; i++) await collector.ingestor.ingest(makeInventory({ machine: `pc-${i}` }));
    const expected = await computeMap(collector.db, collector.classifier);
    const top = await value<number>(collector.db, sql`SELECT id FROM catalogue ORDER BY hosts DESC, id LIMIT 1`);
    const reader = await readOnlyTwin(location, engine);
    try {
      // The twin refuses writes: were a read to write, it would throw here.
      await expect(sql`UPDATE meta SET value = value`.execute(reader)).rejects.toThrow();
      const { generated_at: _, ...map } = await computeMap(reader, collector.classifier);
      const { generated_at: __, ...written } = expected;
      expect(map).toEqual(written);
      expect((await computeMap(reader, collector.classifier, { confidence: 'high' })).totals.hosts).toBe(20);
      expect((await computeAssessment(reader, collector.classifier)).overall.hosts.total).toBe(20);
      expect((await listHosts(reader, { origin: 'non_eu' })).total).toBe(20);
      expect((await listProducts(reader, {})).total).toBeGreaterThan(0);
      expect((await listVendors(reader, collector.classifier, {})).total).toBeGreaterThan(0);
      expect((await productHosts(reader, top!, 1)).total).toBe(20);
      expect(await productVersions(reader, top!)).toEqual([{ version: expect.any(String), hosts: 20 }]);
    } finally {
      await closeDatabase(reader);
      await collector.close();
    }
  });
});
