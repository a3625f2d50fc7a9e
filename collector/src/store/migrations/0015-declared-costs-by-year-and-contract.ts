import type { Migration } from './migration.ts';

export default {
  version: 15,
  name: 'declared costs by year and contract; the dependency index becomes the priority index',
  // A declared cost had no year: it is kept, undated (listed apart, in no year's spend), until
  // the DSI gives its year. Targets of the former combined index are targets of its successor,
  // the priority index (the same formula).
  sql: `
      ALTER TABLE declared_assets ADD COLUMN cost_year INTEGER;
      ALTER TABLE declared_assets ADD COLUMN contract_ref TEXT;
      UPDATE assessment_targets SET indicator = 'priority' || substr(indicator, 6) WHERE indicator = 'index' OR indicator LIKE 'index.%';
    `,
} satisfies Migration;
