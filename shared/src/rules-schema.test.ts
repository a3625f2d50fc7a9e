import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULE_FILE_KINDS, RULES_SCHEMA_DIR, renderRulesSchema } from '../scripts/write-json-schema.ts';

describe('JSON Schemas of the rules files', () => {
  it.each(RULE_FILE_KINDS.map((kind) => [kind.schema, kind] as const))(
    'rules/schema/%s is the one generated from the zod schemas (run `pnpm schema`)',
    (_, kind) => {
      expect(readFileSync(new URL(kind.schema, RULES_SCHEMA_DIR), 'utf8')).toBe(renderRulesSchema(kind));
    },
  );
});
