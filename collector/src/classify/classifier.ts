// The classification engine: rules compiled once into lookup tables, then each item resolved by a
// fixed precedence. Every result names the rule that decided it; an item no rule recognises is
// `unknown`, never guessed.
//
// Precedence, first hit wins:
//   0. a hardware line (system, hypervisor, cloud) naming a hosting platform     -> `hosting`
//      (hypervisor and cloud lines name nothing else: no installed product claims them, and a
//      hosting product never claims installed software)
//   1. package name of the item's source (dpkg, rpm, snap, flatpak, appx...)      -> `package`
//   2. product name among the products of the vendor the publisher names          -> `name`
//   3. product name pattern among that vendor's products                           -> `pattern`
//   4. product name among all products not requiring their publisher              -> `name`
//   5. product name pattern among those products                                  -> `pattern`
//   6. the publisher's vendor default classification                               -> `publisher`
// Hardware models (`hardware` products: computers, boards, disks...) are names and patterns of their
// own, tried on hardware lines before 2-5 and never on software ("Prime Video" is no ASUS board).
// A package (dpkg, rpm) is named by its exact package name or through its maintainer or vendor,
// never by another vendor's display names and patterns: 4 and 5 do not apply to it (a package name
// such as `x11vnc` or `gnupg` is no display name). A distribution's build wins over another
// vendor's packages: when the maintainer or vendor is a distribution (Debian, Ubuntu, Fedora, Red
// Hat, SUSE...), only its own packages or those a vendor ships into distributions itself
// (`shipped_in_distributions`) count at 1: Debian's `gnupg` and `podman` are Debian's. A package
// reported without a maintainer (OCS Inventory, CSV exports) is what a rule names it exactly.
// Otherwise a recognised product wins over a publisher's default: a Norton product published as
// "Symantec Corporation" is Norton.
// Coverage steps (see "Coverage" below): after 1, a dpkg or rpm package whose maintainer names no
// vendor (none reported, or a person) and that the index of its distribution holds is the
// distribution's (`distribution-index:<id>`); a maintainer naming a vendor decides instead. A snap's
// publisher account and a Flatpak id's reverse-DNS prefix name their vendor.
// Every result carries its evidence and confidence (evidence.ts).
import {
  type Alternative,
  normalizeName,
  normalizePackage,
  normalizePublisher,
  normalizePublisherName,
  originOf,
  splitPublisher,
  type Area,
  type Licence,
  type MatchSource,
  type Origin,
  type Product,
  type Region,
  type Vendor,
} from '@tiebreak/shared';
import { CONFIDENCE_OF, type Confidence, type Evidence } from './evidence.ts';
import { RulesError, type LoadedDistribution, type RuleProblem, type RuleSet } from './load-rules.ts';
import { PatternIndex } from './pattern-index.ts';

export interface ItemToClassify {
  name: string;
  publisher?: string | null;
  source?: MatchSource | null;
  package?: string | null;
  /** The distribution of the host the item was seen on (a distributions.yaml id), if known. */
  distribution?: string | null;
}

export interface Classification {
  vendor_id: string | null;
  vendor: string | null;
  country: string | null;
  owner_id: string | null;
  owner: string | null;
  owner_country: string | null;
  origin: Origin;
  licence: Licence;
  area: Area | null;
  category: string | null;
  product_id: string | null;
  product: string | null;
  platform: boolean;
  rule: string | null;
  /** What matched (null when nothing did). */
  evidence: Evidence | null;
  confidence: Confidence | null;
}

export const UNKNOWN: Classification = Object.freeze({
  vendor_id: null,
  vendor: null,
  country: null,
  owner_id: null,
  owner: null,
  owner_country: null,
  origin: 'unknown',
  licence: 'unknown',
  area: null,
  category: null,
  product_id: null,
  product: null,
  platform: false,
  rule: null,
  evidence: null,
  confidence: null,
});

