// Which alternatives can replace a product (docs/methodology.md § 3): one place for the
// assessment's replaceability, the scenario and the pages that list alternatives.
import { originOf, type Alternative, type Origin } from '@tiebreak/shared';
import type { Classifier } from '../classify/classifier.ts';
import { alternativeMisfit, candidateAlternatives, originWeight, type Misfit } from './method.ts';

export type LibraryAlternative = Alternative & { category: string };

/** An alternative as offered for a product (the library's entry), with the origin that makes it lower the dependency. */
export interface OfferedAlternative extends LibraryAlternative {
  origin: Origin;
  origin_weight: number;
  /** Named by the product in the rules, or drawn from its category's library. */
  from: 'product' | 'category';
}

/** The product an alternative would replace: its vendor, its category and its origin weight. */
export interface ReplacedProduct {
  vendor_id: string;
  product_id: string | null;
  category: string | null;
  origin_weight: number;
}

/**
 * An alternative's origin: its vendor's in the rules (by the ultimate owner), else a company of its
 * country, else community for open source without a country, else unknown. Its weight uses its own
 * licence (an EU open-source alternative weighs 0).
 */
export function alternativeOrigin(classifier: Classifier, alternative: LibraryAlternative): { origin: Origin; weight: number | null; vendors: string[] } {
  const byVendor = alternative.vendor ? classifier.classifyVendor(alternative.vendor) : null;
  const country = byVendor?.country ?? alternative.country ?? null;
  const region = country ? classifier.regionOf(country) : null;
  const origin: Origin =
    byVendor?.origin ??
    (alternative.country ? originOf('company', classifier.regionOf(alternative.country)) : alternative.licence === 'open_source' ? 'community' : 'unknown');
  const owner = alternative.vendor ? classifier.ultimateOwner(alternative.vendor) : null;
  const vendors = [...(alternative.vendor ? [alternative.vendor] : []), ...(owner ? [owner.id] : [])];
  return { origin, weight: originWeight(origin, alternative.licence, region), vendors };
}

const libraries = new WeakMap<Classifier, Map<string, LibraryAlternative[]>>();
function libraryOf(classifier: Classifier, category: string): LibraryAlternative[] {
  let byCategory = libraries.get(classifier);
  if (!byCategory) {
    byCategory = new Map();
    for (const alternative of classifier.rules.alternatives.values())
      for (const category of [alternative.category, ...alternative.also_for]) byCategory.set(category, [...(byCategory.get(category) ?? []), alternative]);
    libraries.set(classifier, byCategory);
  }
  return byCategory.get(category) ?? [];
}

/** Why an alternative cannot replace the product; null when it can. */
export function misfitOf(classifier: Classifier, product: ReplacedProduct, alternative: LibraryAlternative): Misfit | null {
  const owner = classifier.ultimateOwner(product.vendor_id);
  const own = new Set([product.vendor_id, ...(owner ? [owner.id] : [])]);
  return alternativeMisfit(
    { category: product.category, vendors: own, weight: product.origin_weight },
    { category: alternative.category, also_for: alternative.also_for, ...alternativeOrigin(classifier, alternative) },
  );
}

/**
 * The alternatives that replace a product, best candidates first as the method orders them: those
 * the product names, then its category's library; only those of its category, of another vendor
 * and owner, European or community and of a lower origin weight.
 */
export function alternativesFor(classifier: Classifier, product: ReplacedProduct): OfferedAlternative[] {
  const named = product.product_id ? classifier.alternativesOf(product.vendor_id, product.product_id) : [];
  const namedIds = new Set(named.map((a) => a.id));
  const library = product.category ? libraryOf(classifier, product.category) : [];
  const out: OfferedAlternative[] = [];
  for (const alternative of candidateAlternatives(named, library)) {
    if (misfitOf(classifier, product, alternative)) continue;
    const { origin, weight } = alternativeOrigin(classifier, alternative);
    out.push({ ...alternative, origin, origin_weight: weight!, from: namedIds.has(alternative.id) ? 'product' : 'category' });
  }
  return out;
}

/** The alternatives of a product of the rules, for the pages that show a product alone. */
export function alternativesOfProduct(classifier: Classifier, vendorId: string, productId: string): OfferedAlternative[] {
  const product = classifier.product(vendorId, productId);
  const facts = classifier.classifyVendor(vendorId);
  if (!product || !facts) return [];
  const vendor = classifier.vendor(vendorId);
  const weight = originWeight(facts.origin, product.licence, vendor?.country ? classifier.regionOf(vendor.country) : null) ?? 1;
  return alternativesFor(classifier, { vendor_id: vendorId, product_id: productId, category: product.category, origin_weight: weight });
}
