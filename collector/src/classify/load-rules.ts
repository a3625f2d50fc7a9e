// Reading a rules tree (countries.yaml, vendors/*.yaml) into validated data, with errors that name
// the file and line. Several trees can be layered: a later tree's vendor replaces an earlier one's.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { basename, join, relative } from 'node:path';
import {
  AlternativesFileSchema,
  CategoriesFileSchema,
  CountriesFileSchema,
  DistributionsFileSchema,
  VendorSchema,
  type Alternative,
  type Category,
  type Country,
  type Distribution,
  type Vendor,
} from '@tiebreak/shared';
import { LineCounter, isNode, parseDocument } from 'yaml';
import type { z } from 'zod';

/** Bumped when the classification code gives other results for the same rules (ingest's classifyItem). */
export const CLASSIFICATION_VERSION = 2;

export const DEFAULT_RULES_DIR = new URL('../../../rules/', import.meta.url).pathname;

export interface RuleProblem {
  file: string;
  line: number | null;
  path: string;
  message: string;
}

export interface RuleSet {
  countries: Map<string, Country>;
  categories: Map<string, Category>;
  alternatives: Map<string, Alternative & { category: string }>;
  vendors: Map<string, Vendor>;
  /** Linux distributions with the package names of their indexes, in file order (Debian first). */
  distributions: Map<string, LoadedDistribution>;
  /** Line of a path inside a vendor's file, for messages. */
  lineOf(vendorId: string, path: (string | number)[]): number | null;
  /** Where each vendor was read from (for messages). */
  vendorFiles: Map<string, string>;
  /** Changes whenever any rule file changes: the catalogue is reclassified then. */
  fingerprint: string;
  problems: RuleProblem[];
}

export interface LoadedDistribution extends Distribution {
  /** The package names of all its indexes (every release). */
  names: Set<string>;
}

