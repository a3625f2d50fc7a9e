// The map of an entity on both engines: counted from the installations of its hosts, it equals the
// counters' map for the whole collector, the map of a collector holding only those hosts, and the
// entities' maps add up to the whole.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Inventory } from '@tiebreak/shared';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInventory } from '../../../test/fixtures.ts';
import { createCollector, type Collector } from '../collector.ts';
import { computeMap, type DependencyMap } from '../map/map.ts';
import { ENGINES, newDatabaseLocation } from '../store/test-database.ts';
import { createToken } from '../store/tokens.ts';
import { createEntity, WHOLE_COLLECTOR, type EntityScope } from './entities.ts';
import { computeScopedMap, mapOfScope } from './scoped-map.ts';

const VCREDIST = { name: 'Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.40.33810', version: '14.40', publisher: 'Microsoft Corporation' };
const CHROME = { name: 'Google Chrome', version: '131.0.6778.86', publisher: 'Google LLC' };
const FIREFOX = { name: 'Mozilla Firefox (x64 fr)', version: '133.0', publisher: 'Mozilla' };
const LIBREOFFICE = { name: 'LibreOffice 24.8.2.1', version: '24.8.2.1', publisher: 'The Document Foundation' };
const SEVENZIP = { name: '7-Zip 24.08 (x64)', version: '24.08', publisher: 'Igor Pavlov' };
const CEMETERY = { name: 'Gestion des cimetières', version: '4.2', publisher: 'Éditeur Régional SARL' };
const SERVER = [
  { name: 'openssh-server', version: '1:9.2p1-2', publisher: 'Debian OpenSSH Maintainers', source: 'dpkg' as const },
  { name: 'postgresql-15', version: '15.10-0+deb12u1', publisher: 'Debian PostgreSQL Maintainers', source: 'dpkg' as const },
];
const server = (machine: string): Inventory => {
  const inventory = makeInventory({ machine, osFamily: 'linux', osName: 'Debian GNU/Linux 12 (bookworm)', software: SERVER });
  return { ...inventory, os: { ...inventory.os, family: 'linux', version: '12' } };
};

/** Per entity: its hosts' inventories (the root's under null). */
const FLEET: [string | null, Inventory[]][] = [
  [
    'Bourg',
    [
      makeInventory({ machine: 'bourg-1', software: [CHROME, VCREDIST, CEMETERY] }),
      makeInventory({ machine: 'bourg-2', software: [CHROME, FIREFOX, { ...CHROME, version: '130.0' }] }),
      server('bourg-srv'),
    ],
  ],
  ['CCAS', [makeInventory({ machine: 'ccas-1', software: [LIBREOFFICE, VCREDIST, SEVENZIP] })]],
  ['Aube', [makeInventory({ machine: 'aube-1', software: [FIREFOX, SEVENZIP, { name: 'Logiciel inconnu', version: '1', publisher: 'Personne' }] })]],
  [null, [makeInventory({ machine: 'siege-1', software: [CHROME, LIBREOFFICE, CEMETERY] }), server('siege-srv')]],
];

/** A map without its date, its rows in an order independent of ties and catalogue ids. */
function comparable(map: DependencyMap) {
  const { generated_at: _, unclassified, ...rest } = map;
  const sorted = Object.fromEntries(
    Object.entries(rest).map(([key, v]) => [key, Array.isArray(v) ? [...v].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) : v]),
  );
  return { ...sorted, unclassified: unclassified.map(({ catalogue_id: _id, ...u }) => u).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) };
}

