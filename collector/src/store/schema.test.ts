// schema.sql shows the schema the migrations make: it is written again (`pnpm schema:db`) whenever
// a migration is added.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSchema, SCHEMA_FILE } from './write-schema.ts';

describe('schema.sql', () => {
  it('is the schema the migrations make (else run pnpm schema:db)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(renderSchema());
  });
});
