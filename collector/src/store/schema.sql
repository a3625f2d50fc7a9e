-- The collector's database schema after migration 28 (collector/src/store/migrations/).
-- Written by `pnpm schema:db`: do not edit.

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
  , protocol TEXT NOT NULL DEFAULT 'tiebreak', spool_waiting INTEGER, spool_rejected INTEGER, spool_oldest TEXT, approval TEXT CHECK (approval IN ('pending', 'refused')), claimed_by INTEGER);
CREATE INDEX agents_by_host ON agents (host_key);

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

CREATE TABLE assessment_snapshots (
  day TEXT PRIMARY KEY,
  computed_at TEXT NOT NULL,
  indicators TEXT NOT NULL
);

CREATE TABLE assessment_targets (
  indicator TEXT NOT NULL,
  year INTEGER NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (indicator, year)
);

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
CREATE INDEX audit_log_by_action ON audit_log (action);
CREATE INDEX audit_log_by_at ON audit_log (at);

CREATE TABLE "catalogue" (
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
CREATE INDEX catalogue_by_origin ON catalogue (origin);
CREATE INDEX catalogue_by_vendor ON catalogue (vendor_id);

CREATE TABLE criticality (
  scope TEXT NOT NULL CHECK (scope IN ('category', 'product')),
  key TEXT NOT NULL,
  level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
  PRIMARY KEY (scope, key)
);

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
  , cost_year INTEGER, contract_ref TEXT);

CREATE TABLE enrolment_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
  , max_uses INTEGER, uses INTEGER NOT NULL DEFAULT 0, expires_at TEXT, entity_id INTEGER REFERENCES entities (id));

CREATE TABLE entities (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('commune', 'intercommunalite', 'departement', 'region', 'syndicat', 'ccas', 'service', 'other')),
  siren TEXT,
  -- Checked at the commit: a copy (copy-to-postgres) may insert a moved entity before its new parent.
  parent_id INTEGER REFERENCES entities (id) DEFERRABLE INITIALLY DEFERRED,
  created_at TEXT NOT NULL
);
CREATE INDEX entities_by_parent ON entities (parent_id);

