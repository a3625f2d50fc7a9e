import type { Migration } from './migration.ts';

export default {
  version: 17,
  name: 'installations as rows, counters and facets kept exact by each ingest',
  // One row per installation again, and what the map and the assessment's host shares count
  // (catalogue.installs and .hosts, host_facets, facet_counts) kept exact in each ingest's
  // transaction (store/installations.ts), so that a read never writes nor waits. The host sets,
  // their queue and its triggers go. Everything derived is recounted from the installations: a
  // queue left by the previous code (hosts not yet shown) is then taken into account. Reading the
  // JSON rows is SQLite's (json_each); the schema this makes is plain SQL.
  sql: `
    DROP TRIGGER host_installations_added;
    DROP TRIGGER host_installations_changed;
    DROP TRIGGER host_installations_removed;
    DROP VIEW installations;
    CREATE TABLE installations (
      host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
      catalogue_id INTEGER NOT NULL REFERENCES catalogue (id),
      version TEXT NOT NULL DEFAULT '',
      scope TEXT NOT NULL,
      arch TEXT NOT NULL DEFAULT '',
      PRIMARY KEY (host_id, catalogue_id, version, scope, arch)
    );
    -- Drill-downs: the hosts of an entry, and its versions with their host counts.
    CREATE INDEX installations_by_catalogue ON installations (catalogue_id, version, host_id);
    INSERT INTO installations (host_id, catalogue_id, version, scope, arch)
      SELECT DISTINCT hi.host_id, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3
      FROM host_installations hi, json_each(hi.installations) j;
    DROP TABLE host_installations;
    DROP TABLE catalogue_hosts;
    DROP TABLE catalogue_hosts_queue;

    UPDATE catalogue SET
      installs = (SELECT COUNT(*) FROM installations i WHERE i.catalogue_id = catalogue.id),
      hosts = (SELECT COUNT(DISTINCT i.host_id) FROM installations i WHERE i.catalogue_id = catalogue.id);

    -- The facets each catalogue entry gives the hosts it is installed on (store/facets.ts, facetsOf).
    CREATE VIEW catalogue_facets (catalogue_id, facet, value) AS
      SELECT id, 'cell', COALESCE(area, 'unknown') || '|' || origin FROM catalogue
      UNION ALL SELECT id, 'origin', origin FROM catalogue
      UNION ALL SELECT id, 'licence', licence FROM catalogue
      UNION ALL SELECT id, 'vendor', vendor_id FROM catalogue WHERE vendor_id IS NOT NULL
      UNION ALL SELECT id, 'country', country FROM catalogue WHERE country IS NOT NULL
      UNION ALL SELECT id, 'owner_country', COALESCE(owner_country, country) FROM catalogue WHERE COALESCE(owner_country, country) IS NOT NULL
      UNION ALL SELECT id, 'assessed_origin', origin FROM catalogue WHERE platform = 0
      UNION ALL SELECT id, 'assessed_area', area FROM catalogue WHERE platform = 0 AND area IS NOT NULL
      UNION ALL SELECT id, 'assessed_cell', area || '|' || origin FROM catalogue WHERE platform = 0 AND area IS NOT NULL;
    DELETE FROM host_facets;
    INSERT INTO host_facets (host_id, facet, value)
      SELECT DISTINCT i.host_id, f.facet, f.value FROM installations i JOIN catalogue_facets f ON f.catalogue_id = i.catalogue_id;
    -- The hosts list filtered by a facet (the map's links).
    CREATE INDEX host_facets_by_value ON host_facets (facet, value, host_id);
    DELETE FROM facet_counts;
    INSERT INTO facet_counts (facet, value, hosts) SELECT facet, value, COUNT(*) FROM host_facets GROUP BY facet, value;
  `,
} satisfies Migration;
