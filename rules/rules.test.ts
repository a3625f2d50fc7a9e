// The rules commons checked as data: the tree validates, and every product matches each example it
// carries and none of its counterexamples.
import { describe, expect, it } from 'vitest';
import { Classifier } from '../collector/src/classify/classifier.ts';
import { DEFAULT_RULES_DIR, formatProblem, loadRuleTrees } from '../collector/src/classify/load-rules.ts';
import { classifyItem } from '../collector/src/ingest/ingest.ts';

const rules = loadRuleTrees([DEFAULT_RULES_DIR]);

describe('the shipped rules tree', () => {
  it('validates', () => {
    expect(rules.problems.map(formatProblem)).toEqual([]);
    expect(() => new Classifier(rules)).not.toThrow();
  });

  const classifier = new Classifier(rules);
  const cases = [...rules.vendors.values()].flatMap((vendor) =>
    vendor.products.flatMap((product) => [
      ...product.examples.map((example) => ({ vendor, product, example, expected: true })),
      ...product.counterexamples.map((example) => ({ vendor, product, example, expected: false })),
    ]),
  );

  it.each(cases.map((c) => [`${c.vendor.id}/${c.product.id} ${c.expected ? 'matches' : 'does not match'} ${JSON.stringify(c.example)}`, c] as const))('%s', (_, c) => {
    const item = {
      kind: c.example.source === 'os' ? ('os' as const) : c.example.source === 'hardware' ? ('hardware' as const) : ('software' as const),
      source: c.example.source ?? 'registry',
      role: (c.example.source === 'os' || c.example.source === 'hardware' ? 'workstation' : '') as '' | 'workstation',
      name: c.example.name,
      publisher: c.example.publisher ?? null,
      package: c.example.package ?? null,
    };
    const result = classifyItem(classifier, item);
    if (c.expected) expect(`${result.vendor_id}/${result.product_id}`).toBe(`${c.vendor.id}/${c.product.id}`);
    else expect(`${result.vendor_id}/${result.product_id}`).not.toBe(`${c.vendor.id}/${c.product.id}`);
  });
});
