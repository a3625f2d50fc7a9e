// The diagnostic: per product, then per TIE Break area and overall, what docs/methodology.md
// defines. Reads the catalogue's counters (never the installations), the per-facet host counts of
// the map, the declared assets and the spend lines; computes everything else here.
import { AREAS, ORIGINS, type Alternative, type Area, type Origin } from '@tiebreak/shared';
import type { Classification, Classifier } from '../classify/classifier.ts';
import { computeMap, type DependencyMap } from '../map/map.ts';
import { countHosts } from '../store/catalogue-hosts.ts';
import { catchUp } from '../store/catch-up.ts';
import type { Db } from '../store/db.ts';
import { classifyNamed, classifySpend, listAssets, spendLines, spendYears } from './inputs.ts';
import {
  CRITICAL_LEVEL,
  alternativeQualifies,
  HARD_TO_REPLACE,
  dependencyScore,
  indexRange,
  originWeight,
  percent,
  replaceability,
  round,
  seal,
  weightedIndex,
  type Replaceability,
  type SealAssessment,
} from './method.ts';

export const METHOD_VERSION = 1;

export interface Criticality {
  level: number;
  source: 'product' | 'category' | 'default' | 'none';
}

/** Criticality of a product: the DSI's setting for it, else for its category, else the category default. */
export function criticalityResolver(db: Db, classifier: Classifier): (vendorId: string | null, productId: string | null, category: string | null) => Criticality {
  const settings = new Map((db.prepare('SELECT scope, key, level FROM criticality').all() as { scope: string; key: string; level: number }[]).map((r) => [`${r.scope}:${r.key}`, r.level]));
  return (vendorId, productId, category) => {
    const product = vendorId && productId ? settings.get(`product:${vendorId}/${productId}`) : undefined;
    if (product) return { level: product, source: 'product' };
    if (category) {
      const set = settings.get(`category:${category}`);
      if (set) return { level: set, source: 'category' };
      const def = classifier.rules.categories.get(category)?.criticality;
      if (def) return { level: def, source: 'default' };
    }
    return { level: 1, source: 'none' };
  };
}

export interface ProductAssessment {
  /** `vendor/product`, `vendor/*category` for a vendor's items no product names, or `declared:ID`. */
  key: string;
  name: string;
  vendor_id: string;
  vendor: string;
  product_id: string | null;
  declared: boolean;
  country: string | null;
  owner: string | null;
  owner_country: string | null;
  /** Laws of the owner's country that reach data abroad (from the rules' countries). */
  jurisdiction: string[];
  origin: Origin;
  licence: string;
  area: Area;
  category: string | null;
  platform: boolean;
  criticality: Criticality;
  replaceability: Replaceability;
  /** Hosts with the product's most installed catalogue entry (for a declared asset: its users). */
  hosts: number;
  /** hosts / all hosts, in percent. */
  prevalence: number | null;
  installations: number;
  origin_weight: number;
  score: number;
  seal: SealAssessment;
  spend_eur: number | null;
  estimated_spend_eur: number | null;
  alternatives: { id: string; name: string; country: string | null; licence: string; sill: boolean; maturity: string; qualifies: boolean }[];
}

export type ByOrigin = Record<Origin, { count: number; share: number | null }>;

export interface Indicators {
  /** Dependency index, 0 (independent) to 100 (fully dependent), over recognised non-platform products. */
  index: number | null;
  hosts: { total: number; by_origin: ByOrigin };
  products: { total: number; by_origin: ByOrigin };
  installations: { total: number; by_origin: ByOrigin };
  spend: { total_eur: number; by_origin: ByOrigin; estimated_total_eur: number; estimated_by_origin: ByOrigin };
  /** The most dependent critical product: the weakest link. */
  weakest_link: { key: string; name: string; score: number } | null;
  critical_dependencies: number;
}

export interface CriticalDependency {
  key: string;
  name: string;
  vendor: string;
  owner_country: string | null;
  area: Area;
  category: string | null;
  score: number;
  hosts: number;
  installations: number;
  replaceability: number;
  spend_eur: number | null;
  alternatives: ProductAssessment['alternatives'];
}

export interface Assessment {
  generated_at: string;
  method: { version: number; document: string };
  rules: string;
  year: number;
  overall: Indicators;
  areas: Record<Area, Indicators>;
  uncertainty: {
    unknown_installations: number;
    unknown_products: number;
    /** Share of installations that are not recognised, in percent. */
    unknown_share: number | null;
    /** The overall index if every unknown installation scored 0, or 100. */
    index_range: { low: number; high: number } | null;
    unmatched_spend_eur: number;
  };
  platform: { installations: number; products: number };
  critical: CriticalDependency[];
  products: ProductAssessment[];
  spend: {
    year: number;
    years: number[];
    lines: number;
    unmatched: { line: number; vendor: string | null; product: string | null; supplier: string | null; amount_eur: number; source_file: string }[];
  };
}

