// Moving a collector from its SQLite file to PostgreSQL (`tiebreak-collector copy-to-postgres`):
// every row of every table copied into a new PostgreSQL database, in one transaction (a failed copy
// leaves the target as it was), read from one consistent snapshot of the SQLite file.
import type Database from 'better-sqlite3';
import { sql } from 'kysely';
import { closeDatabase, engineOf, openDatabase, openSqliteFile, shownLocation, transaction, value, values, type Db } from './db.ts';
import { inspectDatabase } from './backup.ts';

export class CopyError extends Error {}

export interface CopyResult {
  /** Rows copied, by table. */
  tables: Record<string, number>;
  version: number;
}

/** Rows per INSERT: far below PostgreSQL's 65,535 parameters for the widest table. */
const BATCH_ROWS = 500;

/** The SQLite tables, each after the tables its foreign keys point to. */
function tablesInDependencyOrder(source: Database.Database): string[] {
  const names = source
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name")
    .pluck()
    .all() as string[];
  const parents = new Map(
    names.map((name) => [name, (source.prepare('SELECT "table" FROM pragma_foreign_key_list(?)').pluck().all(name) as string[]).filter((p) => p !== name)]),
  );
  const ordered: string[] = [];
  const visit = (name: string) => {
    if (ordered.includes(name)) return;
    for (const parent of parents.get(name) ?? []) visit(parent);
    ordered.push(name);
  };
  names.forEach(visit);
  return ordered;
}

/**
 * Copies the SQLite database `file` into the PostgreSQL database at `url`, which must hold no data
 * yet (it is migrated to the same version first). Stop the collector that uses the file before: what
 * it writes after the copy's snapshot is not copied.
 */
export async function copyToPostgres(file: string, url: string, progress: (table: string, rows: number) => void = () => {}): Promise<CopyResult> {
  let version: number;
  try {
    version = inspectDatabase(file).version;
  } catch (error) {
    throw new CopyError((error as Error).message);
  }
  // Brings an older file to this version's schema, as the collector would at its start.
  const source = openSqliteFile(file);
  let target: Db | undefined;
  try {
    try {
      target = await openDatabase(url);
    } catch (error) {
      throw new CopyError(`cannot open the PostgreSQL database ${shownLocation(url)}: ${(error as Error).message}`);
    }
    if (engineOf(target) !== 'postgres') throw new CopyError(`${shownLocation(url)}: not a PostgreSQL URL (postgres://…)`);
    version = source.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get() as number;
    const targetVersion = await value<number>(target, sql`SELECT MAX(version) FROM schema_migrations`);
    if (targetVersion !== version)
      throw new CopyError(`the PostgreSQL database is at migration ${targetVersion}, the SQLite file at ${version}: use the same tiebreak version for both`);
    // meta last: the target's triggers bump its data version while the other tables are copied,
    // and the copied meta (the source's data version) then replaces the target's.
    const tables = tablesInDependencyOrder(source).sort((a, b) => Number(a === 'meta') - Number(b === 'meta'));
    const holding = [];
    for (const table of tables) if (table !== 'meta' && (await value<number>(target, sql`SELECT COUNT(*) FROM ${sql.table(table)}`))) holding.push(table);
    if (holding.length) throw new CopyError(`the PostgreSQL database already holds data (${holding.join(', ')}): copy into a new, empty database`);

    const counts: Record<string, number> = {};
    // One read transaction on the file: every table as it was at the same instant.
    source.prepare('BEGIN').run();
    try {
      await transaction(target, async (trx) => {
        for (const table of tables) {
          const columns = source.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[];
          const insert = async (rows: unknown[][]) => {
            const tuples = rows.map((row) => sql`(${sql.join(row)})`);
            await sql`INSERT INTO ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) VALUES ${sql.join(tuples)}`.execute(trx);
          };
          // The target's own settings (made by its migrations) give way to the copied ones.
          if (table === 'meta') await sql`DELETE FROM meta`.execute(trx);
          let batch: unknown[][] = [];
          let copied = 0;
          for (const row of source
            .prepare(`SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "${table}"`)
            .raw()
            .iterate() as Iterable<unknown[]>) {
            batch.push(row);
            if (batch.length === BATCH_ROWS) {
              await insert(batch);
              copied += batch.length;
              batch = [];
              progress(table, copied);
            }
          }
          if (batch.length) await insert(batch);
          copied += batch.length;
          counts[table] = copied;
          progress(table, copied);
        }
        // Ids given from now on follow the copied ones.
        const identities = await values<string>(
          trx,
          sql`SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'id' AND is_identity = 'YES'`,
        );
        for (const table of identities) {
          if (table === 'schema_migrations') continue;
          await sql`SELECT setval(pg_get_serial_sequence(${table}, 'id'), COALESCE((SELECT MAX(id) FROM ${sql.table(table)}), 0) + 1, false)`.execute(trx);
        }
      });
    } finally {
      source.prepare('COMMIT').run();
    }
    return { tables: counts, version };
  } finally {
    source.close();
    if (target) await closeDatabase(target);
  }
}
