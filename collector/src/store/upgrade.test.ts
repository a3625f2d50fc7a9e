// A database made by the release before migrations 12-16 (commit 1d51334: two hosts ingested, an
// account, an enrolment token; fixtures/release-1d51334.db) opens with today's code and loses nothing.
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { authenticate, listUsers } from '../accounts/users.ts';
import { createCollector } from '../collector.ts';
import { computeMap } from '../map/map.ts';
import { listTokens } from './tokens.ts';

describe('upgrade from the previous release', () => {
  it('keeps every host, installation, account and token through migrations 12 to 16', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tiebreak-upgrade-')), 'tiebreak.db');
    copyFileSync(new URL('./fixtures/release-1d51334.db', import.meta.url), file);
    const collector = createCollector({ dbFile: file, log: pino({ level: 'silent' }) });
    try {
      const db = collector.db;
      expect(db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get()).toBeGreaterThanOrEqual(16);
      expect(db.prepare('SELECT hostname, role, software_count FROM hosts ORDER BY hostname').all()).toEqual([
        { hostname: 'PC-A', role: expect.any(String), software_count: 4 },
        { hostname: 'SRV-B', role: expect.any(String), software_count: 1 },
      ]);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      expect(db.prepare('PRAGMA integrity_check').pluck().get()).toBe('ok');
      const map = computeMap(db, collector.classifier);
      expect(map.totals.hosts).toBe(2);
      expect(map.by_vendor.find((v) => v.vendor_id === 'videolan')).toMatchObject({ hosts: 1, installations: 1 });
      // Reclassified with today's rules: every entry has its evidence.
      expect(db.prepare("SELECT COUNT(*) FROM catalogue WHERE origin <> 'unknown' AND evidence IS NULL").pluck().get()).toBe(0);
      expect(listUsers(db).map((u) => u.username)).toEqual(['dsi']);
      expect(await authenticate(db, 'dsi', 'a long enough password')).toBeTruthy();
      expect((listTokens(db) as { name: string }[]).map((t) => t.name)).toEqual(['fleet']);
    } finally {
      collector.close();
    }
  });
});
