import type { Migration } from './migration.ts';

export default {
  version: 9,
  name: 'spool state reported by each agent',
  sql: `
      ALTER TABLE agents ADD COLUMN spool_waiting INTEGER;
      ALTER TABLE agents ADD COLUMN spool_rejected INTEGER;
      ALTER TABLE agents ADD COLUMN spool_oldest TEXT;
    `,
} satisfies Migration;
