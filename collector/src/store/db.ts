// The collector's database: SQLite (better-sqlite3, the embedded default) or PostgreSQL (pg), both
// behind Kysely. Application SQL is written once, with Kysely's builder or its `sql` tag (which
// writes each engine's placeholders); what still differs between the engines is named in
// store/dialect.ts. Migrations stay ours (schema_migrations, one file each): SQLite databases made
// by earlier releases already record them there.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresAdapter, PostgresDialect, SqliteDialect, sql, type DatabaseConnection, type RawBuilder } from 'kysely';
import pg from 'pg';
import { MIGRATIONS, type Migration } from './migrations.ts';
import type { Tables } from './tables.ts';

/** The database, or a transaction on it (a Kysely transaction is a Kysely too). */
export type Db = Kysely<Tables>;
export type Engine = 'sqlite' | 'postgres';
export { sql };

/** The newest migration the PostgreSQL baseline (store/postgres/baseline.sql) stands for. */
export const POSTGRES_BASELINE_VERSION = 21;
// Relative to a folder beside this one: the built bundle stands import.meta.url for such a folder
// (scripts/build-collector.ts), and ships the file there.
const BASELINE_FILE = new URL('../store/postgres/baseline.sql', import.meta.url);

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** A database location as it may be printed or logged: a PostgreSQL URL's password masked. */
export function shownLocation(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const url = new URL(location);
    if (url.password) url.password = '***';
    if (url.searchParams.has('password')) url.searchParams.set('password', '***');
    return url.toString();
  } catch {
    // Not parsable as a URL: whatever stands between "//user:" and "@" is taken for a password.
    return location.replace(/^(\w+:\/\/[^:/@]*:)[^@]*@/, '$1***@').replace(/([?&]password=)[^&]*/i, '$1***');
  }
}

export interface OpenOptions {
  migrations?: readonly Migration[];
  /** Connections kept by a PostgreSQL pool (default 10). */
  poolSize?: number;
}

/** Opens `location` (an SQLite file, `:memory:`, or a postgres:// URL) and runs pending migrations. */
export async function openDatabase(location: string, options: OpenOptions = {}): Promise<Db> {
  const migrations = options.migrations ?? MIGRATIONS;
  if (isPostgresUrl(location)) {
    const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: postgresPool(location, options.poolSize ?? 10) }) });
    try {
      await migratePostgres(db, migrations);
    } catch (error) {
      await db.destroy();
      throw error;
    }
    return db;
  }
  const raw = openSqliteFile(location, migrations);
  const db = new Kysely<Tables>({ dialect: new ImmediateSqliteDialect({ database: statementCache(raw) }) });
  sqliteHandles.set(db, raw);
  return db;
}

export async function closeDatabase(db: Db): Promise<void> {
  await db.destroy();
}

export function engineOf(db: Db): Engine {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

const sqliteHandles = new WeakMap<Db, Database.Database>();

/** The better-sqlite3 connection under an SQLite database (online backup, pragmas); undefined on PostgreSQL. */
export function sqliteHandle(db: Db): Database.Database | undefined {
  return sqliteHandles.get(db);
}

// ---- Queries written with the `sql` tag -------------------------------------------------------

export async function rows<T>(db: Db, query: RawBuilder<T>): Promise<T[]> {
  return (await query.execute(db)).rows;
}

export async function first<T>(db: Db, query: RawBuilder<T>): Promise<T | undefined> {
  return (await query.execute(db)).rows[0];
}

/** The first column of the first row (a count, an id, a setting). */
export async function value<T>(db: Db, query: RawBuilder<unknown>): Promise<T | undefined> {
  const row = (await query.execute(db)).rows[0] as Record<string, unknown> | undefined;
  return row === undefined ? undefined : (Object.values(row)[0] as T);
}

/** The first column of every row. */
export async function values<T>(db: Db, query: RawBuilder<unknown>): Promise<T[]> {
  return ((await query.execute(db)).rows as Record<string, unknown>[]).map((row) => Object.values(row)[0] as T);
}

/** Runs a statement; the number of rows it inserted, changed or deleted. */
export async function run(db: Db, query: RawBuilder<unknown>): Promise<number> {
  return Number((await query.execute(db)).numAffectedRows ?? 0);
}

/**
 * Runs `work` in one transaction: committed when it resolves, rolled back when it throws. Inside a
 * transaction already, `work` joins it (SAVEPOINT where a part must roll back on its own).
 */
export async function transaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db);
  return db.transaction().execute(work);
}

// ---- Settings kept in the database --------------------------------------------------------------

export async function getMeta(db: Db, key: string): Promise<string | undefined> {
  return value<string>(db, sql`SELECT value FROM meta WHERE key = ${key}`);
}

export async function setMeta(db: Db, key: string, text: string): Promise<void> {
  await sql`INSERT INTO meta (key, value) VALUES (${key}, ${text}) ON CONFLICT (key) DO UPDATE SET value = excluded.value`.execute(db);
}

