// Writes the published JSON Schema of the wire format from the zod schemas (`pnpm schema`).
import { writeFileSync } from 'node:fs';
import { inventoryJsonSchema } from '../src/wire.ts';

export const SCHEMA_FILE = new URL('../schema/inventory-v1.schema.json', import.meta.url);

export function renderJsonSchema(): string {
  const schema = {
    $id: 'https://tiebreak.eu/schema/inventory-v1.schema.json',
    title: 'tiebreak inventory, wire format v1',
    ...inventoryJsonSchema(),
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(SCHEMA_FILE, renderJsonSchema());
  console.log(`wrote ${SCHEMA_FILE.pathname}`);
}