export class RulesError extends Error {
  constructor(readonly problems: RuleProblem[]) {
    super(`invalid rules:\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'RulesError';
  }
}

export function formatProblem(problem: RuleProblem): string {
  return `${problem.file}${problem.line ? `:${problem.line}` : ''}: ${problem.path ? `${problem.path}: ` : ''}${problem.message}`;
}

interface ParsedFile<T> {
  data: T | null;
  problems: RuleProblem[];
  lineOf: (path: (string | number)[]) => number | null;
}

/** Parse one YAML file against a schema; problems carry the line of the offending node. */
export function parseRuleFile<S extends z.ZodType>(file: string, text: string, schema: S, displayName = file): ParsedFile<z.output<S>> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const lineOf = (offset: number | undefined) => (offset === undefined ? null : lineCounter.linePos(offset).line);
  // The deepest node of the path that exists in the document gives the line.
  const lineOfPath = (path: (string | number)[]) => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth), true);
      if (isNode(node)) return lineOf(node.range?.[0]);
    }
    return null;
  };
  if (doc.errors.length) {
    return {
      data: null,
      problems: doc.errors.map((error) => ({ file: displayName, line: lineOf(error.pos[0]), path: '', message: error.message.split('\n')[0]! })),
      lineOf: () => null,
    };
  }
  const result = schema.safeParse(doc.toJS());
  if (result.success) return { data: result.data, problems: [], lineOf: lineOfPath };
  return {
    data: null,
    problems: result.error.issues.map((issue) => ({
      file: displayName,
      line: lineOfPath(issue.path as (string | number)[]),
      path: issue.path.map(String).join('.'),
      message: issue.message,
    })),
    lineOf: lineOfPath,
  };
}

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** Load and merge rules trees in order; problems are collected, not thrown. */
export function loadRuleTrees(dirs: readonly string[]): RuleSet {
  const lines = new Map<string, (path: (string | number)[]) => number | null>();
  const set: RuleSet = {
    countries: new Map(),
    categories: new Map(),
    alternatives: new Map(),
    vendors: new Map(),
    distributions: new Map(),
    vendorFiles: new Map(),
    lineOf: (vendorId, path) => lines.get(vendorId)?.(path) ?? null,
    fingerprint: '',
    problems: [],
  };
  const hash = createHash('sha256');
  // What the code makes of the same rules is part of the fingerprint: a new version reclassifies.
  hash.update(`classification ${CLASSIFICATION_VERSION}\n`);
  for (const dir of dirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      set.problems.push({ file: dir, line: null, path: '', message: 'rules directory not found' });
      continue;
    }
    const display = (file: string) => relative(process.cwd(), file) || file;
    // Read, fingerprint (by path within the tree, so a moved checkout keeps its fingerprint), parse.
    const read = <S extends z.ZodType>(file: string, schema: S) => {
      const text = readFileSync(file, 'utf8');
      hash.update(`${relative(dir, file)}\n${text}`);
      const parsed = parseRuleFile(file, text, schema, display(file));
      set.problems.push(...parsed.problems);
      return parsed;
    };
    const countriesFile = join(dir, 'countries.yaml');
    if (existsSync(countriesFile))
      for (const country of read(countriesFile, CountriesFileSchema).data?.countries ?? []) set.countries.set(country.code, country);
    const categoriesFile = join(dir, 'categories.yaml');
    if (existsSync(categoriesFile))
      for (const category of read(categoriesFile, CategoriesFileSchema).data?.categories ?? []) set.categories.set(category.id, category);
    for (const file of yamlFiles(join(dir, 'alternatives'))) {
      const parsed = read(file, AlternativesFileSchema);
      parsed.data?.alternatives.forEach((alternative, i) => {
        if (set.alternatives.has(alternative.id) && dir === dirs[0])
          set.problems.push({
            file: display(file),
            line: parsed.lineOf(['alternatives', i, 'id']),
            path: `alternatives.${i}.id`,
            message: `duplicate alternative id '${alternative.id}'`,
          });
        set.alternatives.set(alternative.id, { ...alternative, category: parsed.data!.category });
      });
    }
    const distributionsFile = join(dir, 'distributions', 'distributions.yaml');
    if (existsSync(distributionsFile)) {
      const parsed = read(distributionsFile, DistributionsFileSchema);
      parsed.data?.distributions.forEach((distribution, d) => {
        const names = new Set<string>();
        distribution.indexes.forEach((index, i) => {
          const file = join(dir, 'distributions', index.file);
          if (!existsSync(file)) {
            set.problems.push({
              file: display(distributionsFile),
              line: parsed.lineOf(['distributions', d, 'indexes', i, 'file']),
              path: `distributions.${d}.indexes.${i}.file`,
              message: `index file ${index.file} not found`,
            });
            return;
          }
          const bytes = readFileSync(file);
          hash.update(`${relative(dir, file)}\n`).update(bytes);
          for (const name of gunzipSync(bytes).toString('utf8').split('\n')) if (name) names.add(name);
        });
        set.distributions.set(distribution.id, { ...distribution, names });
      });
    }
    const seenHere = new Map<string, string>();
    for (const file of yamlFiles(join(dir, 'vendors'))) {
      const parsed = read(file, VendorSchema);
      const vendor = parsed.data;
      if (!vendor) continue;
      if (basename(file).replace(/\.ya?ml$/, '') !== vendor.id)
        set.problems.push({ file: display(file), line: 1, path: 'id', message: `the file of vendor '${vendor.id}' must be named ${vendor.id}.yaml` });
      const earlier = seenHere.get(vendor.id);
      if (earlier) set.problems.push({ file: display(file), line: 1, path: 'id', message: `duplicate vendor id '${vendor.id}' (also in ${earlier})` });
      seenHere.set(vendor.id, display(file));
      set.vendors.set(vendor.id, vendor);
      set.vendorFiles.set(vendor.id, display(file));
      lines.set(vendor.id, parsed.lineOf);
    }
  }
  set.fingerprint = hash.digest('hex').slice(0, 16);
  return set;
}
