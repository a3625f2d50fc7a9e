// schema.sql and tables.ts show the schema the migrations make: they are written again
// (`pnpm schema:db`) whenever a migration is added.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSchema, renderTables, SCHEMA_FILE, TABLES_FILE } from './write-schema.ts';

describe('schema.sql and tables.ts', () => {
  it('are the schema the migrations make (else run pnpm schema:db)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(renderSchema());
    expect(readFileSync(TABLES_FILE, 'utf8')).toBe(renderTables());
  });
});
