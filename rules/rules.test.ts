// The rules commons checked as data, as `tiebreak-collector rules check` does: the tree validates,
// every reference resolves, and every product matches each of its examples and none of its
// counterexamples (an example won by another rule is reported as shadowed).
import { describe, expect, it } from 'vitest';
import { checkRules } from '../collector/src/classify/check-rules.ts';
import { Classifier } from '../collector/src/classify/classifier.ts';
import { DEFAULT_RULES_DIR, formatProblem, loadRuleTrees } from '../collector/src/classify/load-rules.ts';
import { readCorpus } from '../collector/src/classify/negative-corpus.ts';

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

// Every package of Debian's archive is Debian's build. A vendor's publisher string or pattern that
// takes one by its maintainer alone (no product of the vendor names it) reads a person's or a team's
// mailbox as a vendor: 159 Debian packages kept by Ubuntu developers in person came out as Canonical's.
describe("the negative corpus's Debian packages, classified with their maintainers", () => {
  it('go to Debian, or to the product a vendor names, but never to a vendor by the maintainer alone', () => {
    const classifier = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR]));
    const byMaintainer = readCorpus([DEFAULT_RULES_DIR])
      .lines.filter((line) => line.source === 'dpkg' && line.publisher)
      .map((line) => ({ line, result: classifier.classify({ name: line.name, publisher: line.publisher, source: 'dpkg' }) }))
      .filter(({ result }) => result.vendor_id !== 'debian' && !result.product_id)
      .map(({ line, result }) => `${line.name} ${result.vendor_id}`);
    // Known and accepted: four packages Debian's archive lists with Ubuntu's own team address as
    // maintainer, and three by PuTTY's author, whose name is PuTTY's Windows publisher string; both
    // keep a non-US origin (Canonical, a community) and name no product.
    expect(byMaintainer.sort()).toEqual([
      'chroma putty-project',
      'chroma-curses putty-project',
      'chroma-data putty-project',
      'csh canonical',
      'fwbuilder canonical',
      'fwbuilder-common canonical',
      'fwbuilder-doc canonical',
    ]);
  });
});
