// A recorded Windows 11 workstation of a town hall goes through `classify` and the map with the
// right vendors and origins.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InventorySchema } from '@tiebreak/shared';
import { recordedWindows11Inventory } from '../agent/src/sources/fixtures/windows11.ts';
import { createCollector } from '../collector/src/collector.ts';
import { computeMap } from '../collector/src/map/map.ts';
import { ENGINES, newDatabaseLocation } from '../collector/src/store/test-database.ts';
import { runCli, tempDir } from './helpers.ts';

describe('a Windows 11 town-hall workstation', async () => {
  const inventory = InventorySchema.parse(await recordedWindows11Inventory());
  const dir = tempDir();

  it('is classified line by line by tiebreak-collector classify', async () => {
    const file = join(dir, 'pc-mairie-042.json');
    writeFileSync(file, JSON.stringify(inventory));
    const result = await runCli('collector', ['classify', file]);
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const byName = new Map(lines.map((l) => [l.name, l]));
    const expectations: [string, string, string][] = [
      ['Google Chrome', 'google', 'non_eu'],
      ['Microsoft 365 Apps for enterprise', 'microsoft', 'non_eu'],
      ['Microsoft 365 Apps for enterprise - fr-fr', 'microsoft', 'non_eu'],
      ['Adobe Acrobat (64-bit)', 'adobe', 'non_eu'],
      ['7-Zip 24.08 (x64)', 'igor-pavlov', 'community'],
      ['VLC media player', 'videolan', 'community'],
      ['Mozilla Firefox (x64 fr)', 'mozilla', 'non_eu'],
      ['ESET Endpoint Security', 'eset', 'eu'],
      ['TeamViewer Host', 'teamviewer', 'eu'],
      ['WAPT Enterprise 2.5.5.15727', 'tranquil-it', 'eu'],
      ['GLPI Agent 1.11 (x64 edition)', 'teclib', 'eu'],
      ['e.magnus Gestion Financière', 'berger-levrault', 'eu'],
      ['Kyocera Product Library', 'kyocera', 'non_eu'],
      ['Dell Command | Update', 'dell', 'non_eu'],
      ['Microsoft Windows 11 Pro', 'microsoft', 'non_eu'],
      ['OptiPlex 7010', 'dell', 'non_eu'],
      ['Microsoft.WindowsCalculator', 'microsoft', 'non_eu'],
      ['Zoom Workplace (64-bit)', 'zoom', 'non_eu'],
    ];
    for (const [name, vendor, origin] of expectations) expect(byName.get(name), name).toMatchObject({ vendor_id: vendor, origin });
    expect(byName.get('Logiciel Métier Régional')).toMatchObject({ origin: 'unknown', rule: null });
    expect(byName.get('Microsoft Windows 11 Pro')).toMatchObject({ area: 'workstation', category: 'os' });
  });

  it.each(ENGINES)('shows in the map with its vendors, European and not (%s)', async (engine) => {
    const collector = await createCollector({ dbFile: await newDatabaseLocation(engine, join(dir, 'map.db')) });
    let map: Awaited<ReturnType<typeof computeMap>>;
    try {
      await collector.ingestor.ingest(inventory);
      map = await computeMap(collector.db, collector.classifier);
    } finally {
      await collector.close();
    }
    expect(map.hosts_by_role).toEqual([{ role: 'workstation', hosts: 1 }]);
    const vendors = new Map(map.by_vendor.map((v) => [v.vendor_id, v]));
    expect(vendors.get('microsoft')).toMatchObject({ origin: 'non_eu', country: 'US', hosts: 1 });
    expect(vendors.get('berger-levrault')).toMatchObject({ origin: 'eu', country: 'FR' });
    expect(vendors.get('eset')).toMatchObject({ origin: 'eu', country: 'SK' });
    expect(map.unclassified.map((u) => u.name)).toEqual(expect.arrayContaining(['Logiciel Métier Régional']));
    expect(map.totals.unknown_installations).toBeLessThanOrEqual(3);
  });
});
