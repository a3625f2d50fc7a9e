// The diagnostic: per product, then per TIE Break area and overall, what docs/methodology.md
// defines. Reads the catalogue's counters (never the installations), the per-facet host counts of
// the map, the declared assets and the spend lines; computes everything else here.
import { AREAS, ORIGINS, type Area, type Origin } from '@tiebreak/shared';
import { alternativesFor } from './alternatives.ts';
import { productKeyOf, type Classification, type Classifier } from '../classify/classifier.ts';
import type { Db } from '../store/db.ts';
import { readSnapshot } from '../store/dialect.ts';
import {
  assessedHostCounts,
  classifyNamed,
  classifySpend,
  criticalitySettings,
  fleetHosts,
  hostCounts,
  installedEntries,
  listAssets,
  spendLines,
  spendYears,
  type DeclaredAsset,
  type InstalledEntry,
} from './inputs.ts';
import {
  CRITICAL_LEVEL,
  declaredWeight,
  exposureScore,
  HARD_TO_REPLACE,
  indexRange,
  lockInIndex,
  originWeight,
  percent,
  priorityScore,
  replaceability,
  round,
  seal,
  weightedIndex,
  type Replaceability,
  type SealAssessment,
} from './method.ts';

export const METHOD_VERSION = 3;

export interface Criticality {
  level: number;
  source: 'product' | 'category' | 'default' | 'none';
}

/** Criticality of a product: the DSI's setting for it, else for its category, else the category default. */
export async function criticalityResolver(
  db: Db,
  classifier: Classifier,
): Promise<(vendorId: string | null, productId: string | null, category: string | null) => Criticality> {
  const settings = await criticalitySettings(db);
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

export type Source = 'inventory' | 'declared';

export interface ProductAssessment {
  /**
   * `vendor/product`, `vendor/*category` for a vendor's items no product names, or `declared:ID` for
   * a declared asset the rules know only by its vendor; `@area` is added when the same product is
   * installed in two areas (a processor on workstations and servers).
   */
  key: string;
  /** The key without the area: the product as the rules name it. */
  product_key: string;
  name: string;
  vendor_id: string;
  vendor: string;
  product_id: string | null;
  /** Where it is known from: the inventory, the declared assets, or both (counted once). */
  sources: Source[];
  declared_assets: { id: number; name: string; users: number }[];
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
  replaceability: Replaceability & { from: 'product' | 'category' | null };
  /** Hosts that have it, counted exactly (0 for a product only declared). */
  hosts: number;
  /** hosts / all hosts of the fleet, in percent; null when it is only declared. */
  prevalence: number | null;
  /** Installations the agents saw. */
  installations: number;
  /** Users or seats declared for it; null when no declared asset names it. */
  users: number | null;
  /** Its weight in the indices: its installations, or for a product only declared min(users, hosts of the fleet), at least 1. */
  weight: number;
  origin_weight: number;
  /** 100 × w × c ÷ 3: how dependent on it the authority is today. */
  exposure: number;
  /** exposure × (1 − r): exposure no alternative relieves, to rank the critical dependencies. */
  priority: number;
  seal: SealAssessment;
  spend_eur: number | null;
  estimated_spend_eur: number | null;
  /**
   * The alternatives that replace it (docs/methodology.md § 3): of its category, another vendor's,
   * European or community and of a lower origin weight; the product's own first, then its category's.
   */
  alternatives: {
    id: string;
    name: string;
    country: string | null;
    licence: string;
    sill: boolean;
    maturity: string;
    origin: Origin;
    /** Always true: only the alternatives that replace the product are listed (kept for the API v1's clients). */
    qualifies: true;
    from: 'product' | 'category';
  }[];
}

export type ByOrigin = Record<Origin, { count: number; share: number | null }>;
type Shares = { total: number; by_origin: ByOrigin };

export interface Indicators {
  /** Exposure index, 0 (independent) to 100 (fully exposed): Σ (weight × exposure) ÷ Σ weight. */
  exposure: number | null;
  /** Lock-in, 0 to 100: the share of the exposure that no alternative relieves. */
  lock_in: number | null;
  /** Priority index, Σ (weight × priority) ÷ Σ weight = exposure × lock-in ÷ 100. */
  priority: number | null;
  /** Products (not platform) with r < 0.5 and an exposure above 0. */
  hard_to_replace: number;
  /** Hosts with at least one non-platform item of each origin (unknown included) ÷ the scope's hosts. */
  hosts: Shares;
  products: Shares;
  installations: Shares;
  /** Users of the declared assets, by origin (never hosts nor installations). */
  users: Shares;
  spend: { total_eur: number; by_origin: ByOrigin; estimated_total_eur: number; estimated_by_origin: ByOrigin };
  /** The critical product the authority is most exposed to: the weakest link. */
  weakest_link: { key: string; name: string; exposure: number; priority: number } | null;
  critical_dependencies: number;
  /** Drivers and runtimes of the scope, out of every share and index. */
  platform: { products: number; installations: number };
}

export interface CriticalDependency {
  key: string;
  name: string;
  vendor: string;
  owner_country: string | null;
  area: Area;
  category: string | null;
  exposure: number;
  priority: number;
  hosts: number;
  installations: number;
  users: number | null;
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
    /** Declared assets no rule recognises, and their weight (capped users). */
    unknown_declared: number;
    unknown_weight: number;
    /** Share of the index weight that is not recognised, in percent. */
    unknown_share: number | null;
    /** The overall exposure index if every unknown item scored 0, or 100. */
    exposure_range: { low: number; high: number } | null;
    unmatched_spend_eur: number;
  };
  /** Drivers and runtimes, recognised or not: out of every share, index and the unknown. */
  platform: { installations: number; products: number };
  critical: CriticalDependency[];
  products: ProductAssessment[];
  spend: {
    year: number;
    years: number[];
    lines: number;
    unmatched: { line: number; vendor: string | null; product: string | null; supplier: string | null; amount_eur: number; source_file: string }[];
    /** Declared costs counted in the year, and those with no year (in no year's spend). */
    declared: {
      asset: number;
      name: string;
      amount_eur: number;
      year: number | null;
      contract: string | null;
      counted: boolean;
      reason: 'counted' | 'undated' | 'other_year' | 'same_contract_as_a_line';
    }[];
  };
}

