// Checks shared by tests: what the collector derives from the installations equals a recount from
// the installations themselves.
import { expect } from 'vitest';
import { hostsOf, versionCounts } from '../collector/src/store/catalogue-hosts.ts';
import { catchUp } from '../collector/src/store/catch-up.ts';
import type { Db } from '../collector/src/store/db.ts';

/** Host sets, version counts, catalogue counters, host facets and facet counts, once caught up. */
export function expectDerivedConsistent(db: Db): void {
  catchUp(db);
  expect(db.prepare('SELECT COUNT(*) FROM catalogue_hosts_queue').pluck().get()).toBe(0);
  const entries = db.prepare('SELECT id FROM catalogue ORDER BY id').pluck().all() as number[];
  for (const id of entries) {
    const hosts = db.prepare('SELECT DISTINCT host_id FROM installations WHERE catalogue_id = ? ORDER BY host_id').pluck().all(id);
    expect(hostsOf(db, [id]), `hosts of entry ${id}`).toEqual(hosts);
    const versions = db
      .prepare('SELECT version, COUNT(DISTINCT host_id) AS hosts FROM installations WHERE catalogue_id = ? GROUP BY version ORDER BY hosts DESC, version')
      .all(id);
    expect(versionCounts(db, id, 1000), `versions of entry ${id}`).toEqual(versions);
  }
  expect(db.prepare('SELECT COUNT(*) FROM catalogue_hosts WHERE hosts <= 0').pluck().get()).toBe(0);

  const kept = db.prepare('SELECT id, installs, hosts FROM catalogue ORDER BY id').all();
  const recount = db
    .prepare(`SELECT c.id, COUNT(i.host_id) AS installs, COUNT(DISTINCT i.host_id) AS hosts
      FROM catalogue c LEFT JOIN installations i ON i.catalogue_id = c.id GROUP BY c.id ORDER BY c.id`)
    .all();
  expect(kept, 'catalogue counters').toEqual(recount);

  // Each facet of each host, recounted from the classification of the entries it has.
  const facetsOfHosts = db
    .prepare(`WITH ic AS (SELECT i.host_id, c.* FROM installations i JOIN catalogue c ON c.id = i.catalogue_id)
      SELECT DISTINCT host_id, facet, value FROM (
        SELECT host_id, 'cell' AS facet, COALESCE(area, 'unknown') || '|' || origin AS value FROM ic
        UNION ALL SELECT host_id, 'origin', origin FROM ic
        UNION ALL SELECT host_id, 'licence', licence FROM ic
        UNION ALL SELECT host_id, 'vendor', vendor_id FROM ic
        UNION ALL SELECT host_id, 'country', country FROM ic
        UNION ALL SELECT host_id, 'owner_country', COALESCE(owner_country, country) FROM ic)
      WHERE value IS NOT NULL ORDER BY host_id, facet, value`)
    .all();
  expect(db.prepare('SELECT host_id, facet, value FROM host_facets ORDER BY host_id, facet, value').all(), 'host facets').toEqual(facetsOfHosts);
  const facetCounts = db.prepare('SELECT facet, value, COUNT(*) AS hosts FROM host_facets GROUP BY facet, value ORDER BY facet, value').all();
  expect(db.prepare('SELECT facet, value, hosts FROM facet_counts WHERE hosts <> 0 ORDER BY facet, value').all(), 'facet counts').toEqual(facetCounts);
}
