// Exact host counts of the assessment, read from the installations in one pass (host ids far apart,
// hosts with several spellings of a product), against a plain count in SQL.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { AREAS, ORIGINS } from '@tiebreak/shared';
import { describe, expect, it } from 'vitest';
import { makeInventory } from '../../../test/fixtures.ts';
import { createCollector } from '../collector.ts';
import { computeAssessment } from './compute.ts';

describe('host counts of the assessment', () => {
  it('equal a count of the installations', () => {
    const collector = createCollector({ dbFile: join(mkdtempSync(join(tmpdir(), 'tiebreak-counts-')), 'test.db'), log: pino({ level: 'silent' }) });
    const db = collector.db;
    // Host ids from 65,000: the bitmaps of the count span them.
    db.prepare(`INSERT INTO hosts (id, host_key, id_source, hostname, role, os_family, os_name, hardware_json, agent_name, agent_version,
      first_seen, last_seen, collected_at) VALUES (65000, 'placeholder', 'test', 'placeholder', 'workstation', 'linux', 'none', '{}', 'test', '0', '', '', '')`).run();
    const fleet = Array.from({ length: 5200 }, (_, i) => {
      const software = [{ name: 'Zoom Workplace (64-bit)', publisher: 'Zoom Video Communications, Inc.' }];
      if (i % 3 === 0) software.push({ name: 'LibreOffice 24.8.3.2', publisher: 'The Document Foundation' });
      if (i % 5 === 0) software.push({ name: 'LibreOffice 7.6.7.2', publisher: 'The Document Foundation' });
      if (i % 7 === 0) software.push({ name: 'Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.40.33810', publisher: 'Microsoft Corporation' });
      return makeInventory({ machine: `ws-${i}`, software });
    });
    for (let i = 0; i < fleet.length; i += 200) collector.ingestor.ingestMany(fleet.slice(i, i + 200));
    const a = computeAssessment(db, collector.classifier);

    const count = (sql: string, ...args: unknown[]) => db.prepare(`SELECT COUNT(DISTINCT i.host_id) FROM installations i JOIN catalogue c ON c.id = i.catalogue_id WHERE ${sql}`).pluck().get(...args);
    // Two spellings of LibreOffice: hosts with either, each once.
    const libreoffice = a.products.find((p) => p.key === 'the-document-foundation/libreoffice-product')!;
    expect(libreoffice.hosts).toBe(fleet.filter((_, i) => i % 3 === 0 || i % 5 === 0).length);
    expect(libreoffice.hosts).toBe(count("c.product_id = 'libreoffice-product'"));
    expect(a.products.find((p) => p.key === 'zoom/zoom-workplace')!.hosts).toBe(5200);
    for (const area of AREAS) {
      expect(a.areas[area].hosts.total, area).toBe(count('c.platform = 0 AND c.area = ?', area));
      for (const origin of ORIGINS) expect(a.areas[area].hosts.by_origin[origin].count, `${area} ${origin}`).toBe(count('c.platform = 0 AND c.area = ? AND c.origin = ?', area, origin));
    }
    for (const origin of ORIGINS) expect(a.overall.hosts.by_origin[origin].count, origin).toBe(count('c.platform = 0 AND c.origin = ?', origin));
    expect(a.overall.hosts.total).toBe(5201);
    expect(a.overall.hosts.by_origin.non_eu.count).toBe(5200);
    collector.close();
  }, 120_000);
});
