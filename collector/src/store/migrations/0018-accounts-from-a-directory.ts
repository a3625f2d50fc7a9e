import type { Migration } from './migration.ts';

export default {
  version: 18,
  name: 'accounts from an LDAP directory or an OpenID Connect provider beside the local ones',
  // source: where the account logs in (local: its password hash here; ldap, oidc: the directory,
  // and password_hash holds '!', which no password matches). external_id: the user's DN, or the
  // provider's issuer and subject, by which a later login finds the same account.
  sql: `
      ALTER TABLE users ADD COLUMN source TEXT NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'ldap', 'oidc'));
      ALTER TABLE users ADD COLUMN external_id TEXT;
      CREATE UNIQUE INDEX users_by_external_id ON users (source, external_id) WHERE external_id IS NOT NULL;
    `,
} satisfies Migration;
