import type { Migration } from './migration.ts';

export default {
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
} satisfies Migration;
