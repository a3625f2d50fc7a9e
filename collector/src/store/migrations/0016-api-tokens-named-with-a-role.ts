import type { Migration } from './migration.ts';

export default {
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
} satisfies Migration;
