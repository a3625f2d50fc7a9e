// Checks shared by tests: the counters the collector keeps at ingest (catalogue installations and
// hosts, host facets, facet host counts, those per confidence level among them) equal a plain
// recount from the installations; the map and the assessment agree on the figures they share.
import type { Area, Origin } from '@tiebreak/shared';
import { expect } from 'vitest';
import type { Assessment } from '../collector/src/assessment/compute.ts';
import type { DependencyMap } from '../collector/src/map/map.ts';
import { rows, sql, type Db } from '../collector/src/store/db.ts';
import { facetsOf, type CatalogueFacts } from '../collector/src/store/facets.ts';

/** Catalogue counters, host facets and facet counts, against a recount from `installations`. */
export async function expectDerivedConsistent(db: Db): Promise<void> {
  const kept = await rows(db, sql`SELECT id, installs, hosts FROM catalogue ORDER BY id`);
  const recount = await rows(
    db,
    sql`SELECT c.id, COUNT(i.host_id) AS installs, COUNT(DISTINCT i.host_id) AS hosts
      FROM catalogue c LEFT JOIN installations i ON i.catalogue_id = c.id GROUP BY c.id ORDER BY c.id`,
  );
  expect(kept, 'catalogue counters').toEqual(recount);

  // Each facet of each host, recounted from the classification of the entries it has (facetsOf,
  // independently of the view catalogue_facets that a rebuild uses).
  const facetsOfHosts = new Set<string>();
  const installed = await rows<CatalogueFacts & { host_id: number }>(
    db,
    sql`SELECT DISTINCT i.host_id, c.area, c.origin, c.vendor_id, c.country, c.owner_country, c.licence, c.platform, c.confidence FROM installations i JOIN catalogue c ON c.id = i.catalogue_id`,
  );
  for (const row of installed) for (const facet of facetsOf(row)) facetsOfHosts.add(`${row.host_id}\u0000${facet}`);
  const stored = (await rows<{ host_id: number; facet: string; value: string }>(db, sql`SELECT host_id, facet, value FROM host_facets`)).map(
    (f) => `${f.host_id}\u0000${f.facet}\u0000${f.value}`,
  );
  expect(stored.sort(), 'host facets').toEqual([...facetsOfHosts].sort());
  const counts = new Map<string, number>();
  for (const key of facetsOfHosts) {
    const facet = key.slice(key.indexOf('\u0000') + 1);
    counts.set(facet, (counts.get(facet) ?? 0) + 1);
  }
  const keptCounts = (await rows<{ facet: string; value: string; hosts: number }>(db, sql`SELECT facet, value, hosts FROM facet_counts WHERE hosts <> 0`)).map(
    (r) => [`${r.facet}\u0000${r.value}`, r.hosts],
  );
  expect(keptCounts.sort(), 'facet counts').toEqual([...counts].sort());
  // The host counts per confidence level, recounted in plain SQL (independently of facetsOf): an
  // entry below the level counts as unrecognised.
  for (const [level, confidences] of [
    ['high', ['high']],
    ['medium', ['high', 'medium']],
  ] as const) {
    const trusted = sql`c.origin <> 'unknown' AND c.confidence IN (${sql.join([...confidences])})`;
    const recounted = await rows<{ facet: string; value: string; hosts: number }>(
      db,
      sql`SELECT 'origin' AS facet, value, COUNT(DISTINCT host_id) AS hosts FROM (SELECT i.host_id, CASE WHEN ${trusted} THEN c.origin ELSE 'unknown' END AS value
          FROM installations i JOIN catalogue c ON c.id = i.catalogue_id WHERE c.platform = 0) AS seen GROUP BY value
        UNION ALL SELECT 'vendor', c.vendor_id, COUNT(DISTINCT i.host_id)
          FROM installations i JOIN catalogue c ON c.id = i.catalogue_id WHERE c.vendor_id IS NOT NULL AND ${trusted} GROUP BY c.vendor_id`,
    );
    const kept = await rows<{ facet: string; value: string; hosts: number }>(
      db,
      sql`SELECT facet, value, hosts FROM facet_counts WHERE facet IN (${`origin@${level}`}, ${`vendor@${level}`}) AND hosts <> 0`,
    );
    const key = (r: { facet: string; value: string; hosts: number }) => `${r.facet.split('@')[0]}\u0000${r.value}\u0000${r.hosts}`;
    expect(kept.map(key).sort(), `host counts at ${level} confidence`).toEqual(recounted.map(key).sort());
  }
}

type MapFigures = Pick<DependencyMap, 'totals' | 'by_area_origin' | 'by_origin'>;

/**
 * The map and the assessment agree on every figure they share: hosts, installations and products
 * by area x origin and by origin (drivers and runtimes apart in both), the unknown and the platform.
 * Products as installed: the assessment's product shares also count the products only declared.
 */
export function expectMapAgreesWithAssessment(map: MapFigures, a: Assessment): void {
  const business = a.products.filter((p) => p.sources.includes('inventory') && !p.platform);
  expect(map.totals.hosts, 'hosts').toBe(a.overall.hosts.total);
  expect(map.totals.platform_installations, 'platform installations').toBe(a.platform.installations);
  expect(map.totals.unknown_installations, 'unknown installations').toBe(a.uncertainty.unknown_installations);
  expect(map.totals.unknown_products, 'unknown products').toBe(a.uncertainty.unknown_products - a.uncertainty.unknown_declared);
  expect(map.totals.installations, 'all installations').toBe(
    a.uncertainty.unknown_installations + a.platform.installations + business.reduce((s, p) => s + p.installations, 0),
  );
  const figures = (area: Area | null, origin: Origin) => {
    if (origin === 'unknown') {
      const u = map.by_area_origin.filter((c) => c.origin === 'unknown' && (area === null || c.area === area));
      return area === null ? null : { installations: u.reduce((s, c) => s + c.installations, 0), products: u.reduce((s, c) => s + c.products, 0) };
    }
    const items = business.filter((p) => p.origin === origin && (area === null || p.area === area));
    return { installations: items.reduce((s, p) => s + p.installations, 0), products: new Set(items.map((p) => p.product_key)).size };
  };
  for (const row of map.by_origin) {
    const origin = row.origin as Origin;
    expect(row.hosts, `hosts ${origin}`).toBe(a.overall.hosts.by_origin[origin].count);
    if (origin === 'unknown') {
      expect([row.installations, row.products], 'unknown').toEqual([map.totals.unknown_installations, map.totals.unknown_products]);
      continue;
    }
    expect({ installations: row.installations, products: row.products }, origin).toEqual(figures(null, origin));
  }
  for (const cell of map.by_area_origin.filter((c) => c.area !== 'unknown')) {
    const [area, origin] = [cell.area as Area, cell.origin as Origin];
    expect(cell.hosts, `hosts ${area} ${origin}`).toBe(a.areas[area].hosts.by_origin[origin].count);
    if (origin === 'unknown') continue;
    expect({ installations: cell.installations, products: cell.products }, `${area} ${origin}`).toEqual(figures(area, origin));
  }
}