describe.each(ENGINES)('the map of an entity (%s)', (engine) => {
  let collector: Collector;
  /** A collector holding only the CCAS's and Bourg's hosts: what Bourg with its children must show. */
  let bourgOnly: Collector;
  const ids = new Map<string, number>();

  beforeAll(async () => {
    const open = async (name: string) =>
      createCollector({
        dbFile: await newDatabaseLocation(engine, join(mkdtempSync(join(tmpdir(), `tiebreak-${name}-`)), 'test.db')),
        log: pino({ level: 'silent' }),
      });
    collector = await open('scoped');
    bourgOnly = await open('bourg-only');
    const epci = await createEntity(collector.db, { name: 'Communauté', kind: 'intercommunalite' });
    for (const [name, parent] of [
      ['Bourg', epci.id],
      ['Aube', epci.id],
    ] as const)
      ids.set(name, (await createEntity(collector.db, { name, kind: 'commune', parentId: parent })).id);
    ids.set('CCAS', (await createEntity(collector.db, { name: 'CCAS', kind: 'ccas', parentId: ids.get('Bourg')! })).id);
    ids.set('Communauté', epci.id);
    for (const [entity, inventories] of FLEET) {
      const token = await createToken(collector.db, { name: entity ?? 'root', entityId: entity ? ids.get(entity)! : null });
      await collector.ingestor.ingestMany(
        inventories,
        new Date(),
        [],
        inventories.map(() => ({ tokenId: token.id })),
      );
      if (entity === 'Bourg' || entity === 'CCAS') await bourgOnly.ingestor.ingestMany(inventories);
    }
  }, 120_000);
  afterAll(async () => {
    await collector?.close();
    await bourgOnly?.close();
  });

  it('counted from the installations, the whole collector is the counters’ map, with and without a confidence filter', async () => {
    for (const confidence of [undefined, 'high', 'medium'] as const) {
      const counters = await computeMap(collector.db, collector.classifier, { confidence });
      expect(counters.totals.hosts).toBe(7);
      expect(comparable(await mapOfScope(collector.db, collector.classifier, WHOLE_COLLECTOR, { confidence })), String(confidence)).toEqual(
        comparable(counters),
      );
    }
  });

  it('shows an entity with its children as a collector of their hosts alone would', async () => {
    const scope: EntityScope = { entity: ids.get('Bourg')!, withChildren: true };
    const scoped = await computeScopedMap(collector.db, collector.classifier, scope);
    expect(scoped.totals.hosts).toBe(4);
    expect(comparable(scoped)).toEqual(comparable(await computeMap(bourgOnly.db, bourgOnly.classifier)));
    // Bourg alone leaves its CCAS out.
    expect((await computeScopedMap(collector.db, collector.classifier, { entity: ids.get('Bourg')!, withChildren: false })).totals.hosts).toBe(3);
  });

  it('adds up: the root alone and each entity alone make the whole collector', async () => {
    const whole = await computeMap(collector.db, collector.classifier);
    const parts = [
      { entity: null, withChildren: false },
      ...['Communauté', 'Bourg', 'Aube', 'CCAS'].map((name) => ({ entity: ids.get(name)!, withChildren: false })),
    ];
    const maps = await Promise.all(parts.map((scope) => computeScopedMap(collector.db, collector.classifier, scope)));
    expect(maps.map((m) => m.totals.hosts)).toEqual([2, 0, 3, 1, 1]);
    const sum = (pick: (m: DependencyMap) => number) => maps.reduce((n, m) => n + pick(m), 0);
    expect(sum((m) => m.totals.hosts)).toBe(whole.totals.hosts);
    expect(sum((m) => m.totals.installations)).toBe(whole.totals.installations);
    expect(sum((m) => m.totals.platform_installations)).toBe(whole.totals.platform_installations);
    for (const origin of whole.by_origin)
      expect(
        sum((m) => m.by_origin.find((o) => o.origin === origin.origin)?.hosts ?? 0),
        origin.origin,
      ).toBe(origin.hosts);
    // The intercommunalité with all its entities: everything but the root's own hosts.
    const epci = await computeScopedMap(collector.db, collector.classifier, { entity: ids.get('Communauté')!, withChildren: true });
    expect(epci.totals.hosts).toBe(5);
    // An empty entity: an empty map, not an error.
    expect((await computeScopedMap(collector.db, collector.classifier, { entity: ids.get('Communauté')!, withChildren: false })).by_origin).toEqual([]);
  });
});
