import type { Migration } from './migration.ts';

export default {
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
} satisfies Migration;
