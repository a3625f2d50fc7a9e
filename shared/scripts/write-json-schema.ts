// Writes the JSON Schemas generated from the zod schemas (`pnpm schema`): the published wire format,
// and one schema per kind of rules file, with which editors validate rules/ (.vscode/settings.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { AlternativesFileSchema, CategoriesFileSchema, CountriesFileSchema, DistributionsFileSchema, VendorSchema } from '../src/rules.ts';
import { inventoryJsonSchema } from '../src/wire.ts';

export const SCHEMA_FILE = new URL('../schema/inventory-v1.schema.json', import.meta.url);
export const RULES_SCHEMA_DIR = new URL('../../rules/schema/', import.meta.url);

const render = (schema: Record<string, unknown>) => `${JSON.stringify(schema, null, 2)}\n`;

export function renderJsonSchema(): string {
  return render({
    $id: 'https://tiebreak.eu/schema/inventory-v1.schema.json',
    title: 'tiebreak inventory, wire format v1',
    ...inventoryJsonSchema(),
  });
}

/**
 * The kinds of YAML file of a rules tree, as collector/src/classify/load-rules.ts reads them, and
 * the files of each kind as globs relative to the repository root (the editor mapping).
 */
export const RULE_FILE_KINDS = [
  { schema: 'vendor.schema.json', files: 'rules/vendors/*.yaml', title: 'tiebreak rules: a vendor and its products', zod: VendorSchema },
  {
    schema: 'alternatives.schema.json',
    files: 'rules/alternatives/*.yaml',
    title: 'tiebreak rules: the alternatives of a category',
    zod: AlternativesFileSchema,
  },
  { schema: 'categories.schema.json', files: 'rules/categories.yaml', title: 'tiebreak rules: categories of products', zod: CategoriesFileSchema },
  { schema: 'countries.schema.json', files: 'rules/countries.yaml', title: 'tiebreak rules: countries and their regions', zod: CountriesFileSchema },
  {
    schema: 'distributions.schema.json',
    files: 'rules/distributions/distributions.yaml',
    title: 'tiebreak rules: Linux distributions and their package indexes',
    zod: DistributionsFileSchema,
  },
] as const;
export type RuleFileKind = (typeof RULE_FILE_KINDS)[number];

/**
 * Draft 7, the newest draft the YAML language server of editors (VS Code's YAML extension) fully
 * supports. Input types: fields with a default may be left out of a file.
 */
export function rulesJsonSchema(kind: RuleFileKind): Record<string, unknown> {
  return z.toJSONSchema(kind.zod, {
    io: 'input',
    target: 'draft-07',
    // zod refinements have no JSON Schema form; the vendor's one is written out here.
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema !== VendorSchema) return;
      // Same rule as VendorSchema's refine: a company or public body needs its headquarters country.
      Object.assign(jsonSchema, { if: { properties: { kind: { const: 'community' } }, required: ['kind'] }, else: { required: ['country'] } });
    },
  }) as Record<string, unknown>;
}

export function renderRulesSchema(kind: RuleFileKind): string {
  const { $schema, ...rest } = rulesJsonSchema(kind);
  return render({ $schema, title: kind.title, ...rest });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(SCHEMA_FILE, renderJsonSchema());
  console.log(`wrote ${SCHEMA_FILE.pathname}`);
  mkdirSync(RULES_SCHEMA_DIR, { recursive: true });
  for (const kind of RULE_FILE_KINDS) {
    const file = new URL(kind.schema, RULES_SCHEMA_DIR);
    writeFileSync(file, renderRulesSchema(kind));
    console.log(`wrote ${file.pathname}`);
  }
}
