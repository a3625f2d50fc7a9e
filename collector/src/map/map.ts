// The dependency map: hosts, installations and distinct products by TIE Break area x origin, by
// vendor, by country and by licence, plus what is still unrecognised. Reads the catalogue once and
// the per-facet host counts, kept exact by each ingest (also per confidence level); never the
// installations. The counts by area x origin and by origin (hosts, installations, products) leave
// drivers and runtimes out, as every share of the method does (docs/methodology.md), so they are
// the assessment's figures; those are counted apart in `platform_installations`. A product is
// counted as the method counts it (`productKeyOf`).
import { originOf, type Origin } from '@tiebreak/shared';
import { productKeyOf, type Classifier } from '../classify/classifier.ts';
import { confidencesFrom, type MinConfidence } from '../classify/evidence.ts';
import { rows, sql, type Db } from '../store/db.ts';
import { indexedBy, readSnapshot } from '../store/dialect.ts';
import { facetAt, MAP_FACETS, type CatalogueFacts } from '../store/facets.ts';

export interface Counts {
  hosts: number;
  installations: number;
  products: number;
}

export interface DependencyMap {
  generated_at: string;
  rules: string;
  /** The evidence counted as recognised: all, or only that of at least this confidence (the rest counts as unknown). */
  confidence: MinConfidence | 'all';
  /**
   * All installations and products; the unknown ones and the drivers and runtimes among them
   * (`unknown_*` leave drivers and runtimes out, as `by_origin` does).
   */
  totals: Counts & { unknown_installations: number; unknown_products: number; platform_installations: number; duplicate_id_hosts: number };
  hosts_by_role: { role: string; hosts: number }[];
  /** Which agent last reported each host: tiebreak's, or GLPI, FusionInventory, OCS Inventory agents. */
  hosts_by_agent: { agent: string; hosts: number }[];
  by_area_origin: ({ area: string; origin: string } & Counts)[];
  by_origin: ({ origin: string } & Counts)[];
  by_vendor: ({ vendor_id: string; vendor: string; country: string | null; owner: string | null; owner_country: string | null; origin: string } & Counts)[];
  by_country: ({ country: string } & Counts)[];
  /** Countries of the ultimate owners (companies and public bodies; community projects have none), with the origin such an owner gives. */
  by_owner_country: ({ country: string; origin: Origin } & Counts)[];
  by_licence: ({ licence: string } & Counts)[];
  unclassified: { catalogue_id: number; kind: string; source: string; name: string; publisher: string | null; hosts: number; installations: number }[];
}

interface ProductRow extends Omit<CatalogueFacts, 'confidence'> {
  platform: number;
  product: string;
  installations: number;
}

/** Installations and distinct products per value of a key, from the product rows. */
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
  /** Products known to be distinct from all others (unrecognised entries). */
  addDistinct(key: string, products: number, installations: number) {
    const group = this.group(key, null);
    group.installations += installations;
    group.extra += products;
  }
  rows<T>(build: (key: string, counts: { installations: number; products: number }, sample: ProductRow | null) => T): T[] {
    return [...this.groups].map(([key, g]) => build(key, { installations: g.installations, products: g.products.size + g.extra }, g.sample));
  }
}

/** The map, read on one consistent state of the database (never a write). */
export async function computeMap(
  db: Db,
  classifier: Classifier,
  options: { unclassifiedLimit?: number; confidence?: MinConfidence } = {},
): Promise<DependencyMap> {
  return readSnapshot(db, async (snapshot) => assembleMap(classifier, options, await keptSources(snapshot, options)));
}

export interface MapOptions {
  unclassifiedLimit?: number;
  confidence?: MinConfidence;
}

/**
 * What a map is made of: host counts per facet value, the recognised catalogue entries with their
 * installations, the unrecognised ones grouped by area and platform, and the hosts. Read from the
 * counters kept at ingest for the whole collector (below), or from the rows of part of the fleet
 * (entities/scoped-map.ts).
 */
export interface MapSources {
  /** Hosts per facet name (as `facetAt` names it for the options' confidence) and value. */
  facetHosts: Map<string, Map<string, number>>;
  recognised: (Omit<CatalogueFacts, 'confidence'> & { product_id: string | null; category: string | null; installs: number })[];
  unknown: { area: string; platform: number; products: number; installations: number }[];
  hosts: { hosts: number; duplicates: number };
  hostsByRole: { role: string; hosts: number }[];
  hostsByAgent: { agent: string; hosts: number }[];
  unclassified: DependencyMap['unclassified'];
}

/** Which entries count as recognised: with a confidence filter, only those of enough evidence. */
export const recognisedEntries = (confidence: MinConfidence | undefined) =>
  confidence ? sql`origin <> 'unknown' AND confidence IN (${sql.join(confidencesFrom(confidence))})` : sql`origin <> 'unknown'`;

