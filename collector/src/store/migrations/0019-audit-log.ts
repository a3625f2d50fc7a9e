import type { Migration } from './migration.ts';

export default {
  version: 19,
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
} satisfies Migration;
