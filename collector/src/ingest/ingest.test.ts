import { inventoryContentHash } from '@tiebreak/shared';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectDerivedConsistent } from '../../../test/expect-consistent.ts';
import { makeInventory } from '../../../test/fixtures.ts';
import { Classifier } from '../classify/classifier.ts';
import { DEFAULT_RULES_DIR, loadRuleTrees } from '../classify/load-rules.ts';
import { computeMap } from '../map/map.ts';
import { getMeta, openDatabase, rows, setMeta, sql, transaction, value, values, type Db, type Engine } from '../store/db.ts';
import { retryOnConflict } from '../store/dialect.ts';
import { rebuildFacets } from '../store/facets.ts';
import { closeDatabase, ENGINES, newPostgresDatabase, testDatabase } from '../store/test-database.ts';
import { Ingestor } from './ingest.ts';

const classifier = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR]));

/** The shipped rules with a local tree that recognises Éditeur Régional: built once for the file (a classifier only reads its rules). */
let editeurRegional: Classifier | undefined;
function withEditeurRegional(): Classifier {
  if (editeurRegional) return editeurRegional;
  const local = mkdtempSync(join(tmpdir(), 'tiebreak-local-'));
  mkdirSync(join(local, 'vendors'));
  writeFileSync(
    join(local, 'vendors', 'editeur-regional.yaml'),
    'id: editeur-regional\nname: Éditeur Régional\ncountry: FR\npublishers: [Éditeur Régional SARL]\ndefaults: { area: software, category: finance, licence: proprietary }\n',
  );
  return (editeurRegional = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR, local])));
}

