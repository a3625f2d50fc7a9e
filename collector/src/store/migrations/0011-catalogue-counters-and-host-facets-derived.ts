import type { Migration } from './migration.ts';

export default {
  version: 11,
  name: 'catalogue counters and host facets derived in bulk with the host sets',
  // Ingest no longer updates catalogue.installs, catalogue.hosts, host_facets and facet_counts:
  // like catalogue_hosts, they show each host as the queue says it was shown (store/catch-up.ts).
  // Until now they showed queued hosts as they are: when hosts are queued, everything derived is
  // rebuilt from the installations by queueing every host afresh.
  sql: `
      CREATE TEMP TABLE migration_11 AS SELECT EXISTS (SELECT 1 FROM catalogue_hosts_queue) AS rebuild;
      DELETE FROM catalogue_hosts WHERE (SELECT rebuild FROM temp.migration_11);
      UPDATE catalogue SET installs = 0, hosts = 0 WHERE (SELECT rebuild FROM temp.migration_11);
      DELETE FROM host_facets WHERE (SELECT rebuild FROM temp.migration_11);
      DELETE FROM facet_counts WHERE (SELECT rebuild FROM temp.migration_11);
      DELETE FROM catalogue_hosts_queue WHERE (SELECT rebuild FROM temp.migration_11);
      INSERT INTO catalogue_hosts_queue (host_id, shown) SELECT host_id, NULL FROM host_installations WHERE (SELECT rebuild FROM temp.migration_11);
      DROP TABLE temp.migration_11;
    `,
} satisfies Migration;
