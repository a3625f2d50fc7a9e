// Databases made by earlier code open with today's and lose nothing:
// - fixtures/release-1d51334.db, by the release before migrations 12-16 (two hosts, an account, an
//   enrolment token);
// - fixtures/release-2bd0c93.db, by the code before migration 17 (installations as one JSON row per
//   host, host sets and their queue, one host still queued; see make-release-2bd0c93.ts), with the
//   map that code showed in release-2bd0c93.json;
// - fixtures/release-fe7fb5f.db, by the last release before the store moved to Kysely (migration
//   21; see make-release-fe7fb5f.ts), upgraded on SQLite and moved to PostgreSQL.
// SQLite only by nature: these are SQLite files of earlier releases.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { expectDerivedConsistent } from '../../../test/expect-consistent.ts';
import { makeInventory } from '../../../test/fixtures.ts';
import { listApiTokens } from '../accounts/api-tokens.ts';
import { authenticate, listUsers } from '../accounts/users.ts';
import { history } from '../assessment/history.ts';
import { spendLines } from '../assessment/inputs.ts';
import { classifierWithLocalRules } from '../classify/local-rules.ts';
import { createCollector, loadRules } from '../collector.ts';
import { computeMap, type DependencyMap } from '../map/map.ts';
import { productHosts, productVersions } from '../ui/queries.ts';
import { closeDatabase, openDatabase, rows, sql, sqliteHandle, value, values, type Db } from './db.ts';
import { listTokens } from './tokens.ts';
import { copyToPostgres } from './copy-to-postgres.ts';
import { newPostgresDatabase } from './test-database.ts';
import { getAuthority } from './authority.ts';
import { MIGRATIONS } from './migrations.ts';

const copyOf = (fixture: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'tiebreak-upgrade-')), 'tiebreak.db');
  copyFileSync(new URL(`./fixtures/${fixture}`, import.meta.url), file);
  return file;
};

/** SQLite's own checks of the file under `db`: foreign keys and integrity. */
function expectSoundFile(db: Db) {
  const raw = sqliteHandle(db)!;
  expect(raw.pragma('foreign_key_check')).toEqual([]);
  expect(raw.prepare('PRAGMA integrity_check').pluck().get()).toBe('ok');
}

const ROW_TABLES = [
  'hosts',
  'inventory_receipts',
  'local_vendors',
  'local_products',
  'local_assignments',
  'users',
  'api_tokens',
  'enrolment_tokens',
  'agents',
  'spend_lines',
  'assessment_snapshots',
  'meta',
];

/** What a database holds, read as it is (no migration): its rows, and its installations as rows. */
function contents(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
    return {
      // The data version (migration 25) is the upgraded file's own.
      rows: Object.fromEntries(
        ROW_TABLES.filter((t) => tables.has(t)).map((t) => [
          t,
          db.prepare(`SELECT * FROM ${t} ${t === 'meta' ? "WHERE key <> 'data_version' " : ''}ORDER BY 1`).all(),
        ]),
      ),
      // The catalogue but for its counters, which the previous code derived later.
      catalogue: db
        .prepare('SELECT id, kind, source, name, publisher, package, vendor_id, product_id, origin, licence, area, category FROM catalogue ORDER BY id')
        .all(),
      installations: db
        .prepare('SELECT host_id, catalogue_id, version, scope, arch FROM installations ORDER BY host_id, catalogue_id, version, scope, arch')
        .all(),
    };
  } finally {
    db.close();
  }
}

