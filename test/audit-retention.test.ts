// The audit log's retention: entries older than the period are deleted once a day (once across the
// processes of a PostgreSQL database), the deletion itself recorded; 0 keeps everything; the period
// comes from collector.env or the command line, and the admin page says what it is.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_AUDIT_RETENTION_DAYS, dailyAuditPrune, parseRetentionDays, pruneAudit, recordAudit, type AuditRow } from '../collector/src/accounts/audit.ts';
import { JOB_LOCKS } from '../collector/src/collector.ts';
import { closeDatabase, openDatabase, rows, sql, type Db } from '../collector/src/store/db.ts';
import { ENGINES, newDatabaseLocation } from '../collector/src/store/test-database.ts';
import { runCli, startCollector, tempDir, withDatabase, type RunningCollector } from './helpers.ts';

const DAY = 86_400_000;
const NOW = new Date('2026-06-15T10:00:00.000Z');
const daysAgo = (n: number, from = NOW) => new Date(from.getTime() - n * DAY);
const actor = { kind: 'user' as const, name: 'dsi', ip: '192.0.2.1' };

/** Entries 10, 200, 400 and 800 days old. */
async function seed(db: Db, from = NOW): Promise<void> {
  for (const age of [800, 400, 200, 10]) await recordAudit(db, { actor, action: 'target.set', object: `${age} days` }, daysAgo(age, from));
}
const entries = (db: Db) => rows<AuditRow>(db, sql`SELECT * FROM audit_log ORDER BY id`);

