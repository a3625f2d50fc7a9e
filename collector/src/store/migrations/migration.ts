// A versioned schema migration: each runs once, in order, inside a transaction (store/db.ts).
// One per file, named after its version; a released migration never changes (databases made by
// that release ran it as it was).
export interface Migration {
  version: number;
  name: string;
  /** The SQLite statements. */
  sql: string;
  /**
   * The same change for PostgreSQL, required after POSTGRES_BASELINE_VERSION (store/db.ts): a
   * PostgreSQL database starts from store/postgres/baseline.sql, the schema of that version.
   */
  postgres?: string;
  /**
   * Run with foreign key enforcement off, as SQLite's procedure for changing a table's constraints
   * requires (dropping the old table must not cascade to its children); the keys are checked
   * before the commit.
   */
  foreignKeysOff?: boolean;
}
