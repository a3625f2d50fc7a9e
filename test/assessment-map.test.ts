// The map and the assessment on a generated authority (`pnpm demo`'s generator, with its waves of
// rescans): the figures they share agree, and the assessment's host counts equal a plain count of
// the installations in SQL, product by product and cell by cell.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pino from 'pino';
import { AREAS, ORIGINS, type Area, type Origin } from '@tiebreak/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeAssessment, type Assessment } from '../collector/src/assessment/compute.ts';
import { createCollector, type Collector } from '../collector/src/collector.ts';
import { computeMap, type DependencyMap } from '../collector/src/map/map.ts';
import { ROOT, tempDir } from './helpers.ts';

describe('map and assessment on a generated fleet', () => {
  let collector: Collector;
  let map: DependencyMap;
  let a: Assessment;

  beforeAll(() => {
    const dbFile = join(tempDir(), 'demo.db');
    const generated = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/demo.ts'), '--no-serve', '--db', dbFile, '--workstations', '90', '--servers', '12'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(generated.status, generated.stderr).toBe(0);
    collector = createCollector({ dbFile, log: pino({ level: 'silent' }) });
    map = computeMap(collector.db, collector.classifier);
    a = computeAssessment(collector.db, collector.classifier);
  }, 240_000);
  afterAll(() => collector?.close());

  it('agrees on hosts, installations and the unknown', () => {
    expect(a.overall.hosts.total).toBe(map.totals.hosts);
    expect(a.uncertainty.unknown_installations + a.platform.installations + a.products.reduce((s, p) => s + (p.platform ? 0 : p.installations), 0)).toBe(
      map.totals.installations - unknownPlatform(collector),
    );
    expect(a.uncertainty.unknown_installations).toBe(map.totals.unknown_installations - unknownPlatform(collector));
    expect(a.platform.installations).toBe(map.totals.platform_installations - unknownPlatform(collector));
    for (const cell of map.by_area_origin.filter((c) => c.origin !== 'unknown')) {
      const products = a.products.filter((p) => p.area === cell.area && p.origin === cell.origin);
      expect(products.reduce((s, p) => s + p.installations, 0), `${cell.area} ${cell.origin}`).toBe(cell.installations);
      if (!products.some((p) => p.platform)) expect(a.areas[cell.area as Area].hosts.by_origin[cell.origin as Origin].count, `${cell.area} ${cell.origin}`).toBe(cell.hosts);
    }
    for (const o of map.by_origin.filter((x) => x.origin !== 'unknown'))
      expect(a.products.filter((p) => p.origin === o.origin).reduce((s, p) => s + p.installations, 0), o.origin).toBe(o.installations);
  });

  it('counts every product and every cell exactly', () => {
    const db = collector.db;
    const hostsOfGroup = db.prepare(`SELECT COUNT(DISTINCT i.host_id) FROM installations i JOIN catalogue c ON c.id = i.catalogue_id
      WHERE c.vendor_id = ? AND (c.product_id = ? OR (c.product_id IS NULL AND ? IS NULL AND COALESCE(c.category, 'other') = ?)) AND COALESCE(c.area, 'software') = ?`);
    let split = 0;
    for (const p of a.products.filter((x) => x.sources.includes('inventory'))) {
      const category = p.product_id ? null : p.key.split('/*')[1]!.split('@')[0]!;
      expect(p.hosts, p.key).toBe(hostsOfGroup.pluck().get(p.vendor_id, p.product_id, p.product_id, category, p.area));
      if (p.key.includes('@')) split++;
    }
    expect(split).toBeGreaterThan(0); // Intel processors are on workstations and servers
    const hostsOfCell = db.prepare(`SELECT COUNT(DISTINCT i.host_id) FROM installations i JOIN catalogue c ON c.id = i.catalogue_id
      WHERE c.platform = 0 AND c.area = ? AND c.origin = ?`);
    const hostsOfArea = db.prepare('SELECT COUNT(DISTINCT i.host_id) FROM installations i JOIN catalogue c ON c.id = i.catalogue_id WHERE c.platform = 0 AND c.area = ?');
    const hostsOfOrigin = db.prepare('SELECT COUNT(DISTINCT i.host_id) FROM installations i JOIN catalogue c ON c.id = i.catalogue_id WHERE c.platform = 0 AND c.origin = ?');
    for (const area of AREAS) {
      expect(a.areas[area].hosts.total, area).toBe(hostsOfArea.pluck().get(area));
      for (const origin of ORIGINS) expect(a.areas[area].hosts.by_origin[origin].count, `${area} ${origin}`).toBe(hostsOfCell.pluck().get(area, origin));
    }
    for (const origin of ORIGINS) expect(a.overall.hosts.by_origin[origin].count, origin).toBe(hostsOfOrigin.pluck().get(origin));
  });
});

/** Unrecognised platform installations: in the map's totals, out of the assessment's (as every platform item). */
function unknownPlatform(collector: Collector): number {
  return collector.db.prepare("SELECT COALESCE(SUM(installs), 0) FROM catalogue WHERE origin = 'unknown' AND platform = 1").pluck().get() as number;
}
