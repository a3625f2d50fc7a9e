// The rules commons checked as data, as `tiebreak-collector rules check` does: the tree validates,
// every reference resolves, and every product matches each of its examples and none of its
// counterexamples (an example won by another rule is reported as shadowed).
import { describe, expect, it } from 'vitest';
import { checkRules } from '../collector/src/classify/check-rules.ts';
import { DEFAULT_RULES_DIR, formatProblem } from '../collector/src/classify/load-rules.ts';

describe('the shipped rules tree', () => {
  const result = checkRules([DEFAULT_RULES_DIR]);

  it('has no problem: schema, ids, countries, regexes, references, examples', () => {
    expect(result.problems.map(formatProblem)).toEqual([]);
  });

  it('checks a real corpus, every product with examples', () => {
    expect(result.vendors).toBeGreaterThanOrEqual(400);
    expect(result.examples).toBeGreaterThanOrEqual(result.products);
    expect(result.alternatives).toBeGreaterThanOrEqual(80);
  });
});
