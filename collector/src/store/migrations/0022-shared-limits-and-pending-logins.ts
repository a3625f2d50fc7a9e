import type { Migration } from './migration.ts';

// Several collector processes on one database (issue 16): what limited logins and what an OpenID
// login waits for lived in each process's memory; they are rows now, so every process sees them.
const tables = (integer: string) => `
    -- Failed logins per address ('address:<ip>') and per account ('account:<name>'), with the time
    -- of the last one: the delay before the next attempt is computed from both (http/auth.ts).
    CREATE TABLE login_failures (
      key TEXT PRIMARY KEY,
      failures ${integer} NOT NULL,
      last_failure_at TEXT NOT NULL
    );
    CREATE INDEX login_failures_by_time ON login_failures (last_failure_at);
    -- OpenID Connect logins started and not finished (accounts/oidc.ts), by the SHA-256 of their
    -- state; bound to the browser by the hash of a cookie; used once, forgotten after ten minutes.
    CREATE TABLE pending_logins (
      state_hash TEXT PRIMARY KEY,
      binding_hash TEXT NOT NULL,
      verifier TEXT,
      nonce TEXT NOT NULL,
      next TEXT NOT NULL,
      expires_at TEXT NOT NULL
    );
    CREATE INDEX pending_logins_by_expiry ON pending_logins (expires_at);
  `;

export default {
  version: 22,
  name: 'login limits and pending OpenID logins shared by every collector process',
  sql: tables('INTEGER'),
  postgres: tables('BIGINT'),
} satisfies Migration;
