import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, renderJsonSchema } from '../scripts/write-json-schema.ts';
import { InventorySchema, LIMITS } from './wire.ts';

const valid = {
  schema_version: 1,
  id: '0b6f2a52-8f0e-4a43-9f7e-2f1c3b0e9a11',
  agent: { name: 'tiebreak-agent', version: '0.1.0' },
  collected_at: '2026-11-23T10:00:00.000Z',
  host: { id: 'a'.repeat(64), id_source: 'machine-id', hostname: 'PC-MAIRIE-01' },
  os: { family: 'windows', name: 'Microsoft Windows 11 Pro', version: '23H2', build: '22631' },
  hardware: {},
  software: [{ name: '7-Zip 23.01 (x64)', version: '23.01', publisher: 'Igor Pavlov', source: 'registry' }],
};

describe('wire format v1', () => {
  it('the published JSON Schema is the one generated from the zod schemas (run `pnpm schema`)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(renderJsonSchema());
  });

  it('accepts a Windows inventory and fills defaults', () => {
    const parsed = InventorySchema.parse(valid);
    expect(parsed.software[0]!.scope).toBe('machine');
    expect(parsed.hardware.cpus).toEqual([]);
  });

  it('names the offending fields', () => {
    const result = InventorySchema.safeParse({ ...valid, host: { ...valid.host, id: 'not-a-hash' }, software: [{ source: 'registry' }] });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toContain('host.id');
    expect(paths).toContain('software.0.name');
  });

  it('bounds strings and lists', () => {
    expect(InventorySchema.safeParse({ ...valid, software: [{ ...valid.software[0], name: 'x'.repeat(LIMITS.text + 1) }] }).success).toBe(false);
    expect(InventorySchema.safeParse({ ...valid, software: Array.from({ length: LIMITS.softwareItems + 1 }, () => valid.software[0]) }).success).toBe(false);
  });
});
