// The dependency map: hosts, installations and distinct products by TIE Break area x origin, by
// vendor, by country and by licence, plus what is still unrecognised. Reads only the catalogue and
// the per-facet host counts kept at ingest, never the installations table.
import type { Db } from '../store/db.ts';
import type { Classifier } from '../classify/classifier.ts';

export interface Counts {
  hosts: number;
  installations: number;
  products: number;
}

export interface DependencyMap {
  generated_at: string;
  rules: string;
  totals: Counts & { unknown_installations: number; unknown_products: number; platform_installations: number; duplicate_id_hosts: number };
  hosts_by_role: { role: string; hosts: number }[];
  by_area_origin: ({ area: string; origin: string } & Counts)[];
  by_origin: ({ origin: string } & Counts)[];
  by_vendor: ({ vendor_id: string; vendor: string; country: string | null; owner: string | null; owner_country: string | null; origin: string } & Counts)[];
  by_country: ({ country: string } & Counts)[];
  by_owner_country: ({ country: string } & Counts)[];
  by_licence: ({ licence: string } & Counts)[];
  unclassified: { catalogue_id: number; kind: string; source: string; name: string; publisher: string | null; hosts: number; installations: number }[];
}

// A product counts once however many catalogue spellings it has; an unrecognised entry counts alone.
const PRODUCT = "COALESCE(product_id, CASE WHEN vendor_id IS NOT NULL AND origin <> 'unknown' THEN 'v:' || vendor_id || ':' || name_norm END, 'c:' || id)";

export function computeMap(db: Db, classifier: Classifier, options: { unclassifiedLimit?: number } = {}): DependencyMap {
  const facetHosts = (facet: string) =>
    new Map((db.prepare('SELECT value, hosts FROM facet_counts WHERE facet = ? AND hosts > 0').all(facet) as { value: string; hosts: number }[]).map((r) => [r.value, r.hosts]));
  const grouped = <T extends Record<string, unknown>>(columns: string, where = 'installs > 0') =>
    db.prepare(`SELECT ${columns}, SUM(installs) AS installations, COUNT(DISTINCT ${PRODUCT}) AS products FROM catalogue WHERE ${where} GROUP BY ${columns.replace(/ AS \w+/g, '')}`).all() as (T & { installations: number; products: number })[];
  const byCount = (a: Counts, b: Counts) => b.hosts - a.hosts || b.installations - a.installations;

  const totalsRow = db
    .prepare(`SELECT COALESCE(SUM(installs), 0) AS installations, COUNT(DISTINCT ${PRODUCT}) AS products,
      COALESCE(SUM(CASE WHEN origin = 'unknown' THEN installs END), 0) AS unknown_installations,
      COUNT(CASE WHEN origin = 'unknown' THEN 1 END) AS unknown_products,
      COALESCE(SUM(CASE WHEN platform = 1 THEN installs END), 0) AS platform_installations
      FROM catalogue WHERE installs > 0`)
    .get() as { installations: number; products: number; unknown_installations: number; unknown_products: number; platform_installations: number };
  const hostsRow = db.prepare('SELECT COUNT(*) AS hosts, COALESCE(SUM(duplicate_id), 0) AS duplicates FROM hosts').get() as { hosts: number; duplicates: number };

  const cellHosts = facetHosts('cell');
  const by_area_origin = grouped<{ area: string; origin: string }>("COALESCE(area, 'unknown') AS area, origin")
    .map((r) => ({ area: r.area, origin: r.origin, hosts: cellHosts.get(`${r.area}|${r.origin}`) ?? 0, installations: r.installations, products: r.products }))
    .sort((a, b) => a.area.localeCompare(b.area) || a.origin.localeCompare(b.origin));

  const originHosts = facetHosts('origin');
  const by_origin = grouped<{ origin: string }>('origin')
    .map((r) => ({ origin: r.origin, hosts: originHosts.get(r.origin) ?? 0, installations: r.installations, products: r.products }))
    .sort(byCount);

  const vendorHosts = facetHosts('vendor');
  const by_vendor = grouped<{ vendor_id: string; country: string | null; owner_country: string | null; origin: string }>(
    'vendor_id, country, owner_country, origin',
    'installs > 0 AND vendor_id IS NOT NULL',
  )
    .map((r) => {
      return {
        vendor_id: r.vendor_id,
        vendor: classifier.vendor(r.vendor_id)?.name ?? r.vendor_id,
        country: r.country,
        owner: classifier.ultimateOwner(r.vendor_id)?.name ?? null,
        owner_country: r.owner_country,
        origin: r.origin,
        hosts: vendorHosts.get(r.vendor_id) ?? 0,
        installations: r.installations,
        products: r.products,
      };
    })
    .sort(byCount);

  const byCountry = (facet: 'country' | 'owner_country') => {
    const hosts = facetHosts(facet);
    const column = facet === 'country' ? 'country' : 'COALESCE(owner_country, country)';
    return grouped<{ country: string }>(`${column} AS country`, `installs > 0 AND ${column} IS NOT NULL`)
      .map((r) => ({ country: r.country, hosts: hosts.get(r.country) ?? 0, installations: r.installations, products: r.products }))
      .sort(byCount);
  };

  const licenceHosts = facetHosts('licence');
  const by_licence = grouped<{ licence: string }>('licence')
    .map((r) => ({ licence: r.licence, hosts: licenceHosts.get(r.licence) ?? 0, installations: r.installations, products: r.products }))
    .sort(byCount);

  const unclassified = db
    .prepare(`SELECT id AS catalogue_id, kind, source, name, publisher, hosts, installs AS installations FROM catalogue
      WHERE origin = 'unknown' AND installs > 0 ORDER BY hosts DESC, installs DESC, name LIMIT ?`)
    .all(options.unclassifiedLimit ?? 500) as DependencyMap['unclassified'];

  return {
    generated_at: new Date().toISOString(),
    rules: classifier.fingerprint,
    totals: {
      hosts: hostsRow.hosts,
      installations: totalsRow.installations,
      products: totalsRow.products,
      unknown_installations: totalsRow.unknown_installations,
      unknown_products: totalsRow.unknown_products,
      platform_installations: totalsRow.platform_installations,
      duplicate_id_hosts: hostsRow.duplicates,
    },
    hosts_by_role: db.prepare('SELECT role, COUNT(*) AS hosts FROM hosts GROUP BY role ORDER BY role').all() as { role: string; hosts: number }[],
    by_area_origin,
    by_origin,
    by_vendor,
    by_country: byCountry('country'),
    by_owner_country: byCountry('owner_country'),
    by_licence,
    unclassified,
  };
}
