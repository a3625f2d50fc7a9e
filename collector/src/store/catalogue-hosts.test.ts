import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { expectDerivedConsistent } from '../../../test/expect-consistent.ts';
import { makeInventory } from '../../../test/fixtures.ts';
import { Classifier } from '../classify/classifier.ts';
import { DEFAULT_RULES_DIR, loadRuleTrees } from '../classify/load-rules.ts';
import { createCollector } from '../collector.ts';
import { Ingestor } from '../ingest/ingest.ts';
import { countHosts, hostsOf, versionCounts, versionsOn } from './catalogue-hosts.ts';
import { catchUp } from './catch-up.ts';
import { openDatabase, type Db } from './db.ts';
import { rebuildFacets } from './facets.ts';
import { applyChanges, encode, offsets, size, union } from './host-set.ts';
import { MIGRATIONS } from './migrations.ts';

const classifier = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR]));
const tempDb = (migrations = MIGRATIONS) => openDatabase(join(mkdtempSync(join(tmpdir(), 'tiebreak-sets-')), 'test.db'), migrations);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** A host id far into the table, so that later hosts fall in the next block of 65,536. */
function skipHostIdsTo(db: Db, id: number) {
  db.prepare(`INSERT INTO hosts (id, host_key, id_source, hostname, role, os_family, os_name, hardware_json, agent_name, agent_version,
    first_seen, last_seen, collected_at) VALUES (?, 'placeholder', 'test', 'placeholder', 'workstation', 'linux', 'none', '{}', 'test', '0', '', '', '')`).run(id);
}

describe('host sets', () => {
  it('keep small sets as sorted offsets and large ones as bitmaps, both ways', () => {
    for (const n of [1, 2, 4095, 4096, 65_536]) {
      const members = range(0, n).map((i) => (i * 7919) % 65_536).sort((a, b) => a - b);
      const set = encode(members)!;
      expect(set.length).toBe(n <= 4095 ? 2 * n : 8192);
      expect(offsets(set)).toEqual(members);
      expect(size(set)).toBe(n);
    }
    expect(encode([])).toBeNull();
    // 4,095 members, then one more (a bitmap), then one fewer again (back to offsets).
    const small = encode(range(0, 4095))!;
    const big = applyChanges(small, [[60_000, true]])!;
    expect(big.length).toBe(8192);
    expect(offsets(big)).toEqual([...range(0, 4095), 60_000]);
    const back = applyChanges(big, [[0, false]])!;
    expect(back.length).toBe(2 * 4095);
    expect(offsets(back)).toEqual([...range(1, 4095), 60_000]);
    // Changes apply in order: the last one for a host wins.
    expect(offsets(applyChanges(encode([3])!, [[5, true], [3, false], [5, false], [3, true]])!)).toEqual([3]);
    expect(applyChanges(encode([3])!, [[3, false]])).toBeNull();
    expect(offsets(union(encode([1, 5, 9])!, encode([2, 5, 65_535])!))).toEqual([1, 2, 5, 9, 65_535]);
    expect(offsets(union(encode(range(0, 5000))!, encode([65_535])!))).toEqual([...range(0, 5000), 65_535]);
  });
});