CREATE TABLE entity_rules (
  id INTEGER PRIMARY KEY,
  entity_id INTEGER NOT NULL REFERENCES entities (id),
  kind TEXT NOT NULL CHECK (kind IN ('domain', 'hostname', 'subnet')),
  pattern TEXT NOT NULL,
  position INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX entity_rules_by_entity ON entity_rules (entity_id);

CREATE TABLE facet_counts (
  facet TEXT NOT NULL,
  value TEXT NOT NULL,
  hosts INTEGER NOT NULL,
  PRIMARY KEY (facet, value)
) WITHOUT ROWID;

CREATE TABLE federation_exclusions (
  ref TEXT PRIMARY KEY, -- a vendor id, or vendor/product
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE federation_publications (
  id INTEGER PRIMARY KEY,
  document_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  sent_to TEXT NOT NULL,
  status INTEGER NOT NULL,
  answer TEXT NOT NULL
);

CREATE TABLE federation_shared_rules (
  ref TEXT PRIMARY KEY,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE host_facets (
  host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  facet TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (host_id, facet, value)
) WITHOUT ROWID;
CREATE INDEX host_facets_by_value ON host_facets (facet, value, host_id);

CREATE TABLE "hosts" (
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
  , entity_id INTEGER REFERENCES entities (id), entity_by_hand INTEGER NOT NULL DEFAULT 0, address TEXT);
CREATE INDEX hosts_by_agent ON hosts (agent_name);
CREATE INDEX hosts_by_entity ON hosts (entity_id);
CREATE INDEX hosts_by_key ON hosts (host_key);
CREATE INDEX hosts_by_name ON hosts (lower(hostname), id);
CREATE INDEX hosts_by_role ON hosts (role, duplicate_id);

CREATE TABLE installations (
  host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  catalogue_id INTEGER NOT NULL REFERENCES catalogue (id),
  version TEXT NOT NULL DEFAULT '',
  scope TEXT NOT NULL,
  arch TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (host_id, catalogue_id, version, scope, arch)
);
CREATE INDEX installations_by_catalogue ON installations (catalogue_id, version, host_id);

CREATE TABLE inventory_receipts (
    id TEXT PRIMARY KEY,
    host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    received_at TEXT NOT NULL,
    collected_at TEXT NOT NULL,
    items INTEGER NOT NULL
  , partial INTEGER NOT NULL DEFAULT 0);
CREATE INDEX receipts_by_host ON inventory_receipts (host_id);

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

CREATE TABLE local_vendors (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  country TEXT,
  owner TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE login_failures (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_failure_at TEXT NOT NULL
);
CREATE INDEX login_failures_by_time ON login_failures (last_failure_at);

CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE observatory_authorities (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  siren TEXT,
  public_key TEXT NOT NULL,
  key_id TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);

CREATE TABLE observatory_documents (
  id INTEGER PRIMARY KEY,
  authority_id INTEGER NOT NULL REFERENCES observatory_authorities (id),
  document_id TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  received_at TEXT NOT NULL,
  hosts INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX observatory_documents_by_authority ON observatory_documents (authority_id, created_at);

CREATE TABLE pending_logins (
  state_hash TEXT PRIMARY KEY,
  binding_hash TEXT NOT NULL,
  verifier TEXT,
  nonce TEXT NOT NULL,
  next TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX pending_logins_by_expiry ON pending_logins (expires_at);

CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  , id_token TEXT);
CREATE INDEX sessions_by_user ON sessions (user_id);

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

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
    -- Set for a generated password: it must be changed at the first login.
    must_change_password INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    last_login_at TEXT
  , source TEXT NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'ldap', 'oidc')), external_id TEXT);
CREATE UNIQUE INDEX users_by_external_id ON users (source, external_id) WHERE external_id IS NOT NULL;

CREATE TRIGGER assessment_targets_delete_data_version AFTER DELETE ON assessment_targets BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER assessment_targets_insert_data_version AFTER INSERT ON assessment_targets BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER assessment_targets_update_data_version AFTER UPDATE ON assessment_targets BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE VIEW catalogue_facets (catalogue_id, facet, value) AS
  SELECT id, 'cell', COALESCE(area, 'unknown') || '|' || origin FROM catalogue WHERE platform = 0
  UNION ALL SELECT id, 'origin', origin FROM catalogue WHERE platform = 0
  UNION ALL SELECT id, 'licence', licence FROM catalogue
  UNION ALL SELECT id, 'vendor', vendor_id FROM catalogue WHERE vendor_id IS NOT NULL
  UNION ALL SELECT id, 'country', country FROM catalogue WHERE country IS NOT NULL
  UNION ALL SELECT id, 'owner_country', COALESCE(owner_country, country) FROM catalogue WHERE COALESCE(owner_country, country) IS NOT NULL AND origin <> 'community'
  UNION ALL SELECT id, 'cell@high', COALESCE(area, 'unknown') || '|' || CASE WHEN origin <> 'unknown' AND confidence IN ('high') THEN origin ELSE 'unknown' END FROM catalogue WHERE platform = 0
  UNION ALL SELECT id, 'origin@high', CASE WHEN origin <> 'unknown' AND confidence IN ('high') THEN origin ELSE 'unknown' END FROM catalogue WHERE platform = 0
  UNION ALL SELECT id, 'licence@high', CASE WHEN origin <> 'unknown' AND confidence IN ('high') THEN licence ELSE 'unknown' END FROM catalogue
  UNION ALL SELECT id, 'vendor@high', vendor_id FROM catalogue WHERE vendor_id IS NOT NULL AND origin <> 'unknown' AND confidence IN ('high')
  UNION ALL SELECT id, 'country@high', country FROM catalogue WHERE country IS NOT NULL AND origin <> 'unknown' AND confidence IN ('high')
  UNION ALL SELECT id, 'owner_country@high', COALESCE(owner_country, country) FROM catalogue WHERE COALESCE(owner_country, country) IS NOT NULL AND origin <> 'community' AND origin <> 'unknown' AND confidence IN ('high')
  UNION ALL SELECT id, 'cell@medium', COALESCE(area, 'unknown') || '|' || CASE WHEN origin <> 'unknown' AND confidence IN ('high', 'medium') THEN origin ELSE 'unknown' END FROM catalogue WHERE platform = 0
  UNION ALL SELECT id, 'origin@medium', CASE WHEN origin <> 'unknown' AND confidence IN ('high', 'medium') THEN origin ELSE 'unknown' END FROM catalogue WHERE platform = 0
  UNION ALL SELECT id, 'licence@medium', CASE WHEN origin <> 'unknown' AND confidence IN ('high', 'medium') THEN licence ELSE 'unknown' END FROM catalogue
  UNION ALL SELECT id, 'vendor@medium', vendor_id FROM catalogue WHERE vendor_id IS NOT NULL AND origin <> 'unknown' AND confidence IN ('high', 'medium')
  UNION ALL SELECT id, 'country@medium', country FROM catalogue WHERE country IS NOT NULL AND origin <> 'unknown' AND confidence IN ('high', 'medium')
  UNION ALL SELECT id, 'owner_country@medium', COALESCE(owner_country, country) FROM catalogue WHERE COALESCE(owner_country, country) IS NOT NULL AND origin <> 'community' AND origin <> 'unknown' AND confidence IN ('high', 'medium')
  UNION ALL SELECT id, 'assessed_area', area FROM catalogue WHERE platform = 0 AND area IS NOT NULL;

CREATE TRIGGER criticality_delete_data_version AFTER DELETE ON criticality BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER criticality_insert_data_version AFTER INSERT ON criticality BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER criticality_update_data_version AFTER UPDATE ON criticality BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER declared_assets_delete_data_version AFTER DELETE ON declared_assets BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER declared_assets_insert_data_version AFTER INSERT ON declared_assets BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER declared_assets_update_data_version AFTER UPDATE ON declared_assets BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER federation_exclusions_delete_data_version AFTER DELETE ON federation_exclusions BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER federation_exclusions_insert_data_version AFTER INSERT ON federation_exclusions BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER federation_exclusions_update_data_version AFTER UPDATE ON federation_exclusions BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER federation_shared_rules_delete_data_version AFTER DELETE ON federation_shared_rules BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER federation_shared_rules_insert_data_version AFTER INSERT ON federation_shared_rules BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER federation_shared_rules_update_data_version AFTER UPDATE ON federation_shared_rules BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER local_assignments_delete_data_version AFTER DELETE ON local_assignments BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER local_assignments_insert_data_version AFTER INSERT ON local_assignments BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER local_assignments_update_data_version AFTER UPDATE ON local_assignments BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER local_products_delete_data_version AFTER DELETE ON local_products BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER local_products_insert_data_version AFTER INSERT ON local_products BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER local_products_update_data_version AFTER UPDATE ON local_products BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER local_vendors_delete_data_version AFTER DELETE ON local_vendors BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER local_vendors_insert_data_version AFTER INSERT ON local_vendors BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER local_vendors_update_data_version AFTER UPDATE ON local_vendors BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER spend_lines_delete_data_version AFTER DELETE ON spend_lines BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER spend_lines_insert_data_version AFTER INSERT ON spend_lines BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;

CREATE TRIGGER spend_lines_update_data_version AFTER UPDATE ON spend_lines BEGIN UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'; END;
