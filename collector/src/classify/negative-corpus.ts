// The matching policy and the negative corpus of `rules check` (rules/README.md says why):
// - a product matched without its publisher may not be named by a common word or a short token
//   (a name, or a pattern matching one word of rules/corpus/common-words.txt.gz or any token of
//   one to three letters): such a product needs `publisher_required`;
// - every product rule runs against real public name lists (rules/corpus/*.tsv[.gz], header
//   `source name publisher`), and a hit on another vendor's item fails: a line whose publisher is
//   not the product's vendor, or a distribution's package (dpkg, rpm lines are the archive's) that
//   the vendor does not ship into distributions itself, unless the product lists it as an example.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MATCH_SOURCES, normalizeName, normalizePackage, type MatchSource, type Product, type Vendor } from '@tiebreak/shared';
import type { Classifier } from './classifier.ts';
import type { RuleProblem, RuleSet } from './load-rules.ts';
import { requiredFirstWords } from './pattern-index.ts';

export interface CorpusLine {
  file: string;
  line: number;
  source: MatchSource;
  name: string;
  publisher: string | null;
}

const HEADER = 'source\tname\tpublisher';
/** Corpus sources that are not match sources: Windows' "Programs and Features" is the registry. */
const SOURCE_ALIASES: Record<string, MatchSource> = { windows: 'registry' };
/** Lines of these sources are packages of a distribution's archive. */
const DISTRIBUTION_SOURCES = new Set<MatchSource>(['dpkg', 'rpm']);
const WORDS_FILE = 'common-words.txt.gz';

const readText = (file: string) => (file.endsWith('.gz') ? gunzipSync(readFileSync(file)).toString('utf8') : readFileSync(file, 'utf8'));

/** The corpus files of the rules trees: every .tsv or .tsv.gz of their corpus/ folder. */
export function readCorpus(dirs: string[]): { lines: CorpusLine[]; problems: RuleProblem[] } {
  const lines: CorpusLine[] = [];
  const problems: RuleProblem[] = [];
  for (const dir of dirs) {
    const folder = join(dir, 'corpus');
    if (!existsSync(folder)) continue;
    for (const entry of readdirSync(folder).sort()) {
      if (!/\.tsv(\.gz)?$/.test(entry)) continue;
      const file = `corpus/${entry}`;
      const rows = readText(join(folder, entry)).split('\n');
      if (rows[0]?.replace(/\r$/, '') !== HEADER) {
        problems.push({ file, line: 1, path: '', message: `the header must be '${HEADER.replace(/\t/g, '<TAB>')}'` });
        continue;
      }
      rows.forEach((row, i) => {
        if (i === 0 || !row.trim()) return;
        const [rawSource = '', name = '', publisher = ''] = row.replace(/\r$/, '').split('\t');
        const source = SOURCE_ALIASES[rawSource] ?? rawSource;
        if (!(MATCH_SOURCES as readonly string[]).includes(source) || !name.trim()) {
          problems.push({
            file,
            line: i + 1,
            path: '',
            message: `not a corpus line (source among ${[...MATCH_SOURCES, 'windows'].join(', ')}, then a name): ${JSON.stringify(row)}`,
          });
          return;
        }
        lines.push({ file, line: i + 1, source: source as MatchSource, name, publisher: publisher.trim() || null });
      });
    }
  }
  return { lines, problems };
}

/** Common words (English and French dictionaries) plus every token of one to three letters. */
export function readCommonWords(dirs: string[]): Set<string> {
  const words = new Set<string>();
  for (const dir of dirs) {
    const file = join(dir, 'corpus', WORDS_FILE);
    if (existsSync(file)) for (const word of readText(file).split('\n')) if (word) words.add(word);
  }
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (const a of letters) {
    words.add(a);
    for (const b of letters) {
      words.add(a + b);
      for (const c of letters) words.add(a + b + c);
    }
  }
  return words;
}

interface Ref {
  vendor: Vendor;
  product: Product;
  index: number;
}

/** Products matched by name alone on software (not publisher_required, not hosting or hardware), with their index. */
function nameAloneProducts(rules: RuleSet): Ref[] {
  const refs: Ref[] = [];
  for (const vendor of rules.vendors.values())
    vendor.products.forEach((product, index) => {
      if (!product.publisher_required && !product.hosting && !product.hardware) refs.push({ vendor, product, index });
    });
  return refs;
}

export function policyProblems(rules: RuleSet, words: Set<string>): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const at = (ref: Ref, path: (string | number)[], message: string) =>
    problems.push({ file: rules.vendorFiles.get(ref.vendor.id) ?? ref.vendor.id, line: rules.lineOf(ref.vendor.id, path), path: path.join('.'), message });
  const patterns: { pattern: string; ref: { ref: Ref; i: number } }[] = [];
  for (const ref of nameAloneProducts(rules)) {
    ref.product.names.forEach((name, i) => {
      if (!name.includes(' ') && words.has(name))
        at(
          ref,
          ['products', ref.index, 'names', i],
          `'${name}' is a common word or a short token: a name alone decides only when it is distinctive (set publisher_required, or name the product more precisely)`,
        );
    });
    ref.product.name_patterns.forEach((pattern, i) => patterns.push({ pattern, ref: { ref, i } }));
  }
  const sorted = [...words].sort();
  const text = sorted.join('\n');
  const starts: number[] = [];
  for (let offset = 0, i = 0; i < sorted.length; offset += sorted[i]!.length + 1, i++) starts.push(offset);
  for (const { pattern, ref } of patterns) {
    const word = commonWordMatched(pattern, words, text, sorted, starts);
    if (word)
      at(
        ref.ref,
        ['products', ref.ref.index, 'name_patterns', ref.i],
        `pattern matches the common word or short token '${word}': a pattern alone decides only on distinctive names (set publisher_required, or tighten it)`,
      );
  }
  return problems;
}

