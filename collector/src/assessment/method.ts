// The formulas of the dependency assessment, exactly as docs/methodology.md writes them. Pure
// functions of rule facts and counts: the tests pin each one, and the document names each constant.
import type { Alternative, Licence, Maturity, Migration, Origin, Region } from '@tiebreak/shared';

/**
 * Weight of an origin in the dependency score, from 0 (no dependency) to 1 (full exposure).
 * A European brand owned from outside Europe weighs less than a foreign company only because its
 * staff, data centres and contracts are often in Europe: it stays `non_eu` in every share.
 */
export const ORIGIN_WEIGHT = {
  non_eu: 1,
  non_eu_european_brand: 0.75,
  europe: 0.5,
  eu_proprietary: 0.25,
  eu_open_source: 0,
  community: 0.1,
} as const;

export const MATURITY_FACTOR: Record<Maturity, number> = { mature: 1, usable: 0.6, emerging: 0.3 };
export const MIGRATION_FACTOR: Record<Migration, number> = { easy: 1, moderate: 0.7, hard: 0.4 };
/** Below this replaceability a dependency is "hard to replace". */
export const HARD_TO_REPLACE = 0.5;
export const CRITICAL_LEVEL = 3;

/** The weight of an item's origin, or null for an unknown item (reported as uncertainty). */
export function originWeight(origin: Origin, licence: Licence, headquartersRegion: Region | null): number | null {
  switch (origin) {
    case 'unknown':
      return null;
    case 'community':
      return ORIGIN_WEIGHT.community;
    case 'eu':
      return licence === 'open_source' ? ORIGIN_WEIGHT.eu_open_source : ORIGIN_WEIGHT.eu_proprietary;
    case 'europe':
      return ORIGIN_WEIGHT.europe;
    case 'non_eu':
      return headquartersRegion === 'eea' || headquartersRegion === 'europe' ? ORIGIN_WEIGHT.non_eu_european_brand : ORIGIN_WEIGHT.non_eu;
  }
}

/** Why an alternative cannot replace a product; null when it can. */
export type Misfit = 'other_category' | 'same_vendor' | 'not_european_or_community' | 'not_lower';

/**
 * An alternative replaces a product when it is of the product's category, of another vendor and
 * owner, and lowers the dependency: its origin is European (EU/EEA or Europe outside it) or
 * community, and its origin weight is below the product's.
 */
export function alternativeMisfit(
  product: { category: string | null; vendors: ReadonlySet<string>; weight: number },
  alternative: { category: string; also_for?: readonly string[]; vendors: readonly string[]; origin: Origin; weight: number | null },
): Misfit | null {
  if (alternative.category !== product.category && !(product.category !== null && alternative.also_for?.includes(product.category))) return 'other_category';
  if (alternative.vendors.some((v) => product.vendors.has(v))) return 'same_vendor';
  if (alternative.origin !== 'eu' && alternative.origin !== 'europe' && alternative.origin !== 'community') return 'not_european_or_community';
  if (alternative.weight === null || alternative.weight >= product.weight) return 'not_lower';
  return null;
}

export interface Replaceability {
  /** 0 (no alternative that lowers the dependency) to 1 (a mature one, easy to move to). */
  score: number;
  /** The alternative that gives the score, if any. */
  best: { id: string; name: string; maturity: Maturity; migration: Migration } | null;
}

/**
 * Replaceability: the best alternative's maturity factor times its migration factor, over the
 * alternatives that replace the product (see alternativeMisfit). Ties go to the alternative listed
 * first (the product's own list comes before its category's).
 */
export function replaceability(
  alternatives: readonly Pick<Alternative, 'id' | 'name' | 'maturity' | 'migration'>[],
  categoryMigration: Migration,
): Replaceability {
  let result: Replaceability = { score: 0, best: null };
  for (const alternative of alternatives) {
    const migration = alternative.migration ?? categoryMigration;
    const score = round(MATURITY_FACTOR[alternative.maturity] * MIGRATION_FACTOR[migration], 4);
    if (score > result.score) result = { score, best: { id: alternative.id, name: alternative.name, maturity: alternative.maturity, migration } };
  }
  return result;
}

/** The candidates to replace a product: those it names, then its category's library, each once. */
export function candidateAlternatives<T extends Pick<Alternative, 'id'>>(named: readonly T[], library: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const alternative of [...named, ...library]) {
    if (seen.has(alternative.id)) continue;
    seen.add(alternative.id);
    out.push(alternative);
  }
  return out;
}

/** Exposure of one product, 0 to 100: how dependent the authority is on it today, 100 × w × c / 3. */
export function exposureScore(weight: number, criticality: number): number {
  return round(100 * weight * (criticality / 3), 2);
}

