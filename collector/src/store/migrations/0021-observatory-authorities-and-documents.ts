import type { Migration } from './migration.ts';

export default {
  version: 21,
  name: 'observatory: registered authorities and the documents they published',
  sql: `
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
    -- Every accepted document is kept (the history); the aggregate reads each authority's latest.
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
  `,
} satisfies Migration;
