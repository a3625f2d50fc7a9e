// The dependency map of one entity, or of an entity with its descendants: the same figures as
// map/map.ts's, counted from the installations and the host facets of the hosts in the scope (the
// counters kept at ingest are the whole collector's). The whole collector reads those counters.
//
// The aggregation repeats map.ts's (the same Tally over the same rows) because map.ts is not to be
// changed in this step: once it is free, mapOf should take its rows from either source and this
// file keep only the scoped queries.
import { productKeyOf, type Classifier } from '../classify/classifier.ts';
import { confidencesFrom, type MinConfidence } from '../classify/evidence.ts';
import { computeMap, type Counts, type DependencyMap } from '../map/map.ts';
import { rows, sql, type Db } from '../store/db.ts';
import { readSnapshot } from '../store/dialect.ts';
import { facetAt, MAP_FACETS, type CatalogueFacts } from '../store/facets.ts';
import { inScope, type EntityScope } from './entities.ts';

/** A catalogue entry installed in the scope, with its installations there. */
interface ScopedEntry extends CatalogueFacts {
  product_id: string | null;
  category: string | null;
  installs: number;
}

interface ProductRow extends Omit<ScopedEntry, 'installs' | 'product_id' | 'category' | 'confidence'> {
  product: string;
  installations: number;
}

/** Installations and distinct products per value of a key (as map.ts counts them). */
class Tally {
  private readonly groups = new Map<string, { installations: number; products: Set<string>; extra: number; sample: ProductRow | null }>();
  private group(key: string, sample: ProductRow | null) {
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { installations: 0, products: new Set(), extra: 0, sample }));
    return group;
  }
  add(key: string | null, row: ProductRow) {
    if (key === null) return;
    const group = this.group(key, row);
    group.installations += row.installations;
    group.products.add(row.product);
  }
  addDistinct(key: string, products: number, installations: number) {
    const group = this.group(key, null);
    group.installations += installations;
    group.extra += products;
  }
  rows<T>(build: (key: string, counts: { installations: number; products: number }, sample: ProductRow | null) => T): T[] {
    return [...this.groups].map(([key, g]) => build(key, { installations: g.installations, products: g.products.size + g.extra }, g.sample));
  }
}

export interface MapOptions {
  unclassifiedLimit?: number;
  confidence?: MinConfidence;
}

/** The map of a scope: the whole collector's from its counters, any other from its hosts' installations. */
export async function computeScopedMap(db: Db, classifier: Classifier, scope: EntityScope, options: MapOptions = {}): Promise<DependencyMap> {
  if (scope.entity === null && scope.withChildren) return computeMap(db, classifier, options);
  return readSnapshot(db, (snapshot) => mapOfScope(snapshot, classifier, scope, options));
}

