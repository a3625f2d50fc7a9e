// The JSON Schemas of the rules files (rules/schema/, generated from the zod schemas by `pnpm schema`)
// say what the loader says: every real file passes both, and a document zod rejects is rejected by
// the JSON Schema as an editor would apply it (ajv, draft 7), and the other way round.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RULE_FILE_KINDS, RULES_SCHEMA_DIR, type RuleFileKind } from '../../../shared/scripts/write-json-schema.ts';
import { DEFAULT_RULES_DIR, parseRuleFile } from './load-rules.ts';

const ROOT = join(DEFAULT_RULES_DIR, '..');

// strictRequired off: the vendor's else branch requires a property its if-schema does not declare.
const ajv = new Ajv({ strict: true, strictRequired: false, allErrors: true });
// zod's url(): what the WHATWG URL parser accepts.
ajv.addFormat('uri', (value: string) => URL.canParse(value));
const validators = new Map<RuleFileKind, ValidateFunction>(
  RULE_FILE_KINDS.map((kind) => [kind, ajv.compile(JSON.parse(readFileSync(new URL(kind.schema, RULES_SCHEMA_DIR), 'utf8')))]),
);
const byName = (schema: string) => RULE_FILE_KINDS.find((kind) => kind.schema === schema)!;

/** Whether zod and the JSON Schema agree on a document; the message says how they do not. */
function disagreement(kind: RuleFileKind, doc: unknown): string | null {
  const zod = kind.zod.safeParse(doc);
  const validate = validators.get(kind)!;
  const json = validate(doc);
  if (zod.success === json) return null;
  return zod.success
    ? `zod accepts, JSON Schema rejects: ${ajv.errorsText(validate.errors)}`
    : `zod rejects (${zod.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}), JSON Schema accepts`;
}

const globRegExp = (glob: string) => new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
const yamlFiles = readdirSync(DEFAULT_RULES_DIR, { recursive: true, encoding: 'utf8' })
  .filter((file) => /\.ya?ml$/.test(file))
  .map((file) => relative(ROOT, join(DEFAULT_RULES_DIR, file)).split('\\').join('/'))
  .sort();
const kindOf = (file: string) => RULE_FILE_KINDS.filter((kind) => globRegExp(kind.files).test(file));

