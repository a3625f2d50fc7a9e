// "Replace product X by alternative Y on N hosts": the effect on the indices and on spend, computed
// from the current assessment without changing any data.
import type { Origin } from '@tiebreak/shared';
import type { Classifier } from '../classify/classifier.ts';
import { DomainError, type ErrorKey, type Localized } from '../errors.ts';
import type { Assessment, ProductAssessment } from './compute.ts';
import { alternativeOrigin, misfitOf } from './alternatives.ts';
import { exposureScore, percent, round, weightedIndex, type Misfit } from './method.ts';

const MISFIT_REASONS: Record<Misfit, { key: ErrorKey; reason: (alternative: string, product: string | null) => string }> = {
  other_category: {
    key: 'scenarioOtherCategory',
    reason: (alternative, product) => `it is an alternative for ${alternative}, not for ${product ?? 'an uncategorised product'}`,
  },
  same_vendor: { key: 'scenarioSameVendor', reason: () => 'it is of the same vendor or owner' },
  not_european_or_community: {
    key: 'scenarioNotEuropean',
    reason: () => 'it is neither European nor a community project, so it does not lower the dependency',
  },
  not_lower: { key: 'scenarioNotLower', reason: () => "its origin weighs as much as the product's or more, so it does not lower the dependency" },
};

export interface ScenarioRequest {
  product: string;
  alternative: string;
  hosts: number;
}

export interface ScenarioResult {
  product: { key: string; name: string; hosts: number; exposure: number; priority: number };
  /** The alternative's exposure and priority are equal: its own replaceability is taken as 0. */
  alternative: { id: string; name: string; origin: Origin; exposure: number };
  hosts: number;
  /** Installations moved from the product to the alternative (the same share as the hosts). */
  installations_moved: number;
  exposure: { overall: BeforeAfter; area: BeforeAfter & { area: string } };
  priority: { overall: BeforeAfter; area: BeforeAfter & { area: string } };
  non_eu_installations_share: BeforeAfter;
  spend: { non_eu_eur: BeforeAfter; non_eu_share: BeforeAfter; basis: 'actual' | 'estimate' | 'none'; saved_eur: number };
  notes: string[];
}
type BeforeAfter = { before: number | null; after: number | null };

