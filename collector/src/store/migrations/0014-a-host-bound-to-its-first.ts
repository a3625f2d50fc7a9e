import type { Migration } from './migration.ts';

export default {
  version: 14,
  name: "a host bound to its first agent: another credential claiming it waits for an admin's approval",
  // approval: NULL for an agent in force; 'pending' while an admin has not approved a second
  // credential (an enrolment or another tool's report) for a host that already has one; 'refused'
  // once refused (revoked_at is set as well). claimed_by: the agent in force it claimed the host of.
  sql: `
      ALTER TABLE agents ADD COLUMN approval TEXT CHECK (approval IN ('pending', 'refused'));
      ALTER TABLE agents ADD COLUMN claimed_by INTEGER;
    `,
} satisfies Migration;
