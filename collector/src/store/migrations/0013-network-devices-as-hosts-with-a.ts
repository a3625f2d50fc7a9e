import type { Migration } from './migration.ts';

export default {
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
} satisfies Migration;
