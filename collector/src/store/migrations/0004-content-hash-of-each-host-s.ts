import type { Migration } from './migration.ts';

export default {
  version: 4,
  name: "content hash of each host's last inventory",
  // Lets an agent report "unchanged" with a hash instead of sending its inventory again.
  sql: 'ALTER TABLE hosts ADD COLUMN content_hash TEXT;',
} satisfies Migration;