describe('hosts by catalogue entry', () => {
  it('follow new hosts, rescans and removed hosts, across blocks of host ids, as a recount does', () => {
    const db = tempDb();
    const ingestor = new Ingestor(db, classifier);
    // A seeded sequence: hosts appear and are rescanned with items and versions drawn from a small pool.
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return Math.floor(seed / 65_536) % n; // the high bits: the low ones of this generator repeat
    };
    const software = () =>
      range(0, 3 + random(6)).map(() => {
        const item = random(12);
        return { name: `Tool ${item}`, version: `${random(3)}.0`, publisher: `Vendor ${item % 4}`, scope: random(5) ? ('machine' as const) : ('user' as const) };
      });
    const machines: string[] = [];
    for (let step = 0; step < 120; step++) {
      if (step === 40) skipHostIdsTo(db, 65_530); // the next hosts straddle blocks 0 and 1
      const rescan = machines.length > 0 && random(3) > 0;
      const machine = rescan ? machines[random(machines.length)]! : `m${machines.push(`m${machines.length}`) - 1}`;
      ingestor.ingest(makeInventory({ machine, software: software() }));
      // Apply part of the queue now and then: several changes of one host may wait together.
      if (random(4) === 0) catchUp(db, 2);
    }
    expect(db.prepare('SELECT COUNT(*) FROM hosts WHERE id > 65536').pluck().get()).toBeGreaterThan(3);
    expect(db.prepare('SELECT COUNT(DISTINCT block) FROM catalogue_hosts').pluck().get()).toBe(2);
    expectDerivedConsistent(db);

    // A host removed leaves the sets (its installations go with it).
    const removed = db.prepare('SELECT host_id FROM host_installations ORDER BY length(installations) DESC LIMIT 1').pluck().get() as number;
    db.prepare('DELETE FROM host_facets WHERE host_id = ?').run(removed);
    db.prepare('DELETE FROM inventory_receipts WHERE host_id = ?').run(removed);
    db.prepare('DELETE FROM hosts WHERE id = ?').run(removed);
    expect(db.prepare('SELECT COUNT(*) FROM catalogue_hosts_queue').pluck().get()).toBe(1);
    expectDerivedConsistent(db);
    db.close();
  });

  it('count a product spelt several ways once per host, and give each host its versions', () => {
    const db = tempDb();
    const ingestor = new Ingestor(db, classifier);
    const a = ingestor.ingest(makeInventory({ machine: 'a', software: [{ name: 'VLC media player', version: '3.0.20', publisher: 'VideoLAN' }] }));
    const b = ingestor.ingest(
      makeInventory({
        machine: 'b',
        software: [
          { name: 'VLC media player', version: '3.0.21', publisher: 'VideoLAN' },
          { name: 'VLC media player', version: '3.0.20', publisher: 'VideoLAN', scope: 'user' },
          { name: 'VLC', version: '3.0.21', publisher: 'VideoLAN' },
        ],
      }),
    );
    const vlc = db.prepare("SELECT id FROM catalogue WHERE name = 'VLC media player'").pluck().get() as number;
    const short = db.prepare("SELECT id FROM catalogue WHERE name = 'VLC'").pluck().get() as number;
    expect(db.prepare('SELECT COUNT(*) FROM catalogue_hosts_queue').pluck().get()).toBe(2); // not applied yet: reads apply it
    expect(countHosts(db, [vlc, short])).toBe(2);
    expect(versionCounts(db, vlc)).toEqual([
      { version: '3.0.20', hosts: 2 },
      { version: '3.0.21', hosts: 1 },
    ]);
    expect(versionsOn(db, vlc, [a.host_id, b.host_id])).toEqual(
      new Map([
        [a.host_id, ['3.0.20']],
        [b.host_id, ['3.0.20', '3.0.21']],
      ]),
    );
    db.close();
  });

  it('are built from the installations of an older database when it is migrated', () => {
    const db = tempDb(MIGRATIONS.filter((m) => m.version < 10));
    skipHostIdsTo(db, 7);
    skipHostIdsTo(db, 70_000);
    const entry = db.prepare(`INSERT INTO catalogue (kind, source, name, name_norm, publisher_norm, package_norm, origin, licence, first_seen)
      VALUES ('software', 'registry', ?, ?, '', '', 'unknown', 'unknown', '')`);
    const one = Number(entry.run('One', 'one').lastInsertRowid);
    const two = Number(entry.run('Two', 'two').lastInsertRowid);
    const install = db.prepare('INSERT INTO installations (host_id, catalogue_id, version, scope, arch) VALUES (?, ?, ?, ?, ?)');
    install.run(7, one, '1.0', 'machine', 'x64');
    install.run(7, two, '2.0', 'machine', '');
    install.run(70_000, one, '1.1', 'user', '');
    // The counters and facets as ingest kept them until migration 11.
    db.exec(`UPDATE catalogue SET installs = (SELECT COUNT(*) FROM installations WHERE catalogue_id = catalogue.id),
      hosts = (SELECT COUNT(DISTINCT host_id) FROM installations WHERE catalogue_id = catalogue.id)`);
    rebuildFacets(db);
    expect(db.prepare('SELECT COUNT(*) FROM facet_counts').pluck().get()).toBeGreaterThan(0);
    db.close();

    const migrated = openDatabase(db.name);
    expect(migrated.prepare('SELECT host_id, catalogue_id, version, scope, arch FROM installations ORDER BY host_id, catalogue_id').all()).toEqual([
      { host_id: 7, catalogue_id: one, version: '1.0', scope: 'machine', arch: 'x64' },
      { host_id: 7, catalogue_id: two, version: '2.0', scope: 'machine', arch: '' },
      { host_id: 70_000, catalogue_id: one, version: '1.1', scope: 'user', arch: '' },
    ]);
    expect(hostsOf(migrated, [one])).toEqual([7, 70_000]);
    expect(hostsOf(migrated, [two])).toEqual([7]);
    expectDerivedConsistent(migrated);
    migrated.close();
  });

  it('stay as they are through migration 11 when nothing is queued, and are rebuilt when something is', () => {
    for (const queued of [false, true]) {
      // Today's Ingestor writes the receipts' partial flag of migration 13, which is independent of 11,
      // and the catalogue columns of migration 12 (which then keeps their rows as they are).
      const db = tempDb(MIGRATIONS.filter((m) => m.version < 11 || m.version === 13));
      db.exec("ALTER TABLE catalogue ADD COLUMN host_os TEXT NOT NULL DEFAULT ''; ALTER TABLE catalogue ADD COLUMN evidence TEXT; ALTER TABLE catalogue ADD COLUMN confidence TEXT");
      const ingestor = new Ingestor(db, classifier);
      ingestor.ingest(makeInventory({ machine: 'a' }));
      ingestor.ingest(makeInventory({ machine: 'b', software: [{ name: 'VLC media player', version: '3.0.21', publisher: 'VideoLAN' }] }));
      catchUp(db);
      if (queued) {
        // A host queued when version 10 stopped: its counters and facets already showed it as it is.
        db.exec("UPDATE catalogue SET installs = installs + 1, hosts = hosts + 1 WHERE name = 'Google Chrome'");
        ingestor.ingest(makeInventory({ machine: 'c' }));
      }
      const sets = db.prepare('SELECT catalogue_id, block, members FROM catalogue_hosts ORDER BY 1, 2').all();
      db.close();
      const migrated = openDatabase(db.name);
      expect(migrated.prepare('SELECT COUNT(*) FROM catalogue_hosts_queue').pluck().get()).toBe(queued ? 3 : 0);
      if (!queued) expect(migrated.prepare('SELECT catalogue_id, block, members FROM catalogue_hosts ORDER BY 1, 2').all()).toEqual(sets);
      expectDerivedConsistent(migrated);
      migrated.close();
    }
  });

  it('are brought up to date by a running collector a moment after new data, without any read', async () => {
    const collector = createCollector({ dbFile: join(mkdtempSync(join(tmpdir(), 'tiebreak-sets-')), 'test.db'), log: pino({ level: 'silent' }) });
    collector.ingestor.ingestMany(range(0, 1200).map((i) => makeInventory({ machine: `pc-${i}` })));
    const queued = collector.db.prepare('SELECT COUNT(*) FROM catalogue_hosts_queue').pluck();
    expect(queued.get()).toBe(1200);
    collector.dataChanged();
    await vi.waitFor(() => expect(queued.get()).toBe(0), { timeout: 10_000, interval: 100 });
    expect(collector.db.prepare("SELECT SUM(h.hosts) FROM catalogue_hosts h JOIN catalogue c ON c.id = h.catalogue_id WHERE c.name = 'Google Chrome'").pluck().get()).toBe(1200);
    collector.close();
  });
});