/** The map counted from the installations of the scope's hosts (exported for the test that compares it with the counters' map). */
export async function mapOfScope(db: Db, classifier: Classifier, scope: EntityScope, options: MapOptions = {}): Promise<DependencyMap> {
  const hostsInScope = inScope(scope, 'h.entity_id');
  const recognisedConfidences = options.confidence ? new Set<string | null>(confidencesFrom(options.confidence)) : null;
  const recognised = (e: { origin: string; confidence: string | null }) =>
    e.origin !== 'unknown' && (recognisedConfidences === null || recognisedConfidences.has(e.confidence));

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
  const hostsOf = (facet: string, value: string) => facetHosts.get(facetAt(facet, options.confidence))?.get(value) ?? 0;

  // The catalogue entries installed in the scope, with their installations there.
  const installed = sql`WITH s (catalogue_id, installs, hosts) AS (
      SELECT i.catalogue_id, COUNT(*), COUNT(DISTINCT i.host_id) FROM installations i JOIN hosts h ON h.id = i.host_id WHERE ${hostsInScope} GROUP BY i.catalogue_id)`;
  const entries = await rows<ScopedEntry>(
    db,
    sql`${installed} SELECT c.area, c.origin, c.vendor_id, c.country, c.owner_country, c.licence, c.platform, c.product_id, c.category, c.confidence, s.installs
      FROM catalogue c JOIN s ON s.catalogue_id = c.id ORDER BY c.id`,
  );

  const cells = new Tally();
  const origins = new Tally();
  const vendors = new Tally();
  const countries = new Tally();
  const ownerCountries = new Tally();
  const licences = new Tally();
  const all = new Set<string>();
  let installations = 0;
  let unknownInstallations = 0;
  let platformInstallations = 0;
  let unknownProducts = 0;
  let unknownPlatformProducts = 0;
  // Unrecognised entries are each a product of their own, by area and platform (as map.ts groups them).
  const unknownByArea = new Map<string, { area: string; platform: number; products: number; installations: number }>();
  for (const e of entries) {
    const n = Number(e.installs);
    if (!recognised(e)) {
      const area = e.area ?? 'unknown';
      const key = `${area}|${e.platform}`;
      const u = unknownByArea.get(key) ?? { area, platform: Number(e.platform), products: 0, installations: 0 };
      u.products += 1;
      u.installations += n;
      unknownByArea.set(key, u);
      continue;
    }
    const row: ProductRow = {
      area: e.area,
      origin: e.origin,
      vendor_id: e.vendor_id,
      country: e.country,
      owner_country: e.owner_country,
      licence: e.licence,
      platform: Number(e.platform),
      product: productKeyOf({ vendor_id: e.vendor_id, product_id: e.product_id, category: e.category }),
      installations: n,
    };
    if (row.platform) platformInstallations += n;
    else {
      cells.add(`${row.area ?? 'unknown'}|${row.origin}`, row);
      origins.add(row.origin, row);
    }
    vendors.add(row.vendor_id, row);
    countries.add(row.country, row);
    ownerCountries.add(row.owner_country ?? row.country, row);
    licences.add(row.licence, row);
    all.add(row.product);
    installations += n;
  }
  for (const u of unknownByArea.values()) {
    licences.addDistinct('unknown', u.products, u.installations);
    installations += u.installations;
    if (u.platform) {
      platformInstallations += u.installations;
      unknownPlatformProducts += u.products;
      continue;
    }
    cells.addDistinct(`${u.area}|unknown`, u.products, u.installations);
    origins.addDistinct('unknown', u.products, u.installations);
    unknownInstallations += u.installations;
    unknownProducts += u.products;
  }
  const byCount = (a: Counts, b: Counts) => b.hosts - a.hosts || b.installations - a.installations;
  const [hostRow] = await rows<{ hosts: number; duplicates: number }>(
    db,
    sql`SELECT COUNT(*) AS hosts, COALESCE(SUM(h.duplicate_id), 0) AS duplicates FROM hosts h WHERE ${hostsInScope}`,
  );
  const hostsByRole = await rows<{ role: string; hosts: number }>(
    db,
    sql`SELECT h.role, COUNT(*) AS hosts FROM hosts h WHERE ${hostsInScope} GROUP BY h.role ORDER BY h.role`,
  );
  const hostsByAgent = await rows<{ agent: string; hosts: number }>(
    db,
    sql`SELECT h.agent_name AS agent, COUNT(*) AS hosts FROM hosts h WHERE ${hostsInScope} GROUP BY h.agent_name ORDER BY hosts DESC, h.agent_name`,
  );
  const unclassified = await rows<DependencyMap['unclassified'][number]>(
    db,
    sql`${installed} SELECT c.id AS catalogue_id, c.kind, c.source, c.name, c.publisher, s.hosts, s.installs AS installations
      FROM catalogue c JOIN s ON s.catalogue_id = c.id WHERE c.origin = 'unknown'
      ORDER BY s.hosts DESC, s.installs DESC, c.name, c.id LIMIT ${options.unclassifiedLimit ?? 500}`,
  );

  return {
    generated_at: new Date().toISOString(),
    rules: classifier.fingerprint,
    confidence: options.confidence ?? 'all',
    totals: {
      hosts: Number(hostRow!.hosts),
      installations,
      products: all.size + unknownProducts + unknownPlatformProducts,
      unknown_installations: unknownInstallations,
      unknown_products: unknownProducts,
      platform_installations: platformInstallations,
      duplicate_id_hosts: Number(hostRow!.duplicates),
    },
    hosts_by_role: hostsByRole,
    hosts_by_agent: hostsByAgent,
    by_area_origin: cells
      .rows((key, counts) => {
        const [area, origin] = key.split('|') as [string, string];
        return { area, origin, hosts: hostsOf('cell', key), ...counts };
      })
      .sort((a, b) => a.area.localeCompare(b.area) || a.origin.localeCompare(b.origin)),
    by_origin: origins.rows((origin, counts) => ({ origin, hosts: hostsOf('origin', origin), ...counts })).sort(byCount),
    by_vendor: vendors
      .rows((vendorId, counts, sample) => ({
        vendor_id: vendorId,
        vendor: classifier.vendor(vendorId)?.name ?? vendorId,
        country: sample!.country,
        owner: classifier.ultimateOwner(vendorId)?.name ?? null,
        owner_country: sample!.owner_country,
        origin: sample!.origin,
        hosts: hostsOf('vendor', vendorId),
        ...counts,
      }))
      .sort(byCount),
    by_country: countries.rows((country, counts) => ({ country, hosts: hostsOf('country', country), ...counts })).sort(byCount),
    by_owner_country: ownerCountries.rows((country, counts) => ({ country, hosts: hostsOf('owner_country', country), ...counts })).sort(byCount),
    by_licence: licences.rows((licence, counts) => ({ licence, hosts: hostsOf('licence', licence), ...counts })).sort(byCount),
    unclassified,
  };
}
