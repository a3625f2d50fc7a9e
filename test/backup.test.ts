// Backups while a real collector serves and ingests over HTTP, and restores that serve the same map.
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_VERSION } from '../collector/src/store/backup.ts';
import { fleetSoftware, makeInventory } from './fixtures.ts';
import { enrolHost, postApi, runCli, startCollector, tempDir, type RunningCollector } from './helpers.ts';

const dir = tempDir('tiebreak-backup-');
const dbFile = join(dir, 'live', 'tiebreak.db');
const backups = join(dir, 'backups');
const HOSTS = 40;
const FIRST = 8;
let collector: RunningCollector | undefined;
let token: string;

/** The map without the instant it was computed at. */
const mapOf = async (c: RunningCollector) => {
  const { generated_at: _, ...map } = (await (await c.get('/api/v1/map')).json()) as Record<string, unknown>;
  return map;
};
/** A page as served, without what belongs to the session (its CSRF token). */
const pageOf = async (c: RunningCollector, path: string) => (await (await c.get(path)).text()).replace(/name="_csrf" value="[^"]*"/g, '');

const ingest = async (c: RunningCollector, from: number, to: number) => {
  for (let i = from; i < to; i++) {
    const inventory = makeInventory({ machine: `pc-${i}`, software: fleetSoftware(i, 150) });
    const enrolled = await enrolHost(c.url, token, inventory.host);
    expect(enrolled.status).toBe(201);
    const sent = await postApi(c.url, '/api/v1/inventories', enrolled.body.credential, inventory);
    expect(sent.status).toBe(200);
  }
};

beforeAll(async () => {
  const created = await runCli('collector', ['token', 'create', '--db', dbFile, '--name', 'backup-test']);
  expect(created.code).toBe(0);
  token = created.stdout.trim();
  collector = await startCollector(dbFile);
  await ingest(collector, 0, FIRST);
});

afterAll(async () => {
  await collector?.stop();
});