type Facts = Pick<Classification, 'vendor_id' | 'product_id' | 'origin' | 'licence' | 'category' | 'platform' | 'country' | 'owner_country'>;

interface Group {
  productKey: string;
  facts: Facts;
  area: Area;
  kind: string;
  entries: number[];
  /** Hosts of a single entry (its counter); several entries are counted from their installations. */
  entryHosts: number;
  installations: number;
  assets: DeclaredAsset[];
  name: string | null;
}

const emptyByOrigin = (): ByOrigin => Object.fromEntries(ORIGINS.map((o) => [o, { count: 0, share: null }])) as ByOrigin;
function shares(counts: Map<Origin, number>, whole?: number): Shares {
  const total = whole ?? [...counts.values()].reduce((a, b) => a + b, 0);
  const by = emptyByOrigin();
  for (const origin of ORIGINS) by[origin] = { count: round(counts.get(origin) ?? 0, 2), share: percent(counts.get(origin) ?? 0, total) };
  return { total: round(total, 2), by_origin: by };
}
const add = (m: Map<Origin, number>, origin: Origin, n: number) => m.set(origin, (m.get(origin) ?? 0) + n);
const entryArea = (e: InstalledEntry): Area => e.area ?? 'software';
const sameContract = (a: string | null, b: string | null) => !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();

export interface AssessmentOptions {
  /** The spend year (default: the latest year with spend lines or dated declared costs, else the current year). */
  year?: number;
}

/** The assessment, read on one consistent state of the database (never a write). */
export async function computeAssessment(db: Db, classifier: Classifier, options: AssessmentOptions = {}): Promise<Assessment> {
  return readSnapshot(db, (snapshot) => assess(snapshot, classifier, options));
}

