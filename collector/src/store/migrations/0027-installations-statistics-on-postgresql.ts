import type { Migration } from './migration.ts';

// PostgreSQL plans a product's drill-down (its hosts by name, a page at a time) from the estimated
// share of installations of that catalogue entry. With the default sample (100 most common values)
// a fleet whose hosts share a few hundred common entries leaves most of them out, estimates 1,500
// hosts for an entry on 50,000, and sorts them all (280–580 ms) instead of walking the hosts by
// name (1–2 ms): measured in BENCHMARKS.md. A larger sample for that column only. SQLite's planner
// needs nothing here.
export default {
  version: 27,
  name: 'installation statistics on PostgreSQL',
  sql: 'SELECT 1;',
  postgres: 'ALTER TABLE installations ALTER COLUMN catalogue_id SET STATISTICS 1000; ANALYZE installations;',
} satisfies Migration;
