import type { Migration } from './migration.ts';

export default {
  version: 10,
  name: 'installations kept as one row per host, hosts by catalogue entry kept as compact sets',
  sql: `
      -- A host's installations in one row: a JSON array of [catalogue_id, version, scope, arch],
      -- sorted. A first inventory writes one row instead of one per item and per index.
      CREATE TABLE host_installations (
        host_id INTEGER PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
        installations TEXT NOT NULL
      );
      INSERT INTO host_installations (host_id, installations)
        SELECT host_id, json_group_array(json_array(catalogue_id, version, scope, arch))
        FROM (SELECT * FROM installations ORDER BY host_id, catalogue_id, version, scope, arch) GROUP BY host_id;
      -- The hosts of each catalogue entry, per block of 65,536 host ids (store/host-set.ts), with the
      -- number of them that have each version (a JSON object).
      CREATE TABLE catalogue_hosts (
        catalogue_id INTEGER NOT NULL,
        block INTEGER NOT NULL,
        hosts INTEGER NOT NULL,
        members BLOB NOT NULL,
        versions TEXT NOT NULL,
        PRIMARY KEY (catalogue_id, block)
      ) WITHOUT ROWID;
      -- Hosts whose installations changed since catalogue_hosts last showed them, with what it
      -- showed (null: nothing); a host already queued keeps what it showed. Applied in bulk by
      -- store/catch-up.ts. (The triggers test before inserting: an INSERT OR IGNORE would
      -- take the conflict policy of the statement that fired it.)
      CREATE TABLE catalogue_hosts_queue (
        host_id INTEGER PRIMARY KEY,
        shown TEXT
      );
      INSERT INTO catalogue_hosts_queue (host_id, shown) SELECT host_id, NULL FROM host_installations;
      CREATE TRIGGER host_installations_added AFTER INSERT ON host_installations BEGIN
        INSERT INTO catalogue_hosts_queue (host_id, shown)
          SELECT new.host_id, NULL WHERE NOT EXISTS (SELECT 1 FROM catalogue_hosts_queue WHERE host_id = new.host_id);
      END;
      CREATE TRIGGER host_installations_changed AFTER UPDATE OF installations ON host_installations BEGIN
        INSERT INTO catalogue_hosts_queue (host_id, shown)
          SELECT old.host_id, old.installations WHERE NOT EXISTS (SELECT 1 FROM catalogue_hosts_queue WHERE host_id = old.host_id);
      END;
      CREATE TRIGGER host_installations_removed AFTER DELETE ON host_installations BEGIN
        INSERT INTO catalogue_hosts_queue (host_id, shown)
          SELECT old.host_id, old.installations WHERE NOT EXISTS (SELECT 1 FROM catalogue_hosts_queue WHERE host_id = old.host_id);
      END;
      DROP TABLE installations;
      -- The installations as rows, for reading (the host page, reclassification, ad-hoc queries).
      CREATE VIEW installations AS
        SELECT hi.host_id AS host_id, j.value ->> 0 AS catalogue_id, j.value ->> 1 AS version, j.value ->> 2 AS scope, j.value ->> 3 AS arch
        FROM host_installations hi, json_each(hi.installations) j;
    `,
} satisfies Migration;