export function runScenario(assessment: Assessment, classifier: Classifier, request: ScenarioRequest): ScenarioResult {
  const product = assessment.products.find((p) => p.key === request.product);
  if (!product) {
    const split = assessment.products.filter((p) => p.product_key === request.product).map((p) => p.key);
    const asked = request.product.slice(0, 200);
    if (split.length)
      throw new DomainError('invalid', `${asked} is in several areas: name one of ${split.join(', ')}`, 'scenarioSplitProduct', {
        product: asked,
        keys: split.join(', '),
      });
    throw new DomainError('invalid', `no product "${asked}" in the assessment (a key such as microsoft/microsoft-365-apps)`, 'scenarioNoProduct', {
      product: asked,
    });
  }
  if (product.platform)
    throw new DomainError('invalid', `${product.name} is a platform item (driver, runtime): it is not part of the index`, 'scenarioPlatform', {
      product: product.name,
    });
  const alternative = classifier.rules.alternatives.get(request.alternative);
  if (!alternative)
    throw new DomainError('invalid', `no alternative "${request.alternative.slice(0, 200)}" in the alternatives library`, 'scenarioNoAlternative', {
      alternative: request.alternative.slice(0, 200),
    });
  if (!Number.isInteger(request.hosts) || request.hosts < 1) throw new DomainError('invalid', 'hosts must be a whole number of at least 1', 'scenarioHosts');
  if (request.hosts > product.hosts)
    throw new DomainError('invalid', `${product.name} is on ${product.hosts} hosts: cannot replace it on ${request.hosts}`, 'scenarioTooManyHosts', {
      product: product.name,
      hosts: product.hosts,
      requested: request.hosts,
    });
  // Only an alternative that replaces the product: of its category, another vendor's, and lowering the dependency.
  const misfit = misfitOf(classifier, product, alternative);
  const categoryName = (id: string | null): Localized | null => (id ? (classifier.rules.categories.get(id)?.name ?? { fr: id, en: id }) : null);
  if (misfit) {
    const [alternativeCategory, productCategory] = [categoryName(alternative.category)!, categoryName(product.category)];
    const { key, reason } = MISFIT_REASONS[misfit];
    throw new DomainError(
      'invalid',
      `${alternative.name} does not replace ${product.name}: ${reason(alternativeCategory.en.toLowerCase(), productCategory?.en.toLowerCase() ?? null)}`,
      key === 'scenarioOtherCategory' && !productCategory ? 'scenarioUncategorised' : key,
      { alternative: alternative.name, product: product.name, alternativeCategory, ...(productCategory ? { productCategory } : {}) },
    );
  }
  const notes: string[] = [];
  const { origin, weight } = alternativeOrigin(classifier, alternative);
  // Conservative: the alternative's own replaceability is taken as 0.
  const altScore = exposureScore(weight!, product.criticality.level);
  const share = request.hosts / product.hosts;
  const moved = round(product.installations * share, 2);

  const business = assessment.products.filter((p) => !p.platform);
  type Item = Pick<ProductAssessment, 'key' | 'exposure' | 'priority' | 'installations' | 'weight' | 'origin'>;
  const after = (items: Item[]): Item[] => [
    ...items.map((p) => (p.key === product.key ? { ...p, installations: p.installations - moved, weight: p.weight - moved } : p)),
    { key: `alternative:${alternative.id}`, exposure: altScore, priority: altScore, installations: moved, weight: moved, origin },
  ];
  const index = (items: Item[], by: 'exposure' | 'priority') => weightedIndex(items.map((p) => ({ score: p[by], weight: p.weight })));
  const beforeAfter = (items: Item[], by: 'exposure' | 'priority') => ({ before: index(items, by), after: index(after(items), by) });
  const inArea = business.filter((p) => p.area === product.area);
  const nonEuShare = (items: { origin: Origin; installations: number }[]) =>
    percent(
      items.filter((i) => i.origin === 'non_eu').reduce((s, i) => s + i.installations, 0),
      items.reduce((s, i) => s + i.installations, 0),
    );

  // Spend: the product's real spend if any, else its estimate; the alternative's cost is not in the rules.
  const basis = product.spend_eur !== null ? 'actual' : product.estimated_spend_eur !== null ? 'estimate' : 'none';
  const productSpend = product.spend_eur ?? product.estimated_spend_eur ?? 0;
  const saved = product.origin === 'non_eu' ? round(productSpend * share, 2) : 0;
  const spendTotal = basis === 'estimate' ? assessment.overall.spend.estimated_total_eur : assessment.overall.spend.total_eur;
  const nonEuSpend = basis === 'estimate' ? assessment.overall.spend.estimated_by_origin.non_eu.count : assessment.overall.spend.by_origin.non_eu.count;
  if (basis === 'none') notes.push(`no spend is known for ${product.name}: import the spend lines to see the effect on spend`);
  else notes.push(`the cost of ${alternative.name} (licences, support, migration) is not in the rules: the spend after is without it`);

  return {
    product: { key: product.key, name: product.name, hosts: product.hosts, exposure: product.exposure, priority: product.priority },
    alternative: { id: alternative.id, name: alternative.name, origin, exposure: altScore },
    hosts: request.hosts,
    installations_moved: moved,
    exposure: { overall: beforeAfter(business, 'exposure'), area: { area: product.area, ...beforeAfter(inArea, 'exposure') } },
    priority: { overall: beforeAfter(business, 'priority'), area: { area: product.area, ...beforeAfter(inArea, 'priority') } },
    non_eu_installations_share: { before: nonEuShare(business), after: nonEuShare(after(business)) },
    spend: {
      basis,
      saved_eur: saved,
      non_eu_eur: { before: round(nonEuSpend, 2), after: round(nonEuSpend - saved, 2) },
      non_eu_share: { before: percent(nonEuSpend, spendTotal), after: percent(nonEuSpend - saved, spendTotal - saved) },
    },
    notes,
  };
}