/** Sources whose item name is itself the package name (for appx, the package identity name). */
const PACKAGE_NAMED_SOURCES = new Set<string>(['dpkg', 'rpm', 'snap', 'appx']);
/** Sources whose packages a distribution builds. */
const DISTRIBUTION_SOURCES = new Set<string>(['dpkg', 'rpm']);
/** Hardware lines that only ever name what hosts the machine. */
const HOSTING_PARTS = new Set<string>(['hypervisor', 'cloud']);

interface ProductRef {
  vendor: Vendor;
  product: Product;
}

/** The key of a local decision: the item's source, normalised name and normalised publisher. */
/**
 * A product as the method counts it (docs/methodology.md § 1): `vendor/product`, or for the items a
 * rule knows by their vendor alone, one product per vendor and category, `vendor/*category`.
 */
export const productKeyOf = (f: { vendor_id: string | null; product_id: string | null; category: string | null }) =>
  f.product_id ? `${f.vendor_id}/${f.product_id}` : `${f.vendor_id}/*${f.category ?? 'other'}`;

export const overrideKey = (source: string, name: string, publisher: string | null) =>
  `${source}\u0000${normalizeName(name)}\u0000${publisher ? normalizePublisher(publisher) : ''}`;

/**
 * Product names and patterns, per vendor (matched when the publisher names the vendor) and for all
 * vendors (the products that do not require their publisher).
 */
class NameTables {
  private readonly vendorNames = new Map<string, Map<string, ProductRef>>();
  private readonly vendorPatternEntries = new Map<string, { pattern: string; ref: ProductRef }[]>();
  private readonly vendorPatterns = new Map<string, PatternIndex<ProductRef>>();
  private readonly globalNames = new Map<string, ProductRef>();
  private readonly globalPatternEntries: { pattern: string; ref: ProductRef }[] = [];
  private globalPatterns = new PatternIndex<ProductRef>([]);

  addName(key: string, ref: ProductRef): void {
    let names = this.vendorNames.get(ref.vendor.id);
    if (!names) this.vendorNames.set(ref.vendor.id, (names = new Map()));
    if (!names.has(key)) names.set(key, ref);
    if (!ref.product.publisher_required && !this.globalNames.has(key)) this.globalNames.set(key, ref);
  }

  addPattern(pattern: string, ref: ProductRef): void {
    let entries = this.vendorPatternEntries.get(ref.vendor.id);
    if (!entries) this.vendorPatternEntries.set(ref.vendor.id, (entries = []));
    entries.push({ pattern, ref });
    if (!ref.product.publisher_required) this.globalPatternEntries.push({ pattern, ref });
  }

  compile(): void {
    for (const [id, entries] of this.vendorPatternEntries) this.vendorPatterns.set(id, new PatternIndex(entries));
    this.globalPatterns = new PatternIndex(this.globalPatternEntries);
  }

  /** The product a name designates: the publisher's vendor's first, then (if `global`) any vendor's. */
  find(vendor: Vendor | null, name: string, global: boolean): { ref: ProductRef; how: 'name' | 'pattern'; evidence: Evidence } | null {
    if (vendor) {
      const named = this.vendorNames.get(vendor.id)?.get(name);
      if (named) return { ref: named, how: 'name', evidence: 'name_publisher' };
      const patterned = this.vendorPatterns.get(vendor.id)?.match(name);
      if (patterned) return { ref: patterned, how: 'pattern', evidence: 'pattern_publisher' };
    }
    if (!global) return null;
    const named = this.globalNames.get(name);
    if (named) return { ref: named, how: 'name', evidence: 'name' };
    const patterned = this.globalPatterns.match(name);
    return patterned ? { ref: patterned, how: 'pattern', evidence: 'pattern' } : null;
  }
}