/** The whole collector's sources: the counters kept at ingest and one scan of the catalogue. */
async function keptSources(db: Db, options: MapOptions): Promise<MapSources> {
  const recognised = recognisedEntries(options.confidence);
  // Host counts per facet, kept at ingest: with a confidence filter, those counted with only the
  // evidence of that level (store/facets.ts).
  const facetHosts = new Map<string, Map<string, number>>();
  const names = MAP_FACETS.map((facet) => facetAt(facet, options.confidence));
  for (const row of await rows<{ facet: string; value: string; hosts: number }>(
    db,
    sql`SELECT facet, value, hosts FROM facet_counts WHERE facet IN (${sql.join(names)}) AND hosts > 0`,
  )) {
    let values = facetHosts.get(row.facet);
    if (!values) facetHosts.set(row.facet, (values = new Map()));
    values.set(row.value, row.hosts);
  }
  const [hosts] = await rows<{ hosts: number; duplicates: number }>(
    db,
    sql`SELECT COUNT(*) AS hosts, COALESCE(SUM(duplicate_id), 0) AS duplicates FROM hosts${indexedBy(db, 'hosts_by_role')}`,
  );
  return {
    facetHosts,
    // Recognised entries: one plain scan, aggregated in the process (cheaper than GROUP BY's sorter on long keys).
    recognised: await rows(
      db,
      sql`SELECT area, origin, vendor_id, country, owner_country, licence, platform, product_id, category, installs
        FROM catalogue WHERE installs > 0 AND ${recognised}`,
    ),
    // Unrecognised entries are each a product of their own: counted in SQL by area and platform.
    unknown: await rows(
      db,
      sql`SELECT COALESCE(area, 'unknown') AS area, platform, COUNT(*) AS products, SUM(installs) AS installations
        FROM catalogue WHERE installs > 0 AND NOT (${recognised}) GROUP BY COALESCE(area, 'unknown'), platform`,
    ),
    hosts: hosts!,
    hostsByRole: await rows(db, sql`SELECT role, COUNT(*) AS hosts FROM hosts${indexedBy(db, 'hosts_by_role')} GROUP BY role ORDER BY role`),
    hostsByAgent: await rows(
      db,
      sql`SELECT agent_name AS agent, COUNT(*) AS hosts FROM hosts${indexedBy(db, 'hosts_by_agent')} GROUP BY agent_name ORDER BY hosts DESC, agent_name`,
    ),
    unclassified: await rows(
      db,
      sql`SELECT id AS catalogue_id, kind, source, name, publisher, hosts, installs AS installations FROM catalogue
        WHERE origin = 'unknown' AND installs > 0 ORDER BY hosts DESC, installs DESC, name, id LIMIT ${options.unclassifiedLimit ?? 500}`,
    ),
  };
}

/** The map from its sources; a product counts once however many catalogue spellings it has. */
export function assembleMap(classifier: Classifier, options: MapOptions, sources: MapSources): DependencyMap {
  const hostsOf = (facet: string, value: string) => sources.facetHosts.get(facetAt(facet, options.confidence))?.get(value) ?? 0;
  const products: ProductRow[] = sources.recognised.map(({ product_id, category, installs, ...facts }) => ({
    ...facts,
    platform: Number(facts.platform),
    product: productKeyOf({ vendor_id: facts.vendor_id, product_id, category }),
    installations: Number(installs),
  }));

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
  for (const row of products) {
    if (row.platform) platformInstallations += row.installations;
    else {
      cells.add(`${row.area ?? 'unknown'}|${row.origin}`, row);
      origins.add(row.origin, row);
    }
    vendors.add(row.vendor_id, row);
    countries.add(row.country, row);
    // A community project has no controlling company, so no country of control.
    if (row.origin !== 'community') ownerCountries.add(row.owner_country ?? row.country, row);
    licences.add(row.licence, row);
    all.add(row.product);
    installations += row.installations;
  }
  let unknownProducts = 0;
  let unknownPlatformProducts = 0;
  for (const u of sources.unknown) {
    const [count, installs] = [Number(u.products), Number(u.installations)];
    licences.addDistinct('unknown', count, installs);
    installations += installs;
    if (Number(u.platform)) {
      platformInstallations += installs;
      unknownPlatformProducts += count;
      continue;
    }
    cells.addDistinct(`${u.area}|unknown`, count, installs);
    origins.addDistinct('unknown', count, installs);
    unknownInstallations += installs;
    unknownProducts += count;
  }
  const byCount = (a: Counts, b: Counts) => b.hosts - a.hosts || b.installations - a.installations;
  return {
    generated_at: new Date().toISOString(),
    rules: classifier.fingerprint,
    confidence: options.confidence ?? 'all',
    totals: {
      hosts: Number(sources.hosts.hosts),
      installations,
      products: all.size + unknownProducts + unknownPlatformProducts,
      unknown_installations: unknownInstallations,
      unknown_products: unknownProducts,
      platform_installations: platformInstallations,
      duplicate_id_hosts: Number(sources.hosts.duplicates),
    },
    hosts_by_role: sources.hostsByRole,
    hosts_by_agent: sources.hostsByAgent,
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
    by_owner_country: ownerCountries
      .rows((country, counts) => ({ country, origin: originOf('company', classifier.regionOf(country)), hosts: hostsOf('owner_country', country), ...counts }))
      .sort(byCount),
    by_licence: licences.rows((licence, counts) => ({ licence, hosts: hostsOf('licence', licence), ...counts })).sort(byCount),
    unclassified: sources.unclassified,
  };
}
