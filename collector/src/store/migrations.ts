// Versioned schema migrations: each runs once, in order, inside a transaction.
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * Run with foreign key enforcement off, as SQLite's procedure for changing a table's constraints
   * requires (dropping the old table must not cascade to its children); the keys are checked
   * before the commit.
   */
  foreignKeysOff?: boolean;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'hosts, catalogue, installations, tokens',
    sql: `
      CREATE TABLE enrolment_tokens (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT,
        last_used_at TEXT
      );

      CREATE TABLE hosts (
        id INTEGER PRIMARY KEY,
        host_key TEXT NOT NULL,
        id_source TEXT NOT NULL,
        hostname TEXT NOT NULL,
        domain TEXT,
        serial_hash TEXT,
        role TEXT NOT NULL CHECK (role IN ('server', 'workstation')),
        os_family TEXT NOT NULL,
        os_name TEXT NOT NULL,
        os_version TEXT,
        os_build TEXT,
        os_arch TEXT,
        os_kernel TEXT,
        os_edition TEXT,
        hardware_json TEXT NOT NULL,
        agent_name TEXT NOT NULL,
        agent_version TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        collected_at TEXT NOT NULL,
        software_count INTEGER NOT NULL DEFAULT 0,
        -- Another machine reports the same stable id (cloned image): kept apart, flagged.
        duplicate_id INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX hosts_by_key ON hosts (host_key);

      -- Distinct (source, normalised name, publisher, package) entries, classified once.
      CREATE TABLE catalogue (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('software', 'os', 'hardware')),
        source TEXT NOT NULL,
        role TEXT NOT NULL DEFAULT '',
        name TEXT NOT NULL,
        publisher TEXT,
        package TEXT,
        name_norm TEXT NOT NULL,
        publisher_norm TEXT NOT NULL,
        package_norm TEXT NOT NULL,
        vendor_id TEXT,
        product_id TEXT,
        country TEXT,
        owner_country TEXT,
        origin TEXT NOT NULL,
        licence TEXT NOT NULL,
        area TEXT,
        category TEXT,
        platform INTEGER NOT NULL DEFAULT 0,
        rule TEXT,
        installs INTEGER NOT NULL DEFAULT 0,
        hosts INTEGER NOT NULL DEFAULT 0,
        first_seen TEXT NOT NULL,
        UNIQUE (source, role, name_norm, publisher_norm, package_norm)
      );
      CREATE INDEX catalogue_by_origin ON catalogue (origin);
      CREATE INDEX catalogue_by_vendor ON catalogue (vendor_id);

      CREATE TABLE installations (
        host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
        catalogue_id INTEGER NOT NULL REFERENCES catalogue (id),
        version TEXT NOT NULL DEFAULT '',
        scope TEXT NOT NULL,
        arch TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (host_id, catalogue_id, version, scope, arch)
      ) WITHOUT ROWID;
      CREATE INDEX installations_by_catalogue ON installations (catalogue_id);

      -- Receipts of accepted inventories: a replay is recognised and changes nothing.
      CREATE TABLE inventory_receipts (
        id TEXT PRIMARY KEY,
        host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
        received_at TEXT NOT NULL,
        collected_at TEXT NOT NULL,
        items INTEGER NOT NULL
      );
      CREATE INDEX receipts_by_host ON inventory_receipts (host_id);

      -- Per-host facets (vendor, country, cell...) and their host counts, kept current at ingest
      -- so that the map never scans installations.
      CREATE TABLE host_facets (
        host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
        facet TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (host_id, facet, value)
      ) WITHOUT ROWID;
      CREATE TABLE facet_counts (
        facet TEXT NOT NULL,
        value TEXT NOT NULL,
        hosts INTEGER NOT NULL,
        PRIMARY KEY (facet, value)
      ) WITHOUT ROWID;

      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `,
  },
  {
    version: 2,
    name: 'index of hosts by role for the map',
    // The map counts hosts by role and flag: from this narrow index, not the wide host rows.
    sql: 'CREATE INDEX hosts_by_role ON hosts (role, duplicate_id);',
  },
  {
    version: 3,
    name: 'enrolment limits and per-agent credentials',
    sql: `
      ALTER TABLE enrolment_tokens ADD COLUMN max_uses INTEGER;
      ALTER TABLE enrolment_tokens ADD COLUMN uses INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE enrolment_tokens ADD COLUMN expires_at TEXT;
      -- One row per enrolment: an agent's credential is stored only as a hash.
      CREATE TABLE agents (
        id INTEGER PRIMARY KEY,
        host_key TEXT NOT NULL,
        hostname TEXT NOT NULL,
        credential_hash TEXT NOT NULL UNIQUE,
        token_id INTEGER NOT NULL REFERENCES enrolment_tokens (id),
        enrolled_at TEXT NOT NULL,
        last_seen_at TEXT,
        agent_version TEXT,
        revoked_at TEXT
      );
      CREATE INDEX agents_by_host ON agents (host_key);
    `,
  },
  {
    version: 4,
    name: 'content hash of each host\'s last inventory',
    // Lets an agent report "unchanged" with a hash instead of sending its inventory again.
    sql: 'ALTER TABLE hosts ADD COLUMN content_hash TEXT;',
  },  {
    version: 5,
    name: 'agents of other tools (GLPI, FusionInventory, OCS) and hosts by reporting agent',
    sql: `
      -- 'tiebreak' for tiebreak's agent, else the protocol a peer agent reports by ('ocs-xml', 'glpi-json').
      ALTER TABLE agents ADD COLUMN protocol TEXT NOT NULL DEFAULT 'tiebreak';
      CREATE INDEX hosts_by_agent ON hosts (agent_name);
    `,
  },  {
    version: 6,
    name: 'accounts and sessions of the web interface',
    sql: `
      CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
        -- Set for a generated password: it must be changed at the first login.
        must_change_password INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        last_login_at TEXT
      );
      -- Sessions by the SHA-256 of their cookie: a copy of the database opens no session.
      CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      );
      CREATE INDEX sessions_by_user ON sessions (user_id);
    `,
  },  {
    version: 7,
    name: 'local rules decided in the web interface, and criticality settings',
    sql: `
      -- Vendors and products the DSI created for items the shared rules do not know.
      CREATE TABLE local_vendors (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        country TEXT,
        owner TEXT,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE local_products (
        vendor_id TEXT NOT NULL,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        area TEXT NOT NULL,
        category TEXT NOT NULL,
        licence TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (vendor_id, id)
      );
      -- "This item is that product": the item as it appears in the catalogue.
      CREATE TABLE local_assignments (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        name TEXT NOT NULL,
        publisher TEXT,
        vendor_id TEXT NOT NULL,
        product_id TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (source, name, publisher)
      );
      -- Criticality set by the DSI (1 low, 2 medium, 3 high), per category or per vendor/product.
      CREATE TABLE criticality (
        scope TEXT NOT NULL CHECK (scope IN ('category', 'product')),
        key TEXT NOT NULL,
        level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
        PRIMARY KEY (scope, key)
      );
    `,
  },
  {
    version: 8,
    name: 'dependency assessment: spend, declared assets, snapshots and targets',
    sql: `
      -- Annual spend imported from the finance software, one row per line of the imported file.
      -- Amounts in euro cents; the vendor and product as the file names them, matched by the rules.
      CREATE TABLE spend_lines (
        id INTEGER PRIMARY KEY,
        year INTEGER NOT NULL,
        amount_cents INTEGER NOT NULL,
        vendor_text TEXT,
        product_text TEXT,
        contract_ref TEXT,
        supplier TEXT,
        source_file TEXT NOT NULL,
        source_line INTEGER NOT NULL,
        imported_at TEXT NOT NULL
      );
      CREATE INDEX spend_by_year ON spend_lines (year);
      -- SaaS, cloud, hosting, telecom and services no agent inventories.
      CREATE TABLE declared_assets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        vendor_text TEXT NOT NULL,
        area TEXT NOT NULL CHECK (area IN ('infrastructure', 'workstation', 'software')),
        users INTEGER NOT NULL DEFAULT 0,
        annual_cost_cents INTEGER,
        note TEXT,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      -- The indicators of each day that had new data, kept for the trajectory.
      CREATE TABLE assessment_snapshots (
        day TEXT PRIMARY KEY,
        computed_at TEXT NOT NULL,
        indicators TEXT NOT NULL
      );
      -- Targets the authority sets itself, e.g. index 30 in 2030.
      CREATE TABLE assessment_targets (
        indicator TEXT NOT NULL,
        year INTEGER NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (indicator, year)
      );
    `,
  },
  {
    version: 9,
    name: 'spool state reported by each agent',
    sql: `
      ALTER TABLE agents ADD COLUMN spool_waiting INTEGER;
      ALTER TABLE agents ADD COLUMN spool_rejected INTEGER;
      ALTER TABLE agents ADD COLUMN spool_oldest TEXT;
    `,
  },
  {
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
  },
  {
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
  },
  {
    version: 12,
    name: 'catalogue: the host OS of packages without a maintainer in the key, evidence and confidence of each classification',
    // A dpkg or rpm package reported without its maintainer is its host distribution's: the same
    // name on a Debian and an Ubuntu host is two entries (host_os, part of the key). The unique key
    // of a table cannot change in SQLite but by rebuilding it; the ids are kept. Evidence and
    // confidence are filled by the reclassification that the rules' new fingerprint starts.
    sql: `
      CREATE TABLE catalogue_v12 (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('software', 'os', 'hardware')),
        source TEXT NOT NULL,
        role TEXT NOT NULL DEFAULT '',
        host_os TEXT NOT NULL DEFAULT '',
        name TEXT NOT NULL,
        publisher TEXT,
        package TEXT,
        name_norm TEXT NOT NULL,
        publisher_norm TEXT NOT NULL,
        package_norm TEXT NOT NULL,
        vendor_id TEXT,
        product_id TEXT,
        country TEXT,
        owner_country TEXT,
        origin TEXT NOT NULL,
        licence TEXT NOT NULL,
        area TEXT,
        category TEXT,
        platform INTEGER NOT NULL DEFAULT 0,
        rule TEXT,
        evidence TEXT,
        confidence TEXT CHECK (confidence IN ('high', 'medium', 'low')),
        installs INTEGER NOT NULL DEFAULT 0,
        hosts INTEGER NOT NULL DEFAULT 0,
        first_seen TEXT NOT NULL,
        UNIQUE (source, role, host_os, name_norm, publisher_norm, package_norm)
      );
      INSERT INTO catalogue_v12 (id, kind, source, role, name, publisher, package, name_norm, publisher_norm, package_norm, vendor_id,
        product_id, country, owner_country, origin, licence, area, category, platform, rule, installs, hosts, first_seen)
        SELECT id, kind, source, role, name, publisher, package, name_norm, publisher_norm, package_norm, vendor_id,
        product_id, country, owner_country, origin, licence, area, category, platform, rule, installs, hosts, first_seen FROM catalogue;
      DROP TABLE catalogue;
      ALTER TABLE catalogue_v12 RENAME TO catalogue;
      CREATE INDEX catalogue_by_origin ON catalogue (origin);
      CREATE INDEX catalogue_by_vendor ON catalogue (vendor_id);
      `,
  },
  {
    version: 13,
    name: 'network devices as hosts with a role of their own, partial inventories in the receipts',
    // SQLite cannot alter a CHECK constraint: the hosts table is rebuilt (its children keep
    // referring to it by name) with the roles of network devices allowed.
    foreignKeysOff: true,
    sql: `
      CREATE TABLE hosts_13 (
        id INTEGER PRIMARY KEY,
        host_key TEXT NOT NULL,
        id_source TEXT NOT NULL,
        hostname TEXT NOT NULL,
        domain TEXT,
        serial_hash TEXT,
        role TEXT NOT NULL CHECK (role IN ('server', 'workstation', 'network', 'printer', 'phone', 'storage')),
        os_family TEXT NOT NULL,
        os_name TEXT NOT NULL,
        os_version TEXT,
        os_build TEXT,
        os_arch TEXT,
        os_kernel TEXT,
        os_edition TEXT,
        hardware_json TEXT NOT NULL,
        agent_name TEXT NOT NULL,
        agent_version TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        collected_at TEXT NOT NULL,
        software_count INTEGER NOT NULL DEFAULT 0,
        -- Another machine reports the same stable id (cloned image): kept apart, flagged.
        duplicate_id INTEGER NOT NULL DEFAULT 0,
        content_hash TEXT
      );
      INSERT INTO hosts_13 (id, host_key, id_source, hostname, domain, serial_hash, role, os_family, os_name, os_version, os_build,
        os_arch, os_kernel, os_edition, hardware_json, agent_name, agent_version, first_seen, last_seen, collected_at, software_count,
        duplicate_id, content_hash)
        SELECT id, host_key, id_source, hostname, domain, serial_hash, role, os_family, os_name, os_version, os_build, os_arch,
        os_kernel, os_edition, hardware_json, agent_name, agent_version, first_seen, last_seen, collected_at, software_count,
        duplicate_id, content_hash FROM hosts;
      DROP TABLE hosts;
      ALTER TABLE hosts_13 RENAME TO hosts;
      CREATE INDEX hosts_by_key ON hosts (host_key);
      CREATE INDEX hosts_by_role ON hosts (role, duplicate_id);
      CREATE INDEX hosts_by_agent ON hosts (agent_name);
      -- A partial report replaced only the parts it carried: its receipt says so.
      ALTER TABLE inventory_receipts ADD COLUMN partial INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 14,
    name: "a host bound to its first agent: another credential claiming it waits for an admin's approval",
    // approval: NULL for an agent in force; 'pending' while an admin has not approved a second
    // credential (an enrolment or another tool's report) for a host that already has one; 'refused'
    // once refused (revoked_at is set as well). claimed_by: the agent in force it claimed the host of.
    sql: `
      ALTER TABLE agents ADD COLUMN approval TEXT CHECK (approval IN ('pending', 'refused'));
      ALTER TABLE agents ADD COLUMN claimed_by INTEGER;
    `,
  },
  {
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
  },
  {
    version: 16,
    name: 'API tokens: named, with a role and an expiry, stored as a hash',
    sql: `
      CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        created_by TEXT,
        expires_at TEXT,
        revoked_at TEXT,
        last_used_at TEXT
      );
    `,
  },
  {
    version: 21,
    name: 'the audit log: who changed what, when and from where',
    // actor_kind: a web account (user), an API token, or the command line (cli); ip is null for the last.
    sql: `
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor_kind TEXT NOT NULL CHECK (actor_kind IN ('user', 'api-token', 'cli')),
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        object TEXT,
        details TEXT,
        ip TEXT
      );
      CREATE INDEX audit_log_by_at ON audit_log (at);
      CREATE INDEX audit_log_by_action ON audit_log (action);
    `,
  },
];