/** Priority of one product, 0 to 100: its exposure where no alternative relieves it, 100 × w × c/3 × (1 − r). */
export function priorityScore(weight: number, criticality: number, replaceabilityScore: number): number {
  return round(100 * weight * (criticality / 3) * (1 - replaceabilityScore), 2);
}

/**
 * The index weight of a declared asset no agent sees: the hosts its users (or seats) can work on,
 * that is its users capped by the fleet's hosts, and at least 1.
 */
export function declaredWeight(users: number, fleetHosts: number): number {
  return Math.max(1, Math.min(users, fleetHosts));
}

/** An index over products: their scores weighted by their index weights. Null when nothing is known. */
export function weightedIndex(items: readonly { score: number; weight: number }[]): number | null {
  let weights = 0;
  let sum = 0;
  for (const item of items) {
    weights += item.weight;
    sum += item.weight * item.score;
  }
  return weights ? round(sum / weights, 2) : null;
}

/**
 * Lock-in, 0 to 100: the share of today's exposure that no alternative relieves,
 * 100 × Σ (weight × priority) ÷ Σ (weight × exposure). Null when nothing is exposed.
 */
export function lockInIndex(items: readonly { exposure: number; priority: number; weight: number }[]): number | null {
  let exposed = 0;
  let locked = 0;
  for (const item of items) {
    exposed += item.weight * item.exposure;
    locked += item.weight * item.priority;
  }
  return exposed ? round((100 * locked) / exposed, 2) : null;
}

/**
 * The range the index could take if the unknown items were known: from all of them scoring 0 to all
 * of them scoring 100. Unknown items are never counted as either.
 */
export function indexRange(items: readonly { score: number; weight: number }[], unknownWeight: number): { low: number; high: number } | null {
  let known = 0;
  let sum = 0;
  for (const item of items) {
    known += item.weight;
    sum += item.weight * item.score;
  }
  const total = known + unknownWeight;
  if (!total) return null;
  return { low: round(sum / total, 2), high: round((sum + 100 * unknownWeight) / total, 2) };
}

// The EU Cloud Sovereignty Framework's objectives that an inventory can fill on its own.
export type ObjectiveState = 'met' | 'partial' | 'not_met' | 'not_applicable' | 'unknown';
export interface SealAssessment {
  /** SEAL-0 to SEAL-4, by the weakest link; null for community projects and unknown items. */
  level: number | null;
  objectives: { 'SOV-1': ObjectiveState; 'SOV-2': ObjectiveState; 'SOV-5': ObjectiveState; 'SOV-6': ObjectiveState };
}

/**
 * SOV-1 ownership and control, SOV-2 jurisdiction of the owner, SOV-5 hardware origin (hardware
 * only), SOV-6 open source; the level is set by the weakest of ownership, jurisdiction and licence.
 */
export function seal(facts: {
  origin: Origin;
  licence: Licence;
  headquartersRegion: Region | null;
  ownerLaws: readonly string[];
  hardware: boolean;
}): SealAssessment {
  const { origin, licence, headquartersRegion } = facts;
  const sov6: ObjectiveState = licence === 'open_source' ? 'met' : licence === 'proprietary' ? 'not_met' : 'unknown';
  if (origin === 'unknown')
    return { level: null, objectives: { 'SOV-1': 'unknown', 'SOV-2': 'unknown', 'SOV-5': facts.hardware ? 'unknown' : 'not_applicable', 'SOV-6': sov6 } };
  if (origin === 'community')
    return {
      level: null,
      objectives: { 'SOV-1': 'not_applicable', 'SOV-2': 'not_applicable', 'SOV-5': facts.hardware ? 'unknown' : 'not_applicable', 'SOV-6': sov6 },
    };
  const sov1: ObjectiveState = origin === 'eu' ? 'met' : origin === 'europe' ? 'partial' : 'not_met';
  const sov2: ObjectiveState = facts.ownerLaws.length ? 'not_met' : origin === 'eu' ? 'met' : 'partial';
  const sov5: ObjectiveState = facts.hardware ? sov1 : 'not_applicable';
  let level: number;
  if (origin === 'eu') level = licence === 'open_source' ? 4 : 3;
  else if (origin === 'europe') level = 2;
  else level = headquartersRegion === 'eea' || headquartersRegion === 'europe' ? 1 : 0;
  return { level, objectives: { 'SOV-1': sov1, 'SOV-2': sov2, 'SOV-5': sov5, 'SOV-6': sov6 } };
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Share in percent, two decimals; null when there is nothing to share. */
export function percent(part: number, whole: number): number | null {
  return whole ? round((100 * part) / whole, 2) : null;
}