export class Classifier {
  readonly fingerprint: string;
  private readonly vendors: Map<string, Vendor>;
  /** The region of a country code (unknown codes are `other`). */
  readonly regionOf: (country: string | undefined) => Region;
  private readonly owners = new Map<string, Vendor>();
  private readonly byPackage = new Map<string, ProductRef>();
  private readonly byPublisher = new Map<string, Vendor>();
  private readonly publisherPatterns: PatternIndex<Vendor>;
  /** Names and patterns of software products, and apart those of hardware models. */
  private readonly software = new NameTables();
  private readonly hardware = new NameTables();
  private readonly hostingNames = new Map<string, ProductRef>();
  private readonly hostingPatterns: PatternIndex<ProductRef>;
  // Coverage: distribution indexes, Flatpak id prefixes, snap publisher accounts.
  private readonly distributions: { distribution: LoadedDistribution; vendor: Vendor; osPattern: RegExp; parent: LoadedDistribution | null }[] = [];
  private readonly flatpakPrefixes = new Map<string, Vendor>();
  private readonly snapPublishers = new Map<string, Vendor>();

  constructor(readonly rules: RuleSet) {
    const problems: RuleProblem[] = [];
    const problem = (vendorId: string, path: string, message: string) =>
      problems.push({
        file: rules.vendorFiles.get(vendorId) ?? vendorId,
        line: rules.lineOf(
          vendorId,
          path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
        ),
        path,
        message,
      });
    this.fingerprint = rules.fingerprint;
    this.vendors = rules.vendors;
    this.regionOf = (country) => (country ? (rules.countries.get(country)?.region ?? 'other') : 'other');

    const validRegex = (vendorId: string, path: string, pattern: string) => {
      try {
        new RegExp(pattern, 'u');
        if (/\(\?<[a-zA-Z]/.test(pattern)) {
          problem(vendorId, path, `named groups are not allowed in patterns: ${pattern}`);
          return false;
        }
        return true;
      } catch (error) {
        problem(vendorId, path, `invalid regular expression ${pattern}: ${(error as Error).message}`);
        return false;
      }
    };

    const publisherEntries: { pattern: string; ref: Vendor }[] = [];
    const hostingPatternEntries: { pattern: string; ref: ProductRef }[] = [];
    const productIds = new Map<string, string>();
    for (const vendor of rules.vendors.values()) {
      const owner = this.resolveOwner(vendor, rules.vendors, (message) => problem(vendor.id, 'owner', message));
      this.owners.set(vendor.id, owner);
      for (const code of [vendor.country, owner.country]) {
        if (code && !rules.countries.has(code)) problem(vendor.id, 'country', `unknown country code ${code} (not in countries.yaml)`);
      }
      for (const publisher of vendor.publishers) {
        const key = normalizePublisherName(publisher);
        const other = this.byPublisher.get(key);
        if (other && other.id !== vendor.id) problem(vendor.id, 'publishers', `publisher '${publisher}' is also claimed by vendor '${other.id}'`);
        else this.byPublisher.set(key, vendor);
      }
      vendor.publisher_patterns.forEach((pattern, i) => {
        if (validRegex(vendor.id, `publisher_patterns.${i}`, pattern)) publisherEntries.push({ pattern, ref: vendor });
      });
      vendor.products.forEach((product, p) => {
        const ref = { vendor, product };
        const where = `products.${p}`;
        const previous = productIds.get(product.id);
        if (previous) problem(vendor.id, `${where}.id`, `duplicate product id '${product.id}' (also in vendor '${previous}')`);
        productIds.set(product.id, vendor.id);
        if (product.hosting) {
          if (Object.keys(product.packages).length)
            problem(vendor.id, `${where}.packages`, 'a hosting platform is matched by hardware lines only: it has no packages');
          for (const name of product.names) {
            const key = normalizeName(name);
            if (key !== name) problem(vendor.id, `${where}.names`, `'${name}' is not normalised: write '${key}'`);
            const other = this.hostingNames.get(key);
            if (other) problem(vendor.id, `${where}.names`, `hosting name '${name}' is also claimed by ${other.vendor.id}/${other.product.id}`);
            else this.hostingNames.set(key, ref);
          }
          product.name_patterns.forEach((pattern, i) => {
            if (validRegex(vendor.id, `${where}.name_patterns.${i}`, pattern)) hostingPatternEntries.push({ pattern, ref });
          });
          return;
        }
        for (const [source, packages] of Object.entries(product.packages)) {
          for (const pkg of packages ?? []) {
            const key = `${source}\u0000${normalizePackage(pkg)}`;
            const other = this.byPackage.get(key);
            if (other) problem(vendor.id, `${where}.packages`, `${source} package '${pkg}' is also claimed by ${other.vendor.id}/${other.product.id}`);
            else this.byPackage.set(key, ref);
          }
        }
        const tables = product.hardware ? this.hardware : this.software;
        for (const name of product.names) {
          const key = normalizeName(name);
          if (key !== name) problem(vendor.id, `${where}.names`, `'${name}' is not normalised: write '${key}'`);
          tables.addName(key, ref);
        }
        product.name_patterns.forEach((pattern, i) => {
          if (validRegex(vendor.id, `${where}.name_patterns.${i}`, pattern)) tables.addPattern(pattern, ref);
        });
      });
    }
    this.publisherPatterns = new PatternIndex(publisherEntries);
    this.software.compile();
    this.hardware.compile();
    this.hostingPatterns = new PatternIndex(hostingPatternEntries);
    this.compileCoverage(rules, problem, problems);
    if (problems.length) throw new RulesError(problems);
  }

  private resolveOwner(vendor: Vendor, vendors: Map<string, Vendor>, report: (message: string) => void): Vendor {
    let current = vendor;
    const seen = new Set([vendor.id]);
    while (current.owner) {
      const next = vendors.get(current.owner);
      if (!next) {
        report(`unknown owner '${current.owner}' (no vendor with that id)`);
        break;
      }
      if (seen.has(next.id)) {
        report(`ownership cycle through '${next.id}'`);
        break;
      }
      seen.add(next.id);
      current = next;
    }
    return current;
  }

  /** Coverage: the distributions with their vendors, the Flatpak prefixes and the snap publishers. */
  private compileCoverage(rules: RuleSet, problem: (vendorId: string, path: string, message: string) => void, problems: RuleProblem[]): void {
    for (const distribution of rules.distributions.values()) {
      const vendor = rules.vendors.get(distribution.vendor);
      const parent = distribution.derived_from ? (rules.distributions.get(distribution.derived_from) ?? null) : null;
      const where = (message: string) =>
        problems.push({ file: 'distributions/distributions.yaml', line: null, path: `distributions.${distribution.id}`, message });
      if (!vendor) where(`unknown vendor '${distribution.vendor}'`);
      if (distribution.derived_from && !parent) where(`derived from unknown distribution '${distribution.derived_from}'`);
      let osPattern: RegExp | null = null;
      try {
        osPattern = new RegExp(distribution.os_pattern, 'u');
      } catch (error) {
        where(`invalid os_pattern: ${(error as Error).message}`);
      }
      if (vendor && osPattern) this.distributions.push({ distribution, vendor, osPattern, parent });
    }
    for (const vendor of rules.vendors.values()) {
      vendor.flatpak_prefixes.forEach((prefix, i) => {
        const key = prefix.toLowerCase();
        const other = this.flatpakPrefixes.get(key);
        if (other) problem(vendor.id, `flatpak_prefixes.${i}`, `Flatpak prefix '${prefix}' is also claimed by vendor '${other.id}'`);
        else this.flatpakPrefixes.set(key, vendor);
      });
      vendor.snap_publishers.forEach((account, i) => {
        const other = this.snapPublishers.get(account);
        if (other) problem(vendor.id, `snap_publishers.${i}`, `snap publisher '${account}' is also claimed by vendor '${other.id}'`);
        else this.snapPublishers.set(account, vendor);
      });
    }
  }

  private readonly distributionByOs = new Map<string, string | null>();

  /** The distribution (a distributions.yaml id) a host's OS name says, or null. */
  distributionOf(osName: string | null | undefined): string | null {
    if (!osName) return null;
    let found = this.distributionByOs.get(osName);
    if (found === undefined) {
      const name = normalizeName(osName);
      found = this.distributions.find((d) => d.osPattern.test(name))?.distribution.id ?? null;
      if (this.distributionByOs.size < 10_000) this.distributionByOs.set(osName, found);
    }
    return found;
  }

  /**
   * A dpkg or rpm package whose maintainer names no vendor, found in a distribution index: on a known host
   * distribution, its index (or its parent's: medium confidence); without one, the first
   * distribution of that format whose index holds the name (medium confidence).
   */
  private byDistributionIndex(source: string, pkg: string, hostDistribution: string | null | undefined): Classification | null {
    const key = normalizePackage(pkg);
    if (hostDistribution) {
      const host = this.distributions.find((d) => d.distribution.id === hostDistribution);
      if (!host || host.distribution.format !== source) return null;
      if (host.distribution.names.has(key)) return this.distributionResult(host, 'high');
      return host.parent?.names.has(key) ? this.distributionResult(host, 'medium') : null;
    }
    for (const candidate of this.distributions) {
      if (candidate.distribution.format === source && candidate.distribution.names.has(key)) return this.distributionResult(candidate, 'medium');
    }
    return null;
  }

  private distributionResult(d: Classifier['distributions'][number], confidence: Confidence): Classification {
    return { ...this.result(d.vendor, null, 'distribution-index', 'distribution_index', confidence), rule: `distribution-index:${d.distribution.id}` };
  }

  /** The vendor of a Flatpak application id by its longest claimed reverse-DNS prefix. */
  private vendorOfFlatpakId(id: string): Vendor | null {
    const parts = id.toLowerCase().split('.');
    for (let n = parts.length - 1; n >= 2; n--) {
      const vendor = this.flatpakPrefixes.get(parts.slice(0, n).join('.'));
      if (vendor) return vendor;
    }
    return null;
  }

  /** The vendor a publisher string names, if any. */
  vendorOfPublisher(publisher: string | null | undefined): Vendor | null {
    if (!publisher) return null;
    const full = normalizePublisher(publisher);
    if (!full) return null;
    return this.byPublisher.get(normalizePublisherName(publisher)) ?? this.byPublisher.get(full) ?? this.publisherPatterns.match(full);
  }

  private readonly overrides = new Map<string, ProductRef>();

  /** A local decision: the item with this key (source, name, publisher) is that product. */
  override(key: string, vendorId: string, productId: string): void {
    const vendor = this.vendors.get(vendorId);
    const product = vendor?.products.find((p) => p.id === productId);
    if (vendor && product) this.overrides.set(key, { vendor, product });
  }

  classify(item: ItemToClassify): Classification {
    if (this.overrides.size) {
      const decided = this.overrides.get(overrideKey(item.source ?? '', item.name, item.publisher ?? null));
      if (decided) return this.result(decided.vendor, decided.product, 'local', 'local');
    }
    const name = normalizeName(item.name);
    const source = item.source ?? null;
    if (source === 'hardware') {
      const hosting = this.hostingNames.get(name) ?? this.hostingPatterns.match(name);
      if (hosting) return this.result(hosting.vendor, hosting.product, 'hosting', 'platform');
      if (HOSTING_PARTS.has(item.package ?? '')) return UNKNOWN;
    }
    // Coverage: a snap's publisher account, a Flatpak id's domain, name the vendor.
    const pkgId = item.package ?? (source && PACKAGE_NAMED_SOURCES.has(source) ? item.name : null);
    const appVendor =
      source === 'snap' && item.publisher
        ? this.snapPublishers.get(item.publisher.toLowerCase())
        : source === 'flatpak' && pkgId
          ? this.vendorOfFlatpakId(pkgId)
          : undefined;
    const vendor = appVendor ?? this.vendorOfPublisher(item.publisher);
    const distributionPackage = !!source && DISTRIBUTION_SOURCES.has(source);
    const distributionBuild = distributionPackage && !!vendor?.distribution;
    // A distribution's bare name ("Debian") is an agent's label, which a vendor's own repository
    // package may carry; a maintainer with a mailbox (Debian Go Packaging Team <@tracker.debian.org>)
    // is the archive's own field: that build is the distribution's, whoever ships one too.
    const distributionMaintained = distributionBuild && !!item.publisher && splitPublisher(item.publisher).domain !== null;
    const pkg = pkgId;
    if (source && pkg) {
      const ref = this.byPackage.get(`${source}\u0000${normalizePackage(pkg)}`);
      if (ref && (!distributionBuild || ref.vendor === vendor || (ref.product.shipped_in_distributions && !distributionMaintained)))
        return this.result(ref.vendor, ref.product, 'package', 'package');
      // Coverage: a distribution's own package, reported without a maintainer or with one that
      // names no vendor (a person's mailbox, as most of Debian's are): the index says whose it is.
      if (!vendor && distributionPackage) {
        const distributed = this.byDistributionIndex(source, pkg, item.distribution);
        if (distributed) return distributed;
      }
    }
    const found = (source === 'hardware' ? this.hardware.find(vendor, name, true) : null) ?? this.software.find(vendor, name, !distributionPackage);
    if (found) return this.result(found.ref.vendor, found.ref.product, found.how, found.evidence);
    const how = appVendor && source === 'flatpak' ? 'flatpak-prefix' : 'publisher';
    // A package's maintainer field is written by its repository: as telling as a distribution index.
    const evidence: Evidence = how === 'flatpak-prefix' ? 'app_id_domain' : distributionPackage ? 'maintainer' : 'publisher';
    return this.publisherResult(vendor, how, evidence);
  }

  /** An item recognised by its publisher (or app id's domain) alone. */
  private publisherResult(vendor: Vendor | null, how: string, evidence: Evidence): Classification {
    if (vendor?.defaults) return this.result(vendor, null, how, evidence);
    // A known publisher without defaults says who, but not what: keep the vendor, the rest unknown.
    if (vendor) return { ...this.result(vendor, null, how, evidence), licence: 'unknown', area: null, category: null };
    return UNKNOWN;
  }

  /** The classification a vendor gives on its own (origin from its ultimate owner), by vendor id. */
  classifyVendor(id: string): Classification | null {
    const vendor = this.vendors.get(id);
    return vendor ? this.result(vendor, null, 'vendor', 'vendor') : null;
  }

  private result(vendor: Vendor, product: Product | null, how: string, evidence: Evidence, confidence: Confidence = CONFIDENCE_OF[evidence]): Classification {
    const owner = this.owners.get(vendor.id) ?? vendor;
    const kind = vendor.kind === 'community' ? 'community' : owner.kind === 'community' ? 'company' : owner.kind;
    return {
      vendor_id: vendor.id,
      vendor: vendor.name,
      country: vendor.country ?? null,
      owner_id: owner.id === vendor.id ? null : owner.id,
      owner: owner.id === vendor.id ? null : owner.name,
      owner_country: owner.country ?? null,
      origin: originOf(kind, this.regionOf(owner.country)),
      licence: product?.licence ?? vendor.defaults?.licence ?? 'unknown',
      area: product?.area ?? vendor.defaults?.area ?? null,
      category: product?.category ?? vendor.defaults?.category ?? null,
      product_id: product?.id ?? null,
      product: product?.name ?? null,
      platform: product?.platform ?? vendor.defaults?.platform ?? false,
      rule: product ? `${vendor.id}/${product.id}:${how}` : `${vendor.id}:${how}`,
      evidence,
      confidence,
    };
  }

  get vendorCount(): number {
    return this.vendors.size;
  }

  vendor(id: string): Vendor | undefined {
    return this.vendors.get(id);
  }

  product(vendorId: string, productId: string): Product | undefined {
    return this.vendors.get(vendorId)?.products.find((p) => p.id === productId);
  }

  /** The alternatives a product names, resolved from the alternatives library. */
  alternativesOf(vendorId: string, productId: string): (Alternative & { category: string })[] {
    const product = this.product(vendorId, productId);
    return (product?.alternatives ?? []).map((id) => this.rules.alternatives.get(id)).filter((a): a is Alternative & { category: string } => !!a);
  }

  /** The vendor that ultimately controls this one, or null when it is independent. */
  ultimateOwner(id: string): Vendor | null {
    const owner = this.owners.get(id);
    return owner && owner.id !== id ? owner : null;
  }
}