describe('the JSON Schemas of the rules files', () => {
  it('claim every YAML file of rules/, each by exactly one kind', () => {
    expect(yamlFiles.length).toBeGreaterThan(400);
    expect(yamlFiles.filter((file) => kindOf(file).length !== 1)).toEqual([]);
  });

  it('are the ones .vscode/settings.json maps to the files of their kind', () => {
    const settings = JSON.parse(readFileSync(join(ROOT, '.vscode/settings.json'), 'utf8')) as Record<string, unknown>;
    expect(settings['yaml.schemas']).toEqual(Object.fromEntries(RULE_FILE_KINDS.map((kind) => [`./rules/schema/${kind.schema}`, kind.files])));
  });

  it('accept every real rules file, as the loader does', () => {
    const failures: string[] = [];
    for (const file of yamlFiles) {
      const kind = kindOf(file)[0]!;
      const text = readFileSync(join(ROOT, file), 'utf8');
      const loaded = parseRuleFile(file, text, kind.zod);
      if (loaded.problems.length) failures.push(`${file}: zod: ${loaded.problems.map((p) => p.message).join('; ')}`);
      const validate = validators.get(kind)!;
      if (!validate(parse(text))) failures.push(`${file}: JSON Schema: ${ajv.errorsText(validate.errors)}`);
    }
    expect(failures).toEqual([]);
  });

  const product = { id: 'acme-app', name: 'Acme App', area: 'software', category: 'office-suite', licence: 'proprietary', examples: [{ name: 'Acme App' }] };
  const vendor = { id: 'acme', name: 'Acme', country: 'FR', products: [product] };
  const cases: [string, string, unknown, boolean][] = [
    ['a minimal vendor', 'vendor.schema.json', vendor, true],
    ['a community without a country', 'vendor.schema.json', { id: 'acme', name: 'Acme', kind: 'community' }, true],
    [
      'an example with a key zod ignores',
      'vendor.schema.json',
      { ...vendor, products: [{ ...product, examples: [{ name: 'Acme App', comment: 'x' }] }] },
      true,
    ],
    ['a company without its country', 'vendor.schema.json', { id: 'acme', name: 'Acme' }, false],
    ['a public body without its country', 'vendor.schema.json', { id: 'acme', name: 'Acme', kind: 'public' }, false],
    ['a misspelt key', 'vendor.schema.json', { ...vendor, publisher: ['Acme'] }, false],
    ['a product without examples', 'vendor.schema.json', { ...vendor, products: [{ ...product, examples: [] }] }, false],
    ['an id in capitals', 'vendor.schema.json', { ...vendor, id: 'Acme' }, false],
    ['a source dated in words', 'vendor.schema.json', { ...vendor, sources: [{ url: 'https://example.org/', as_of: 'December 2026' }] }, false],
    ['a website that is no URL', 'vendor.schema.json', { ...vendor, website: 'www acme fr' }, false],
    ['packages of an unknown source', 'vendor.schema.json', { ...vendor, products: [{ ...product, packages: { apt: ['acme'] } }] }, false],
    ['a negative price', 'vendor.schema.json', { ...vendor, products: [{ ...product, price: { eur_per_seat_year: -1, as_of: '2026' } }] }, false],
    ['a country code in lower case', 'countries.schema.json', { countries: [{ code: 'fr', name: 'France', region: 'eea' }] }, false],
    ['a criticality of 4', 'categories.schema.json', { categories: [{ id: 'os', name: { fr: 'Système', en: 'System' }, criticality: 4 }] }, false],
    ['a criticality of 2.5', 'categories.schema.json', { categories: [{ id: 'os', name: { fr: 'Système', en: 'System' }, criticality: 2.5 }] }, false],
    [
      'an alternative of unknown maturity',
      'alternatives.schema.json',
      { category: 'os', alternatives: [{ id: 'debian', name: 'Debian', licence: 'open_source', maturity: 'stable', note: 'x' }] },
      false,
    ],
    ['an alternatives file without alternatives', 'alternatives.schema.json', { category: 'os', alternatives: [] }, false],
    [
      'an index that is not a .txt.gz file',
      'distributions.schema.json',
      {
        distributions: [
          {
            id: 'debian',
            name: 'Debian',
            vendor: 'debian',
            format: 'dpkg',
            os_pattern: '^debian',
            indexes: [{ release: '13', file: 'debian.txt', source: 'x', as_of: '2026' }],
          },
        ],
      },
      false,
    ],
  ];
  it.each(cases)('agree on %s (%s)', (_, schema, doc, valid) => {
    const kind = byName(schema);
    expect(kind.zod.safeParse(doc).success).toBe(valid);
    expect(disagreement(kind, doc)).toBeNull();
  });

  it('agree on every one-place change of real files: a value replaced, a key removed or added', () => {
    // Real documents, their lists cut to three items; for vendors, files chosen to use every key.
    const docs: [RuleFileKind, unknown][] = [];
    const shapes = new Set<string>();
    for (const file of yamlFiles) {
      const kind = kindOf(file)[0]!;
      const doc = cut(parse(readFileSync(join(ROOT, file), 'utf8')));
      const before = shapes.size;
      for (const [path] of nodes(doc)) shapes.add(`${kind.schema}:${path.map((p) => (typeof p === 'number' ? '*' : p)).join('.')}`);
      if (shapes.size > before) docs.push([kind, doc]);
    }
    const replacements: unknown[] = ['', 'Acme', 'acme', 'FR', '2026-12', 'https://example.org/', 0, -1, 2.5, true, null, [], ['acme'], {}];
    const failures: string[] = [];
    let tried = 0;
    for (const [kind, doc] of docs) {
      for (const [path, value] of nodes(doc)) {
        const changes: [string, unknown][] = replacements.map((replacement) => [`${JSON.stringify(replacement)}`, setIn(doc, path, replacement)]);
        if (path.length && typeof path.at(-1) === 'string') changes.push(['removed', setIn(doc, path, undefined)]);
        if (value && typeof value === 'object' && !Array.isArray(value)) changes.push(['a key more', setIn(doc, path, { ...value, extra_key: 'x' })]);
        for (const [change, changed] of changes) {
          tried++;
          const problem = disagreement(kind, changed);
          if (problem) failures.push(`${kind.schema} ${path.join('.') || '(root)'} := ${change}: ${problem}`);
        }
      }
    }
    expect(tried).toBeGreaterThan(5000);
    expect(failures.slice(0, 20)).toEqual([]);
  });
});

function cut(value: unknown): unknown {
  if (Array.isArray(value)) return value.slice(0, 3).map(cut);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, cut(v)]));
  return value;
}

function* nodes(value: unknown, path: (string | number)[] = []): Generator<[(string | number)[], unknown]> {
  yield [path, value];
  if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* nodes(item, [...path, i]);
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) yield* nodes(item, [...path, key]);
}

/** A copy of the document with the value at path replaced (removed when undefined). */
function setIn(doc: unknown, path: (string | number)[], value: unknown): unknown {
  if (!path.length) return value;
  const [head, ...rest] = path;
  if (Array.isArray(doc)) return doc.map((item, i) => (i === head ? setIn(item, rest, value) : item));
  const object = doc as Record<string, unknown>;
  const next = setIn(object[head!], rest, value);
  if (next === undefined) {
    const { [head!]: _, ...others } = object;
    return others;
  }
  return { ...object, [head!]: next };
}
