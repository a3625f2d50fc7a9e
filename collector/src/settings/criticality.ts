// The DSI's criticality levels (1 low, 2 medium, 3 high), set per category (over the rules'
// default) or per product; the assessment weighs dependencies with them (assessment/compute.ts).
import type { Classifier } from '../classify/classifier.ts';
import type { RuleSet } from '../classify/load-rules.ts';
import { DomainError } from '../errors.ts';
import { rows, run, sql, type Db } from '../store/db.ts';

export const CRITICALITY_LEVELS = [1, 2, 3] as const;
const isLevel = (level: number) => (CRITICALITY_LEVELS as readonly number[]).includes(level);

export interface CriticalitySettings {
  /** Category id → level, where the DSI changed the rules' default. */
  categories: Map<string, number>;
  /** `vendor/product` → level. */
  products: Map<string, number>;
}

export async function criticalitySettings(db: Db): Promise<CriticalitySettings> {
  const found = await rows<{ scope: string; key: string; level: number }>(db, sql`SELECT scope, key, level FROM criticality`);
  const settings: CriticalitySettings = { categories: new Map(), products: new Map() };
  for (const r of found) (r.scope === 'category' ? settings.categories : settings.products).set(r.key, Number(r.level));
  return settings;
}

async function setLevel(db: Db, scope: 'category' | 'product', key: string, level: number | null): Promise<void> {
  if (level === null) await run(db, sql`DELETE FROM criticality WHERE scope = ${scope} AND key = ${key}`);
  else
    await run(
      db,
      sql`INSERT INTO criticality (scope, key, level) VALUES (${scope}, ${key}, ${level}) ON CONFLICT (scope, key) DO UPDATE SET level = excluded.level`,
    );
}

/**
 * The categories' levels as the settings form sends them (category id → level); unknown categories
 * and levels are ignored, a level equal to the rules' default is stored as none. The changes made,
 * as `id=level`.
 */
export async function setCategoryLevels(db: Db, rules: RuleSet, levels: Map<string, number>): Promise<string[]> {
  const current = (await criticalitySettings(db)).categories;
  const changed: string[] = [];
  for (const [id, level] of levels) {
    const category = rules.categories.get(id);
    if (!category || !isLevel(level)) continue;
    if ((current.get(id) ?? category.criticality) !== level) changed.push(`${id}=${level}`);
    await setLevel(db, 'category', id, level === category.criticality ? null : level);
  }
  return changed;
}

/** A product's level (`vendor/product` of the rules), or back to its category's with null. */
export async function setProductLevel(db: Db, classifier: Classifier, key: string, level: number | null): Promise<void> {
  const [vendorId, productId] = key.split('/');
  if (!vendorId || !productId || !classifier.product(vendorId, productId))
    throw new DomainError('invalid', `unknown product ${key}`, 'unknownProduct', { product: key });
  await setLevel(db, 'product', key, level !== null && isLevel(level) ? level : null);
}
