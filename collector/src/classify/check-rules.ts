// `tiebreak-collector rules check`: everything that can be wrong in a rules tree, with file and line.
// Beyond the schema: unknown ids, country codes, duplicates, regexes that do not compile (all found
// while compiling), every product's examples, which must be classified as that product (an
// example won by another rule means that rule shadows this one), the matching policy and the
// negative corpus (negative-corpus.ts).
import type { Example, MatchSource } from '@tiebreak/shared';
import { classifyItem } from '../ingest/ingest.ts';
import type { CatalogueItem } from '../ingest/items.ts';
import { Classifier } from './classifier.ts';
import { RulesError, loadRuleTrees, type RuleProblem, type RuleSet } from './load-rules.ts';
import { corpusProblems, policyProblems, readCommonWords, readCorpus, shippedPackageProblems } from './negative-corpus.ts';

/** An example as the catalogue would see it: OS and hardware examples as a workstation's. */
export function exampleItem(example: Example): CatalogueItem {
  const source: MatchSource = example.source ?? 'registry';
  const kind = source === 'os' ? 'os' : source === 'hardware' ? 'hardware' : 'software';
  return {
    kind,
    source,
    role: kind === 'software' ? '' : 'workstation',
    name: example.name,
    publisher: example.publisher ?? null,
    package: example.package ?? null,
  };
}

function referenceProblems(rules: RuleSet): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const at = (vendorId: string, path: (string | number)[], message: string) =>
    problems.push({ file: rules.vendorFiles.get(vendorId) ?? vendorId, line: rules.lineOf(vendorId, path), path: path.join('.'), message });
  const checkCategories = rules.categories.size > 0;
  for (const vendor of rules.vendors.values()) {
    if (checkCategories && vendor.defaults && !rules.categories.has(vendor.defaults.category))
      at(vendor.id, ['defaults', 'category'], `unknown category '${vendor.defaults.category}' (not in categories.yaml)`);
    vendor.products.forEach((product, p) => {
      if (checkCategories && !rules.categories.has(product.category))
        at(vendor.id, ['products', p, 'category'], `unknown category '${product.category}' (not in categories.yaml)`);
      product.alternatives.forEach((alternative, a) => {
        if (!rules.alternatives.has(alternative))
          at(vendor.id, ['products', p, 'alternatives', a], `unknown alternative '${alternative}' (not in alternatives/)`);
      });
      if (!product.names.length && !product.name_patterns.length && !Object.keys(product.packages).length)
        at(vendor.id, ['products', p], `product '${product.id}' has no names, name_patterns or packages: nothing can match it`);
    });
  }
  for (const alternative of rules.alternatives.values()) {
    const where = { file: `alternatives/${alternative.category}.yaml`, line: null, path: alternative.id };
    if (alternative.vendor && !rules.vendors.has(alternative.vendor)) problems.push({ ...where, message: `unknown vendor '${alternative.vendor}'` });
    if (alternative.country && !rules.countries.has(alternative.country)) problems.push({ ...where, message: `unknown country code ${alternative.country}` });
    if (checkCategories && !rules.categories.has(alternative.category)) problems.push({ ...where, message: `unknown category '${alternative.category}'` });
    for (const category of alternative.also_for) {
      if (checkCategories && !rules.categories.has(category)) problems.push({ ...where, message: `also_for: unknown category '${category}'` });
      if (category === alternative.category) problems.push({ ...where, message: `also_for: '${category}' is its own file's category` });
    }
  }
  return problems;
}

function exampleProblems(rules: RuleSet, classifier: Classifier): RuleProblem[] {
  const problems: RuleProblem[] = [];
  for (const vendor of rules.vendors.values()) {
    vendor.products.forEach((product, p) => {
      const expected = `${vendor.id}/${product.id}`;
      const check = (example: Example, index: number, field: 'examples' | 'counterexamples') => {
        const result = classifyItem(classifier, exampleItem(example));
        const got = `${result.vendor_id}/${result.product_id}`;
        const path = ['products', p, field, index];
        const report = (message: string) =>
          problems.push({ file: rules.vendorFiles.get(vendor.id) ?? vendor.id, line: rules.lineOf(vendor.id, path), path: path.join('.'), message });
        if (field === 'examples' && got !== expected)
          report(
            result.rule
              ? `example ${JSON.stringify(example.name)} is shadowed by rule ${result.rule}`
              : `example ${JSON.stringify(example.name)} matches no rule`,
          );
        if (field === 'counterexamples' && got === expected) report(`counterexample ${JSON.stringify(example.name)} matches ${result.rule}`);
      };
      product.examples.forEach((example, i) => check(example, i, 'examples'));
      product.counterexamples.forEach((example, i) => check(example, i, 'counterexamples'));
    });
  }
  return problems;
}

export interface CheckResult {
  problems: RuleProblem[];
  vendors: number;
  products: number;
  examples: number;
  alternatives: number;
  /** Lines of the negative corpus every rule ran against. */
  corpus: number;
}

export function checkRules(dirs: string[]): CheckResult {
  const rules = loadRuleTrees(dirs);
  const problems = [...rules.problems];
  const counts = {
    vendors: rules.vendors.size,
    products: [...rules.vendors.values()].reduce((n, v) => n + v.products.length, 0),
    examples: [...rules.vendors.values()].reduce((n, v) => n + v.products.reduce((m, p) => m + p.examples.length + p.counterexamples.length, 0), 0),
    alternatives: rules.alternatives.size,
    corpus: 0,
  };
  let classifier: Classifier;
  try {
    classifier = new Classifier(rules);
  } catch (error) {
    if (error instanceof RulesError) return { problems: [...problems, ...error.problems, ...referenceProblems(rules)], ...counts };
    throw error;
  }
  const corpus = readCorpus(dirs);
  counts.corpus = corpus.lines.length;
  return {
    problems: [
      ...problems,
      ...referenceProblems(rules),
      ...exampleProblems(rules, classifier),
      ...policyProblems(rules, readCommonWords(dirs)),
      ...corpus.problems,
      ...shippedPackageProblems(rules, corpus.lines),
      ...corpusProblems(rules, classifier, corpus.lines),
    ],
    ...counts,
  };
}
