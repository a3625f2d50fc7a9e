import type { Migration } from './migration.ts';

export default {
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
} satisfies Migration;
