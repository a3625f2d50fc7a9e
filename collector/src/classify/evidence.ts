// What a classification rests on, and how far it can be trusted. Every result names its evidence
// (what matched) and a confidence level derived from it; the README's "Evidence and confidence"
// section says the same in words, for the people who read the map.

export const EVIDENCE = [
  /** A person decided it in the web interface (a local rule). */
  'local',
  /** The item's package name in its source (dpkg, rpm, snap, flatpak, appx...), named by a rule. */
  'package',
  /** The host's distribution index holds the package and no third-party rule claims it. */
  'distribution_index',
  /** The exact product name, among the products of the vendor its publisher names. */
  'name_publisher',
  /** A product name pattern, among the products of the vendor its publisher names. */
  'pattern_publisher',
  /** The maintainer (or packager) of a dpkg or rpm package names the vendor; no product of it matched. */
  'maintainer',
  /** A hardware line names the platform that hosts the machine (container, hypervisor, cloud). */
  'platform',
  /** The reverse-DNS prefix of a Flatpak application id names the vendor's domain. */
  'app_id_domain',
  /** The publisher names a vendor; no product of it matched. */
  'publisher',
  /** A distinctive product name alone, whatever the publisher. */
  'name',
  /** A product name pattern alone, whatever the publisher. */
  'pattern',
  /** The vendor itself (an alternative's vendor, not an inventoried item). */
  'vendor',
] as const;
export type Evidence = (typeof EVIDENCE)[number];

export const CONFIDENCES = ['high', 'medium', 'low'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

/**
 * high: the item names itself unambiguously (its package, its exact name and its publisher, its
 * distribution's own index) or a person decided. medium: who published it is sure, what it is less
 * so. low: a name or a pattern alone, which another vendor's item could share.
 */
export const CONFIDENCE_OF: Readonly<Record<Evidence, Confidence>> = {
  local: 'high',
  package: 'high',
  distribution_index: 'high',
  name_publisher: 'high',
  pattern_publisher: 'medium',
  maintainer: 'high',
  platform: 'high',
  app_id_domain: 'medium',
  publisher: 'medium',
  name: 'low',
  pattern: 'low',
  vendor: 'high',
};

/** The levels a filter may ask for at least (`low` would be no filter). */
export const MIN_CONFIDENCES = ['high', 'medium'] as const;
export type MinConfidence = (typeof MIN_CONFIDENCES)[number];

export const isMinConfidence = (value: unknown): value is MinConfidence => typeof value === 'string' && (MIN_CONFIDENCES as readonly string[]).includes(value);

/** The levels at or above a minimum. */
export const confidencesFrom = (minimum: MinConfidence): Confidence[] => CONFIDENCES.slice(0, CONFIDENCES.indexOf(minimum) + 1);

export const isConfidence = (value: unknown): value is Confidence => typeof value === 'string' && (CONFIDENCES as readonly string[]).includes(value);