describe.each(ENGINES)('%s', (engine) => {
  const opened: Db[] = [];
  const open = async (location?: string) => {
    const db = await openDatabase(location ?? (await newDatabaseLocation(engine)));
    opened.push(db);
    return db;
  };
  afterAll(async () => {
    for (const db of opened) await closeDatabase(db);
  });

  it('deletes the entries older than the retention, and records the deletion', async () => {
    const db = await open();
    await seed(db);
    expect(await dailyAuditPrune(db, 365, JOB_LOCKS.auditPrune, NOW)).toBe(2);
    const left = await entries(db);
    expect(left.slice(0, 2).map((e) => e.object)).toEqual(['200 days', '10 days']);
    expect(left[2]).toMatchObject({
      action: 'audit.prune',
      actor_kind: 'cli',
      object: '2025-06-15',
      details: '2 entries older than 365 days deleted',
      at: NOW.toISOString(),
    });
    expect(left).toHaveLength(3);
  });

  it('prunes once a day: again the same day does nothing, the next day prunes what has aged', async () => {
    const db = await open();
    await seed(db);
    expect(await dailyAuditPrune(db, 300, JOB_LOCKS.auditPrune, NOW)).toBe(2);
    const later = new Date(NOW.getTime() + 6 * 3_600_000);
    await recordAudit(db, { actor, action: 'target.set', object: 'stale' }, daysAgo(500));
    expect(await dailyAuditPrune(db, 300, JOB_LOCKS.auditPrune, later)).toBeNull();
    expect((await entries(db)).map((e) => e.object)).toContain('stale');
    // 101 days later, the entry of 200 days is past 300 too.
    expect(await dailyAuditPrune(db, 300, JOB_LOCKS.auditPrune, new Date(NOW.getTime() + 101 * DAY))).toBe(2);
    expect((await entries(db)).filter((e) => e.action !== 'audit.prune').map((e) => e.object)).toEqual(['10 days']);
    expect((await entries(db)).filter((e) => e.action === 'audit.prune')).toHaveLength(2);
  });

  it('keeps everything with a retention of 0, and records no prune that deleted nothing', async () => {
    const db = await open();
    await seed(db);
    expect(await dailyAuditPrune(db, 0, JOB_LOCKS.auditPrune, NOW)).toBe(0);
    expect(await pruneAudit(db, 0, actor, NOW)).toBe(0);
    expect(await pruneAudit(db, 1000, actor, NOW)).toBe(0);
    expect((await entries(db)).map((e) => e.object)).toEqual(['800 days', '400 days', '200 days', '10 days']);
  });

  it.runIf(engine === 'postgres')('prunes once when several processes of one database try at the same moment', async () => {
    const location = await newDatabaseLocation(engine);
    const dbs = [await open(location), await open(location), await open(location)];
    await seed(dbs[0]!);
    const results = await Promise.all(dbs.map((db) => dailyAuditPrune(db, 365, JOB_LOCKS.auditPrune, NOW)));
    expect(results.filter((r) => r !== null)).toEqual([2]);
    expect((await entries(dbs[0]!)).filter((e) => e.action === 'audit.prune')).toHaveLength(1);
  });

  it('reads a retention as a whole number of days, 0 to 100 years', () => {
    expect(DEFAULT_AUDIT_RETENTION_DAYS).toBe(365);
    expect(parseRetentionDays('730')).toBe(730);
    expect(parseRetentionDays('0')).toBe(0);
    for (const bad of ['', '-1', '1.5', 'un an', '36501'])
      expect(() => parseRetentionDays(bad), bad).toThrow(`the audit log's retention is a whole number of days from 0 (keep forever) to 36500, not "${bad}"`);
  });

  describe('through the command line', () => {
    let collector: RunningCollector | undefined;
    afterAll(async () => collector?.stop());

    it('serve prunes at start with TIEBREAK_AUDIT_RETENTION_DAYS from collector.env, and the audit page says the retention', async () => {
      const location = await newDatabaseLocation(engine, join(tempDir('tiebreak-audit-retention-'), 'serve.db'));
      const now = new Date();
      await withDatabase(location, (db) => seed(db, now));
      collector = await startCollector(location, [], { TIEBREAK_AUDIT_RETENTION_DAYS: '30' });
      let left: AuditRow[] = [];
      for (let i = 0; i < 100; i++) {
        left = await withDatabase(location, entries);
        if (left.some((e) => e.action === 'audit.prune')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(left.filter((e) => e.action === 'target.set').map((e) => e.object)).toEqual(['10 days']);
      expect(left.find((e) => e.action === 'audit.prune')).toMatchObject({
        details: '3 entries older than 30 days deleted',
        actor: 'tiebreak-collector serve (retention)',
      });
      const page = await (await collector.get('/settings/audit')).text();
      expect(page).toContain('Les entrées sont conservées 30 jours');
      expect(page).toContain('entrées anciennes supprimées (durée de conservation)');
    });

    it('refuses a bad retention on serve, saying why, and prunes on demand with audit prune', async () => {
      const location = await newDatabaseLocation(engine, join(tempDir('tiebreak-audit-retention-'), 'cli.db'));
      const bad = await runCli('collector', ['serve', '--port', '0', '--db', location, '--audit-retention-days', 'a year']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--audit-retention-days: the audit log\'s retention is a whole number of days from 0 (keep forever) to 36500, not "a year"');
      const badEnv = await runCli('collector', ['audit', 'prune', '--db', location], { env: { TIEBREAK_AUDIT_RETENTION_DAYS: '-3' } });
      expect(badEnv.code).toBe(2);
      expect(badEnv.stderr).toContain('TIEBREAK_AUDIT_RETENTION_DAYS: the audit log');

      await withDatabase(location, (db) => seed(db, new Date()));
      const pruned = await runCli('collector', ['audit', 'prune', '--audit-retention-days', '300', '--db', location]);
      expect(pruned.code, pruned.stderr).toBe(0);
      expect(pruned.stdout).toBe('2 audit log entries older than 300 days deleted\n');
      const json = await runCli('collector', ['audit', 'prune', '--json', '--db', location]);
      expect(JSON.parse(json.stdout)).toEqual({ deleted: 0, retention_days: 365 });
      const left = await withDatabase(location, entries);
      expect(left.map((e) => e.action)).toEqual(['target.set', 'target.set', 'audit.prune']);
      expect(left[2]!.actor).toMatch(/^cli/);
    });
  });
});