/** A trigger that refuses inserts into `table` where `condition` holds (on NEW), as a failing disk would. */
export async function refuseInserts(db: Db, engine: Engine, name: string, table: string, condition: string, message: string): Promise<() => Promise<void>> {
  if (engine === 'postgres') {
    await sql
      .raw(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF ${condition} THEN RAISE EXCEPTION '${message}'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER ${name} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}()`)
      .execute(db);
    return async () => void (await sql.raw(`DROP TRIGGER ${name} ON ${table}; DROP FUNCTION ${name}()`).execute(db));
  }
  await sql.raw(`CREATE TRIGGER ${name} BEFORE INSERT ON ${table} WHEN ${condition} BEGIN SELECT RAISE(ABORT, '${message}'); END`).execute(db);
  return async () => void (await sql.raw(`DROP TRIGGER ${name}`).execute(db));
}

describe.each(ENGINES)('ingest (%s)', (engine) => {
  let db: Db;
  let ingestor: Ingestor;
  beforeEach(async () => {
    db = await testDatabase(engine);
    ingestor = new Ingestor(db, classifier);
  });
  afterEach(async () => {
    await closeDatabase(db);
  });

  it('stores a host, classifies its catalogue once and counts it in the map', async () => {
    const a = await ingestor.ingest(makeInventory({ machine: 'a' }));
    const b = await ingestor.ingest(makeInventory({ machine: 'b' }));
    expect(a.host_id).not.toBe(b.host_id);
    expect(b.new_catalogue_entries).toBe(0);
    const map = await computeMap(db, classifier);
    expect(map.totals.hosts).toBe(2);
    const google = map.by_vendor.find((v) => v.vendor_id === 'google')!;
    expect(google).toMatchObject({ hosts: 2, installations: 2, origin: 'non_eu', country: 'US', owner: 'Alphabet' });
    expect(map.unclassified.map((u) => u.name)).toEqual(['Logiciel Métier Inconnu']);
    expect(map.by_area_origin.find((c) => c.area === 'workstation' && c.origin === 'non_eu')!.hosts).toBe(2);
    await expectDerivedConsistent(db);
  });

  it('replaces the previous state of a host with its new inventory', async () => {
    await ingestor.ingest(makeInventory({ machine: 'a' }));
    await ingestor.ingest(makeInventory({ machine: 'b' }));
    const again = await ingestor.ingest(makeInventory({ machine: 'a', software: [{ name: 'VLC media player', version: '3.0.21', publisher: 'VideoLAN' }] }));
    expect(again.host_id).toBe(1);
    const map = await computeMap(db, classifier);
    expect(map.totals.hosts).toBe(2);
    expect(map.by_vendor.find((v) => v.vendor_id === 'google')!.hosts).toBe(1);
    expect(map.by_vendor.find((v) => v.vendor_id === 'videolan')!.hosts).toBe(1);
    expect(await value(db, sql`SELECT COUNT(*) FROM installations WHERE host_id = 1`)).toBe(1 + 3); // VLC + OS, system, CPU
    await expectDerivedConsistent(db);
  });

  it('accepts a replay of the same inventory without changing anything', async () => {
    const inventory = makeInventory();
    await ingestor.ingest(inventory);
    const before = await rows(db, sql`SELECT * FROM catalogue ORDER BY id`);
    expect(await ingestor.ingest(inventory)).toMatchObject({ replay: true, host_id: 1 });
    expect(await rows(db, sql`SELECT * FROM catalogue ORDER BY id`)).toEqual(before);
    expect(await value(db, sql`SELECT COUNT(*) FROM inventory_receipts`)).toBe(1);
  });

  it('keeps cloned machines apart and flags them, and follows a renamed machine', async () => {
    await ingestor.ingest(makeInventory({ machine: 'img', hostname: 'PC-01', serial: 'S1' }));
    const clone = await ingestor.ingest(makeInventory({ machine: 'img', hostname: 'PC-02', serial: 'S2' }));
    expect(clone).toMatchObject({ host_id: 2, duplicate_id: true });
    const renamed = await ingestor.ingest(makeInventory({ machine: 'img', hostname: 'PC-01-RENAMED', serial: 'S1' }));
    expect(renamed.host_id).toBe(1);
    expect(await rows(db, sql`SELECT id, hostname, duplicate_id FROM hosts ORDER BY id`)).toEqual([
      { id: 1, hostname: 'PC-01-RENAMED', duplicate_id: 1 },
      { id: 2, hostname: 'PC-02', duplicate_id: 1 },
    ]);
    expect((await computeMap(db, classifier)).totals.duplicate_id_hosts).toBe(2);
    await expectDerivedConsistent(db);
  });

  it('stores SQL, HTML and control characters exactly, and changes nothing else', async () => {
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
    await ingestor.ingest(inventory);
    // New entries are created in the order of their keys (see Ingestor.entryIdsOf), not of the report.
    const stored = await rows(db, sql`SELECT name, publisher FROM catalogue WHERE kind = 'software' ORDER BY name`);
    expect(stored).toEqual([...hostile].sort().map((name) => ({ name, publisher: name })));
    expect(await value(db, sql`SELECT hostname FROM hosts`)).toBe('<b>PC</b>\'";--');
    expect(await value(db, sql`SELECT COUNT(*) FROM hosts`)).toBe(1);
    expect(new Set((await computeMap(db, classifier)).unclassified.map((u) => u.name))).toEqual(new Set(hostile));
    await expectDerivedConsistent(db);
  });

  it('rolls back everything when an inventory fails half-way', async () => {
    await ingestor.ingest(makeInventory({ machine: 'a' }));
    const snapshot = async () => ({
      hosts: await rows(db, sql`SELECT * FROM hosts ORDER BY id`),
      catalogue: await rows(db, sql`SELECT * FROM catalogue ORDER BY id`),
      installations: await rows(db, sql`SELECT * FROM installations ORDER BY host_id, catalogue_id, version, scope, arch`),
      facets: await rows(db, sql`SELECT * FROM facet_counts ORDER BY facet, value`),
    });
    const before = await snapshot();
    const drop = await refuseInserts(db, engine, 'fail_late', 'inventory_receipts', 'TRUE', 'disk full');
    await expect(ingestor.ingest(makeInventory({ machine: 'b', software: [{ name: 'Something New', publisher: 'New Co' }] }))).rejects.toThrow(/disk full/);
    expect(await snapshot()).toEqual(before);
    await drop();
    await ingestor.ingest(makeInventory({ machine: 'b', software: [{ name: 'Something New', publisher: 'New Co' }] }));
    await expectDerivedConsistent(db);
  });

  it('ingests a batch in one commit; an inventory that fails is reported in its slot and the others are kept', async () => {
    const good = [makeInventory({ machine: 'batch-1' }), makeInventory({ machine: 'batch-3' })];
    const bad = makeInventory({ machine: 'batch-2', hostname: 'REFUSED-HOST' });
    const drop = await refuseInserts(db, engine, 'fail_one', 'hosts', "NEW.hostname = 'REFUSED-HOST'", 'refused by the test');
    const results = await ingestor.ingestMany([good[0]!, bad, good[1]!]);
    await drop();
    expect(results[1]).toBeInstanceOf(Error);
    expect((results[1] as Error).message).toMatch(/refused by the test/);
    for (const i of [0, 2]) expect(results[i]).toMatchObject({ replay: false, items: expect.any(Number) });
    const hostnames = await values(db, sql`SELECT hostname FROM hosts ORDER BY hostname`);
    expect(hostnames).toContain('BATCH-1');
    expect(hostnames).toContain('BATCH-3');
    expect(hostnames).not.toContain('REFUSED-HOST');
    await expectDerivedConsistent(db);
    // Without a failure the whole batch goes in at once, counters summed once.
    const batch = [4, 5, 6].map((i) => makeInventory({ machine: `batch-${i}` }));
    expect((await ingestor.ingestMany(batch)).every((r) => !(r instanceof Error))).toBe(true);
    await expectDerivedConsistent(db);
  });

  it("keeps the agent's own content hash, and computes it for a report that has none", async () => {
    const declared = makeInventory({ machine: 'hashed' });
    const agentHash = inventoryContentHash(declared);
    await ingestor.ingest({ ...declared, content_hash: agentHash });
    const bare = makeInventory({ machine: 'bare' });
    await ingestor.ingest(bare);
    const hashOf = (hostname: string) => value(db, sql`SELECT content_hash FROM hosts WHERE hostname = ${hostname}`);
    expect(await hashOf('HASHED')).toBe(agentHash);
    expect(await hashOf('BARE')).toBe(inventoryContentHash(bare));
  });

  it('reclassifies the catalogue when the rules change, without any rescan', async () => {
    await ingestor.ingest(makeInventory({ machine: 'a' }));
    const withLocal = withEditeurRegional();
    expect(await ingestor.reclassify(withLocal)).toBe(1);
    const map = await computeMap(db, withLocal);
    expect(map.unclassified).toEqual([]);
    expect(map.by_vendor.find((v) => v.vendor_id === 'editeur-regional')).toMatchObject({ origin: 'eu', hosts: 1 });
    await expectDerivedConsistent(db);
    expect(await new Ingestor(db, withLocal).reclassifyIfRulesChanged()).toBeNull();
  });

  it('refreshes the facets of only the hosts a reclassified entry is on, as a full rebuild would', async () => {
    const other = [{ name: 'VLC media player', version: '3.0.21', publisher: 'VideoLAN' }];
    // The entry is on one host of 41: its facets alone are refreshed (past 5 %, all are rebuilt).
    await ingestor.ingest(makeInventory({ machine: 'a' }));
    for (let i = 0; i < 40; i++) await ingestor.ingest(makeInventory({ machine: `b${i}`, software: other }));
    expect(await ingestor.reclassify(withEditeurRegional())).toBe(1);
    const state = async () => ({
      hostFacets: await rows(db, sql`SELECT host_id, facet, value FROM host_facets ORDER BY host_id, facet, value`),
      counts: await rows(db, sql`SELECT facet, value, hosts FROM facet_counts WHERE hosts <> 0 ORDER BY facet, value`),
    });
    const incremental = await state();
    expect(incremental.counts).toContainEqual({ facet: 'vendor', value: 'editeur-regional', hosts: 1 });
    await expectDerivedConsistent(db);
    await transaction(db, rebuildFacets);
    expect(await state()).toEqual(incremental);
  });
});

// Several collector processes on one PostgreSQL: each pool here is one process's connections.
describe('concurrent ingest on one PostgreSQL', () => {
  it('runs a transaction again when PostgreSQL gives it up for a deadlock', async () => {
    const url = await newPostgresDatabase();
    const [a, b] = await Promise.all([openDatabase(url, { poolSize: 1 }), openDatabase(url, { poolSize: 1 })]);
    try {
      await setMeta(a, 'k1', '0');
      await setMeta(a, 'k2', '0');
      let attempts = 0;
      let locked = 0;
      let bothLocked!: () => void;
      const barrier = new Promise<void>((resolve) => (bothLocked = resolve));
      // Each locks its own row, waits for the other to have locked its own, then wants the other's.
      const work = (db: Db, mine: string, other: string) =>
        retryOnConflict(db, () =>
          transaction(db, async (trx) => {
            attempts++;
            await sql`UPDATE meta SET value = value || ${mine} WHERE key = ${mine}`.execute(trx);
            if (++locked === 2) bothLocked();
            await barrier;
            await sql`UPDATE meta SET value = value || ${mine} WHERE key = ${other}`.execute(trx);
          }),
        );
      await Promise.all([work(a, 'k1', 'k2'), work(b, 'k2', 'k1')]);
      expect(attempts).toBe(3);
      // Each transaction's work counted once.
      for (const key of ['k1', 'k2']) expect(['0k1k2', '0k2k1']).toContain(await getMeta(a, key));
    } finally {
      await closeDatabase(a);
      await closeDatabase(b);
    }
  });

  it('creates shared catalogue entries once and keeps the counters exact', async () => {
    const url = await newPostgresDatabase();
    const pools = await Promise.all(Array.from({ length: 4 }, () => openDatabase(url, { poolSize: 2 })));
    try {
      const shared = (round: number, reverse: boolean) => {
        const items = Array.from({ length: 12 }, (_, i) => ({ name: `Shared Tool ${round}-${i}`, version: `${i}.0`, publisher: `Shared Vendor ${i % 3}` }));
        return reverse ? items.reverse() : items;
      };
      const results = [];
      for (let round = 0; round < 4; round++) {
        // Every process at once: inventories sharing new entries, listed in opposite orders, and
        // the same machine ("roaming") reported by two processes at the same moment.
        const batches = pools.map((_, p) => [
          makeInventory({ machine: `r${round}-p${p}-a`, software: [...shared(round, p % 2 === 1), { name: `Own Tool ${p}`, version: '1', publisher: 'Own' }] }),
          makeInventory({
            machine: `r${round}-p${p}-b`,
            software: [{ name: 'Google Chrome', version: `${round}`, publisher: 'Google LLC' }, ...shared(round, p % 2 === 0)],
          }),
          makeInventory({ machine: p < 2 ? `roaming-${round}` : `r${round}-p${p}-c`, software: shared(round, false).slice(p, p + 4) }),
        ]);
        const answers = await Promise.all(pools.map((pool, p) => new Ingestor(pool, classifier).ingestMany(batches[p]!)));
        results.push(...answers.flat());
      }
      // One new machine reported to every process at the same moment (an agent's retry, say).
      for (let round = 0; round < 4; round++) {
        const same = pools.map(() => makeInventory({ machine: `same-${round}`, software: [{ name: 'Google Chrome', version: '1', publisher: 'Google LLC' }] }));
        results.push(...(await Promise.all(pools.map((pool, p) => new Ingestor(pool, classifier).ingest(same[p]!)))));
      }
      expect(results.filter((r) => r instanceof Error)).toEqual([]);
      const db = pools[0]!;
      expect(await value(db, sql`SELECT COUNT(*) FROM catalogue WHERE name LIKE 'Shared Tool %'`)).toBe(4 * 12);
      // Processes that ingested the same new machine at once made one host of it.
      expect(await values(db, sql`SELECT COUNT(*) FROM hosts GROUP BY host_key ORDER BY 1 DESC LIMIT 1`)).toEqual([1]);
      expect(await value(db, sql`SELECT COUNT(*) FROM hosts`)).toBe(4 * (4 * 3 - 1) + 4);
      await expectDerivedConsistent(db);
    } finally {
      await Promise.all(pools.map((pool) => closeDatabase(pool)));
    }
  });
});
