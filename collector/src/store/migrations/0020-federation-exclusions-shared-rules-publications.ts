import type { Migration } from './migration.ts';

export default {
  version: 20,
  name: 'federation: what a collector leaves out of its publication, the local rules it shares, what it sent',
  // The key pair that signs publications is kept in meta (federation_private_key, never exported).
  sql: `
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
    -- Local rules (vendor/product decided here) the authority chose to propose to the commons.
    CREATE TABLE federation_shared_rules (
      ref TEXT PRIMARY KEY,
      created_by TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
  `,
} satisfies Migration;
