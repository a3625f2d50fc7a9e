// The assessment and the map kept per data version: every kind of change is seen at once, through
// the same collector and through another one on the same database (another process's pool), and a
// rescan that changes nothing keeps the computed figures.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInventory } from '../../../test/fixtures.ts';
import { decide } from '../classify/local-rules.ts';
import { createCollector, type Collector } from '../collector.ts';
import { computeMap } from '../map/map.ts';
import { setAuthority } from '../store/authority.ts';
import { dataVersion, sql } from '../store/db.ts';
import { deleteHost } from '../store/installations.ts';
import { ENGINES, newDatabaseLocation } from '../store/test-database.ts';
import { cachedAssessment, cachedMap } from './cached.ts';
import { computeAssessment } from './compute.ts';
import { setTarget } from './history.ts';
import { addAsset, importSpend, removeAsset } from './inputs.ts';

const quiet = pino({ level: 'silent' });
const software = [
  { name: 'Google Chrome', version: '131.0', publisher: 'Google LLC' },
  { name: 'Zoom Workplace', version: '6.2', publisher: 'Zoom Video Communications, Inc.' },
  { name: 'LibreOffice', version: '24.8', publisher: 'The Document Foundation' },
  { name: 'Logiciel Métier Inconnu', version: '2.1', publisher: 'Éditeur Régional SARL' },
];
const withoutTime = <T extends { generated_at: string }>(x: T) => ({ ...x, generated_at: '' });

describe.each(ENGINES)('figures kept per data version on %s', (engine) => {
  /** The collector that reads (and caches), and another on the same database, as another process. */
  let reader: Collector;
  let other: Collector;

  beforeAll(async () => {
    const dbFile = await newDatabaseLocation(engine, join(mkdtempSync(join(tmpdir(), 'tiebreak-cached-')), 'test.db'));
    reader = await createCollector({ dbFile, log: quiet });
    other = await createCollector({ dbFile, log: quiet });
    await reader.ingestor.ingest(makeInventory({ machine: 'a', software }));
    await reader.ingestor.ingest(makeInventory({ machine: 'b', software: software.slice(0, 2) }));
  }, 60_000);
  afterAll(async () => {
    await other?.close();
    await reader?.close();
  });

  /** The reader's cached figures equal a computation from scratch, and whether they were recomputed since `before`. */
  async function expectCurrent(before?: { assessmentAt: string; mapAt: string }) {
    const [a, map] = [await cachedAssessment(reader.db, reader.classifier), await cachedMap(reader.db, reader.classifier, { unclassifiedLimit: 20 })];
    expect(withoutTime(a)).toEqual(withoutTime(await computeAssessment(reader.db, reader.classifier)));
    expect(withoutTime(map)).toEqual(withoutTime(await computeMap(reader.db, reader.classifier, { unclassifiedLimit: 20 })));
    // Computed again (a new time) when the data changed since `before`.
    if (before) {
      expect(a.generated_at).not.toBe(before.assessmentAt);
      expect(map.generated_at).not.toBe(before.mapAt);
    }
    return { assessmentAt: a.generated_at, mapAt: map.generated_at, a, map };
  }
  const tick = () => new Promise((r) => setTimeout(r, 5));

  it('serve the same computation while nothing changed, and keep it through a rescan that changes nothing', async () => {
    const first = await expectCurrent();
    await tick();
    const again = await cachedAssessment(reader.db, reader.classifier);
    expect(again.generated_at).toBe(first.assessmentAt);
    // Each caller has its own copy.
    again.products.length = 0;
    expect((await cachedAssessment(reader.db, reader.classifier)).products.length).toBeGreaterThan(0);
    const version = await dataVersion(reader.db);
    await other.ingestor.ingest(makeInventory({ machine: 'b', software: software.slice(0, 2) }));
    expect(await dataVersion(reader.db)).toBe(version);
    expect((await cachedMap(reader.db, reader.classifier, { unclassifiedLimit: 20 })).generated_at).toBe(first.mapAt);
  });

  it('compute again after each kind of change, made through the same collector or another', async () => {
    const changes: [string, () => Promise<unknown>, ((x: Awaited<ReturnType<typeof expectCurrent>>) => void)?][] = [
      ['a new host', () => other.ingestor.ingest(makeInventory({ machine: 'c', software: software.slice(0, 1) })), (x) => expect(x.map.totals.hosts).toBe(3)],
      ['a rescan that changed', () => other.ingestor.ingest(makeInventory({ machine: 'c', software: software.slice(1, 3) }))],
      [
        'a host removed',
        async () => deleteHost(other.db, (await other.db.selectFrom('hosts').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()).id),
        (x) => expect(x.a.overall.hosts.total).toBe(2),
      ],
      ['a criticality setting', () => sql`INSERT INTO criticality (scope, key, level) VALUES ('category', 'browser', 3)`.execute(other.db)],
      ['a criticality setting changed', () => sql`UPDATE criticality SET level = 2 WHERE scope = 'category' AND key = 'browser'`.execute(other.db)],
      [
        'spend lines',
        () => importSpend(other.db, other.classifier, 'vendor;amount;year\nZoom;1200;2026\n', 'spend.csv'),
        (x) => expect(x.a.spend.lines).toBe(1),
      ],
      [
        'a declared asset',
        () =>
          addAsset(
            other.db,
            {
              name: 'Salesforce',
              vendor_text: 'Salesforce',
              area: 'software',
              users: 12,
              annual_cost_cents: null,
              cost_year: null,
              contract_ref: null,
              note: null,
            },
            'test',
          ),
      ],
      ['a declared asset removed', async () => removeAsset(other.db, (await other.db.selectFrom('declared_assets').select('id').executeTakeFirstOrThrow()).id)],
      ['a target', () => setTarget(other.db, 'exposure', 2030, 10)],
      ['the authority', () => setAuthority(other.db, { name: 'Commune de Test' })],
      [
        'a local rule and its reclassification',
        async () => {
          await decide(
            other.db,
            other.classifier,
            { source: 'registry', name: 'Logiciel Métier Inconnu', publisher: 'Éditeur Régional SARL' },
            {
              vendor: { name: 'Éditeur Régional', country: 'FR' },
              product: { name: 'Logiciel Métier', area: 'software', category: 'utility', licence: 'proprietary' },
            },
            'test',
          );
          await other.applyLocalRules();
          // The reader follows the rules the other applied (every few seconds when serving).
          expect(await reader.followRules()).toBe(true);
        },
        (x) => expect(x.a.uncertainty.unknown_installations).toBe(0),
      ],
    ];
    let before = await expectCurrent();
    for (const [what, change, check] of changes) {
      const version = (await dataVersion(reader.db))!;
      await tick();
      await change();
      expect((await dataVersion(reader.db))! > version, what).toBe(true);
      const now = await expectCurrent(before);
      check?.(now);
      before = now;
    }
  });
});
