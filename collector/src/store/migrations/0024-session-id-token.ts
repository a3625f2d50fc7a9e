import type { Migration } from './migration.ts';

// A session opened through OpenID Connect keeps the provider's ID token: logging out sends it back
// to the provider as id_token_hint (RP-initiated logout), which ends the session there too. Null for
// the other sessions; deleted with the session.
const column = 'ALTER TABLE sessions ADD COLUMN id_token TEXT;';

export default {
  version: 24,
  name: 'ID token of OpenID Connect sessions',
  sql: column,
  postgres: column,
} satisfies Migration;
