// The schema's migrations, one per file in migrations/ (numbered as they run). schema.sql shows
// the schema they make, written by `pnpm schema:db`.
import m0001 from './migrations/0001-hosts-catalogue-installations-tokens.ts';
import m0002 from './migrations/0002-index-of-hosts-by-role-for.ts';
import m0003 from './migrations/0003-enrolment-limits-and-per-agent-credentials.ts';
import m0004 from './migrations/0004-content-hash-of-each-host-s.ts';
import m0005 from './migrations/0005-agents-of-other-tools-glpi-fusioninventory.ts';
import m0006 from './migrations/0006-accounts-and-sessions-of-the-web.ts';
import m0007 from './migrations/0007-local-rules-decided-in-the-web.ts';
import m0008 from './migrations/0008-dependency-assessment-spend-declared-assets-snapshots.ts';
import m0009 from './migrations/0009-spool-state-reported-by-each-agent.ts';
import m0010 from './migrations/0010-installations-kept-as-one-row-per.ts';
import m0011 from './migrations/0011-catalogue-counters-and-host-facets-derived.ts';
import m0012 from './migrations/0012-catalogue-the-host-os-of-packages.ts';
import m0013 from './migrations/0013-network-devices-as-hosts-with-a.ts';
import m0014 from './migrations/0014-a-host-bound-to-its-first.ts';
import m0015 from './migrations/0015-declared-costs-by-year-and-contract.ts';
import m0016 from './migrations/0016-api-tokens-named-with-a-role.ts';
import m0017 from './migrations/0017-installations-as-rows-counters-kept-at-ingest.ts';
import m0018 from './migrations/0018-accounts-from-a-directory.ts';
import m0019 from './migrations/0019-audit-log.ts';
import m0020 from './migrations/0020-federation-exclusions-shared-rules-publications.ts';
import m0021 from './migrations/0021-observatory-authorities-and-documents.ts';
import m0022 from './migrations/0022-shared-limits-and-pending-logins.ts';
import m0023 from './migrations/0023-hosts-by-name.ts';
import m0024 from './migrations/0024-session-id-token.ts';
import m0025 from './migrations/0025-map-facets-by-confidence-and-data-version.ts';
import m0026 from './migrations/0026-host-shares-from-the-map-facets-no-owner-country-for-community.ts';
import m0027 from './migrations/0027-installations-statistics-on-postgresql.ts';
import m0028 from './migrations/0028-entities-a-tree-of-authorities.ts';
import type { Migration } from './migrations/migration.ts';

export type { Migration };

export const MIGRATIONS: readonly Migration[] = [
  m0001,
  m0002,
  m0003,
  m0004,
  m0005,
  m0006,
  m0007,
  m0008,
  m0009,
  m0010,
  m0011,
  m0012,
  m0013,
  m0014,
  m0015,
  m0016,
  m0017,
  m0018,
  m0019,
  m0020,
  m0021,
  m0022,
  m0023,
  m0024,
  m0025,
  m0026,
  m0027,
  m0028,
];