describe('backup and restore', () => {
  it('backs up while the collector serves and ingests: the copy is whole and consistent', async () => {
    mkdirSync(backups);
    const during = join(backups, 'during.db');
    // Inventories keep arriving over HTTP while the backup runs.
    let running = true;
    const started = runCli('collector', ['backup', '--db', dbFile, '--to', during]).finally(() => (running = false));
    let next = FIRST;
    while (running && next < HOSTS) await ingest(collector!, next, ++next);
    const backup = await started;
    expect(next).toBeGreaterThan(FIRST + 1);
    await ingest(collector!, next, HOSTS);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(new RegExp(`written to ${during}: \\d+ bytes, database migration ${KNOWN_VERSION}, \\d+ hosts`));
    const copy = new Database(during, { readonly: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(copy.pragma('foreign_key_check')).toEqual([]);
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
      const hosts = copy.prepare('SELECT count(*) FROM hosts').pluck().get() as number;
      expect(hosts).toBeGreaterThanOrEqual(FIRST);
      expect(hosts).toBeLessThanOrEqual(HOSTS);
      // Every host in the copy has the inventory it was stored with: none half written.
      expect(copy.prepare('SELECT count(*) FROM inventory_receipts').pluck().get()).toBe(hosts);
      expect(copy.prepare('SELECT count(*) FROM hosts WHERE software_count <> 150').pluck().get()).toBe(0);
    } finally {
      copy.close();
    }
    expect(readdirSync(backups).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('a restore serves the same map and pages as the database it was taken from', async () => {
    const before = {
      map: await mapOf(collector!),
      hosts: await pageOf(collector!, '/hosts'),
      vendors: await pageOf(collector!, '/vendors'),
      report: await pageOf(collector!, '/report'),
    };
    expect((before.map.totals as { hosts: number }).hosts).toBe(HOSTS);
    // A directory receives a dated file.
    const backup = await runCli('collector', ['backup', '--db', dbFile, '--to', backups]);
    expect(backup.code).toBe(0);
    const file = /written to (\S+):/.exec(backup.stdout)![1]!;
    expect(file).toMatch(/tiebreak-\d{4}-\d\d-\d\dT\d{6}Z\.db$/);

    // Never over the database of a running collector, even with --force.
    const busy = await runCli('collector', ['restore', '--from', file, '--db', dbFile, '--force']);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toMatch(/open in a running collector: stop it first/);

    await collector!.stop();
    collector = undefined;
    // An existing database is replaced only with --force.
    const exists = await runCli('collector', ['restore', '--from', file, '--db', dbFile]);
    expect(exists.code).toBe(2);
    expect(exists.stderr).toMatch(/exists: add --force/);

    const restoredDb = join(dir, 'restored', 'tiebreak.db');
    mkdirSync(join(dir, 'restored'));
    const restored = await runCli('collector', ['restore', '--from', file, '--db', restoredDb]);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain(`database migration ${KNOWN_VERSION}, ${HOSTS} hosts`);

    // The restore is in the restored database's audit log.
    const log = new Database(restoredDb, { readonly: true });
    expect(log.prepare("SELECT actor_kind, object FROM audit_log WHERE action = 'database.restore'").all()).toEqual([{ actor_kind: 'cli', object: file }]);
    log.close();
    collector = await startCollector(restoredDb);
    expect(await mapOf(collector)).toEqual(before.map);
    expect(await pageOf(collector, '/hosts')).toBe(before.hosts);
    expect(await pageOf(collector, '/vendors')).toBe(before.vendors);
    expect(await pageOf(collector, '/report')).toBe(before.report);
    // The enrolled agents' credentials came back too: a host reports again.
    const again = await runCli('collector', ['agent', 'list', '--db', restoredDb, '--json']);
    expect(JSON.parse(again.stdout).length).toBe(HOSTS);
    await collector.stop();
    collector = undefined;

    // With --force over the stopped original: it serves the same again.
    const forced = await runCli('collector', ['restore', '--from', file, '--db', dbFile, '--force']);
    expect(forced.code).toBe(0);
    expect(existsSync(`${dbFile}-wal`)).toBe(false);
    collector = await startCollector(dbFile);
    expect(await mapOf(collector)).toEqual(before.map);
  });

  it('refuses what is not a tiebreak database, or one of a newer version, and leaves the database alone', async () => {
    const target = join(dir, 'untouched.db');
    const garbage = join(dir, 'garbage.db');
    writeFileSync(garbage, 'not a database at all, just some text that is long enough to have a header'.repeat(20));
    const other = join(dir, 'other.db');
    const db = new Database(other);
    db.exec('CREATE TABLE notes (x TEXT)');
    db.close();
    const newer = join(dir, 'newer.db');
    const source = readdirSync(backups).find((f) => f.startsWith('tiebreak-'))!;
    copyFileSync(join(backups, source), newer);
    const bump = new Database(newer);
    bump.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', '2030-01-01')").run(KNOWN_VERSION + 5);
    bump.close();

    const cases: [string, RegExp][] = [
      [garbage, /not an SQLite database|cannot open/],
      [other, /not a tiebreak database \(no table schema_migrations/],
      [newer, new RegExp(`made by a newer tiebreak \\(database migration ${KNOWN_VERSION + 5}, this version knows up to ${KNOWN_VERSION}\\)`)],
      [join(dir, 'missing.db'), /no such file/],
    ];
    for (const [from, message] of cases) {
      const result = await runCli('collector', ['restore', '--from', from, '--db', target]);
      expect(result.code, from).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(existsSync(target)).toBe(false);
    }
    expect(readdirSync(dir).filter((f) => f.includes('.restore-'))).toEqual([]);
    const itself = await runCli('collector', ['backup', '--db', dbFile, '--to', join(dir, 'live', '.', 'tiebreak.db')]);
    expect(itself.code).toBe(2);
    expect(itself.stderr).toMatch(/is the database itself/);
    const onto = await runCli('collector', ['restore', '--from', dbFile, '--db', dbFile, '--force']);
    expect(onto.code).toBe(2);
    expect(onto.stderr).toMatch(/is the database itself/);
    const noTarget = await runCli('collector', ['backup', '--db', dbFile]);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toMatch(/backup needs --to/);
  });
});