/**
 * The data version: a counter that every change of what the map and the assessment read bumps in
 * its own transaction (ingest, host removal, reclassification and the authority in code, the DSI's
 * inputs by triggers of migration 25), so that figures computed from one version stay right until the next, in any
 * process (assessment/cached.ts). Bumping it more often than needed only costs a recomputation.
 */
export const DATA_VERSION_KEY = 'data_version';

/** Bumps the data version; last in a transaction, so that the row is locked only until its commit. */
export async function bumpDataVersion(db: Db): Promise<void> {
  await sql`UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = ${DATA_VERSION_KEY}`.execute(db);
}

/** The data version as this transaction or snapshot sees it (undefined without its row: then nothing may be cached). */
export async function dataVersion(db: Db): Promise<bigint | undefined> {
  const text = await getMeta(db, DATA_VERSION_KEY);
  return text === undefined ? undefined : BigInt(text);
}

// ---- SQLite ------------------------------------------------------------------------------------

/** The SQLite file opened with better-sqlite3, its pragmas set and its migrations run. */
export function openSqliteFile(file: string, migrations: readonly Migration[] = MIGRATIONS): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Ingest touches index pages all over the installations table: keep them in memory.
  db.pragma('cache_size = -131072'); // 128 MiB
  db.pragma('mmap_size = 1073741824'); // 1 GiB of the file mapped for reads
  db.pragma('temp_store = MEMORY');
  // A checkpoint every ~40 MB of journal instead of every 4 MB: first inventories write many
  // pages, and the checkpoint ran inside one commit in three (about 15 % more inventories a second,
  // measured); the journal file is cut back to 64 MB after each.
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma('journal_size_limit = 67108864');
  migrateSqlite(db, migrations);
  return db;
}

export function migrateSqlite(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  const done: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    const enforced = migration.foreignKeysOff && (db.pragma('foreign_keys', { simple: true }) as number) === 1;
    if (enforced) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(migration.sql);
        if (migration.foreignKeysOff) {
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length) throw new Error(`migration ${migration.version}: ${broken.length} rows break a foreign key`);
        }
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          migration.version,
          migration.name,
          new Date().toISOString(),
        );
      }).immediate();
    } finally {
      if (enforced) db.pragma('foreign_keys = ON');
    }
    done.push(migration.version);
  }
  return done;
}

/**
 * Kysely's SQLite dialect with write transactions that take SQLite's write lock at BEGIN: a
 * transaction that reads first and writes later cannot then fail at once with SQLITE_BUSY because
 * another process (a CLI command beside the server) wrote meanwhile; it waits (busy_timeout).
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver() {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw('BEGIN IMMEDIATE'));
    };
    return driver;
  }
}

/** better-sqlite3 with its statements kept prepared: Kysely prepares each query again otherwise. */
function statementCache(db: Database.Database) {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => db.close(),
    prepare(text: string) {
      let statement = cache.get(text);
      if (!statement) {
        if (cache.size >= 1000) cache.clear();
        statement = db.prepare(text);
        cache.set(text, statement);
      }
      return statement;
    },
  };
}

// ---- PostgreSQL --------------------------------------------------------------------------------

// Counts and sums come back as bigint/numeric, which pg gives as strings: the application's
// numbers stay numbers (ids and counts stay far below 2^53).
const INT8 = 20;
const NUMERIC = 1700;
const postgresTypes = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8 || oid === NUMERIC) return (text: string) => (text === null ? null : Number(text));
    return (pg.types.getTypeParser as (oid: number, format?: string) => unknown)(oid, format);
  },
} as pg.CustomTypesConfig;

function postgresPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, types: postgresTypes });
  // An idle connection that the server closes must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // Nor one held between two queries of a transaction when the server restarts (its 57P01 comes as
  // an 'error' event of the client, no pool listener then): the transaction's next query fails,
  // and the pool discards the broken client when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/**
 * PostgreSQL starts from one baseline, the schema SQLite reaches at POSTGRES_BASELINE_VERSION,
 * then runs each later migration's `postgres` SQL. Under an advisory lock: collectors starting
 * together on one database migrate it once.
 */
async function migratePostgres(db: Db, migrations: readonly Migration[]): Promise<number[]> {
  return db.connection().execute(async (connection) => {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK})`.execute(connection);
    try {
      await sql`CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`.execute(
        connection,
      );
      const applied = new Set(await values<number>(connection, sql`SELECT version FROM schema_migrations`));
      const done: number[] = [];
      for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
        if (applied.has(migration.version)) continue;
        const text =
          migration.version <= POSTGRES_BASELINE_VERSION
            ? applied.size === 0 && done.length === 0
              ? readFileSync(BASELINE_FILE, 'utf8')
              : ''
            : migration.postgres;
        if (text === undefined) throw new Error(`migration ${migration.version} (${migration.name}) has no PostgreSQL SQL`);
        await connection.transaction().execute(async (trx) => {
          if (text) await sql.raw(text).execute(trx);
          await sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${new Date().toISOString()})`.execute(
            trx,
          );
        });
        done.push(migration.version);
      }
      return done;
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`.execute(connection);
    }
  });
}

/** Advisory lock ids of the collector's jobs (one number each, shared by every process). */
export const MIGRATION_LOCK = 7_303_001;
