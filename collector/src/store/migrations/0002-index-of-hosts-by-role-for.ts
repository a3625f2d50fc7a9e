import type { Migration } from './migration.ts';

export default {
  version: 2,
  name: 'index of hosts by role for the map',
  // The map counts hosts by role and flag: from this narrow index, not the wide host rows.
  sql: 'CREATE INDEX hosts_by_role ON hosts (role, duplicate_id);',
} satisfies Migration;
