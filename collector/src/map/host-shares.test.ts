// The map's host counts by area x origin and by origin are the method's host shares
// (docs/methodology.md § 1 and 4): drivers and runtimes (platform items) are out of them, as in the
// assessment; their installations stay in the map's figures. A server whose only workstation-area
// item is a Visual C++ runtime is not a workstation-area host.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ORIGINS, type Area } from '@tiebreak/shared';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInventory } from '../../../test/fixtures.ts';
import { computeAssessment, type Assessment } from '../assessment/compute.ts';
import { createCollector, type Collector } from '../collector.ts';
import { sql, value } from '../store/db.ts';
import { ENGINES, newDatabaseLocation } from '../store/test-database.ts';
import { computeMap, type DependencyMap } from './map.ts';

const VCREDIST = { name: 'Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.40.33810', version: '14.40', publisher: 'Microsoft Corporation' };

describe.each(ENGINES)('the map host shares without drivers and runtimes on %s', (engine) => {
  let collector: Collector;
  let map: DependencyMap;
  let a: Assessment;

  beforeAll(async () => {
    const dbFile = await newDatabaseLocation(engine, join(mkdtempSync(join(tmpdir(), 'tiebreak-shares-')), 'test.db'));
    collector = await createCollector({ dbFile, log: pino({ level: 'silent' }) });
    await collector.ingestor.ingest(
      makeInventory({
        machine: 'ws',
        software: [
          { name: 'Google Chrome', version: '131.0', publisher: 'Google LLC' },
          VCREDIST,
          { name: '7-Zip 24.08', version: '24.08', publisher: 'Igor Pavlov' },
        ],
      }),
    );
    await collector.ingestor.ingest(
      makeInventory({
        machine: 'srv',
        osFamily: 'linux',
        osName: 'Debian GNU/Linux 12 (bookworm)',
        hardware: { system: { manufacturer: 'QEMU', model: 'Standard PC', chassis: 'Other' }, cpus: [{ manufacturer: 'Intel', model: 'Xeon Gold 6338' }] },
        software: [VCREDIST],
      }),
    );
    map = await computeMap(collector.db, collector.classifier);
    a = await computeAssessment(collector.db, collector.classifier);
  }, 60_000);
  afterAll(async () => collector?.close());

  it('counts a host in a cell only for items other than drivers and runtimes, as the assessment does', async () => {
    expect(map.hosts_by_role.map((r) => r.role).sort()).toEqual(['server', 'workstation']);
    const platform = (await value<number>(
      collector.db,
      sql`SELECT COALESCE(SUM(installs), 0) FROM catalogue WHERE platform = 1 AND area = 'workstation' AND origin = 'non_eu'`,
    ))!;
    expect(platform).toBe(2); // the runtime on both hosts
    const cell = map.by_area_origin.find((c) => c.area === 'workstation' && c.origin === 'non_eu')!;
    // The runtime's installations are in the map's figures; its hosts are not in the host share.
    expect(cell.installations).toBeGreaterThanOrEqual(platform);
    expect(cell.hosts).toBe(1);
    for (const c of map.by_area_origin.filter((x) => x.area !== 'unknown')) {
      expect(c.hosts, `${c.area} ${c.origin}`).toBe(a.areas[c.area as Area].hosts.by_origin[c.origin as (typeof ORIGINS)[number]].count);
    }
    for (const origin of ORIGINS) expect(map.by_origin.find((o) => o.origin === origin)?.hosts ?? 0, origin).toBe(a.overall.hosts.by_origin[origin].count);
    // Filtered by confidence, the same rule.
    const high = await computeMap(collector.db, collector.classifier, { confidence: 'high' });
    expect(high.by_area_origin.find((c) => c.area === 'workstation' && c.origin === 'non_eu')?.hosts).toBe(1);
    // The vendor's hosts stay every host with its items (its page lists them).
    expect(map.by_vendor.find((v) => v.vendor_id === 'microsoft')?.hosts).toBe(2);
  });

  it("gives a community project no country of control: its author's country is the vendor's country, not an owner's", async () => {
    expect(map.by_vendor.find((v) => v.vendor_id === 'igor-pavlov')).toMatchObject({ origin: 'community', country: 'RU', hosts: 1 });
    expect(map.by_country.find((c) => c.country === 'RU')).toMatchObject({ hosts: 1, installations: 1 });
    expect(map.by_owner_country.map((c) => c.country)).not.toContain('RU');
    expect(map.by_owner_country.find((c) => c.country === 'US')).toMatchObject({ origin: 'non_eu', hosts: 2 });
    const stored = await value<number>(collector.db, sql`SELECT COUNT(*) FROM host_facets WHERE facet LIKE 'owner_country%' AND value = 'RU'`);
    expect(Number(stored)).toBe(0);
  });
});
