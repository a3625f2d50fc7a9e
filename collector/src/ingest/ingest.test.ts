import { inventoryContentHash } from '@tiebreak/shared';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { expectDerivedConsistent } from '../../../test/expect-consistent.ts';
import { makeInventory } from '../../../test/fixtures.ts';
import { Classifier } from '../classify/classifier.ts';
import { DEFAULT_RULES_DIR, loadRuleTrees } from '../classify/load-rules.ts';
import { computeMap } from '../map/map.ts';
import { openDatabase, type Db } from '../store/db.ts';
import { rebuildFacets } from '../store/facets.ts';
import { Ingestor } from './ingest.ts';

const classifier = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR]));

describe('ingest', () => {
  let db: Db;
  let ingestor: Ingestor;
  beforeEach(() => {
    db = openDatabase(join(mkdtempSync(join(tmpdir(), 'tiebreak-ingest-')), 'test.db'));
    ingestor = new Ingestor(db, classifier);
  });

  it('stores a host, classifies its catalogue once and counts it in the map', () => {
    const a = ingestor.ingest(makeInventory({ machine: 'a' }));
    const b = ingestor.ingest(makeInventory({ machine: 'b' }));
    expect(a.host_id).not.toBe(b.host_id);
    expect(b.new_catalogue_entries).toBe(0);
    const map = computeMap(db, classifier);
    expect(map.totals.hosts).toBe(2);
    const google = map.by_vendor.find((v) => v.vendor_id === 'google')!;
    expect(google).toMatchObject({ hosts: 2, installations: 2, origin: 'non_eu', country: 'US', owner: 'Alphabet' });
    expect(map.unclassified.map((u) => u.name)).toEqual(['Logiciel Métier Inconnu']);
    expect(map.by_area_origin.find((c) => c.area === 'workstation' && c.origin === 'non_eu')!.hosts).toBe(2);
    expectDerivedConsistent(db);
  });

  it('replaces the previous state of a host with its new inventory', () => {
    ingestor.ingest(makeInventory({ machine: 'a' }));
    ingestor.ingest(makeInventory({ machine: 'b' }));
    const again = ingestor.ingest(makeInventory({ machine: 'a', software: [{ name: 'VLC media player', version: '3.0.21', publisher: 'VideoLAN' }] }));
    expect(again.host_id).toBe(1);
    const map = computeMap(db, classifier);
    expect(map.totals.hosts).toBe(2);
    expect(map.by_vendor.find((v) => v.vendor_id === 'google')!.hosts).toBe(1);
    expect(map.by_vendor.find((v) => v.vendor_id === 'videolan')!.hosts).toBe(1);
    expect(db.prepare('SELECT COUNT(*) FROM installations WHERE host_id = 1').pluck().get()).toBe(1 + 3); // VLC + OS, system, CPU
    expectDerivedConsistent(db);
  });

  it('accepts a replay of the same inventory without changing anything', () => {
    const inventory = makeInventory();
    ingestor.ingest(inventory);
    const before = db.prepare('SELECT * FROM catalogue').all();
    expect(ingestor.ingest(inventory)).toMatchObject({ replay: true, host_id: 1 });
    expect(db.prepare('SELECT * FROM catalogue').all()).toEqual(before);
    expect(db.prepare('SELECT COUNT(*) FROM inventory_receipts').pluck().get()).toBe(1);
  });

  it('keeps cloned machines apart and flags them, and follows a renamed machine', () => {
    ingestor.ingest(makeInventory({ machine: 'img', hostname: 'PC-01', serial: 'S1' }));
    const clone = ingestor.ingest(makeInventory({ machine: 'img', hostname: 'PC-02', serial: 'S2' }));
    expect(clone).toMatchObject({ host_id: 2, duplicate_id: true });
    const renamed = ingestor.ingest(makeInventory({ machine: 'img', hostname: 'PC-01-RENAMED', serial: 'S1' }));
    expect(renamed.host_id).toBe(1);
    expect(db.prepare('SELECT id, hostname, duplicate_id FROM hosts ORDER BY id').all()).toEqual([
      { id: 1, hostname: 'PC-01-RENAMED', duplicate_id: 1 },
      { id: 2, hostname: 'PC-02', duplicate_id: 1 },
    ]);
    expect(computeMap(db, classifier).totals.duplicate_id_hosts).toBe(2);
    expectDerivedConsistent(db);
  });

  it('stores SQL, HTML and control characters exactly, and changes nothing else', () => {
    const hostile = [
      "Robert'); DROP TABLE hosts;--",
      '<script>alert(document.cookie)</script>',
      '" onmouseover="alert(1)',
      'tab\there\u0001\u001b[31m red',
      '=HYPERLINK("http://evil.example","x")',
      "' OR '1'='1",
    ];
    const inventory = makeInventory({ software: hostile.map((name) => ({ name, version: name.slice(0, 20), publisher: name })) });
    inventory.host.hostname = '<b>PC</b>\'";--';
    ingestor.ingest(inventory);
    const stored = db.prepare("SELECT name, publisher FROM catalogue WHERE kind = 'software' ORDER BY id").all();
    expect(stored).toEqual(hostile.map((name) => ({ name, publisher: name })));
    expect(db.prepare('SELECT hostname FROM hosts').pluck().get()).toBe('<b>PC</b>\'";--');
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'hosts'").pluck().get()).toBe('hosts');
    expect(new Set(computeMap(db, classifier).unclassified.map((u) => u.name))).toEqual(new Set(hostile));
    expectDerivedConsistent(db);
  });

  it('rolls back everything when an inventory fails half-way', () => {
    ingestor.ingest(makeInventory({ machine: 'a' }));
    const snapshot = () => ({
      hosts: db.prepare('SELECT * FROM hosts').all(),
      catalogue: db.prepare('SELECT * FROM catalogue').all(),
      installations: db.prepare('SELECT * FROM installations').all(),
      facets: db.prepare('SELECT * FROM facet_counts').all(),
    });
    const before = snapshot();
    db.exec("CREATE TRIGGER fail_late BEFORE INSERT ON inventory_receipts BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    expect(() => ingestor.ingest(makeInventory({ machine: 'b', software: [{ name: 'Something New', publisher: 'New Co' }] }))).toThrow(/disk full/);
    expect(snapshot()).toEqual(before);
    db.exec('DROP TRIGGER fail_late');
    ingestor.ingest(makeInventory({ machine: 'b', software: [{ name: 'Something New', publisher: 'New Co' }] }));
    expectDerivedConsistent(db);
  });

  it('ingests a batch in one commit; an inventory that fails is reported in its slot and the others are kept', () => {
    const good = [makeInventory({ machine: 'batch-1' }), makeInventory({ machine: 'batch-3' })];
    const bad = makeInventory({ machine: 'batch-2', hostname: 'REFUSED-HOST' });
    db.exec("CREATE TRIGGER fail_one BEFORE INSERT ON hosts WHEN NEW.hostname = 'REFUSED-HOST' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
    const results = ingestor.ingestMany([good[0]!, bad, good[1]!]);
    db.exec('DROP TRIGGER fail_one');
    expect(results[1]).toBeInstanceOf(Error);
    expect((results[1] as Error).message).toMatch(/refused by the test/);
    for (const i of [0, 2]) expect(results[i]).toMatchObject({ replay: false, items: expect.any(Number) });
    const hostnames = db.prepare('SELECT hostname FROM hosts ORDER BY hostname').pluck().all();
    expect(hostnames).toContain('BATCH-1');
    expect(hostnames).toContain('BATCH-3');
    expect(hostnames).not.toContain('REFUSED-HOST');
    expectDerivedConsistent(db);
    // Without a failure the whole batch goes in at once, counters summed once.
    const batch = [4, 5, 6].map((i) => makeInventory({ machine: `batch-${i}` }));
    expect(ingestor.ingestMany(batch).every((r) => !(r instanceof Error))).toBe(true);
    expectDerivedConsistent(db);
  });

  it("keeps the agent's own content hash, and computes it for a report that has none", () => {
    const declared = makeInventory({ machine: 'hashed' });
    const agentHash = inventoryContentHash(declared);
    ingestor.ingest({ ...declared, content_hash: agentHash });
    const bare = makeInventory({ machine: 'bare' });
    ingestor.ingest(bare);
    const hashOf = (hostname: string) => db.prepare('SELECT content_hash FROM hosts WHERE hostname = ?').pluck().get(hostname);
    expect(hashOf('HASHED')).toBe(agentHash);
    expect(hashOf('BARE')).toBe(inventoryContentHash(bare));
  });

  it('reclassifies the catalogue when the rules change, without any rescan', () => {
    ingestor.ingest(makeInventory({ machine: 'a' }));
    const local = mkdtempSync(join(tmpdir(), 'tiebreak-local-'));
    mkdirSync(join(local, 'vendors'));
    writeFileSync(
      join(local, 'vendors', 'editeur-regional.yaml'),
      'id: editeur-regional\nname: Éditeur Régional\ncountry: FR\npublishers: [Éditeur Régional SARL]\ndefaults: { area: software, category: finance, licence: proprietary }\n',
    );
    const withLocal = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR, local]));
    expect(ingestor.reclassify(withLocal)).toBe(1);
    const map = computeMap(db, withLocal);
    expect(map.unclassified).toEqual([]);
    expect(map.by_vendor.find((v) => v.vendor_id === 'editeur-regional')).toMatchObject({ origin: 'eu', hosts: 1 });
    expectDerivedConsistent(db);
    expect(new Ingestor(db, withLocal).reclassifyIfRulesChanged()).toBeNull();
  });

  it('refreshes the facets of only the hosts a reclassified entry is on, as a full rebuild would', () => {
    const other = [{ name: 'VLC media player', version: '3.0.21', publisher: 'VideoLAN' }];
    // The entry is on one host of 41: its facets alone are refreshed (past 5 %, all are rebuilt).
    ingestor.ingest(makeInventory({ machine: 'a' }));
    for (let i = 0; i < 40; i++) ingestor.ingest(makeInventory({ machine: `b${i}`, software: other }));
    const local = mkdtempSync(join(tmpdir(), 'tiebreak-local-'));
    mkdirSync(join(local, 'vendors'));
    writeFileSync(
      join(local, 'vendors', 'editeur-regional.yaml'),
      'id: editeur-regional\nname: Éditeur Régional\ncountry: FR\npublishers: [Éditeur Régional SARL]\ndefaults: { area: software, category: finance, licence: proprietary }\n',
    );
    expect(ingestor.reclassify(new Classifier(loadRuleTrees([DEFAULT_RULES_DIR, local])))).toBe(1);
    const state = () => ({
      hostFacets: db.prepare('SELECT host_id, facet, value FROM host_facets ORDER BY host_id, facet, value').all(),
      counts: db.prepare('SELECT facet, value, hosts FROM facet_counts WHERE hosts <> 0 ORDER BY facet, value').all(),
    });
    const incremental = state();
    expect(incremental.counts).toContainEqual({ facet: 'vendor', value: 'editeur-regional', hosts: 1 });
    expectDerivedConsistent(db);
    db.transaction(() => rebuildFacets(db))();
    expect(state()).toEqual(incremental);
  });
});
