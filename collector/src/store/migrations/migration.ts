// A versioned schema migration: each runs once, in order, inside a transaction (store/db.ts).
// One per file, named after its version; a released migration never changes (databases made by
// that release ran it as it was).
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * Run with foreign key enforcement off, as SQLite's procedure for changing a table's constraints
   * requires (dropping the old table must not cascade to its children); the keys are checked
   * before the commit.
   */
  foreignKeysOff?: boolean;
}
