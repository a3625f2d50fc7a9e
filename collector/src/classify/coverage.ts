// `tiebreak-collector rules coverage FILE`: how much of a realistic list of installed items the
// rules recognise, what is most often missed, and whether any origin differs from one a person
// checked (an `expected_origin` column in the file).
import { normalizeName, normalizePublisher } from '@tiebreak/shared';
import { classifyItem } from '../ingest/ingest.ts';
import type { Classifier } from './classifier.ts';
import type { InputItem } from './input.ts';

export interface CoverageReport {
  items: number;
  recognised_items: number;
  item_share: number;
  products: number;
  recognised_products: number;
  product_share: number;
  checked_origins: number;
  wrong_origins: { name: string; publisher: string | null; expected: string; got: string; rule: string | null }[];
  top_unknown: { name: string; publisher: string | null; count: number }[];
}

export function coverage(classifier: Classifier, items: InputItem[], top = 20): CoverageReport {
  let recognised = 0;
  let checked = 0;
  const products = new Map<string, boolean>();
  const unknown = new Map<string, { name: string; publisher: string | null; count: number }>();
  const wrong: CoverageReport['wrong_origins'] = [];
  for (const { item, expectedOrigin } of items) {
    const result = classifyItem(classifier, item);
    const known = result.origin !== 'unknown';
    if (known) recognised++;
    const key = `${normalizeName(item.name)}\u0000${item.publisher ? normalizePublisher(item.publisher) : ''}`;
    products.set(key, known);
    if (!known) {
      const entry = unknown.get(key) ?? { name: item.name, publisher: item.publisher, count: 0 };
      entry.count++;
      unknown.set(key, entry);
    }
    if (expectedOrigin) {
      checked++;
      if (expectedOrigin !== result.origin)
        wrong.push({ name: item.name, publisher: item.publisher, expected: expectedOrigin, got: result.origin, rule: result.rule });
    }
  }
  const recognisedProducts = [...products.values()].filter(Boolean).length;
  const share = (a: number, b: number) => (b ? Math.round((1000 * a) / b) / 10 : 0);
  return {
    items: items.length,
    recognised_items: recognised,
    item_share: share(recognised, items.length),
    products: products.size,
    recognised_products: recognisedProducts,
    product_share: share(recognisedProducts, products.size),
    checked_origins: checked,
    wrong_origins: wrong,
    top_unknown: [...unknown.values()].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)).slice(0, top),
  };
}

export function formatCoverage(report: CoverageReport): string {
  const lines = [
    `items recognised:    ${report.recognised_items} / ${report.items} (${report.item_share} %)`,
    `distinct products:   ${report.recognised_products} / ${report.products} (${report.product_share} %)`,
    `origins checked:     ${report.checked_origins}, wrong: ${report.wrong_origins.length}`,
  ];
  for (const w of report.wrong_origins) lines.push(`  WRONG ${w.name} (${w.publisher ?? '-'}): expected ${w.expected}, got ${w.got} by ${w.rule ?? 'no rule'}`);
  if (report.top_unknown.length) {
    lines.push('most frequent unknown items:');
    for (const u of report.top_unknown) lines.push(`  ${String(u.count).padStart(5)}  ${u.name}${u.publisher ? `  (${u.publisher})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
