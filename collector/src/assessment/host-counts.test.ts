// Exact host counts of the assessment, read from the installations in one pass (host ids far apart,
// hosts with several spellings of a product), against a plain count in SQL.
import { AREAS, ORIGINS } from '@tiebreak/shared';
import { describe, expect, it } from 'vitest';
import { makeInventory } from '../../../test/fixtures.ts';
import { Classifier } from '../classify/classifier.ts';
import { DEFAULT_RULES_DIR, loadRuleTrees } from '../classify/load-rules.ts';
import { Ingestor } from '../ingest/ingest.ts';
import { closeDatabase, sql, value } from '../store/db.ts';
import { ENGINES, testDatabase } from '../store/test-database.ts';
import { computeAssessment } from './compute.ts';

describe.each(ENGINES)('host counts of the assessment on %s', (engine) => {
  it('equal a count of the installations', async () => {
    const db = await testDatabase(engine);
    const classifier = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR]));
    const ingestor = new Ingestor(db, classifier);
    // Host ids from 65,000: the bitmaps of the count span them.
    await sql`INSERT INTO hosts (id, host_key, id_source, hostname, role, os_family, os_name, hardware_json, agent_name, agent_version,
      first_seen, last_seen, collected_at) VALUES (65000, 'placeholder', 'test', 'placeholder', 'workstation', 'linux', 'none', '{}', 'test', '0', '', '', '')`.execute(
      db,
    );
    const fleet = Array.from({ length: 5200 }, (_, i) => {
      const software = [{ name: 'Zoom Workplace (64-bit)', publisher: 'Zoom Video Communications, Inc.' }];
      if (i % 3 === 0) software.push({ name: 'LibreOffice 24.8.3.2', publisher: 'The Document Foundation' });
      if (i % 5 === 0) software.push({ name: 'LibreOffice 7.6.7.2', publisher: 'The Document Foundation' });
      if (i % 7 === 0) software.push({ name: 'Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.40.33810', publisher: 'Microsoft Corporation' });
      return makeInventory({ machine: `ws-${i}`, software });
    });
    for (let i = 0; i < fleet.length; i += 200) await ingestor.ingestMany(fleet.slice(i, i + 200));
    const a = await computeAssessment(db, classifier);

    const count = (where: ReturnType<typeof sql>) =>
      value<number>(db, sql`SELECT COUNT(DISTINCT i.host_id) FROM installations i JOIN catalogue c ON c.id = i.catalogue_id WHERE ${where}`);
    // Two spellings of LibreOffice: hosts with either, each once.
    const libreoffice = a.products.find((p) => p.key === 'the-document-foundation/libreoffice-product')!;
    expect(libreoffice.hosts).toBe(fleet.filter((_, i) => i % 3 === 0 || i % 5 === 0).length);
    expect(libreoffice.hosts).toBe(await count(sql`c.product_id = 'libreoffice-product'`));
    expect(a.products.find((p) => p.key === 'zoom/zoom-workplace')!.hosts).toBe(5200);
    for (const area of AREAS) {
      expect(a.areas[area].hosts.total, area).toBe(await count(sql`c.platform = 0 AND c.area = ${area}`));
      for (const origin of ORIGINS)
        expect(a.areas[area].hosts.by_origin[origin].count, `${area} ${origin}`).toBe(
          await count(sql`c.platform = 0 AND c.area = ${area} AND c.origin = ${origin}`),
        );
    }
    for (const origin of ORIGINS) expect(a.overall.hosts.by_origin[origin].count, origin).toBe(await count(sql`c.platform = 0 AND c.origin = ${origin}`));
    expect(a.overall.hosts.total).toBe(5201);
    expect(a.overall.hosts.by_origin.non_eu.count).toBe(5200);
    await closeDatabase(db);
  }, 240_000);
});
