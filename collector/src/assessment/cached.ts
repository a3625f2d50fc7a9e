// The assessment and the map kept computed per data version: the overview, the report and the API
// read them at each view, and computing the whole assessment takes a few hundred milliseconds at
// 50,000 hosts. Every change of what they read bumps the data version in its own transaction
// (store/db.ts, `bumpDataVersion`; migration 25's triggers), so a figure computed at one version is
// right until the next, in every process sharing the database. The version is read in the same
// snapshot as the figures are computed in: a computation never stands for a later version.
// Only language-independent data is kept; pages render it in each language.
import type { Classifier } from '../classify/classifier.ts';
import type { MinConfidence } from '../classify/evidence.ts';
import { computeMap, type DependencyMap } from '../map/map.ts';
import { dataVersion, type Db } from '../store/db.ts';
import { readSnapshot } from '../store/dialect.ts';
import { computeAssessment, type Assessment, type AssessmentOptions } from './compute.ts';

/** Results kept per database: those of its newest data version seen, by key. */
interface VersionCache {
  version: bigint;
  results: Map<string, Promise<unknown>>;
}

const caches = new WeakMap<Db, VersionCache>();

/** Keys kept for one version (arguments differ: years, list limits, confidence levels). */
const MAX_KEYS = 64;

/**
 * `compute`'s result for the data as they are, computed once per data version and `key` (which
 * must say every argument `compute` depends on, the rules' fingerprint included). `compute` reads
 * through the snapshot it is given. Each caller gets its own copy.
 */
export async function cachedByDataVersion<T>(db: Db, key: string, compute: (snapshot: Db) => Promise<T>): Promise<T> {
  const result = await readSnapshot(db, async (snapshot) => {
    const version = await dataVersion(snapshot);
    if (version === undefined) return compute(snapshot);
    let cache = caches.get(db);
    if (!cache || version > cache.version) caches.set(db, (cache = { version, results: new Map() }));
    // A snapshot older than the newest version seen: computed, not kept.
    if (version < cache.version) return compute(snapshot);
    let pending = cache.results.get(key) as Promise<T> | undefined;
    if (!pending) {
      if (cache.results.size >= MAX_KEYS) cache.results.delete(cache.results.keys().next().value!);
      pending = compute(snapshot);
      cache.results.set(key, pending);
      const kept = cache;
      pending.catch(() => kept.results.get(key) === pending && kept.results.delete(key));
    }
    return pending;
  });
  return structuredClone(result);
}

/** The assessment (assessment/compute.ts), computed once per data version. */
export async function cachedAssessment(db: Db, classifier: Classifier, options: AssessmentOptions = {}): Promise<Assessment> {
  // Without a year, the default depends on today's year too.
  const year = options.year ?? `current:${new Date().getUTCFullYear()}`;
  return cachedByDataVersion(db, `assessment\u0000${classifier.fingerprint}\u0000${year}`, (snapshot) => computeAssessment(snapshot, classifier, options));
}

/** The map (map/map.ts), computed once per data version. */
export async function cachedMap(
  db: Db,
  classifier: Classifier,
  options: { unclassifiedLimit?: number; confidence?: MinConfidence } = {},
): Promise<DependencyMap> {
  const key = `map\u0000${classifier.fingerprint}\u0000${options.unclassifiedLimit ?? ''}\u0000${options.confidence ?? 'all'}`;
  return cachedByDataVersion(db, key, (snapshot) => computeMap(snapshot, classifier, options));
}
