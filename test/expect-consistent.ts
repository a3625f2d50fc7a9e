// Checks shared by tests: the counters the collector keeps at ingest (catalogue installations and
// hosts, host facets, facet host counts, those per confidence level among them) equal a plain
// recount from the installations.
import { expect } from 'vitest';
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