/**
 * The first common word a pattern matches as a whole name, if any. A pattern that must start with
 * known words is tried on those; any other runs once over all the words, one per line (a hit that
 * spans lines is checked again on its own word).
 */
function commonWordMatched(pattern: string, words: Set<string>, text: string, sorted: string[], starts: number[]): string | null {
  let single: RegExp;
  try {
    single = new RegExp(pattern, 'u');
  } catch {
    return null;
  }
  const firstWords = requiredFirstWords(pattern);
  if (firstWords) return firstWords.find((word) => words.has(word) && single.test(word)) ?? null;
  const all = new RegExp(pattern, 'gmu');
  let match: RegExpExecArray | null;
  while ((match = all.exec(text))) {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= match.index) low = mid;
      else high = mid - 1;
    }
    const word = sorted[low]!;
    if (single.test(word)) return word;
    all.lastIndex = starts[low + 1] ?? text.length + 1;
    if (all.lastIndex > text.length) break;
  }
  return null;
}

/**
 * Packages a vendor builds itself (absent from every distribution archive of the corpus) reach
 * machines from the vendor's own repository, whatever the maintainer field an agent reports (GLPI
 * and FusionInventory say "Debian" for every dpkg package): their product must say
 * `shipped_in_distributions`, or the distribution's precedence would take them.
 */
export function shippedPackageProblems(rules: RuleSet, lines: CorpusLine[]): RuleProblem[] {
  const archive = new Map<MatchSource, Set<string>>();
  for (const line of lines) {
    if (!DISTRIBUTION_SOURCES.has(line.source)) continue;
    if (!archive.has(line.source)) archive.set(line.source, new Set());
    archive.get(line.source)!.add(normalizePackage(line.name));
  }
  const problems: RuleProblem[] = [];
  for (const vendor of rules.vendors.values()) {
    if (vendor.distribution) continue;
    vendor.products.forEach((product, index) => {
      if (product.shipped_in_distributions) return;
      for (const [source, packages] of Object.entries(product.packages) as [MatchSource, string[]][]) {
        const names = archive.get(source);
        const own = names ? packages.filter((name) => !names.has(normalizePackage(name))) : [];
        if (!own.length) continue;
        problems.push({
          file: rules.vendorFiles.get(vendor.id) ?? vendor.id,
          line: rules.lineOf(vendor.id, ['products', index, 'packages', source]),
          path: `products.${index}.packages.${source}`,
          message: `${own.join(', ')}: in no distribution archive of the corpus, so the vendor ships ${own.length > 1 ? 'them' : 'it'} itself: set shipped_in_distributions (or list only archive packages)`,
        });
      }
    });
  }
  return problems;
}

/** Whether the product lists this corpus line among its examples (an accepted hit). */
function listedAsExample(product: Product, line: CorpusLine): boolean {
  const name = normalizeName(line.name);
  return product.examples.some((example) => (example.source ?? 'registry') === line.source && normalizeName(example.name) === name);
}

export function corpusProblems(rules: RuleSet, classifier: Classifier, lines: CorpusLine[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const reported = new Set<string>();
  const check = (line: CorpusLine, source: MatchSource, publisher: string | null) => {
    const result = classifier.classify({ name: line.name, publisher, source });
    if (!result.product_id || !result.vendor_id) return;
    const vendor = rules.vendors.get(result.vendor_id)!;
    const index = vendor.products.findIndex((p) => p.id === result.product_id);
    const product = vendor.products[index]!;
    if (publisher && classifier.vendorOfPublisher(publisher)?.id === vendor.id) return;
    const distribution = DISTRIBUTION_SOURCES.has(line.source);
    if (!distribution && !publisher) return;
    // A package the rule names exactly decides unless a distribution's maintainer built it (the
    // classifier's precedence): the rule's author named that package on purpose.
    if (distribution && result.rule?.endsWith(':package')) return;
    if (listedAsExample(product, { ...line, source })) return;
    if (listedAsExample(product, line)) return;
    const key = `${result.rule}\u0000${normalizeName(line.name)}`;
    if (reported.has(key)) return;
    reported.add(key);
    const whose = distribution ? `a ${line.source} package of the distribution's archive` : `published by ${JSON.stringify(publisher)}`;
    problems.push({
      file: rules.vendorFiles.get(vendor.id) ?? vendor.id,
      line: rules.lineOf(vendor.id, ['products', index]),
      path: `products.${index}`,
      message: `rule ${result.rule} matches ${JSON.stringify(line.name)}${publisher ? '' : ' (no publisher)'}, ${whose} (${line.file}:${line.line}): tighten the rule, require the publisher, or list it as an example if it is this product`,
    });
  };
  for (const line of lines) {
    check(line, line.source, line.publisher);
    // Distribution packages are also reported without their maintainer (OCS Inventory, CSV exports).
    if (line.publisher && DISTRIBUTION_SOURCES.has(line.source)) check(line, line.source, null);
  }
  return problems;
}
