import type { Migration } from './migration.ts';

export default {
  version: 5,
  name: 'agents of other tools (GLPI, FusionInventory, OCS) and hosts by reporting agent',
  sql: `
      -- 'tiebreak' for tiebreak's agent, else the protocol a peer agent reports by ('ocs-xml', 'glpi-json').
      ALTER TABLE agents ADD COLUMN protocol TEXT NOT NULL DEFAULT 'tiebreak';
      CREATE INDEX hosts_by_agent ON hosts (agent_name);
    `,
} satisfies Migration;
