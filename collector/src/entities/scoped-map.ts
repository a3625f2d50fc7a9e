// The dependency map of one entity, or of an entity with its descendants: map/map.ts's figures,
// assembled from the installations and the host facets of the hosts in the scope (the counters kept
// at ingest are the whole collector's). The whole collector reads those counters.
import type { Classifier } from '../classify/classifier.ts';
import { assembleMap, computeMap, recognisedEntries, type DependencyMap, type MapOptions, type MapSources } from '../map/map.ts';
import { rows, sql, type Db } from '../store/db.ts';
import { readSnapshot } from '../store/dialect.ts';
import { facetAt, MAP_FACETS } from '../store/facets.ts';
import { inScope, type EntityScope } from './entities.ts';

/** The map of a scope: the whole collector's from its counters, any other from its hosts' installations. */
export async function computeScopedMap(db: Db, classifier: Classifier, scope: EntityScope, options: MapOptions = {}): Promise<DependencyMap> {
  if (scope.entity === null && scope.withChildren) return computeMap(db, classifier, options);
  return readSnapshot(db, (snapshot) => mapOfScope(snapshot, classifier, scope, options));
}

/** The map counted from the installations of the scope's hosts (exported for the test that compares it with the counters' map). */
export async function mapOfScope(db: Db, classifier: Classifier, scope: EntityScope, options: MapOptions = {}): Promise<DependencyMap> {
  return assembleMap(classifier, options, await scopeSources(db, scope, options));
}

async function scopeSources(db: Db, scope: EntityScope, options: MapOptions): Promise<MapSources> {
  const hostsInScope = inScope(scope, 'h.entity_id');
  const recognised = recognisedEntries(options.confidence);

  // Host counts per facet: the facets of the scope's hosts (store/facets.ts keeps them per host).
  const facetHosts = new Map<string, Map<string, number>>();
  for (const row of await rows<{ facet: string; value: string; hosts: number }>(
    db,
    sql`SELECT f.facet, f.value, COUNT(*) AS hosts FROM host_facets f JOIN hosts h ON h.id = f.host_id
      WHERE f.facet IN (${sql.join(MAP_FACETS.map((facet) => facetAt(facet, options.confidence)))}) AND ${hostsInScope}
      GROUP BY f.facet, f.value`,
  )) {
    let values = facetHosts.get(row.facet);
    if (!values) facetHosts.set(row.facet, (values = new Map()));
    values.set(row.value, Number(row.hosts));
  }

  // The catalogue entries installed in the scope, with their installations and hosts there.
  const installed = sql`WITH s (catalogue_id, installs, hosts) AS (
      SELECT i.catalogue_id, COUNT(*), COUNT(DISTINCT i.host_id) FROM installations i JOIN hosts h ON h.id = i.host_id WHERE ${hostsInScope} GROUP BY i.catalogue_id)`;
  const [hosts] = await rows<{ hosts: number; duplicates: number }>(
    db,
    sql`SELECT COUNT(*) AS hosts, COALESCE(SUM(h.duplicate_id), 0) AS duplicates FROM hosts h WHERE ${hostsInScope}`,
  );
  return {
    facetHosts,
    recognised: await rows(
      db,
      sql`${installed} SELECT c.area, c.origin, c.vendor_id, c.country, c.owner_country, c.licence, c.platform, c.product_id, c.category, s.installs
        FROM catalogue c JOIN s ON s.catalogue_id = c.id WHERE ${recognised}`,
    ),
    unknown: await rows(
      db,
      sql`${installed} SELECT COALESCE(c.area, 'unknown') AS area, c.platform, COUNT(*) AS products, SUM(s.installs) AS installations
        FROM catalogue c JOIN s ON s.catalogue_id = c.id WHERE NOT (${recognised}) GROUP BY COALESCE(c.area, 'unknown'), c.platform`,
    ),
    hosts: hosts!,
    hostsByRole: await rows(db, sql`SELECT h.role, COUNT(*) AS hosts FROM hosts h WHERE ${hostsInScope} GROUP BY h.role ORDER BY h.role`),
    hostsByAgent: await rows(
      db,
      sql`SELECT h.agent_name AS agent, COUNT(*) AS hosts FROM hosts h WHERE ${hostsInScope} GROUP BY h.agent_name ORDER BY hosts DESC, h.agent_name`,
    ),
    unclassified: await rows(
      db,
      sql`${installed} SELECT c.id AS catalogue_id, c.kind, c.source, c.name, c.publisher, s.hosts, s.installs AS installations
        FROM catalogue c JOIN s ON s.catalogue_id = c.id WHERE c.origin = 'unknown'
        ORDER BY s.hosts DESC, s.installs DESC, c.name, c.id LIMIT ${options.unclassifiedLimit ?? 500}`,
    ),
  };
}
