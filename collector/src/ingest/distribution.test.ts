// Packages reported without a maintainer (as the OCS Inventory agent sends them) are their host
// distribution's: the host's OS is part of the catalogue key, decided again on reclassification.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectDerivedConsistent } from '../../../test/expect-consistent.ts';
import { makeInventory } from '../../../test/fixtures.ts';
import { Classifier } from '../classify/classifier.ts';
import { DEFAULT_RULES_DIR, loadRuleTrees } from '../classify/load-rules.ts';
import { openDatabase } from '../store/db.ts';
import { MIGRATIONS } from '../store/migrations.ts';
import { Ingestor } from './ingest.ts';

const classifier = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR]));
const tempDb = (migrations = MIGRATIONS) => openDatabase(join(mkdtempSync(join(tmpdir(), 'tiebreak-distribution-')), 'test.db'), migrations);

const linux = (machine: string, osName: string) =>
  makeInventory({
    machine,
    osFamily: 'linux',
    osName,
    software: [
      { name: 'apt', version: '2.6.1', source: 'dpkg' },
      { name: 'adduser', version: '3.134', source: 'dpkg' },
      { name: 'grub-pc', version: '2.06', source: 'dpkg' },
      { name: 'apt', version: '2.6.1', source: 'dpkg', publisher: 'APT Development Team' },
    ],
  });

type Entry = { name: string; publisher: string | null; host_os: string; vendor_id: string | null; rule: string | null; evidence: string | null; confidence: string | null };
const entries = (db: ReturnType<typeof tempDb>) =>
  db.prepare("SELECT name, publisher, host_os, vendor_id, rule, evidence, confidence FROM catalogue WHERE kind = 'software' ORDER BY name, host_os, publisher").all() as Entry[];

describe('packages without a maintainer', () => {
  it("are their host distribution's, one catalogue entry per host OS", () => {
    const db = tempDb();
    const ingestor = new Ingestor(db, classifier);
    ingestor.ingest(linux('deb', 'Debian GNU/Linux 12 (bookworm)'));
    ingestor.ingest(linux('ubu', 'Ubuntu 24.04.1 LTS'));
    ingestor.ingest(linux('deb2', 'Debian GNU/Linux 12 (bookworm)'));
    const apt = entries(db).filter((e) => e.name === 'apt');
    expect(apt).toEqual([
      // The maintained one is one entry whatever the host.
      expect.objectContaining({ publisher: 'APT Development Team', host_os: '' }),
      { name: 'apt', publisher: null, host_os: 'debian gnu linux 12 bookworm', vendor_id: 'debian', rule: 'distribution-index:debian', evidence: 'distribution_index', confidence: 'high' },
      { name: 'apt', publisher: null, host_os: 'ubuntu lts', vendor_id: 'canonical', rule: 'distribution-index:ubuntu', evidence: 'distribution_index', confidence: 'medium' },
    ]);
    expect(entries(db).filter((e) => !e.publisher).every((e) => e.rule?.startsWith('distribution-index:'))).toBe(true);
    expectDerivedConsistent(db);
  });

  it('are classified again when the distributions change', () => {
    const db = tempDb();
    const ingestor = new Ingestor(db, classifier);
    ingestor.ingest(linux('ubu', 'Ubuntu 24.04.1 LTS'));
    // A local tree that no longer derives Ubuntu from Debian: its packages without an index are unknown.
    const local = mkdtempSync(join(tmpdir(), 'tiebreak-rules-'));
    mkdirSync(join(local, 'distributions'));
    writeFileSync(join(local, 'distributions/distributions.yaml'), 'distributions:\n- {id: ubuntu, name: Ubuntu, vendor: canonical, format: dpkg, os_pattern: ^ubuntu\\b}\n');
    const changed = ingestor.reclassify(new Classifier(loadRuleTrees([DEFAULT_RULES_DIR, local])));
    expect(changed).toBe(3);
    expect(entries(db).filter((e) => !e.publisher).map((e) => [e.name, e.vendor_id, e.evidence])).toEqual([
      ['adduser', null, null],
      ['apt', null, null],
      ['grub-pc', null, null],
    ]);
    expect(ingestor.reclassify(classifier)).toBe(3);
    expect(entries(db).filter((e) => !e.publisher).every((e) => e.vendor_id === 'canonical')).toBe(true);
    expectDerivedConsistent(db);
  });

  it('migration 12 keeps the catalogue and its ids, and reclassification fills evidence and confidence', () => {
    const db = tempDb(MIGRATIONS.filter((m) => m.version < 12));
    db.exec(`INSERT INTO catalogue (id, kind, source, role, name, publisher, package, name_norm, publisher_norm, package_norm, vendor_id, origin, licence, rule, first_seen)
      VALUES (41, 'software', 'registry', '', 'Google Chrome', 'Google LLC', NULL, 'google chrome', 'google', '', 'google', 'non_eu', 'proprietary', 'google/chrome:name', '2026-01-01')`);
    db.close();
    const migrated = openDatabase(db.name);
    expect(migrated.prepare('SELECT id, name, host_os, evidence, confidence FROM catalogue').all()).toEqual([{ id: 41, name: 'Google Chrome', host_os: '', evidence: null, confidence: null }]);
    new Ingestor(migrated, classifier).reclassifyIfRulesChanged();
    expect(migrated.prepare('SELECT evidence, confidence FROM catalogue WHERE id = 41').get()).toEqual({ evidence: 'name_publisher', confidence: 'high' });
    // The new key: the same package on two host OSes is two entries.
    const insert = migrated.prepare(`INSERT INTO catalogue (kind, source, host_os, name, name_norm, publisher_norm, package_norm, origin, licence, first_seen)
      VALUES ('software', 'dpkg', ?, 'apt', 'apt', '', '', 'unknown', 'unknown', '')`);
    insert.run('debian');
    insert.run('ubuntu lts');
    expect(() => insert.run('debian')).toThrow(/UNIQUE/);
  });
});