describe('upgrade from earlier releases', () => {
  it('keeps every host, installation, account and token of release 1d51334 through migrations 12 to 17', async () => {
    const file = copyOf('release-1d51334.db');
    const before = contents(file);
    expect(before.installations).toHaveLength(4 + 3 + 1 + 3); // PC-A, SRV-B: software, OS and hardware
    const collector = await createCollector({ dbFile: file, log: pino({ level: 'silent' }) });
    try {
      const db = collector.db;
      expect(await value(db, sql`SELECT MAX(version) FROM schema_migrations`)).toBeGreaterThanOrEqual(17);
      expect(await rows(db, sql`SELECT hostname, role, software_count FROM hosts ORDER BY hostname`)).toEqual([
        { hostname: 'PC-A', role: expect.any(String), software_count: 4 },
        { hostname: 'SRV-B', role: expect.any(String), software_count: 1 },
      ]);
      expect(contents(file).installations).toEqual(before.installations);
      expectSoundFile(db);
      await expectDerivedConsistent(db);
      const map = await computeMap(db, collector.classifier);
      expect(map.totals.hosts).toBe(2);
      expect(map.by_vendor.find((v) => v.vendor_id === 'videolan')).toMatchObject({ hosts: 1, installations: 1 });
      // Reclassified with today's rules: every entry has its evidence.
      expect(await value(db, sql`SELECT COUNT(*) FROM catalogue WHERE origin <> 'unknown' AND evidence IS NULL`)).toBe(0);
      expect((await listUsers(db)).map((u) => u.username)).toEqual(['dsi']);
      expect(await authenticate(db, 'dsi', 'a long enough password')).toBeTruthy();
      expect((await listTokens(db)).map((t) => t.name)).toEqual(['fleet']);
    } finally {
      await collector.close();
    }
  });

  it('keeps every host, installation, local rule, account, token, spend line and snapshot of 2bd0c93, and shows the same map', async () => {
    const file = copyOf('release-2bd0c93.db');
    const before = contents(file);
    const old = new Database(file, { readonly: true });
    // The fixture holds what migration 17 must take over: a host queued, not yet derived.
    expect(old.prepare('SELECT COUNT(*) FROM catalogue_hosts_queue').pluck().get()).toBe(1);
    expect(old.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get()).toBe(16);
    old.close();
    expect(before.rows.hosts).toHaveLength(8);
    for (const table of ['local_assignments', 'users', 'api_tokens', 'enrolment_tokens', 'assessment_snapshots'])
      expect(before.rows[table], table).toHaveLength(1);
    expect(before.rows.spend_lines).toHaveLength(2);

    // Migrated alone (no reclassification): the same rows, and the map the previous code showed.
    const db = await openDatabase(file);
    try {
      expect(await values(db, sql`SELECT version FROM schema_migrations WHERE version >= 17`)).toContain(17);
      const after = contents(file);
      // Every row kept as it was (later migrations may add columns, with their defaults).
      expect(Object.keys(after.rows)).toEqual(Object.keys(before.rows));
      for (const [table, rows] of Object.entries(before.rows))
        expect(after.rows[table], table).toEqual(rows.map((row) => expect.objectContaining(row as object)));
      expect(after.catalogue).toEqual(before.catalogue);
      expect(after.installations).toEqual(before.installations);
      expect(after.installations.length).toBeGreaterThan(40);
      expectSoundFile(db);
      await expectDerivedConsistent(db);
      const shown = JSON.parse(readFileSync(new URL('./fixtures/release-2bd0c93.json', import.meta.url), 'utf8')) as Record<
        'map' | 'map_high',
        Omit<DependencyMap, 'generated_at'>
      >;
      const classifier = await classifierWithLocalRules(loadRules(), db);
      const map = stable(shown.map);
      const mapHigh = stable(shown.map_high);
      expect(stable(await computeMap(db, classifier))).toEqual(map);
      expect(stable(await computeMap(db, classifier, { confidence: 'high' }))).toEqual(mapHigh);
      // A drill-down: Chrome's hosts and versions, as the installations say.
      const chrome = (await value<number>(db, sql`SELECT id FROM catalogue WHERE name = 'Google Chrome'`))!;
      expect((await productHosts(db, chrome, 1)).rows.map((h) => [h.hostname, h.version])).toEqual([
        ['PC-1', '131.0'],
        ['PC-2', '133.0'],
        ['PC-3', '133.0'],
        ['PC-4', '132.0'],
      ]);
      expect(await productVersions(db, chrome)).toEqual([
        { version: '133.0', hosts: 2 },
        { version: '131.0', hosts: 1 },
        { version: '132.0', hosts: 1 },
      ]);
    } finally {
      await closeDatabase(db);
    }

    // Then run by the collector: accounts, tokens, spend and the trajectory are there; ingest goes on.
    const collector = await createCollector({ dbFile: file, log: pino({ level: 'silent' }) });
    try {
      const db = collector.db;
      expect(await authenticate(db, 'dsi', 'a long enough password')).toBeTruthy();
      expect((await listApiTokens(db)).map((t) => [t.name, t.role])).toEqual([['bi-tool', 'viewer']]);
      expect((await listTokens(db)).map((t) => t.name)).toEqual(['fleet']);
      expect((await spendLines(db)).map((l) => l.amount_cents).sort()).toEqual([1_200_000, 50_000]);
      expect((await history(db)).days).toHaveLength(1);
      expect(await value(db, sql`SELECT vendor_id FROM catalogue WHERE name = 'Logiciel Métier Inconnu'`)).toBe('editeur-regional');
      // A rescan of a host the previous code stored: the same host, its installations replaced.
      const rescan = await collector.ingestor.ingest(
        makeInventory({ machine: 'pc-1', software: [{ name: 'VLC media player', version: '3.0.22', publisher: 'VideoLAN' }] }),
      );
      expect(await value(db, sql`SELECT hostname FROM hosts WHERE id = ${rescan.host_id}`)).toBe('PC-1');
      expect(await value(db, sql`SELECT COUNT(*) FROM hosts`)).toBe(8);
      await expectDerivedConsistent(db);
    } finally {
      await collector.close();
    }
  });

  it('keeps every row of release fe7fb5f (migration 21) on SQLite, and on PostgreSQL once copied there, and shows the same map on both', async () => {
    const file = copyOf('release-fe7fb5f.db');
    const before = contents(file);
    const audit = (f: string) => {
      const db = new Database(f, { readonly: true });
      try {
        return db.prepare('SELECT * FROM audit_log ORDER BY id').all();
      } finally {
        db.close();
      }
    };
    const auditBefore = audit(file);
    expect(before.rows.hosts).toHaveLength(8);
    expect(auditBefore).toHaveLength(1);
    const shown = JSON.parse(readFileSync(new URL('./fixtures/release-fe7fb5f.json', import.meta.url), 'utf8')) as Record<
      'map' | 'map_high',
      Omit<DependencyMap, 'generated_at'>
    >;
    const map = stable(shown.map);
    const mapHigh = stable(shown.map_high);

    const db = await openDatabase(file);
    try {
      expect(await values(db, sql`SELECT version FROM schema_migrations WHERE version > 21`)).toEqual(MIGRATIONS.map((m) => m.version).filter((v) => v > 21));
      const after = contents(file);
      expect(Object.keys(after.rows)).toEqual(Object.keys(before.rows));
      // Every row kept as it was (later migrations may add columns, with their defaults: hosts' entity, 27).
      for (const [table, rows] of Object.entries(before.rows))
        expect(after.rows[table], table).toEqual(rows.map((row) => expect.objectContaining(row as object)));
      expect(after.catalogue).toEqual(before.catalogue);
      expect(after.installations).toEqual(before.installations);
      expect(audit(file)).toEqual(auditBefore);
      expectSoundFile(db);
      await expectDerivedConsistent(db);
      const classifier = await classifierWithLocalRules(loadRules(), db);
      expect(stable(await computeMap(db, classifier))).toEqual(map);
      expect(stable(await computeMap(db, classifier, { confidence: 'high' }))).toEqual(mapHigh);
    } finally {
      await closeDatabase(db);
    }

    // Moved to PostgreSQL: the same rows, the same map, the same accounts and settings.
    const url = await newPostgresDatabase('upgrade');
    await copyToPostgres(copyOf('release-fe7fb5f.db'), url);
    const collector = await createCollector({ dbFile: url, log: pino({ level: 'silent' }) });
    try {
      const pg = collector.db;
      for (const [table, rows] of Object.entries(before.rows))
        expect(await value(pg, sql`SELECT COUNT(*) FROM ${sql.table(table)}${table === 'meta' ? sql` WHERE key <> 'data_version'` : sql``}`), table).toBe(
          rows.length,
        );
      expect(
        await rows(pg, sql`SELECT host_id, catalogue_id, version, scope, arch FROM installations ORDER BY host_id, catalogue_id, version, scope, arch`),
      ).toEqual(before.installations);
      await expectDerivedConsistent(pg);
      const classifier = await classifierWithLocalRules(loadRules(), pg);
      expect(stable(await computeMap(pg, classifier))).toEqual(map);
      expect(stable(await computeMap(pg, classifier, { confidence: 'high' }))).toEqual(mapHigh);
      expect(await authenticate(pg, 'dsi', 'a long enough password')).toBeTruthy();
      expect((await listApiTokens(pg)).map((t) => [t.name, t.role])).toEqual([['bi-tool', 'viewer']]);
      expect((await listTokens(pg)).map((t) => t.name)).toEqual(['fleet']);
      expect((await spendLines(pg)).map((l) => l.amount_cents).sort()).toEqual([1_200_000, 50_000]);
      expect((await history(pg)).days).toHaveLength(1);
      expect((await getAuthority(pg)).name).toBe('Commune de Fixture');
    } finally {
      await collector.close();
    }
  });
});

/**
 * What a map shows that no later change of its definition touched: every host count, and the
 * installations in all and by vendor, country and licence. Since migration 26 (issue 22) the cells
 * and origins leave drivers and runtimes out of their installations, and products are counted as
 * the method counts them, and since migration 26 community projects have no country of control,
 * so those figures of an earlier release's map are not today's.
 */
function stable(map: Omit<DependencyMap, 'generated_at'>) {
  const {
    generated_at: _,
    rules: __,
    totals,
    by_area_origin,
    by_origin,
    by_vendor,
    by_country,
    by_owner_country: ___,
    by_licence,
    ...rest
  } = map as DependencyMap;
  const installed = <T extends { products: number }>(list: T[]) => list.map(({ products: _p, ...row }) => row);
  return {
    ...rest,
    totals: { hosts: totals.hosts, installations: totals.installations, duplicate_id_hosts: totals.duplicate_id_hosts },
    by_area_origin: by_area_origin.map(({ area, origin, hosts }) => ({ area, origin, hosts })),
    by_origin: by_origin.map(({ origin, hosts }) => ({ origin, hosts })),
    by_vendor: installed(by_vendor),
    by_country: installed(by_country),
    by_licence: installed(by_licence),
  };
}
