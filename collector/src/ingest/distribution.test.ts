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
import { closeDatabase, openDatabase, openSqliteFile, rows, sql, type Db } from '../store/db.ts';
import { MIGRATIONS } from '../store/migrations.ts';
import { ENGINES, testDatabase } from '../store/test-database.ts';
import { Ingestor } from './ingest.ts';

const classifier = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR]));
const tempFile = () => join(mkdtempSync(join(tmpdir(), 'tiebreak-distribution-')), 'test.db');

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

type Entry = {
  name: string;
  publisher: string | null;
  host_os: string;
  vendor_id: string | null;
  rule: string | null;
  evidence: string | null;
  confidence: string | null;
};
const entries = (db: Db) =>
  rows<Entry>(
    db,
    sql`SELECT name, publisher, host_os, vendor_id, rule, evidence, confidence FROM catalogue WHERE kind = 'software' ORDER BY name, host_os, publisher NULLS FIRST`,
  );

describe.each(ENGINES)('packages without a maintainer (%s)', (engine) => {
  it("are their host distribution's, one catalogue entry per host OS", async () => {
    const db = await testDatabase(engine);
    const ingestor = new Ingestor(db, classifier);
    await ingestor.ingest(linux('deb', 'Debian GNU/Linux 12 (bookworm)'));
    await ingestor.ingest(linux('ubu', 'Ubuntu 24.04.1 LTS'));
    await ingestor.ingest(linux('deb2', 'Debian GNU/Linux 12 (bookworm)'));
    const apt = (await entries(db)).filter((e) => e.name === 'apt');
    expect(apt).toEqual([
      // The maintained one is one entry whatever the host.
      expect.objectContaining({ publisher: 'APT Development Team', host_os: '' }),
      {
        name: 'apt',
        publisher: null,
        host_os: 'debian gnu linux 12 bookworm',
        vendor_id: 'debian',
        rule: 'distribution-index:debian',
        evidence: 'distribution_index',
        confidence: 'high',
      },
      {
        name: 'apt',
        publisher: null,
        host_os: 'ubuntu lts',
        vendor_id: 'canonical',
        rule: 'distribution-index:ubuntu',
        evidence: 'distribution_index',
        confidence: 'high',
      },
    ]);
    expect((await entries(db)).filter((e) => !e.publisher).every((e) => e.rule?.startsWith('distribution-index:'))).toBe(true);
    await expectDerivedConsistent(db);
    await closeDatabase(db);
  });

  it('are classified again when the distributions change', async () => {
    const db = await testDatabase(engine);
    const ingestor = new Ingestor(db, classifier);
    await ingestor.ingest(linux('ubu', 'Ubuntu 24.04.1 LTS'));
    // A local tree that no longer derives Ubuntu from Debian: its packages without an index are unknown.
    const local = mkdtempSync(join(tmpdir(), 'tiebreak-rules-'));
    mkdirSync(join(local, 'distributions'));
    writeFileSync(
      join(local, 'distributions/distributions.yaml'),
      'distributions:\n- {id: ubuntu, name: Ubuntu, vendor: canonical, format: dpkg, os_pattern: ^ubuntu\\b}\n',
    );
    const changed = await ingestor.reclassify(new Classifier(loadRuleTrees([DEFAULT_RULES_DIR, local])));
    expect(changed).toBe(3);
    expect((await entries(db)).filter((e) => !e.publisher).map((e) => [e.name, e.vendor_id, e.evidence])).toEqual([
      ['adduser', null, null],
      ['apt', null, null],
      ['grub-pc', null, null],
    ]);
    expect(await ingestor.reclassify(classifier)).toBe(3);
    expect((await entries(db)).filter((e) => !e.publisher).every((e) => e.vendor_id === 'canonical')).toBe(true);
    await expectDerivedConsistent(db);
    await closeDatabase(db);
  });
});

// Migrations of SQLite databases made by earlier releases: SQLite only by nature.
describe('packages without a maintainer, upgraded', () => {
  it('migration 12 keeps the catalogue and its ids, and reclassification fills evidence and confidence', async () => {
    const file = tempFile();
    const old = openSqliteFile(
      file,
      MIGRATIONS.filter((m) => m.version < 12),
    );
    old.exec(`INSERT INTO catalogue (id, kind, source, role, name, publisher, package, name_norm, publisher_norm, package_norm, vendor_id, origin, licence, rule, first_seen)
      VALUES (41, 'software', 'registry', '', 'Google Chrome', 'Google LLC', NULL, 'google chrome', 'google', '', 'google', 'non_eu', 'proprietary', 'google/chrome:name', '2026-01-01')`);
    old.close();
    const migrated = await openDatabase(file);
    expect(await rows(migrated, sql`SELECT id, name, host_os, evidence, confidence FROM catalogue`)).toEqual([
      { id: 41, name: 'Google Chrome', host_os: '', evidence: null, confidence: null },
    ]);
    await new Ingestor(migrated, classifier).reclassifyIfRulesChanged();
    expect(await rows(migrated, sql`SELECT evidence, confidence FROM catalogue WHERE id = 41`)).toEqual([{ evidence: 'name_publisher', confidence: 'high' }]);
    // The new key: the same package on two host OSes is two entries.
    const insert = (hostOs: string) =>
      sql`INSERT INTO catalogue (kind, source, host_os, name, name_norm, publisher_norm, package_norm, origin, licence, first_seen)
        VALUES ('software', 'dpkg', ${hostOs}, 'apt', 'apt', '', '', 'unknown', 'unknown', '')`.execute(migrated);
    await insert('debian');
    await insert('ubuntu lts');
    await expect(insert('debian')).rejects.toThrow(/UNIQUE/);
    await closeDatabase(migrated);
  });
});