async function assess(db: Db, classifier: Classifier, options: AssessmentOptions): Promise<Assessment> {
  const rules = classifier.rules;
  const criticalityOf = await criticalityResolver(db, classifier);
  const entries = await installedEntries(db);
  const totalHosts = await fleetHosts(db);

  // Recognised entries grouped by product (or vendor and category) AND area: an item counts in the
  // area of the host it is on, as the map counts it, so a product on both roles is two groups.
  const groups = new Map<string, Group>();
  const labelsOf = new Map<number, string[]>();
  const label = (entry: number, l: string) => {
    const list = labelsOf.get(entry);
    if (list) list.push(l);
    else labelsOf.set(entry, [l]);
  };
  let unknownProducts = 0;
  let unknownInstallations = 0;
  // Unrecognised drivers and runtimes: out of the unknown as of every share, counted with the platform.
  const unknownPlatform = new Map<Area, { products: number; installations: number }>(AREAS.map((a) => [a, { products: 0, installations: 0 }]));
  for (const e of entries) {
    const area = entryArea(e);
    if (e.origin === 'unknown') {
      if (e.platform) {
        unknownPlatform.get(area)!.products += 1;
        unknownPlatform.get(area)!.installations += e.installations;
      } else {
        unknownProducts += 1;
        unknownInstallations += e.installations;
      }
      continue;
    }
    const productKey = productKeyOf(e);
    const id = `${productKey}|${area}`;
    const g = groups.get(id);
    if (g) {
      g.entries.push(e.id);
      g.installations += e.installations;
    } else
      groups.set(id, {
        productKey,
        facts: { ...e, platform: !!e.platform } as Facts,
        area,
        kind: e.kind,
        entries: [e.id],
        entryHosts: e.hosts,
        installations: e.installations,
        assets: [],
        name: null,
      });
  }
  for (const [id, g] of groups) if (g.entries.length > 1) for (const entry of g.entries) label(entry, `group|${id}`);
  // Host shares (every non-platform item, unknown included, in its area and overall) as counted at
  // ingest; the hosts of a product spelt several ways counted from its entries' installations.
  const hostsBy = new Map([...(await assessedHostCounts(db)), ...(await hostCounts(db, labelsOf))]);

  // Declared assets: joined to the installed product they name (counted once, both sources
  // shown), else a product of their own, weighted by their users capped by the fleet.
  let unknownDeclared = 0;
  let unknownDeclaredWeight = 0;
  const byProduct = new Map<string, Group[]>();
  for (const g of groups.values()) byProduct.set(g.productKey, [...(byProduct.get(g.productKey) ?? []), g]);
  const assetGroup = new Map<number, Group>();
  const declaredAssets = await listAssets(db);
  for (const asset of declaredAssets) {
    const c = classifyNamed(classifier, asset.vendor_text, asset.name);
    if (c.origin === 'unknown') {
      unknownDeclared += 1;
      unknownDeclaredWeight += declaredWeight(asset.users, totalHosts);
      continue;
    }
    const productKey = c.product_id ? productKeyOf(c) : `declared:${asset.id}`;
    const installed = byProduct.get(productKey);
    let g = installed?.find((x) => x.area === asset.area) ?? installed?.slice().sort((a, b) => b.installations - a.installations)[0];
    if (!g) {
      g = {
        productKey,
        facts: { ...c, platform: false },
        area: asset.area,
        kind: 'declared',
        entries: [],
        entryHosts: 0,
        installations: 0,
        assets: [],
        name: c.product_id ? null : asset.name,
      };
      groups.set(`${productKey}|${asset.area}`, g);
      byProduct.set(productKey, [g]);
    }
    g.assets.push(asset);
    assetGroup.set(asset.id, g);
  }
  const areasOf = new Map<string, number>();
  for (const g of groups.values()) areasOf.set(g.productKey, (areasOf.get(g.productKey) ?? 0) + 1);
  const keyOf = (g: Group) => ((areasOf.get(g.productKey) ?? 0) > 1 ? `${g.productKey}@${g.area}` : g.productKey);

  // Spend of the year: the finance lines, plus the declared costs of that year whose contract no
  // line of the year names. Undated declared costs are listed, in no year.
  const years = await spendYears(db);
  const declaredYears = declaredAssets
    .filter((a) => a.annual_cost_cents !== null)
    .map((a) => a.cost_year)
    .filter((y): y is number => y !== null);
  const allYears = [...new Set([...years, ...declaredYears])].sort();
  const year = options.year ?? allYears[allYears.length - 1] ?? new Date().getUTCFullYear();
  const lines = await spendLines(db, year);
  const spendByGroup = new Map<Group, number>();
  const spendByVendor = new Map<string, number>();
  const spendByArea = new Map<Area, Map<Origin, number>>(AREAS.map((a) => [a, new Map()]));
  const spendOverall = new Map<Origin, number>();
  const unmatched: Assessment['spend']['unmatched'] = [];
  const countSpend = (origin: Origin, area: Area | null, cents: number) => {
    add(spendOverall, origin, cents);
    if (area) add(spendByArea.get(area)!, origin, cents);
  };
  for (const line of lines) {
    const c = classifySpend(classifier, line);
    if (c.origin === 'unknown') {
      unmatched.push({
        line: line.source_line,
        vendor: line.vendor_text,
        product: line.product_text,
        supplier: line.supplier,
        amount_eur: line.amount_cents / 100,
        source_file: line.source_file,
      });
      countSpend(c.origin, null, line.amount_cents);
      continue;
    }
    const product = c.product_id ? byProduct.get(productKeyOf(c)) : undefined;
    const g = product?.find((x) => x.area === c.area) ?? product?.slice().sort((a, b) => b.installations - a.installations)[0];
    countSpend(c.origin, g?.area ?? c.area ?? null, line.amount_cents);
    spendByVendor.set(c.vendor_id!, (spendByVendor.get(c.vendor_id!) ?? 0) + line.amount_cents);
    if (g) spendByGroup.set(g, (spendByGroup.get(g) ?? 0) + line.amount_cents);
  }
  const declared: Assessment['spend']['declared'] = [];
  for (const asset of declaredAssets) {
    if (asset.annual_cost_cents === null) continue;
    const g = assetGroup.get(asset.id);
    const entry = { asset: asset.id, name: asset.name, amount_eur: asset.annual_cost_cents / 100, year: asset.cost_year, contract: asset.contract_ref };
    if (asset.cost_year === null) declared.push({ ...entry, counted: false, reason: 'undated' });
    else if (asset.cost_year !== year) declared.push({ ...entry, counted: false, reason: 'other_year' });
    else if (lines.some((l) => sameContract(l.contract_ref, asset.contract_ref)))
      declared.push({ ...entry, counted: false, reason: 'same_contract_as_a_line' });
    else {
      declared.push({ ...entry, counted: true, reason: 'counted' });
      countSpend(g?.facts.origin ?? 'unknown', g?.area ?? null, asset.annual_cost_cents);
      if (g) {
        spendByGroup.set(g, (spendByGroup.get(g) ?? 0) + asset.annual_cost_cents);
        spendByVendor.set(g.facts.vendor_id!, (spendByVendor.get(g.facts.vendor_id!) ?? 0) + asset.annual_cost_cents);
      }
    }
  }

  // Products.
  const regionOf = classifier.regionOf;
  const products: ProductAssessment[] = [];
  const estimatedByArea = new Map<Area, Map<Origin, number>>(AREAS.map((a) => [a, new Map()]));
  const estimatedOverall = new Map<Origin, number>();
  for (const [id, g] of groups) {
    const c = g.facts;
    const vendor = classifier.vendor(c.vendor_id!);
    const product = c.product_id ? classifier.product(c.vendor_id!, c.product_id) : undefined;
    const owner = classifier.ultimateOwner(c.vendor_id!);
    const ownerCountry = c.owner_country ?? c.country;
    const category = c.category;
    const categoryRule = category ? rules.categories.get(category) : undefined;
    const criticality = criticalityOf(c.vendor_id, c.product_id, category);
    const headquartersRegion = vendor?.country ? regionOf(vendor.country) : null;
    const weight = originWeight(c.origin, c.licence as 'open_source' | 'proprietary' | 'unknown', headquartersRegion)!;
    const alternatives = alternativesFor(classifier, { vendor_id: c.vendor_id!, product_id: c.product_id, category, origin_weight: weight });
    const replace = replaceability(alternatives, categoryRule?.migration ?? 'moderate');
    const laws = ownerCountry ? (rules.countries.get(ownerCountry)?.laws ?? []) : [];
    const hosts = g.entries.length > 1 ? (hostsBy.get(`group|${id}`) ?? 0) : g.entryHosts;
    const users = g.assets.length ? g.assets.reduce((s, a) => s + a.users, 0) : null;
    const indexWeight = g.installations || declaredWeight(users ?? 0, totalHosts);
    const actual = spendByGroup.get(g) ?? null;
    // An estimate only where the vendor has no real spend at all: never mixed with real spend.
    const price = product?.price?.eur_per_seat_year;
    const seats = hosts || users || 0;
    const estimated = price !== undefined && seats && !spendByVendor.has(c.vendor_id!) ? Math.round(price * 100 * seats) : null;
    if (estimated !== null && !c.platform) {
      add(estimatedOverall, c.origin, estimated);
      add(estimatedByArea.get(g.area)!, c.origin, estimated);
    }
    products.push({
      key: keyOf(g),
      product_key: g.productKey,
      name: g.name ?? product?.name ?? `${vendor?.name ?? c.vendor_id} (${categoryRule?.name.en ?? category ?? 'other'})`,
      vendor_id: c.vendor_id!,
      vendor: vendor?.name ?? c.vendor_id!,
      product_id: c.product_id,
      sources: [...(g.entries.length ? (['inventory'] as const) : []), ...(g.assets.length ? (['declared'] as const) : [])],
      declared_assets: g.assets.map((a) => ({ id: a.id, name: a.name, users: a.users })),
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
      replaceability: { ...replace, from: replace.best ? alternatives.find((a) => a.id === replace.best!.id)!.from : null },
      hosts,
      prevalence: g.entries.length ? percent(hosts, totalHosts) : null,
      installations: g.installations,
      users,
      weight: indexWeight,
      origin_weight: weight,
      exposure: exposureScore(weight, criticality.level),
      priority: priorityScore(weight, criticality.level, replace.score),
      seal: seal({ origin: c.origin, licence: c.licence as 'open_source', headquartersRegion, ownerLaws: laws, hardware: g.kind === 'hardware' }),
      spend_eur: actual === null ? null : actual / 100,
      estimated_spend_eur: estimated === null ? null : estimated / 100,
      alternatives: alternatives.map((a) => ({
        id: a.id,
        name: a.name,
        country: a.country ?? null,
        licence: a.licence,
        sill: a.sill,
        maturity: a.maturity,
        origin: a.origin,
        qualifies: true,
        from: a.from,
      })),
    });
  }
  products.sort(
    (a, b) =>
      b.exposure * b.weight - a.exposure * a.weight || b.priority * b.weight - a.priority * a.weight || b.weight - a.weight || a.key.localeCompare(b.key),
  );

  const business = products.filter((p) => !p.platform);
  const isCritical = (p: ProductAssessment) => p.criticality.level >= CRITICAL_LEVEL && p.origin === 'non_eu' && p.replaceability.score < HARD_TO_REPLACE;
  const hostShares = (scope: string | null): Shares => {
    const counts = new Map<Origin, number>(ORIGINS.map((o) => [o, hostsBy.get(scope ? `cell|${scope}|${o}` : `origin|${o}`) ?? 0]));
    return shares(counts, scope ? (hostsBy.get(`area|${scope}`) ?? 0) : totalHosts);
  };
  const indicatorsOf = (
    items: ProductAssessment[],
    platform: ProductAssessment[],
    unrecognisedPlatform: { products: number; installations: number },
    hosts: Shares,
    spend: Map<Origin, number>,
    estimated: Map<Origin, number>,
  ): Indicators => {
    // A product in two areas is one product overall.
    const distinct = new Set<string>();
    const productCounts = new Map<Origin, number>();
    const installCounts = new Map<Origin, number>();
    const userCounts = new Map<Origin, number>();
    for (const p of items) {
      if (!distinct.has(p.product_key)) add(productCounts, p.origin, 1);
      distinct.add(p.product_key);
      add(installCounts, p.origin, p.installations);
      if (p.users !== null) add(userCounts, p.origin, p.users);
    }
    const spendShares = shares(spend);
    const estimatedShares = shares(estimated);
    const weakest = weakestLink(items.filter((p) => p.criticality.level >= CRITICAL_LEVEL));
    return {
      exposure: weightedIndex(items.map((p) => ({ score: p.exposure, weight: p.weight }))),
      lock_in: lockInIndex(items),
      priority: weightedIndex(items.map((p) => ({ score: p.priority, weight: p.weight }))),
      hard_to_replace: items.filter((p) => p.exposure > 0 && p.replaceability.score < HARD_TO_REPLACE).length,
      hosts,
      products: shares(productCounts),
      installations: shares(installCounts),
      users: shares(userCounts),
      spend: {
        total_eur: spendShares.total / 100,
        by_origin: centsToEuros(spendShares.by_origin),
        estimated_total_eur: estimatedShares.total / 100,
        estimated_by_origin: centsToEuros(estimatedShares.by_origin),
      },
      weakest_link: weakest ? { key: weakest.key, name: weakest.name, exposure: weakest.exposure, priority: weakest.priority } : null,
      critical_dependencies: items.filter(isCritical).length,
      platform: {
        products: platform.length + unrecognisedPlatform.products,
        installations: platform.reduce((s, p) => s + p.installations, 0) + unrecognisedPlatform.installations,
      },
    };
  };
  const unknownPlatformOverall = [...unknownPlatform.values()].reduce(
    (s, u) => ({ products: s.products + u.products, installations: s.installations + u.installations }),
    { products: 0, installations: 0 },
  );

  const platform = products.filter((p) => p.platform);
  const areas = {} as Record<Area, Indicators>;
  for (const area of AREAS)
    areas[area] = indicatorsOf(
      business.filter((p) => p.area === area),
      platform.filter((p) => p.area === area),
      unknownPlatform.get(area)!,
      hostShares(area),
      spendByArea.get(area)!,
      estimatedByArea.get(area)!,
    );
  const unmatchedCents = unmatched.reduce((s, u) => s + Math.round(u.amount_eur * 100), 0);
  const unknownWeight = unknownInstallations + unknownDeclaredWeight;
  const knownWeight = business.reduce((s, p) => s + p.weight, 0);

  return {
    generated_at: new Date().toISOString(),
    method: { version: METHOD_VERSION, document: 'docs/methodology.md' },
    rules: classifier.fingerprint,
    year,
    overall: indicatorsOf(business, platform, unknownPlatformOverall, hostShares(null), spendOverall, estimatedOverall),
    areas,
    uncertainty: {
      unknown_installations: unknownInstallations,
      unknown_products: unknownProducts + unknownDeclared,
      unknown_declared: unknownDeclared,
      unknown_weight: unknownWeight,
      unknown_share: percent(unknownWeight, unknownWeight + knownWeight),
      exposure_range: indexRange(
        business.map((p) => ({ score: p.exposure, weight: p.weight })),
        unknownWeight,
      ),
      unmatched_spend_eur: unmatchedCents / 100,
    },
    platform: {
      installations: platform.reduce((s, p) => s + p.installations, 0) + unknownPlatformOverall.installations,
      products: platform.length + unknownPlatformOverall.products,
    },
    critical: business
      .filter(isCritical)
      .sort((a, b) => b.priority * b.weight - a.priority * a.weight || b.exposure - a.exposure || a.key.localeCompare(b.key))
      .map((p) => ({
        key: p.key,
        name: p.name,
        vendor: p.vendor,
        owner_country: p.owner_country,
        area: p.area,
        category: p.category,
        exposure: p.exposure,
        priority: p.priority,
        hosts: p.hosts,
        installations: p.installations,
        users: p.users,
        replaceability: p.replaceability.score,
        spend_eur: p.spend_eur,
        alternatives: p.alternatives,
      })),
    products,
    spend: { year, years: allYears, lines: lines.length, unmatched, declared },
  };
}

/**
 * The weakest link among critical products: the highest exposure; on a tie the highest priority
 * (the harder to leave), then the larger weight, then the key (so that it never depends on order).
 */
export function weakestLink<T extends Pick<ProductAssessment, 'key' | 'exposure' | 'priority' | 'weight'>>(critical: readonly T[]): T | null {
  const compare = (p: T, q: T) => p.exposure - q.exposure || p.priority - q.priority || p.weight - q.weight || (p.key < q.key ? 1 : p.key > q.key ? -1 : 0);
  let best: T | null = null;
  for (const p of critical) if (!best || compare(p, best) > 0) best = p;
  return best;
}

function centsToEuros(by: ByOrigin): ByOrigin {
  const out = emptyByOrigin();
  for (const origin of ORIGINS) out[origin] = { count: round(by[origin].count / 100, 2), share: by[origin].share };
  return out;
}