interface Group {
  key: string;
  classification: Pick<Classification, 'vendor_id' | 'product_id' | 'origin' | 'licence' | 'category' | 'platform' | 'country' | 'owner_country'>;
  area: Area;
  hosts: number;
  installations: number;
  kind: string;
  declared: boolean;
  name: string | null;
  cost_cents: number | null;
}

const emptyByOrigin = (): ByOrigin => Object.fromEntries(ORIGINS.map((o) => [o, { count: 0, share: null }])) as ByOrigin;
function shares(counts: Map<Origin, number>): { total: number; by_origin: ByOrigin } {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const by = emptyByOrigin();
  for (const origin of ORIGINS) by[origin] = { count: round(counts.get(origin) ?? 0, 2), share: percent(counts.get(origin) ?? 0, total) };
  return { total: round(total, 2), by_origin: by };
}
const add = (m: Map<Origin, number>, origin: Origin, n: number) => m.set(origin, (m.get(origin) ?? 0) + n);

export interface AssessmentOptions {
  /** The spend year (default: the latest year with spend lines, else the current year). */
  year?: number;
  map?: DependencyMap;
}

export function computeAssessment(db: Db, classifier: Classifier, options: AssessmentOptions = {}): Assessment {
  const rules = classifier.rules;
  catchUp(db);
  const map = options.map ?? computeMap(db, classifier, { unclassifiedLimit: 0 });
  const totalHosts = map.totals.hosts;
  const criticalityOf = criticalityResolver(db, classifier);

  // Recognised catalogue entries grouped by product (or by vendor and category for items no product names).
  const groups = new Map<string, Group>();
  const rows = db
    .prepare(`SELECT kind, vendor_id, product_id, origin, licence, area, category, platform, country, owner_country,
        SUM(installs) AS installations, MAX(hosts) AS hosts, COUNT(*) AS entries, MIN(id) AS first_id
      FROM catalogue WHERE installs > 0 AND origin <> 'unknown'
      GROUP BY vendor_id, product_id, CASE WHEN product_id IS NULL THEN category END, CASE WHEN product_id IS NULL THEN area END`)
    .all() as (Group['classification'] & { kind: string; area: Area | null; installations: number; hosts: number; entries: number; first_id: number })[];
  for (const r of rows) {
    const key = r.product_id ? `${r.vendor_id}/${r.product_id}` : `${r.vendor_id}/*${r.category ?? 'other'}`;
    const existing = groups.get(key);
    if (existing) {
      existing.installations += r.installations;
      existing.hosts = Math.max(existing.hosts, r.hosts);
      continue;
    }
    groups.set(key, { key, classification: r, area: r.area ?? 'software', hosts: r.hosts, installations: r.installations, kind: r.kind, declared: false, name: null, cost_cents: null });
  }
  // A product under several catalogue spellings ("Windows 10 Pro", "Windows 11 Pro"): its hosts are
  // counted exactly, from the sets of hosts by catalogue entry.
  const entriesOf = db.prepare('SELECT id FROM catalogue WHERE installs > 0 AND vendor_id = ? AND product_id = ?').pluck();
  for (const r of rows) {
    if (r.entries < 2 || !r.product_id) continue;
    groups.get(`${r.vendor_id}/${r.product_id}`)!.hosts = countHosts(db, entriesOf.all(r.vendor_id, r.product_id) as number[]);
  }
  const unknown = db.prepare("SELECT COUNT(*) AS products, COALESCE(SUM(installs), 0) AS installations FROM catalogue WHERE installs > 0 AND origin = 'unknown'").get() as {
    products: number;
    installations: number;
  };
  let unknownProducts = unknown.products;
  let unknownInstallations = unknown.installations;

  // Declared assets: a service counts as many installations as it has users (at least one).
  for (const asset of listAssets(db)) {
    const c = classifyNamed(classifier, asset.vendor_text, asset.name);
    if (c.origin === 'unknown') {
      unknownProducts += 1;
      unknownInstallations += Math.max(asset.users, 1);
      continue;
    }
    groups.set(`declared:${asset.id}`, {
      key: `declared:${asset.id}`,
      classification: c,
      area: asset.area,
      hosts: asset.users,
      installations: Math.max(asset.users, 1),
      kind: 'declared',
      declared: true,
      name: asset.name,
      cost_cents: asset.annual_cost_cents,
    });
  }

  // Spend of the year: real lines first, then declared costs of vendors no line names.
  const years = spendYears(db);
  const year = options.year ?? years[years.length - 1] ?? new Date().getUTCFullYear();
  const lines = spendLines(db, year);
  const spendByKey = new Map<string, number>();
  const spendByVendor = new Map<string, number>();
  const spendByArea = new Map<Area, Map<Origin, number>>(AREAS.map((a) => [a, new Map()]));
  const spendOverall = new Map<Origin, number>();
  const unmatched: Assessment['spend']['unmatched'] = [];
  const countSpend = (c: Classification | Group['classification'], area: Area | null, cents: number) => {
    add(spendOverall, c.origin, cents);
    if (area) add(spendByArea.get(area)!, c.origin, cents);
  };
  for (const line of lines) {
    const c = classifySpend(classifier, line);
    if (c.origin === 'unknown') {
      unmatched.push({ line: line.source_line, vendor: line.vendor_text, product: line.product_text, supplier: line.supplier, amount_eur: line.amount_cents / 100, source_file: line.source_file });
      countSpend(c, null, line.amount_cents);
      continue;
    }
    const area = (c.area ?? null) as Area | null;
    countSpend(c, area, line.amount_cents);
    spendByVendor.set(c.vendor_id!, (spendByVendor.get(c.vendor_id!) ?? 0) + line.amount_cents);
    if (c.product_id) spendByKey.set(`${c.vendor_id}/${c.product_id}`, (spendByKey.get(`${c.vendor_id}/${c.product_id}`) ?? 0) + line.amount_cents);
  }
  const linedVendors = new Set(spendByVendor.keys());
  for (const g of groups.values()) {
    if (!g.declared || g.cost_cents === null || linedVendors.has(g.classification.vendor_id!)) continue;
    countSpend(g.classification, g.area, g.cost_cents);
    spendByKey.set(g.key, g.cost_cents);
    spendByVendor.set(g.classification.vendor_id!, (spendByVendor.get(g.classification.vendor_id!) ?? 0) + g.cost_cents);
  }

  // Products.
  const regionOf = classifier.regionOf;
  const products: ProductAssessment[] = [];
  const estimatedByArea = new Map<Area, Map<Origin, number>>(AREAS.map((a) => [a, new Map()]));
  const estimatedOverall = new Map<Origin, number>();
  for (const g of groups.values()) {
    const c = g.classification;
    const vendor = classifier.vendor(c.vendor_id!);
    const product = c.product_id ? classifier.product(c.vendor_id!, c.product_id) : undefined;
    const owner = classifier.ultimateOwner(c.vendor_id!);
    const ownerCountry = c.owner_country ?? c.country;
    const category = c.category;
    const categoryRule = category ? rules.categories.get(category) : undefined;
    const alternatives = c.product_id ? classifier.alternativesOf(c.vendor_id!, c.product_id) : [];
    const replace = replaceability(alternatives, categoryRule?.migration ?? 'moderate', regionOf);
    const criticality = criticalityOf(c.vendor_id, c.product_id, category);
    const headquartersRegion = vendor?.country ? regionOf(vendor.country) : null;
    const weight = originWeight(c.origin, c.licence as 'open_source' | 'proprietary' | 'unknown', headquartersRegion)!;
    const score = dependencyScore(weight, criticality.level, replace.score);
    const laws = ownerCountry ? (rules.countries.get(ownerCountry)?.laws ?? []) : [];
    const actual = spendByKey.get(g.key) ?? null;
    // An estimate only where the vendor has no real spend at all: never mixed with real spend.
    const price = product?.price?.eur_per_seat_year;
    const estimated = price !== undefined && !spendByVendor.has(c.vendor_id!) ? Math.round(price * 100 * g.hosts) : null;
    if (estimated !== null) {
      add(estimatedOverall, c.origin, estimated);
      add(estimatedByArea.get(g.area)!, c.origin, estimated);
    }
    products.push({
      key: g.key,
      name: g.name ?? product?.name ?? `${vendor?.name ?? c.vendor_id} (${categoryRule?.name.en ?? category ?? 'other'})`,
      vendor_id: c.vendor_id!,
      vendor: vendor?.name ?? c.vendor_id!,
      product_id: c.product_id,
      declared: g.declared,
      country: c.country,
      owner: owner?.name ?? null,
      owner_country: ownerCountry,
      jurisdiction: laws,
      origin: c.origin,
      licence: c.licence,
      area: g.area,
      category,
      platform: !!c.platform,
      criticality,
      replaceability: replace,
      hosts: g.hosts,
      prevalence: g.declared ? null : percent(g.hosts, totalHosts),
      installations: g.installations,
      origin_weight: weight,
      score,
      seal: seal({ origin: c.origin, licence: c.licence as 'open_source', headquartersRegion, ownerLaws: laws, hardware: g.kind === 'hardware' }),
      spend_eur: actual === null ? null : actual / 100,
      estimated_spend_eur: estimated === null ? null : estimated / 100,
      alternatives: alternatives.map((a: Alternative) => ({
        id: a.id,
        name: a.name,
        country: a.country ?? null,
        licence: a.licence,
        sill: a.sill,
        maturity: a.maturity,
        qualifies: alternativeQualifies(a, regionOf),
      })),
    });
  }
  products.sort((a, b) => b.score * b.installations - a.score * a.installations || b.installations - a.installations || a.key.localeCompare(b.key));

  const business = products.filter((p) => !p.platform);
  const isCritical = (p: ProductAssessment) => p.criticality.level >= CRITICAL_LEVEL && p.origin === 'non_eu' && p.replaceability.score < HARD_TO_REPLACE;
  const indicatorsOf = (items: ProductAssessment[], hostCounts: Map<Origin, number>, hostTotal: number, spend: Map<Origin, number>, estimated: Map<Origin, number>): Indicators => {
    const productCounts = new Map<Origin, number>();
    const installCounts = new Map<Origin, number>();
    for (const p of items) {
      add(productCounts, p.origin, 1);
      add(installCounts, p.origin, p.installations);
    }
    const hostsShares = emptyByOrigin();
    for (const origin of ORIGINS) hostsShares[origin] = { count: hostCounts.get(origin) ?? 0, share: percent(hostCounts.get(origin) ?? 0, hostTotal) };
    const spendShares = shares(spend);
    const estimatedShares = shares(estimated);
    const critical = items.filter((p) => p.criticality.level >= CRITICAL_LEVEL);
    const weakest = critical.reduce<ProductAssessment | null>((w, p) => (!w || p.score > w.score || (p.score === w.score && p.installations > w.installations) ? p : w), null);
    return {
      index: weightedIndex(items),
      hosts: { total: hostTotal, by_origin: hostsShares },
      products: shares(productCounts),
      installations: shares(installCounts),
      spend: {
        total_eur: spendShares.total / 100,
        by_origin: centsToEuros(spendShares.by_origin),
        estimated_total_eur: estimatedShares.total / 100,
        estimated_by_origin: centsToEuros(estimatedShares.by_origin),
      },
      weakest_link: weakest ? { key: weakest.key, name: weakest.name, score: weakest.score } : null,
      critical_dependencies: items.filter(isCritical).length,
    };
  };

  // Hosts by origin from the map's facet counts (a host counts once per origin it has).
  const hostsOverall = new Map<Origin, number>(map.by_origin.map((o) => [o.origin as Origin, o.hosts]));
  const areas = {} as Record<Area, Indicators>;
  for (const area of AREAS) {
    const cells = map.by_area_origin.filter((c) => c.area === area);
    const hosts = new Map<Origin, number>(cells.map((c) => [c.origin as Origin, c.hosts]));
    areas[area] = indicatorsOf(
      business.filter((p) => p.area === area),
      hosts,
      totalHosts,
      spendByArea.get(area)!,
      estimatedByArea.get(area)!,
    );
  }
  const platform = products.filter((p) => p.platform);
  const unmatchedCents = unmatched.reduce((s, u) => s + Math.round(u.amount_eur * 100), 0);

  return {
    generated_at: new Date().toISOString(),
    method: { version: METHOD_VERSION, document: 'docs/methodology.md' },
    rules: classifier.fingerprint,
    year,
    overall: indicatorsOf(business, hostsOverall, totalHosts, spendOverall, estimatedOverall),
    areas,
    uncertainty: {
      unknown_installations: unknownInstallations,
      unknown_products: unknownProducts,
      unknown_share: percent(unknownInstallations, unknownInstallations + business.reduce((s, p) => s + p.installations, 0)),
      index_range: indexRange(business, unknownInstallations),
      unmatched_spend_eur: unmatchedCents / 100,
    },
    platform: { installations: platform.reduce((s, p) => s + p.installations, 0), products: platform.length },
    critical: business.filter(isCritical).map((p) => ({
      key: p.key,
      name: p.name,
      vendor: p.vendor,
      owner_country: p.owner_country,
      area: p.area,
      category: p.category,
      score: p.score,
      hosts: p.hosts,
      installations: p.installations,
      replaceability: p.replaceability.score,
      spend_eur: p.spend_eur,
      alternatives: p.alternatives,
    })),
    products,
    spend: { year, years, lines: lines.length, unmatched },
  };
}

function centsToEuros(by: ByOrigin): ByOrigin {
  const out = emptyByOrigin();
  for (const origin of ORIGINS) out[origin] = { count: round(by[origin].count / 100, 2), share: by[origin].share };
  return out;
}
