// Reading a rules tree (countries.yaml, vendors/*.yaml) into validated data, with errors that name
// the file and line. Several trees can be layered: a later tree's vendor replaces an earlier one's.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { CountriesFileSchema, VendorSchema, type Country, type Vendor } from '@tiebreak/shared';
import { LineCounter, isNode, parseDocument } from 'yaml';
import type { z } from 'zod';

export const DEFAULT_RULES_DIR = new URL('../../../rules/', import.meta.url).pathname;

export interface RuleProblem {
  file: string;
  line: number | null;
  path: string;
  message: string;
}

export interface RuleSet {
  countries: Map<string, Country>;
  vendors: Map<string, Vendor>;
  /** Where each vendor was read from (for messages). */
  vendorFiles: Map<string, string>;
  /** Changes whenever any rule file changes: the catalogue is reclassified then. */
  fingerprint: string;
  problems: RuleProblem[];
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
}

/** Parse one YAML file against a schema; problems carry the line of the offending node. */
export function parseRuleFile<S extends z.ZodType>(file: string, text: string, schema: S, displayName = file): ParsedFile<z.output<S>> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const lineOf = (offset: number | undefined) => (offset === undefined ? null : lineCounter.linePos(offset).line);
  if (doc.errors.length) {
    return {
      data: null,
      problems: doc.errors.map((error) => ({ file: displayName, line: lineOf(error.pos[0]), path: '', message: error.message.split('\n')[0]! })),
    };
  }
  const result = schema.safeParse(doc.toJS());
  if (result.success) return { data: result.data, problems: [] };
  return {
    data: null,
    problems: result.error.issues.map((issue) => {
      // The deepest node of the path that exists in the document gives the line.
      let node: unknown = null;
      for (let depth = issue.path.length; depth >= 0 && !node; depth--) {
        const candidate = doc.getIn(issue.path.slice(0, depth) as (string | number)[], true);
        if (isNode(candidate)) node = candidate;
      }
      const range = (node as { range?: [number, number, number] } | null)?.range;
      return { file: displayName, line: lineOf(range?.[0]), path: issue.path.map(String).join('.'), message: issue.message };
    }),
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
  const set: RuleSet = { countries: new Map(), vendors: new Map(), vendorFiles: new Map(), fingerprint: '', problems: [] };
  const hash = createHash('sha256');
  for (const dir of dirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      set.problems.push({ file: dir, line: null, path: '', message: 'rules directory not found' });
      continue;
    }
    const display = (file: string) => relative(process.cwd(), file) || file;
    const countriesFile = join(dir, 'countries.yaml');
    if (existsSync(countriesFile)) {
      const text = readFileSync(countriesFile, 'utf8');
      hash.update(`${countriesFile}\n${text}`);
      const parsed = parseRuleFile(countriesFile, text, CountriesFileSchema, display(countriesFile));
      set.problems.push(...parsed.problems);
      for (const country of parsed.data?.countries ?? []) set.countries.set(country.code, country);
    }
    const seenHere = new Map<string, string>();
    for (const file of yamlFiles(join(dir, 'vendors'))) {
      const text = readFileSync(file, 'utf8');
      hash.update(`${basename(file)}\n${text}`);
      const parsed = parseRuleFile(file, text, VendorSchema, display(file));
      set.problems.push(...parsed.problems);
      const vendor = parsed.data;
      if (!vendor) continue;
      if (basename(file).replace(/\.ya?ml$/, '') !== vendor.id)
        set.problems.push({ file: display(file), line: 1, path: 'id', message: `the file of vendor '${vendor.id}' must be named ${vendor.id}.yaml` });
      const earlier = seenHere.get(vendor.id);
      if (earlier) set.problems.push({ file: display(file), line: 1, path: 'id', message: `duplicate vendor id '${vendor.id}' (also in ${earlier})` });
      seenHere.set(vendor.id, display(file));
      set.vendors.set(vendor.id, vendor);
      set.vendorFiles.set(vendor.id, display(file));
    }
  }
  set.fingerprint = hash.digest('hex').slice(0, 16);
  return set;
}
